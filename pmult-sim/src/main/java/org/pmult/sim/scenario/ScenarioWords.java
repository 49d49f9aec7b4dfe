package org.pmult.sim.scenario;

import java.util.Locale;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;

/** The words scenario files and printed results use for verdicts. */
public final class ScenarioWords {

    private ScenarioWords() {
    }

    /** {@code reject} for {@link ReplyCode#REJECT}. */
    public static String verdictWord(ReplyCode code) {
        return code.name().toLowerCase(Locale.ROOT);
    }

    /** The verdict for a word ({@code continue}, {@code accept}, {@code reject}, {@code tempfail}, {@code discard}, {@code shutdown}), or {@code null}. */
    public static ReplyCode verdict(String word) {
        for (ReplyCode code : ReplyCode.values()) {
            if (code != ReplyCode.ERROR && verdictWord(code).equals(word.toLowerCase(Locale.ROOT))) {
                return code;
            }
        }
        return null;
    }
}
