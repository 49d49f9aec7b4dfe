package org.pmult.sim.scenario;

import java.util.Objects;
import java.util.regex.Pattern;

/** A shell-style pattern: {@code *} matches any run of characters, {@code ?} one character, the rest itself. */
public final class Glob {

    private final String text;
    private final Pattern pattern;

    private Glob(String text) {
        this.text = text;
        StringBuilder regex = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '*' || c == '?') {
                if (literal.length() > 0) {
                    regex.append(Pattern.quote(literal.toString()));
                    literal.setLength(0);
                }
                regex.append(c == '*' ? "(?s:.*)" : "(?s:.)");
            } else {
                literal.append(c);
            }
        }
        if (literal.length() > 0) {
            regex.append(Pattern.quote(literal.toString()));
        }
        this.pattern = Pattern.compile(regex.toString());
    }

    public static Glob of(String text) {
        return new Glob(Objects.requireNonNull(text, "text"));
    }

    /** Whether the whole of {@code value} matches. */
    public boolean matches(String value) {
        return pattern.matcher(value).matches();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Glob that && text.equals(that.text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }
}
