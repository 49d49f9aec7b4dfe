package org.pmult.sim.engine;

/**
 * How a scenario is played.
 *
 * @param parallel most sessions in flight at once on the connection (the pmilter's MAXSESS, when not 0,
 *                 lowers it)
 * @param repeat   how many times every session is played; repeats get SEIDs {@code name.1}, {@code name.2}, …
 */
public record RunOptions(int parallel, int repeat) {

    /** One session at a time, each once. */
    public static final RunOptions SEQUENTIAL = new RunOptions(1, 1);

    public RunOptions {
        if (parallel < 1) {
            throw new IllegalArgumentException("parallel: " + parallel + " (expected: >= 1)");
        }
        if (repeat < 1) {
            throw new IllegalArgumentException("repeat: " + repeat + " (expected: >= 1)");
        }
    }
}
