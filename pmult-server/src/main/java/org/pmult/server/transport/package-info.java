/** Netty transport selection (epoll on Linux, NIO elsewhere) for inet and unix-domain sockets. */
package org.pmult.server.transport;
