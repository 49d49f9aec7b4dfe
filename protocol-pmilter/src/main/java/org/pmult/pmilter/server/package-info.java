/**
 * The pmilter server role that pmult runs (spec {@code shared/spec/pmilter-protocol.md} §10): the
 * codec and the connection handler that negotiates and multiplexes SMTP sessions by SEID.
 */
package org.pmult.pmilter.server;
