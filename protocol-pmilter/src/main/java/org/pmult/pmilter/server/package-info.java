/**
 * The pmilter server role that pmult runs ({@code docs/pmilter-wire.md}): the
 * codec and the connection handler that negotiates and multiplexes SMTP sessions by SEID.
 */
package org.pmult.pmilter.server;
