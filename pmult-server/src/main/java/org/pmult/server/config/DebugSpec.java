package org.pmult.server.config;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A parsed debug specification ({@code debug} statement, {@code --debug}): which logger gets which
 * level. Parsing lives here so a bad spec is a configuration error with file and line; applying it
 * to the logging backend is the CLI's job.
 *
 * <p>Items are separated by {@code ;} or white space; later items win. Each item is one of:
 * <ul>
 *   <li>{@code off}, {@code error}, {@code warn}, {@code info}, {@code debug}, {@code trace}: level of
 *       {@code org.pmult} ({@code trace} is the protocol transcript without hex dumps);</li>
 *   <li>{@code wire} (or {@code prot}): the transcript plus every frame in hex (the wire loggers);</li>
 *   <li>a number like Mailutils' trace levels: {@code 0} info, {@code 1}-{@code 2} debug,
 *       {@code 3}-{@code 6} trace, {@code 7}-{@code 9} trace plus hex frames;</li>
 *   <li>{@code LOGGER=LEVEL}, e.g. {@code org.pmult.session=debug} or {@code io.netty=debug};</li>
 *   <li>GNU pmult's Mailutils syntax for category {@code pmult}: {@code pmult}, {@code !pmult},
 *       {@code pmult.trace1}, {@code pmult.=trace2}, {@code pmult.!trace2}, {@code pmult.trace0-trace7},
 *       {@code pmult.prot,!=trace9} ({@code error}/{@code trace0..9}/{@code prot} mapped by the
 *       highest level left enabled: error = info, trace0-2 = debug, trace3-6 = trace, trace7 and up = wire).
 *       Other Mailutils categories ({@code acl.trace9}) have no counterpart and are noted and ignored.</li>
 * </ul>
 *
 * @param text    the specification as written
 * @param loggers logger name to level, in application order; always sets {@link #PMULT_LOGGER} and
 *                the {@link #WIRE_LOGGERS} explicitly so hex dumps appear only when asked for
 * @param notes   remarks for the operator (ignored Mailutils categories)
 */
public record DebugSpec(String text, Map<String, Level> loggers, List<String> notes) {

    /** Logging levels, backend-neutral. */
    public enum Level { OFF, ERROR, WARN, INFO, DEBUG, TRACE }

    /** The logger all of pmult's classes log under. */
    public static final String PMULT_LOGGER = "org.pmult";
    /** Loggers that dump whole frames in hex at TRACE (pmilter side, Milter side). */
    public static final List<String> WIRE_LOGGERS = List.of("org.pmult.pmilter.wire", "org.pmult.milter.wire");

    public static final String EXPECTED = "0..9, off, error, warn, info, debug, trace, wire, LOGGER=LEVEL,"
            + " or Mailutils syntax such as pmult.trace7";

    private static final Pattern LOGGER = Pattern.compile("[A-Za-z_$][A-Za-z0-9_$.-]*");
    private static final Pattern CATEGORY = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]*");
    /** Mailutils levels in order: error, trace0..trace9, prot. */
    private static final List<String> MAILUTILS_LEVELS = List.of(
            "error", "trace0", "trace1", "trace2", "trace3", "trace4", "trace5", "trace6", "trace7", "trace8", "trace9", "prot");

    public static final DebugSpec DEFAULT = parse("");

    public DebugSpec {
        Objects.requireNonNull(text, "text");
        loggers = Collections.unmodifiableMap(new LinkedHashMap<>(loggers));
        notes = List.copyOf(notes);
    }

    /** Whether this is the plain default (everything at info, no hex). */
    public boolean isDefault() {
        return loggers.equals(DEFAULT.loggers);
    }

    /**
     * Parses a debug specification; the empty string gives the default.
     *
     * @throws IllegalArgumentException naming the bad item and what was expected
     */
    public static DebugSpec parse(String text) {
        Objects.requireNonNull(text, "text");
        Map<String, Level> loggers = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        putPmult(loggers, Level.INFO, false);
        BitSet mailutils = new BitSet(MAILUTILS_LEVELS.size());
        for (String item : text.strip().split("[;\\s]+")) {
            if (item.isEmpty()) {
                continue;
            }
            parseItem(item, loggers, notes, mailutils);
        }
        return new DebugSpec(text.strip(), loggers, notes);
    }

    private static void parseItem(String item, Map<String, Level> loggers, List<String> notes, BitSet mailutils) {
        String lower = item.toLowerCase(Locale.ROOT);
        if (lower.matches("[0-9]")) {
            int number = lower.charAt(0) - '0';
            Level level = number == 0 ? Level.INFO : number <= 2 ? Level.DEBUG : Level.TRACE;
            putPmult(loggers, level, number >= 7);
            return;
        }
        switch (lower) {
            case "off", "error", "warn", "info", "debug", "trace" -> {
                putPmult(loggers, Level.valueOf(lower.toUpperCase(Locale.ROOT)), false);
                return;
            }
            case "wire", "prot" -> {
                putPmult(loggers, Level.TRACE, true);
                return;
            }
            default -> {
            }
        }
        int equals = item.indexOf('=');
        if (equals > 0 && item.charAt(equals - 1) != '.' && item.charAt(equals - 1) != '!') {
            String logger = item.substring(0, equals);
            String level = item.substring(equals + 1).toUpperCase(Locale.ROOT);
            if (!LOGGER.matcher(logger).matches()) {
                throw bad(item, "bad logger name \"" + logger + "\"");
            }
            if (level.equals("ALL")) {
                level = "TRACE";
            }
            try {
                loggers.put(logger, Level.valueOf(level));
            } catch (IllegalArgumentException e) {
                throw bad(item, "unknown level \"" + item.substring(equals + 1) + "\" (expected: off, error, warn, info, debug or trace)");
            }
            return;
        }
        parseMailutils(item, loggers, notes, mailutils);
    }

    private static void parseMailutils(String item, Map<String, Level> loggers, List<String> notes, BitSet enabled) {
        boolean negated = item.startsWith("!");
        String body = negated ? item.substring(1) : item;
        int dot = body.indexOf('.');
        String category = dot < 0 ? body : body.substring(0, dot);
        if (!CATEGORY.matcher(category).matches() || (negated && dot >= 0)) {
            throw bad(item, "expected: " + EXPECTED);
        }
        if (dot < 0 && !negated && !category.equalsIgnoreCase("pmult")) {
            throw bad(item, "expected: " + EXPECTED);
        }
        BitSet levels = (BitSet) enabled.clone();
        if (dot < 0) {
            levels.set(0, MAILUTILS_LEVELS.size(), !negated);
        } else {
            for (String spec : body.substring(dot + 1).split(",")) {
                applyMailutilsLevel(item, spec, levels);
            }
        }
        if (!category.equalsIgnoreCase("pmult")) {
            notes.add("debug: Mailutils category \"" + category + "\" has no counterpart in pmult; \"" + item + "\" ignored");
            return;
        }
        enabled.clear();
        enabled.or(levels);
        int highest = enabled.length() - 1;
        if (highest <= 0) {
            putPmult(loggers, Level.INFO, false);
        } else {
            putPmult(loggers, highest <= 3 ? Level.DEBUG : Level.TRACE, highest >= MAILUTILS_LEVELS.indexOf("trace7"));
        }
    }

    private static void applyMailutilsLevel(String item, String spec, BitSet levels) {
        boolean disable = spec.startsWith("!");
        String rest = disable ? spec.substring(1) : spec;
        boolean only = rest.startsWith("=");
        if (only) {
            rest = rest.substring(1);
        }
        int dash = rest.indexOf('-');
        int from;
        int to;
        if (dash >= 0 && !only) {
            from = mailutilsLevel(item, rest.substring(0, dash));
            to = mailutilsLevel(item, rest.substring(dash + 1));
        } else {
            to = mailutilsLevel(item, rest);
            from = only ? to : 0;
        }
        if (from > to) {
            throw bad(item, "empty level range \"" + rest + "\"");
        }
        levels.set(from, to + 1, !disable);
    }

    private static int mailutilsLevel(String item, String level) {
        int index = MAILUTILS_LEVELS.indexOf(level.toLowerCase(Locale.ROOT));
        if (index < 0) {
            throw bad(item, "unknown Mailutils level \"" + level + "\" (expected: error, trace0..trace9 or prot)");
        }
        return index;
    }

    private static void putPmult(Map<String, Level> loggers, Level level, boolean wire) {
        loggers.put(PMULT_LOGGER, level);
        Level wireLevel = wire ? Level.TRACE : level.compareTo(Level.INFO) < 0 ? level : Level.INFO;
        for (String logger : WIRE_LOGGERS) {
            loggers.put(logger, wireLevel);
        }
    }

    private static IllegalArgumentException bad(String item, String why) {
        return new IllegalArgumentException("bad debug level \"" + item + "\": " + why);
    }
}
