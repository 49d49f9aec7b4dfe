package org.pmult.server.hostile;

import ch.qos.logback.classic.Level;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.pmult.milter.codec.MilterCodes.Command;
import org.pmult.milter.codec.MilterCodes;
import org.pmult.milter.codec.MilterCommand;
import org.pmult.milter.codec.MilterReply;
import org.pmult.pmilter.codec.PmilterCodes.HeloKind;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.codec.PmilterMacros;
import org.pmult.pmilter.codec.PmilterRequest;
import org.pmult.server.config.Limits;
import org.pmult.server.metrics.FailureKind;
import org.pmult.server.metrics.MeterNames;
import org.pmult.server.metrics.MetricAction;
import org.pmult.server.upstream.MilterClient;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.BiConsumer;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A milter that answers with wrong lengths or unknown reply codes, replies to questions nobody asked,
 * or hangs up during negotiation. The session in flight gets the client's default action, a warning
 * names the milter, pmult closes that Milter connection, and a well-behaved session on another
 * MeTA1 connection (with its own Milter connection to the same milter) completes unaffected.
 */
class MisbehavingMilterTest {

    private static final String CLIENT = "hostile";
    private static final String GOOD = "GOOD1";
    private static final String EVIL = "EVIL1";

    @TempDir
    Path directory;

    private HostileStage stage;
    private EventLoopGroup group;
    private HostileMilter milter;
    private LogCapture logs;

    @BeforeEach
    void startMilter() {
        stage = HostileStage.start();
        group = stage.group;
        milter = stage.milter;
        logs = stage.logs;
    }

    @AfterEach
    void stopEverything() throws Exception {
        stage.close();
    }

