/**
 * The MeTA1 simulator engine: plays scenario sessions against a pmilter the way smtps's
 * policy_milter client does ({@code docs/pmilter-wire.md}), multiplexed on one
 * connection, and returns a structured result for every command.
 */
package org.pmult.sim.engine;
