package org.pmult.server.macro;

import org.pmult.milter.codec.MilterCodes;
import org.pmult.pmilter.codec.PmilterCodes;
import org.pmult.server.config.MacroStage;

/**
 * How the project's stage vocabulary maps onto each protocol's stage numbers — the only place the
 * two protocols' stages meet. MeTA1 has one combined data stage, so the Milter end-of-headers stage
 * is fed with what MeTA1 sent at DATA.
 */
public final class Stages {

    private Stages() {
    }

    public static MacroStage of(MilterCodes.MacroStage stage) {
        return switch (stage) {
            case CONNECT -> MacroStage.CONNECT;
            case HELO -> MacroStage.HELO;
            case ENVFROM -> MacroStage.MAIL;
            case ENVRCPT -> MacroStage.RCPT;
            case DATA -> MacroStage.DATA;
            case EOH -> MacroStage.EOH;
            case EOM -> MacroStage.EOM;
        };
    }

    public static MilterCodes.MacroStage milter(MacroStage stage) {
        return switch (stage) {
            case CONNECT -> MilterCodes.MacroStage.CONNECT;
            case HELO -> MilterCodes.MacroStage.HELO;
            case MAIL -> MilterCodes.MacroStage.ENVFROM;
            case RCPT -> MilterCodes.MacroStage.ENVRCPT;
            case DATA -> MilterCodes.MacroStage.DATA;
            case EOH -> MilterCodes.MacroStage.EOH;
            case EOM -> MilterCodes.MacroStage.EOM;
        };
    }

    /** The MeTA1 stage whose command carries the values this stage needs. */
    public static PmilterCodes.Stage meta1(MacroStage stage) {
        return switch (stage) {
            case CONNECT -> PmilterCodes.Stage.CONNECT;
            case HELO -> PmilterCodes.Stage.EHLO;
            case MAIL -> PmilterCodes.Stage.MAIL;
            case RCPT -> PmilterCodes.Stage.RCPT;
            case DATA, EOH -> PmilterCodes.Stage.DATA;
            case EOM -> PmilterCodes.Stage.DOT;
        };
    }
}
