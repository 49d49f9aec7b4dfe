package org.pmult.server.config;

import org.pmult.pmilter.codec.PmilterCodes;

import java.util.regex.Pattern;

/**
 * Spelling rules for macro names in configuration. MeTA1 names must be in the pmilter profile's macro table
 * ({@code PmilterCodes.Macro}), the one place they are defined.
 */
public final class MacroNames {

    private static final Pattern META1_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]*");
    private static final Pattern LONG_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private MacroNames() {
    }

    /**
     * A MeTA1 macro name as written in {@code define-macros} ({@code auth_type}, {@code msgid}).
     *
     * @throws IllegalArgumentException if it is not an identifier
     */
    public static String meta1(String name) {
        String trimmed = name.strip();
        if (!META1_NAME.matcher(trimmed).matches()) {
            throw new IllegalArgumentException("bad MeTA1 macro name \"" + name + "\" (expected: a name such as auth_type or msgid)");
        }
        if (PmilterCodes.Macro.fromConfigName(trimmed) == null) {
            StringBuilder known = new StringBuilder();
            for (PmilterCodes.Macro macro : PmilterCodes.Macro.values()) {
                known.append(known.length() == 0 ? "" : ", ").append(macro.configName());
            }
            throw new IllegalArgumentException("unknown MeTA1 macro \"" + trimmed + "\" (expected one of: " + known + ")");
        }
        return trimmed;
    }

    /**
     * A Sendmail macro name in its canonical form: one character stays bare ({@code i}), a longer name
     * is put in braces ({@code client_addr} becomes {@code {client_addr}}), so config files need not
     * quote braces; {@code {i}} becomes {@code i}.
     *
     * @throws IllegalArgumentException for anything else
     */
    public static String sendmail(String name) {
        String trimmed = name.strip();
        String inner = trimmed.startsWith("{") && trimmed.endsWith("}") && trimmed.length() > 2
                ? trimmed.substring(1, trimmed.length() - 1)
                : trimmed;
        if (!LONG_NAME.matcher(inner).matches()) {
            throw new IllegalArgumentException("bad Sendmail macro name \"" + name
                    + "\" (expected: one character such as i, or a name such as {client_addr})");
        }
        return inner.length() == 1 ? inner : "{" + inner + "}";
    }
}
