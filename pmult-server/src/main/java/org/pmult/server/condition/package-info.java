/** Per-client conditions: when a client is consulted, as a three-valued expression over what a session has shown so far. */
package org.pmult.server.condition;
