package org.pmult.server.condition;

/**
 * {@code size-below(N)} / {@code size-above(N)}: the message is smaller / larger than N bytes. Decided
 * at MAIL by the client's SIZE= argument when it gave one; otherwise by the bytes MeTA1 passes: as soon
 * as they pass N (mid-message), else at end of message.
 *
 * @param above true for {@code size-above}
 * @param limit N, in bytes
 */
public record MessageSize(boolean above, long limit) implements Condition {

    public static final String BELOW = "size-below";
    public static final String ABOVE = "size-above";

    @Override
    public Truth evaluate(SessionFacts facts) {
        if (!facts.reached(ConditionStage.MAIL)) {
            return Truth.UNKNOWN;
        }
        if (facts.declaredSize() >= 0) {
            return of(facts.declaredSize());
        }
        if (facts.reached(ConditionStage.EOM)) {
            return of(facts.messageBytes());
        }
        // the final size is at least what has arrived
        if (above && facts.messageBytes() > limit) {
            return Truth.TRUE;
        }
        if (!above && facts.messageBytes() >= limit) {
            return Truth.FALSE;
        }
        return Truth.UNKNOWN;
    }

    private Truth of(long size) {
        return Truth.of(above ? size > limit : size < limit);
    }

    @Override
    public String text() {
        return (above ? ABOVE : BELOW) + "(" + limit + ")";
    }

    @Override
    public ConditionStage earliest() {
        return ConditionStage.MAIL;
    }

    @Override
    public ConditionStage latest() {
        return ConditionStage.EOM;
    }
}
