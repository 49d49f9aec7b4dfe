package org.pmult.server.condition;

import org.pmult.server.metrics.ConditionMeters;

import java.util.Objects;

/**
 * One client's condition in a running configuration, with the meters that count what it decided.
 *
 * @param meters null when metrics are off (tests) or the client has no condition
 */
public record ClientCondition(String client, Condition condition, ConditionMeters meters) {

    public ClientCondition {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(condition, "condition");
    }

    /** A client without a condition: consulted always, nothing counted. */
    public static ClientCondition always(String client) {
        return new ClientCondition(client, Condition.ALWAYS, null);
    }

    public boolean conditional() {
        return condition != Condition.ALWAYS;
    }
}
