package org.pmult.milter.testing;

import org.pmult.milter.codec.MilterReply;

import java.time.Duration;
import java.util.List;

/** What a {@link ScriptedMilter} does after receiving a command. */
public sealed interface MilterScriptResponse {

    /** Send these replies, in order (modifications first, then the verdict, at end of message). */
    static MilterScriptResponse reply(MilterReply... replies) {
        return new Reply(List.of(replies));
    }

    /** Send nothing: right for unanswered commands, or to make the MTA side time out. */
    static MilterScriptResponse silent() {
        return Silent.INSTANCE;
    }

    /** Close the connection without answering. */
    static MilterScriptResponse close() {
        return Close.INSTANCE;
    }

    /** Stop reading from this connection (the MTA side's writes back up until its buffers are full). */
    static MilterScriptResponse stopReading() {
        return StopReading.INSTANCE;
    }

    /** Do nothing for {@code delay}, then carry on with the next step of a {@link #sequence}. */
    static MilterScriptResponse pause(Duration delay) {
        return new Pause(delay);
    }

    /** Run these steps one after the other, e.g. progress, pause, progress, pause, continue. */
    static MilterScriptResponse sequence(MilterScriptResponse... steps) {
        return new Sequence(List.of(steps));
    }

    /** Send replies. */
    record Reply(List<MilterReply> replies) implements MilterScriptResponse {
        public Reply {
            replies = List.copyOf(replies);
        }
    }

    /** Wait before the next step. */
    record Pause(Duration delay) implements MilterScriptResponse {
    }

    /** Steps in order. */
    record Sequence(List<MilterScriptResponse> steps) implements MilterScriptResponse {
        public Sequence {
            steps = List.copyOf(steps);
        }
    }

    /** Send nothing. */
    enum Silent implements MilterScriptResponse { INSTANCE }

    /** Close the connection. */
    enum Close implements MilterScriptResponse { INSTANCE }

    /** Stop reading. */
    enum StopReading implements MilterScriptResponse { INSTANCE }
}
