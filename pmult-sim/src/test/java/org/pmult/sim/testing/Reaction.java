package org.pmult.sim.testing;

import java.time.Duration;
import java.util.List;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.codec.PmilterModification;

/** What the scripted pmilter does with one command. */
public sealed interface Reaction {

    /** Answers with a REPLY. */
    record Answer(ReplyCode code, String text, List<PmilterModification> modifications) implements Reaction {
    }

    /** Never answers (the session's command stays outstanding). */
    record Hang() implements Reaction {
    }

    /** Closes the connection instead of answering. */
    record Disconnect() implements Reaction {
    }

    /** Answers after a delay, scheduled on the connection's event loop. */
    record Later(Answer answer, Duration delay) implements Reaction {
    }

    /** Holds back {@code then} until the server has received a command matching {@code condition}. */
    record After(java.util.function.Predicate<Received> condition, Reaction then) implements Reaction {
    }

    static Answer reply(ReplyCode code) {
        return new Answer(code, null, List.of());
    }

    static Answer reply(ReplyCode code, String text) {
        return new Answer(code, text, List.of());
    }

    static Answer continueWith(PmilterModification... modifications) {
        return new Answer(ReplyCode.CONTINUE, null, List.of(modifications));
    }

    static Reaction hang() {
        return new Hang();
    }

    static Reaction disconnect() {
        return new Disconnect();
    }
}
