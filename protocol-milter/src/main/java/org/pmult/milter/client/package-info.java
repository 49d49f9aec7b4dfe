/**
 * The MTA side of Milter (see {@code shared/spec/milter-protocol.md}): one {@link
 * org.pmult.milter.client.MilterClientSession} per filter connection, with per-stage methods, timeouts and
 * the configured default action when the filter fails.
 */
package org.pmult.milter.client;
