package org.pmult.server.condition;

import java.util.List;
import java.util.regex.Pattern;

/** Writes conditions back in the expression syntax {@link ConditionParser} reads. */
final class ConditionText {

    /** What a bare word may hold; anything else is written as a quoted string. */
    private static final Pattern BARE = Pattern.compile("[^\\s(),\"\\\\]+");

    private ConditionText() {
    }

    static String call(String name, List<String> arguments) {
        StringBuilder text = new StringBuilder(name).append('(');
        for (int i = 0; i < arguments.size(); i++) {
            if (i > 0) {
                text.append(", ");
            }
            text.append(word(arguments.get(i)));
        }
        return text.append(')').toString();
    }

    static String word(String value) {
        if (BARE.matcher(value).matches()) {
            return value;
        }
        return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }
}
