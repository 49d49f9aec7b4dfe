package org.pmult.server.condition;

/** {@code client-address(block, ...)}: the SMTP client's address lies in one of the blocks; decided at CONNECT. */
public record ClientAddressIn(CidrList blocks) implements Condition {

    public static final String NAME = "client-address";

    @Override
    public Truth evaluate(SessionFacts facts) {
        if (!facts.reached(ConditionStage.CONNECT)) {
            return Truth.UNKNOWN;
        }
        return Truth.of(facts.clientAddress() != null && blocks.contains(facts.clientAddress()));
    }

    @Override
    public String text() {
        return ConditionText.call(NAME, blocks.texts());
    }

    @Override
    public ConditionStage earliest() {
        return ConditionStage.CONNECT;
    }

    @Override
    public ConditionStage latest() {
        return ConditionStage.CONNECT;
    }
}
