/**
 * The load generator ({@code pmult-sim load}): N concurrent SMTP sessions, each a whole transaction,
 * through pmult (pmilter) or straight to a milter (Milter, the baseline), reported as throughput and an
 * HdrHistogram of latencies; and {@link org.pmult.sim.load.ContinueMilter}, the fast milter to measure
 * against. How to run the benchmarks: {@code docs/benchmarks.md}.
 */
package org.pmult.sim.load;