    @ParameterizedTest(name = "default-action {0} -> {1}")
    @CsvSource({"tempfail, TEMPFAIL", "reject, REJECT", "accept, ACCEPT", "continue, CONTINUE"})
    void appliesTheDefaultActionWhenTheMilterAnswersWithLengthZero(String defaultAction, ReplyCode expected)
            throws Exception {
        PmultInstance pmult = pmult(defaultAction);
        Meta1Client good = wellBehavedSessionBegun(pmult);

        milter.arm(onCommand(Command.RCPT, (ctx, command) -> ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[4]))));
        Meta1Client hostile = hostileSessionAtMail(pmult);
        hostile.expect(expected, rcpt());

        logs.awaitLine(Level.WARN, "MilterClientSession", "milter \"" + CLIENT + "\"", "packet length 0 (expected: >= 1)",
                "applying default action " + defaultAction);
        assertMilterConnectionClosedAndCounted(pmult, FailureKind.PROTOCOL, defaultAction);
        good.finishSession(GOOD);
    }

    @Test
    void tempfailsWhenTheMilterAnnouncesALengthBeyondTheFrameBound() throws Exception {
        PmultInstance pmult = pmult("tempfail");
        Meta1Client good = wellBehavedSessionBegun(pmult);

        milter.arm(onCommand(Command.RCPT, (ctx, command) -> ctx.writeAndFlush(
                HostileMilter.rawFrame(Integer.MAX_VALUE, MilterCodes.Reply.CONTINUE.code()))));
        Meta1Client hostile = hostileSessionAtMail(pmult);
        hostile.expect(ReplyCode.TEMPFAIL, rcpt());

        logs.awaitLine(Level.WARN, "MilterClientSession", "milter \"" + CLIENT + "\"",
                "packet length " + Integer.MAX_VALUE + " (expected: <= ", "applying default action tempfail");
        assertMilterConnectionClosedAndCounted(pmult, FailureKind.PROTOCOL, "tempfail");
        good.finishSession(GOOD);
    }

    @Test
    void tempfailsWhenTheMilterAnswersWithAnUnknownReplyCode() throws Exception {
        PmultInstance pmult = pmult("tempfail");
        Meta1Client good = wellBehavedSessionBegun(pmult);
        byte unknown = unknownReplyCode();

        milter.arm(onCommand(Command.RCPT, (ctx, command) -> ctx.writeAndFlush(HostileMilter.rawFrame(1, unknown))));
        Meta1Client hostile = hostileSessionAtMail(pmult);
        hostile.expect(ReplyCode.TEMPFAIL, rcpt());

        logs.awaitLine(Level.WARN, "MilterClientSession", "milter \"" + CLIENT + "\"", "unknown reply code",
                "applying default action tempfail");
        assertMilterConnectionClosedAndCounted(pmult, FailureKind.PROTOCOL, "tempfail");
        good.finishSession(GOOD);
    }

    @Test
    void failsTheSessionOnceWhenTheMilterSendsAMegabyteOfMalformedPackets() throws Exception {
        PmultInstance pmult = pmult("tempfail");
        Meta1Client good = wellBehavedSessionBegun(pmult);
        byte unknown = unknownReplyCode();
        int packets = (1 << 20) / (MilterCodes.LENGTH_FIELD_BYTES + 1);

        // Built as plain bytes, then one buffer write: with the tests' paranoid leak detection every
        // write to a pooled buffer records a stack trace, and 400,000 of them outlast the 3 s timeout.
        byte[] packet = {0, 0, 0, 1, unknown};
        byte[] garbage = new byte[packets * packet.length];
        for (int at = 0; at < garbage.length; at += packet.length) {
            System.arraycopy(packet, 0, garbage, at, packet.length);
        }
        milter.arm(onCommand(Command.RCPT, (ctx, command) -> ctx.writeAndFlush(ctx.alloc().buffer(garbage.length).writeBytes(garbage))));
        Meta1Client hostile = hostileSessionAtMail(pmult);
        hostile.expect(ReplyCode.TEMPFAIL, rcpt());
        hostile.expect(ReplyCode.TEMPFAIL, new PmilterRequest.Data(EVIL, PmilterMacros.EMPTY));

        logs.awaitLine(Level.WARN, "MilterClientSession", "milter \"" + CLIENT + "\"", "unknown reply code");
        assertMilterConnectionClosedAndCounted(pmult, FailureKind.PROTOCOL, "tempfail");
        assertEquals(1, logs.count(Level.WARN, "MilterClientSession", "unknown reply code"),
                "one failure, however many malformed packets follow it");
        good.finishSession(GOOD);
    }

    @Test
    void tempfailsTheRestOfTheSessionWhenTheMilterRepliesToAbort() throws Exception {
        PmultInstance pmult = pmult("tempfail");
        Meta1Client good = wellBehavedSessionBegun(pmult);

        milter.arm(onCommand(Command.ABORT, (ctx, command) -> ctx.writeAndFlush(MilterReply.CONTINUE)));
        Meta1Client hostile = hostileSessionAtMail(pmult);
        hostile.expect(ReplyCode.CONTINUE, new PmilterRequest.Abort(EVIL));
        logs.awaitLine(Level.WARN, "MilterClientSession", "milter \"" + CLIENT + "\"",
                "unexpected SMFIR_CONTINUE while no command awaits a reply", "applying default action tempfail");
        hostile.expect(ReplyCode.TEMPFAIL, Meta1Client.mail(EVIL));

        assertMilterConnectionClosedAndCounted(pmult, FailureKind.PROTOCOL, "tempfail");
        good.finishSession(GOOD);
    }

    @Test
    void tempfailsTheRestOfTheSessionWhenTheMilterRepliesTwiceToOneCommand() throws Exception {
        PmultInstance pmult = pmult("tempfail");
        Meta1Client good = wellBehavedSessionBegun(pmult);

        milter.arm(onCommand(Command.MAIL, (ctx, command) -> {
            ctx.write(MilterReply.CONTINUE);
            ctx.writeAndFlush(MilterReply.CONTINUE);
        }));
        Meta1Client hostile = hostileSessionAtMail(pmult);
        logs.awaitLine(Level.WARN, "MilterClientSession", "milter \"" + CLIENT + "\"",
                "unexpected SMFIR_CONTINUE while no command awaits a reply", "applying default action tempfail");
        hostile.expect(ReplyCode.TEMPFAIL, rcpt());

        assertMilterConnectionClosedAndCounted(pmult, FailureKind.PROTOCOL, "tempfail");
        good.finishSession(GOOD);
    }

    @Test
    void tempfailsTheSessionWhenTheMilterClosesDuringNegotiationAndRecovers() throws Exception {
        PmultInstance pmult = pmult("tempfail");
        Meta1Client good = wellBehavedSessionBegun(pmult);

        milter.arm(onCommand(Command.OPTNEG, (ctx, command) -> ctx.close()));
        Meta1Client hostile = hostileClient(pmult);
        hostile.expect(ReplyCode.TEMPFAIL, Meta1Client.connect(EVIL));

        logs.awaitLine(Level.WARN, "MilterClientSession", "milter \"" + CLIENT + "\"",
                "closed the connection after SMFIC_OPTNEG offering version " + MilterCodes.MAX_VERSION,
                "retrying once offering version " + MilterCodes.MIN_VERSION);
        logs.awaitLine(Level.WARN, "MilterClientSession", "milter \"" + CLIENT + "\"",
                "closed the connection during option negotiation", "applying default action tempfail");
        logs.awaitLine(Level.WARN, "MilterClient", "milter \"" + CLIENT + "\"", "is down",
                "sessions get default action tempfail until it is back");
        // The v6 offer and the v2 retry; reconnect probes (every 100-200 ms while down) may add more.
        assertTrue(milter.armedConnections().size() >= 2, "connections: " + milter.armedConnections());

        milter.disarm();
        await().until(() -> milter.armedConnections().stream().noneMatch(c -> c.channel().isActive()));
        await().atMost(Duration.ofSeconds(10)).until(() -> pmult.client(CLIENT).health() == MilterClient.Health.UP);
        good.finishSession(GOOD);
        hostile.expect(ReplyCode.CONTINUE, Meta1Client.connect("AFTER1"));
        hostile.expect(ReplyCode.CONTINUE, new PmilterRequest.Ehlo("AFTER1", "good.example", HeloKind.EHLO,
                PmilterMacros.EMPTY));
        hostile.expect(ReplyCode.CONTINUE, Meta1Client.mail("AFTER1"));
        hostile.finishSession("AFTER1");
    }

    @Test
    void tempfailsAMessageWhoseChangesWouldNotFitOneReplyAndKeepsTheConnectionsOtherSessions() throws Exception {
        PmultInstance pmult = pmult("tempfail");
        Meta1Client good = wellBehavedSessionBegun(pmult);
        int headers = 20;
        String value = "x".repeat(60_000);
        assertTrue((long) headers * value.length() > Limits.DEFAULTS.maxFrameLength(), "more than one reply can carry");

        Meta1Client hostile = hostileClient(pmult);
        hostile.beginSession("NEIGHBOUR");
        milter.arm(onCommand(Command.BODYEOB, (ctx, command) -> {
            for (int i = 0; i < headers; i++) {
                ctx.write(new MilterReply.AddHeader("X-Bulk-" + i, value));
            }
            ctx.writeAndFlush(MilterReply.CONTINUE);
        }));
        hostile.beginSession(EVIL);
        hostile.expect(ReplyCode.CONTINUE, rcpt());
        hostile.expect(ReplyCode.CONTINUE, new PmilterRequest.Data(EVIL, PmilterMacros.EMPTY));
        hostile.expect(ReplyCode.CONTINUE, new PmilterRequest.Msg(EVIL,
                Unpooled.copiedBuffer("Subject: bulk\r\n\r\nbody\r\n", StandardCharsets.US_ASCII)));
        hostile.expect(ReplyCode.TEMPFAIL, new PmilterRequest.Dot(EVIL, PmilterMacros.EMPTY));
        milter.disarm();

        logs.awaitLine(Level.WARN, "MultiplexSession", "session " + EVIL, "client(s) [" + CLIENT + "]",
                "(expected: <= " + Limits.DEFAULTS.maxFrameLength() + ")", "raise limits.max-frame-length");

        assertTrue(hostile.connection().isActive(), "the MeTA1 connection stays");
        hostile.finishSession("NEIGHBOUR");
        good.finishSession(GOOD);
    }

    // --- helpers -------------------------------------------------------------------------------

    /** A misbehaviour for one kind of command; every other command is answered well. */
    private static HostileMilter.Misbehaviour onCommand(Command code,
                                                        BiConsumer<ChannelHandlerContext, MilterCommand> action) {
        return (ctx, command) -> {
            if (command.command() != code) {
                return false;
            }
            action.accept(ctx, command);
            return true;
        };
    }

    private PmultInstance pmult(String defaultAction) throws IOException {
        PmultInstance pmult = PmultInstance.start(directory, PmultInstance.client(CLIENT, milter.url(), defaultAction));
        stage.closeAtEnd(pmult);
        return pmult;
    }

    /** A well-behaved connection with session {@link #GOOD} begun, before the milter is armed. */
    private Meta1Client wellBehavedSessionBegun(PmultInstance pmult) throws Exception {
        Meta1Client good = Meta1Client.connect(group, pmult.address());
        stage.closeAtEnd(good);
        good.beginSession(GOOD);
        return good;
    }

    private Meta1Client hostileClient(PmultInstance pmult) throws Exception {
        Meta1Client client = Meta1Client.connect(group, pmult.address());
        stage.closeAtEnd(client);
        return client;
    }

    /** Session {@link #EVIL} on its own MeTA1 connection, through MAIL (its Milter connection is the armed one). */
    private Meta1Client hostileSessionAtMail(PmultInstance pmult) throws Exception {
        Meta1Client client = hostileClient(pmult);
        client.beginSession(EVIL);
        return client;
    }

    private static PmilterRequest.Rcpt rcpt() {
        return new PmilterRequest.Rcpt(EVIL, "<friend@example.net>", 0, null, PmilterMacros.EMPTY);
    }

    private void assertMilterConnectionClosedAndCounted(PmultInstance pmult, FailureKind kind, String defaultAction) {
        List<HostileMilter.Connection> armed = milter.armedConnections();
        assertEquals(1, armed.size(), "one Milter connection for the hostile session");
        await().until(() -> !armed.get(0).channel().isActive());
        assertEquals(1, pmult.counter(MeterNames.MILTER_FAILURES, MeterNames.TAG_CLIENT, CLIENT,
                MeterNames.TAG_KIND, kind.tag()));
        assertEquals(1, pmult.counter(MeterNames.MILTER_DEFAULT_ACTIONS, MeterNames.TAG_CLIENT, CLIENT,
                MeterNames.TAG_ACTION, MetricAction.valueOf(defaultAction.toUpperCase(Locale.ROOT)).tag()));
    }

    /** A reply code byte the Milter table does not define. */
    private static byte unknownReplyCode() {
        for (byte candidate = 'z'; candidate >= 'A'; candidate--) {
            boolean known = false;
            for (MilterCodes.Reply reply : MilterCodes.Reply.values()) {
                known |= reply.code() == candidate;
            }
            if (!known) {
                return candidate;
            }
        }
        throw new AssertionError("every letter is a reply code");
    }
}
