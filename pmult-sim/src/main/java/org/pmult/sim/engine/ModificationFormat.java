package org.pmult.sim.engine;

import org.pmult.pmilter.codec.PmilterModification;

/**
 * How modifications are printed, and matched by {@code expect modification}: a header as
 * {@code Name:} followed by MOD_VALUE, which carries its leading space (pmilter profile), so
 * {@code +header Name: value}, {@code +header[2] Name: value} (insert at position 2),
 * {@code ~header[1] Name: value} (change), {@code -header[1] Name} (delete), {@code +rcpt <a@b>},
 * {@code -rcpt <a@b>}, {@code =mail <a@b>}, {@code =body 1234 bytes}.
 */
public final class ModificationFormat {

    private ModificationFormat() {
    }

    public static String describe(PmilterModification modification) {
        if (modification instanceof PmilterModification.AddHeader add) {
            return "+header " + add.name() + ":" + add.value();
        }
        if (modification instanceof PmilterModification.InsertHeader insert) {
            return "+header[" + insert.index() + "] " + insert.name() + ":" + insert.value();
        }
        if (modification instanceof PmilterModification.ChangeHeader change) {
            return change.isDelete() ? "-header[" + change.index() + "] " + change.name()
                    : "~header[" + change.index() + "] " + change.name() + ":" + change.value();
        }
        if (modification instanceof PmilterModification.AddRecipient add) {
            return "+rcpt " + add.address();
        }
        if (modification instanceof PmilterModification.DeleteRecipient delete) {
            return "-rcpt " + delete.address();
        }
        if (modification instanceof PmilterModification.ChangeSender change) {
            return "=mail " + change.address();
        }
        if (modification instanceof PmilterModification.ReplaceBody body) {
            return "=body " + body.length() + " bytes";
        }
        throw new IllegalArgumentException("unknown modification " + modification);
    }
}
