package org.pmult.server.condition;

/** A condition expression that cannot be read: what is wrong, and at which column (1-based) of the expression. */
public final class ConditionSyntaxException extends IllegalArgumentException {

    private final int column;

    ConditionSyntaxException(int column, String problem) {
        super("column " + column + ": " + problem);
        this.column = column;
    }

    public int column() {
        return column;
    }
}
