package org.pmult.milter.client;

import org.pmult.milter.codec.MilterCodecException;
import org.pmult.milter.codec.MilterCodes;
import org.pmult.milter.codec.MilterCodes.ActionFlag;
import org.pmult.milter.codec.MilterCodes.Command;
import org.pmult.milter.codec.MilterCodes.MacroStage;
import org.pmult.milter.codec.MilterCodes.ProtocolFlag;
import org.pmult.milter.codec.MilterCommand;
import org.pmult.milter.codec.MilterMacroNames;
import org.pmult.milter.codec.MilterReply;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * What both sides agreed on: the version the filter speaks, the actions it may take, the protocol
 * flags in force and the macros it asked for per stage. Callers ask questions ({@link #sends},
 * {@link #awaitsReply}, {@link #allows}) instead of reading masks.
 */
public final class NegotiatedOptions {

    private final int version;
    private final int actions;
    private final int protocol;
    private final Map<MacroStage, MilterMacroNames> requestedMacros;

    private NegotiatedOptions(int version, int actions, int protocol, Map<MacroStage, MilterMacroNames> requestedMacros) {
        this.version = version;
        this.actions = actions;
        this.protocol = protocol;
        this.requestedMacros = requestedMacros;
    }

    /**
     * Checks the filter's answer against the offer and degrades to what its version defines.
     * Throws {@link MilterCodecException} if the version is unsupported or higher than offered, or
     * if the filter asks for actions or protocol flags that were not offered (Postfix gives up too).
     */
    public static NegotiatedOptions negotiate(MilterCommand.OptionNegotiation offer, MilterReply.OptionNegotiation reply) {
        int version = reply.version();
        if (version < MilterCodes.MIN_VERSION) {
            throw new MilterCodecException("SMFIR_OPTNEG: version " + version + " (expected: "
                    + MilterCodes.MIN_VERSION + ".." + offer.version() + ")");
        }
        if (version > offer.version()) {
            throw new MilterCodecException("SMFIR_OPTNEG: version " + version + " (expected: <= "
                    + offer.version() + ", the version offered)");
        }
        int extraActions = reply.actions() & ~offer.actions();
        if (extraActions != 0) {
            throw new MilterCodecException("SMFIR_OPTNEG: actions " + ActionFlag.describe(extraActions)
                    + " were not offered (offered: " + ActionFlag.describe(offer.actions()) + ")");
        }
        int extraProtocol = reply.protocol() & ~offer.protocol();
        if (extraProtocol != 0) {
            throw new MilterCodecException("SMFIR_OPTNEG: protocol flags " + ProtocolFlag.describe(extraProtocol)
                    + " were not offered (offered: " + ProtocolFlag.describe(offer.protocol()) + ")");
        }
        // Actions are kept as granted (mailfromd claims CHGFROM even at v2); protocol flags the
        // filter's version does not define are dropped, so a v2 filter never gets v6 behaviour.
        int protocol = reply.protocol() & MilterCodes.protocolMask(version);
        Map<MacroStage, MilterMacroNames> macros = reply.macroLists().isEmpty()
                ? Map.of() : Collections.unmodifiableMap(new EnumMap<>(reply.macroLists()));
        return new NegotiatedOptions(version, reply.actions(), protocol, macros);
    }

    /** The protocol version the filter speaks (2..6). */
    public int version() {
        return version;
    }

    /** The granted action flags as a mask (prefer {@link #allows}). */
    public int actions() {
        return actions;
    }

    /** The protocol flags in force as a mask (prefer {@link #has}, {@link #sends}, {@link #awaitsReply}). */
    public int protocol() {
        return protocol;
    }

    /** Whether the filter may perform {@code action}. */
    public boolean allows(ActionFlag action) {
        return action.isSet(actions);
    }

    /** Whether {@code flag} is in force. */
    public boolean has(ProtocolFlag flag) {
        return flag.isSet(protocol);
    }

    /** Whether the command for {@code stage} goes to the filter: its version defines it and the filter did not switch it off. */
    public boolean sends(MilterStage stage) {
        Command command = stage.command();
        return command.sinceVersion() <= version && (command.skipFlag() == null || !has(command.skipFlag()));
    }

    /** Whether the filter answers the command for {@code stage} (false for abort/close and for negotiated {@code NR_*}). */
    public boolean awaitsReply(MilterStage stage) {
        Command command = stage.command();
        return command.answered() && (command.noReplyFlag() == null || !has(command.noReplyFlag()));
    }

    /** The macros the filter asked for at {@code stage} (SETSYMLIST), or empty if it sent no list for it. */
    public Optional<MilterMacroNames> requestedMacros(MacroStage stage) {
        return Optional.ofNullable(requestedMacros.get(stage));
    }

    /** All SETSYMLIST lists the filter sent, by stage. */
    public Map<MacroStage, MilterMacroNames> requestedMacros() {
        return requestedMacros;
    }

    @Override
    public String toString() {
        return "version " + version + ", actions " + ActionFlag.describe(actions)
                + ", protocol " + ProtocolFlag.describe(protocol)
                + (requestedMacros.isEmpty() ? "" : ", macros " + requestedMacros);
    }
}
