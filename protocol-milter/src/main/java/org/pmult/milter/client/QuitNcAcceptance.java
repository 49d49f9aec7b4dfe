package org.pmult.milter.client;

/**
 * Whether the filter would take SMFIC_QUIT_NC now, by libmilter's state table (libmilter/engine.c,
 * which opendkim, spamass-milter and every python3-milter filter run on). libmilter moves to "quit,
 * new connection follows" only from end of message or from an unknown command; everywhere else the
 * transition is refused and QUIT_NC is dropped without a word — and so is the CONNECT that follows,
 * which then waits out the read timeout. Where libmilter is after each command:
 * <ul>
 *   <li>end of message answered CONTINUE: at end of message — takes QUIT_NC;</li>
 *   <li>end of message answered ACCEPT, REJECT, TEMPFAIL, DISCARD (or a reply code): back at HELO —
 *       drops it (opendkim answers ACCEPT at end of message);</li>
 *   <li>SMFIC_UNKNOWN answered anything but ACCEPT: at the unknown command — takes it (a rejection
 *       there leaves libmilter where it was); ACCEPT puts it back at HELO;</li>
 *   <li>any other command — CONNECT, HELO, MAIL, RCPT, DATA, a header, end of headers, body, ABORT —
 *       or one the filter does not answer (SMFIP_NR_*, so its callback's result is unknown): drops it.</li>
 * </ul>
 * Stages pmult does not send (switched off, or after an accepted message) change nothing: libmilter
 * never saw them. Other Milter implementations take QUIT_NC at least where libmilter does, or refuse
 * it outright (GNU mailfromd hangs up), so following libmilter is safe for all. Touched only on the
 * session's event loop.
 */
final class QuitNcAcceptance {

    private boolean takesQuitNc;

    /** A command of {@code stage} went out: libmilter left wherever it was. */
    void sent(MilterStage stage) {
        takesQuitNc = false;
    }

    /** The filter answered the command of {@code stage} with {@code verdict}. */
    void answered(MilterStage stage, MilterVerdict verdict) {
        takesQuitNc = switch (stage) {
            case EOM -> verdict.type() == MilterVerdict.Type.CONTINUE;
            case UNKNOWN -> verdict.type() != MilterVerdict.Type.ACCEPT && !verdict.isDefaultAction();
            case NEGOTIATE, CONNECT, HELO, MAIL, RCPT, DATA, HEADER, EOH, BODY, ABORT, CLOSE -> false;
        };
    }

    /** Whether libmilter would take SMFIC_QUIT_NC after what was sent and answered so far. */
    boolean takesQuitNc() {
        return takesQuitNc;
    }
}
