/**
 * The {@code pmult-sim} command: plays a scenario against a pmilter as MeTA1's smtps would, prints
 * every reply, and exits non-zero when an expectation fails (see {@code docs/pmult-sim.md}).
 */
package org.pmult.sim;
