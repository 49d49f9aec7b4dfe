/**
 * The MTA side of Milter (see {@code docs/milter-compatibility.md}): one {@link
 * org.pmult.milter.client.MilterClientSession} per filter connection, with per-stage methods, timeouts and
 * the configured default action when the filter fails. Inside, {@code MilterProtocolEngine} is the state
 * machine (what may be sent, what each reply means; no sockets), {@code NettyMilterConnection} the socket
 * it drives (connecting and retrying, timers, wire log) and {@code ConnectionRecycling} the SMFIC_QUIT_NC rules.
 */
package org.pmult.milter.client;
