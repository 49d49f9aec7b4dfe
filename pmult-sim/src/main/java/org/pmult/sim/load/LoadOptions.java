package org.pmult.sim.load;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.Objects;
import org.pmult.pmilter.codec.PmilterCodes;

/**
 * One load run.
 *
 * @param mode         pmilter (through pmult) or milter (straight to the milter)
 * @param address      pmult's listen address, or the milter's
 * @param sessions     SMTP sessions in flight at once, 1..{@value #MAX_SESSIONS}; each runs one whole
 *                     transaction and is replaced by a new one when it ends (a closed loop)
 * @param connections  pmilter connections the sessions are spread over (pmilter mode; 1..{@value #MAX_CONNECTIONS})
 * @param threads      event-loop threads of the generator
 * @param warmup       time before measuring (JIT, connection pools, ramp-up)
 * @param duration     measuring time; with {@code transactions} the longest it may take
 * @param transactions measure until this many transactions have ended, successfully or not (0: as many as
 *                     {@code duration} allows)
 * @param rampUp       sessions start spread evenly over this time (at most {@code warmup})
 * @param think        the SMTP client's pause after each SMTP command (connect, EHLO, MAIL, each RCPT,
 *                     DATA) before the next; zero for a saturating load. Latency excludes it.
 * @param transaction  what every session does
 * @param chunkSize    bytes per pmilter MSG chunk
 * @param timeout      the longest wait for one reply
 */
public record LoadOptions(LoadMode mode, SocketAddress address, int sessions, int connections, int threads,
        Duration warmup, Duration duration, long transactions, Duration rampUp, Duration think, LoadTransaction transaction,
        int chunkSize, Duration timeout) {

    public static final int MAX_SESSIONS = 100_000;
    public static final int MAX_CONNECTIONS = 64;
    public static final int MAX_THREADS = 64;

    public LoadOptions {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(transaction, "transaction");
        requireRange("sessions", sessions, 1, MAX_SESSIONS);
        requireRange("connections", connections, 1, MAX_CONNECTIONS);
        requireRange("threads", threads, 1, MAX_THREADS);
        requireRange("chunk size", chunkSize, 1, PmilterCodes.MAX_CHUNK_LENGTH);
        requireNonNegative("warmup", warmup);
        requireNonNegative("ramp-up", rampUp);
        requireNonNegative("think", think);
        requirePositive("duration", duration);
        requirePositive("timeout", timeout);
        if (transactions < 0) {
            throw new IllegalArgumentException("transactions: " + transactions + " (expected: >= 0, 0 = by duration)");
        }
        if (rampUp.compareTo(warmup) > 0) {
            throw new IllegalArgumentException("ramp-up: " + rampUp.toMillis() + " ms (expected: <= warmup, "
                    + warmup.toMillis() + " ms, so every session runs while measuring)");
        }
    }

    /** Whether the run ends after a number of transactions rather than after {@code duration}. */
    public boolean byCount() {
        return transactions > 0;
    }

    private static void requireRange(String name, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: " + min + ".." + max + ")");
        }
    }

    private static void requireNonNegative(String name, Duration value) {
        Objects.requireNonNull(value, name);
        if (value.isNegative()) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: >= 0)");
        }
    }

    private static void requirePositive(String name, Duration value) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: > 0)");
        }
    }
}
