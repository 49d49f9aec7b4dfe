/**
 * The pmilter client role that smtps plays ({@code docs/pmilter-wire.md}), used
 * by the MeTA1 simulator and the tests: the codec and a connection correlating replies by SEID.
 */
package org.pmult.pmilter.client;
