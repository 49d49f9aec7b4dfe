package org.pmult.pmilter.codec;

import java.util.Arrays;
import java.util.Objects;
import org.pmult.pmilter.codec.PmilterCodes.ModKind;

/**
 * One MOD group of a DOT reply (§10.8); smtps applies them in order, and only kinds whose CAPS bit
 * it offered may be sent.
 */
public sealed interface PmilterModification
        permits PmilterModification.AddHeader, PmilterModification.InsertHeader,
        PmilterModification.ChangeHeader, PmilterModification.AddRecipient,
        PmilterModification.DeleteRecipient, PmilterModification.ReplaceBody,
        PmilterModification.ChangeSender {

    ModKind kind();

    /** ADD_HDR: append header {@code name: value}. */
    record AddHeader(String name, String value) implements PmilterModification {
        public AddHeader {
            Checks.notEmpty("MOD_NAME", name);
            Objects.requireNonNull(value, "MOD_VALUE");
        }

        @Override
        public ModKind kind() {
            return ModKind.ADD_HDR;
        }
    }

    /** INSERT_HDR: insert header {@code name: value} at position {@code index} (0 = first). */
    record InsertHeader(int index, String name, String value) implements PmilterModification {
        public InsertHeader {
            Checks.nonNegative("MOD_IDX", index);
            Checks.notEmpty("MOD_NAME", name);
            Objects.requireNonNull(value, "MOD_VALUE");
        }

        @Override
        public ModKind kind() {
            return ModKind.INSERT_HDR;
        }
    }

    /** CHANGE_HDR: replace the {@code index}-th (1-based) header called {@code name}; an empty value deletes it. */
    record ChangeHeader(int index, String name, String value) implements PmilterModification {
        public ChangeHeader {
            Checks.atLeast("MOD_IDX", index, 1);
            Checks.notEmpty("MOD_NAME", name);
            Objects.requireNonNull(value, "MOD_VALUE");
        }

        /** Whether this change deletes the header. */
        public boolean isDelete() {
            return value.isEmpty();
        }

        @Override
        public ModKind kind() {
            return ModKind.CHANGE_HDR;
        }
    }

    /** ADD_RCPT: add a recipient. */
    record AddRecipient(String address) implements PmilterModification {
        public AddRecipient {
            Checks.notEmpty("MOD_VALUE", address);
        }

        @Override
        public ModKind kind() {
            return ModKind.ADD_RCPT;
        }
    }

    /** DEL_RCPT: delete a recipient. */
    record DeleteRecipient(String address) implements PmilterModification {
        public DeleteRecipient {
            Checks.notEmpty("MOD_VALUE", address);
        }

        @Override
        public ModKind kind() {
            return ModKind.DEL_RCPT;
        }
    }

    /**
     * REPLACE_BODY: the new body. On the wire it may be split over several MOD_VALUE entries (each at
     * most {@link PmilterCodes#MAX_CHUNK_LENGTH} when we encode); the decoder concatenates them.
     */
    record ReplaceBody(byte[] body) implements PmilterModification {
        public ReplaceBody {
            body = Objects.requireNonNull(body, "body").clone();
        }

        /** A copy of the new body. */
        @Override
        public byte[] body() {
            return body.clone();
        }

        public int length() {
            return body.length;
        }

        @Override
        public ModKind kind() {
            return ModKind.REPLACE_BODY;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof ReplaceBody that && Arrays.equals(body, that.body);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(body);
        }

        @Override
        public String toString() {
            return "ReplaceBody[" + body.length + " bytes]";
        }

        /** The body without copying; for the encoder only. */
        byte[] bodyUnsafe() {
            return body;
        }
    }

    /** CHANGE_MAIL: change the envelope sender. */
    record ChangeSender(String address) implements PmilterModification {
        public ChangeSender {
            Checks.notEmpty("MOD_VALUE", address);
        }

        @Override
        public ModKind kind() {
            return ModKind.CHANGE_MAIL;
        }
    }
}
