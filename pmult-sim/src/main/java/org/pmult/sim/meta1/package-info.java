/**
 * MeTA1's own configuration syntax, as far as the simulator needs it: the {@code policy_milter}
 * section of smtps (see {@code docs/pmult-sim.md}).
 */
package org.pmult.sim.meta1;
