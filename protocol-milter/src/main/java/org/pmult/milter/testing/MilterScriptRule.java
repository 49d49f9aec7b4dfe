package org.pmult.milter.testing;

import org.pmult.milter.codec.MilterCommand;

/** How a {@link ScriptedMilter} answers one kind of command. */
@FunctionalInterface
public interface MilterScriptRule {

    /**
     * The response to {@code command}, received on the {@code connection}-th connection (0 first).
     * Runs on the milter's event loop; must not block.
     */
    MilterScriptResponse respond(MilterCommand command, int connection);
}
