package org.pmult.server.condition;

import java.util.List;

/**
 * A list of texts as written in the configuration, compiled into something that matches. Two lists
 * of the same kind are equal when their texts are; the texts are what they print as.
 */
abstract class TextList {

    private final List<String> texts;

    TextList(List<String> texts) {
        this.texts = List.copyOf(texts);
    }

    /** The texts as written. */
    public final List<String> texts() {
        return texts;
    }

    @Override
    public final boolean equals(Object other) {
        return other != null && other.getClass() == getClass() && ((TextList) other).texts.equals(texts);
    }

    @Override
    public final int hashCode() {
        return texts.hashCode();
    }

    @Override
    public final String toString() {
        return texts.toString();
    }
}
