package org.pmult.server.hostile;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pmult.milter.codec.MilterCodes.Command;
import org.pmult.milter.testing.ScriptedMilter;
import org.pmult.pmilter.codec.PmilterCodes.HeloKind;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.codec.PmilterMacros;
import org.pmult.pmilter.codec.PmilterRequest;
import org.pmult.server.metrics.ConditionMeters;
import org.pmult.server.metrics.MeterNames;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * pmult in-process with a conditional client in front of a {@link ScriptedMilter} over a real socket:
 * a session whose condition is false at CONNECT opens no Milter connection at all, and one whose
 * condition is false at MAIL shows the milter CONNECT and HELO, nothing of that transaction (not even
 * ABORT: it never saw its MAIL), then the next transaction, then QUIT.
 */
class ClientConditionWireTest {

    @TempDir
    Path directory;

    private EventLoopGroup group;
    private ScriptedMilter milter;
    private PmultInstance pmult;
    private Meta1Client meta1;

    @BeforeEach
    void startMilter() {
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        milter = ScriptedMilter.builder().start(new ServerBootstrap().group(group).channel(NioServerSocketChannel.class), any);
    }

    @AfterEach
    void stopEverything() {
        if (meta1 != null) {
            meta1.close();
        }
        if (pmult != null) {
            pmult.close();
        }
        milter.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void falseAtConnectOpensNoMilterConnectionAndFalseAtMailEndsTheTransactionWithAbort() throws Exception {
        start("all(client-address(192.0.2.0/24), sender-domain(example.org))");
        int probed = milter.connections();

        // from outside 192.0.2.0/24: the milter never hears of it
        meta1.expect(ReplyCode.CONTINUE, new PmilterRequest.Connect("OUT1", InetAddress.getByName("198.51.100.9"), 40001,
                "outside.example", PmilterMacros.EMPTY));
        meta1.expect(ReplyCode.CONTINUE, mail("OUT1", "<a@example.org>"));
        meta1.connection().send(new PmilterRequest.Close("OUT1")).get(5, TimeUnit.SECONDS);
        assertEquals(probed, milter.connections(), "no Milter connection for a session whose condition is false at CONNECT");

        // from inside, a sender of another domain: CONNECT, HELO, then nothing of that MAIL; the next MAIL is decided afresh
        meta1.expect(ReplyCode.CONTINUE, new PmilterRequest.Connect("IN1", InetAddress.getByName("192.0.2.10"), 40002,
                "inside.example", PmilterMacros.EMPTY));
        meta1.expect(ReplyCode.CONTINUE, new PmilterRequest.Ehlo("IN1", "inside.example", HeloKind.EHLO, PmilterMacros.EMPTY));
        meta1.expect(ReplyCode.CONTINUE, mail("IN1", "<a@elsewhere.example>"));
        meta1.expect(ReplyCode.CONTINUE, new PmilterRequest.Abort("IN1"));
        meta1.expect(ReplyCode.CONTINUE, mail("IN1", "<a@example.org>"));
        meta1.expect(ReplyCode.CONTINUE, new PmilterRequest.Abort("IN1"));
        meta1.connection().send(new PmilterRequest.Close("IN1")).get(5, TimeUnit.SECONDS);

        await().atMost(Duration.ofSeconds(10)).until(() -> milter.received(Command.QUIT).size() == probed + 1);
        assertEquals(probed + 1, milter.connections());
        List<ScriptedMilter.Received> received = milter.receivedWithConnections();
        int sessionConnection = received.stream().filter(r -> r.command().command() == Command.CONNECT)
                .mapToInt(ScriptedMilter.Received::connection).findFirst().orElseThrow();
        List<Command> session = received.stream()
                .filter(r -> r.connection() == sessionConnection)
                .map(r -> r.command().command())
                .filter(command -> command != Command.MACRO && command != Command.OPTNEG).toList();
        assertEquals(List.of(Command.CONNECT, Command.HELO, Command.MAIL, Command.ABORT, Command.QUIT),
                session, "the first MAIL never reached the milter, nor an ABORT for it (as Postfix); the second did");
        // counted when pmult has closed the session, on its event loop
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertEquals(1, pmult.counter(MeterNames.CLIENT_CONDITION_SESSIONS, MeterNames.TAG_CLIENT, "cond",
                    ConditionMeters.TAG_RESULT, ConditionMeters.SKIPPED));
            assertEquals(1, pmult.counter(MeterNames.CLIENT_CONDITION_TRANSACTIONS, MeterNames.TAG_CLIENT, "cond",
                    ConditionMeters.TAG_RESULT, ConditionMeters.APPLIED));
        });
    }

    private void start(String condition) throws Exception {
        int port = ((InetSocketAddress) milter.localAddress()).getPort();
        pmult = PmultInstance.start(directory, PmultInstance.client("cond", "inet://127.0.0.1:" + port, "tempfail")
                + "  clients.cond.condition = \"" + condition + "\"\n");
        await().atMost(Duration.ofSeconds(10)).until(() -> milter.received(Command.QUIT).size() == milter.connections()
                && milter.connections() > 0);
        meta1 = Meta1Client.connect(group, pmult.address());
    }

    private static PmilterRequest.Mail mail(String seid, String sender) {
        return new PmilterRequest.Mail(seid, sender, null, PmilterMacros.EMPTY);
    }
}
