/**
 * The pmilter client role that smtps plays (spec {@code shared/spec/pmilter-protocol.md} §10), used
 * by the MeTA1 simulator and the tests: the codec and a connection correlating replies by SEID.
 */
package org.pmult.pmilter.client;
