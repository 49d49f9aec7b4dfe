/**
 * MeTA1's own configuration syntax, as far as the simulator needs it: the {@code policy_milter}
 * section of smtps (spec {@code shared/spec/pmilter-protocol.md} §7 and §10.9).
 */
package org.pmult.sim.meta1;
