package org.pmult.server.condition;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Name patterns for HELO names and domains: {@code *} stands for any run of characters (none
 * included), {@code ?} for one; everything else is itself. Matching ignores ASCII case, as domain
 * names do, and is against the whole name: {@code example.com} matches only that name,
 * {@code *.example.com} only its subdomains.
 */
public final class GlobList extends TextList {

    private final Pattern pattern;

    private GlobList(List<String> globs, Pattern pattern) {
        super(globs);
        this.pattern = pattern;
    }

    /** @throws IllegalArgumentException for an empty list or an empty pattern */
    public static GlobList parse(List<String> globs) {
        if (globs.isEmpty()) {
            throw new IllegalArgumentException("no pattern (expected: at least one, e.g. example.com or *.example.com)");
        }
        StringBuilder regex = new StringBuilder();
        for (String glob : globs) {
            if (glob.isEmpty()) {
                throw new IllegalArgumentException("an empty pattern matches nothing (expected: e.g. example.com or *.example.com)");
            }
            if (regex.length() > 0) {
                regex.append('|');
            }
            regex.append("(?:");
            StringBuilder literal = new StringBuilder();
            for (char c : glob.toCharArray()) {
                if (c == '*' || c == '?') {
                    if (literal.length() > 0) {
                        regex.append(Pattern.quote(literal.toString()));
                        literal.setLength(0);
                    }
                    regex.append(c == '*' ? ".*" : ".");
                } else {
                    literal.append(c);
                }
            }
            if (literal.length() > 0) {
                regex.append(Pattern.quote(literal.toString()));
            }
            regex.append(')');
        }
        return new GlobList(globs, Pattern.compile(regex.toString(), Pattern.CASE_INSENSITIVE | Pattern.DOTALL));
    }

    public boolean matches(String name) {
        return pattern.matcher(name).matches();
    }
}
