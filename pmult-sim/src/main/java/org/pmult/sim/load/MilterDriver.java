package org.pmult.sim.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.pmult.milter.client.MilterClientSession;
import org.pmult.milter.client.MilterClientSettings;
import org.pmult.milter.client.MilterEndOfMessage;
import org.pmult.milter.client.MilterVerdict;
import org.pmult.milter.client.NegotiatedOptions;
import org.pmult.milter.codec.MilterCodes.AddressFamily;
import org.pmult.milter.codec.MilterCodes.MacroStage;
import org.pmult.milter.codec.MilterMacroNames;
import org.pmult.milter.codec.MilterMacros;
import org.pmult.server.transport.Transports;

/**
 * The baseline: the same transactions as {@link PmilterDriver}, sent by an MTA-side Milter client
 * straight to the milter, one Milter connection per SMTP session as pmult opens one per session and
 * client. Each step waits for its reply, as an MTA does, unless the milter negotiated none for it
 * ({@code SMFIP_NR_*}: the step completes once handed to the connection); the message goes out as pmult sends it
 * (each header, end of headers, the body, end of message), with the same think time. Macros: what the milter asked for at
 * negotiation, limited to those pmult can fill from MeTA1 (so both carry the same ones).
 */
final class MilterDriver implements TransactionDriver {

    /** Macro values pmult has for the load transaction; names it has no value for are left out, as pmult does. */
    private static final Map<String, String> SESSION_MACROS = Map.of(
            "{client_addr}", LoadTransaction.CLIENT_ADDRESS.getHostAddress(),
            "{client_name}", LoadTransaction.CLIENT_NAME,
            "{client_port}", Integer.toString(LoadTransaction.CLIENT_PORT),
            "j", LoadTransaction.MTA_HOSTNAME,
            "i", LoadTransaction.TRANSACTION_ID,
            "s", LoadTransaction.HELO,
            "f", "sender@example.com",
            "{mail_addr}", "sender@example.com",
            "{mail_host}", "example.com");

    /** Steps after which the SMTP client thinks (its next command is an SMTP command, not more message). */
    private static final java.util.Set<String> SMTP_COMMANDS = java.util.Set.of("connect", "helo", "mail", "rcpt", "data");

    private final LoadTransaction transaction;
    private final Duration think;
    private final Bootstrap bootstrap;
    private final SocketAddress nettyAddress;
    private final MilterClientSettings settings;
    /** Per-stage macro values, by the lists a negotiation asked for (the same lists every time in practice). */
    private final Map<Map<MacroStage, MilterMacroNames>, StageMacros> macrosByLists = new ConcurrentHashMap<>();

    MilterDriver(LoadOptions options, Transports transport, EventLoopGroup group) {
        this.transaction = options.transaction();
        this.think = options.think();
        this.bootstrap = transport.clientBootstrap(group, options.address());
        this.nettyAddress = transport.nettyAddress(options.address());
        this.settings = MilterClientSettings.builder("load")
                .connectTimeout(options.timeout())
                .readTimeout(options.timeout())
                .writeTimeout(options.timeout())
                .eomTimeout(options.timeout())
                .build();
    }

    @Override
    public CompletableFuture<TransactionOutcome> run(int slot, long sequence) {
        long opening = System.nanoTime();
        Run run = new Run(MilterClientSession.open(bootstrap, nettyAddress, settings), opening);
        run.start();
        return run.done;
    }

    @Override
    public void close() {
        // every session closes itself when its transaction ends; the event loops belong to the caller
    }

    /** The macros to send at each stage, built once per set of requested lists. */
    private record StageMacros(MilterMacros connect, MilterMacros helo, MilterMacros mail, MilterMacros[] rcpt,
            MilterMacros data, MilterMacros eoh, MilterMacros eom) {
    }

    private StageMacros macrosFor(NegotiatedOptions options) {
        return macrosByLists.computeIfAbsent(options.requestedMacros(), lists -> {
            MilterMacros[] rcpt = new MilterMacros[transaction.recipients()];
            for (int i = 0; i < rcpt.length; i++) {
                String address = LoadTransaction.recipient(i);
                address = address.substring(1, address.length() - 1);
                rcpt[i] = values(lists, MacroStage.ENVRCPT, Map.of("{rcpt_addr}", address,
                        "{rcpt_host}", address.substring(address.indexOf('@') + 1)));
            }
            return new StageMacros(values(lists, MacroStage.CONNECT, Map.of()), values(lists, MacroStage.HELO, Map.of()),
                    values(lists, MacroStage.ENVFROM, Map.of()), rcpt, values(lists, MacroStage.DATA, Map.of()),
                    values(lists, MacroStage.EOH, Map.of()), values(lists, MacroStage.EOM, Map.of()));
        });
    }

    private static MilterMacros values(Map<MacroStage, MilterMacroNames> lists, MacroStage stage,
            Map<String, String> extra) {
        MilterMacroNames names = lists.get(stage);
        if (names == null || names.isEmpty()) {
            return MilterMacros.EMPTY;
        }
        String[] values = new String[names.size()];
        for (int i = 0; i < values.length; i++) {
            String name = names.name(i);
            values[i] = extra.containsKey(name) ? extra.get(name) : SESSION_MACROS.get(name);
        }
        return MilterMacros.of(names, values);
    }

    /**
     * One transaction on its own Milter connection: a step counter advanced by each CONTINUE, the time
     * spent waiting summed up (connecting and negotiating included: an MTA waits for that at SMTP connect).
     */
    private final class Run {
        private final MilterClientSession session;
        private final CompletableFuture<TransactionOutcome> done = new CompletableFuture<>();
        private final List<LoadMessage.Header> headers = transaction.message().headers();
        private StageMacros macros;
        private int step;
        private long askedNanos;
        private long waitedNanos;

        Run(MilterClientSession session, long openingNanos) {
            this.session = session;
            this.askedNanos = openingNanos;
        }

        void start() {
            session.negotiation().addListener(negotiated -> {
                waitedNanos += System.nanoTime() - askedNanos;
                if (!negotiated.isSuccess()) {
                    finish("negotiate failed: " + negotiated.cause().getClass().getSimpleName());
                    return;
                }
                macros = macrosFor(session.negotiation().getNow());
                next();
            });
        }

        /** Steps: connect, helo, mail, rcpt x N, data, header x H, eoh, body, then end of message. */
        private void next() {
            askedNanos = System.nanoTime();
            int recipients = transaction.recipients();
            int at = step++;
            if (at == 0) {
                await("connect", session.connect(macros.connect(), LoadTransaction.CLIENT_NAME, AddressFamily.INET,
                        LoadTransaction.CLIENT_PORT, LoadTransaction.CLIENT_ADDRESS.getHostAddress()));
                return;
            }
            if (at == 1) {
                await("helo", session.helo(macros.helo(), LoadTransaction.HELO));
                return;
            }
            if (at == 2) {
                await("mail", session.mail(macros.mail(), LoadTransaction.SENDER, List.of()));
                return;
            }
            at -= 3;
            if (at < recipients) {
                await("rcpt", session.rcpt(macros.rcpt()[at], LoadTransaction.recipient(at), List.of()));
                return;
            }
            at -= recipients;
            if (at == 0) {
                await("data", session.data(macros.data()));
                return;
            }
            at -= 1;
            if (at < headers.size()) {
                LoadMessage.Header header = headers.get(at);
                await("header", session.header(MilterMacros.EMPTY, header.name(), header.value()));
                return;
            }
            at -= headers.size();
            if (at == 0) {
                await("eoh", session.endOfHeaders(macros.eoh()));
                return;
            }
            if (at == 1) {
                await("body", session.body(MilterMacros.EMPTY, Unpooled.wrappedBuffer(transaction.message().body())));
                return;
            }
            askedNanos = System.nanoTime();
            session.endOfMessage(macros.eom()).addListener(end -> {
                waitedNanos += System.nanoTime() - askedNanos;
                if (!end.isSuccess()) {
                    finish("eom failed: " + end.cause().getClass().getSimpleName());
                    return;
                }
                MilterEndOfMessage result = (MilterEndOfMessage) end.getNow();
                result.release();
                finish(accepted(result.verdict()) ? null : "eom " + describe(result.verdict()));
            });
        }

        private void await(String stage, Future<MilterVerdict> reply) {
            reply.addListener(answered -> {
                waitedNanos += System.nanoTime() - askedNanos;
                if (!answered.isSuccess()) {
                    finish(stage + " failed: " + answered.cause().getClass().getSimpleName());
                } else if (!(reply.getNow() instanceof MilterVerdict.Continue)) {
                    finish(stage + " " + describe(reply.getNow()));
                } else if (think.isZero() || !SMTP_COMMANDS.contains(stage)) {
                    next();
                } else {
                    session.eventLoop().schedule(this::next, think.toNanos(), TimeUnit.NANOSECONDS);
                }
            });
        }

        private void finish(String problem) {
            session.close();
            done.complete(problem == null ? TransactionOutcome.ok(waitedNanos) : TransactionOutcome.failed(problem));
        }
    }

    /** A verdict as an error kind: its type, and for a failed milter the default action and the failure kind. */
    static String describe(MilterVerdict verdict) {
        if (verdict instanceof MilterVerdict.DefaultActionApplied failed) {
            return "default action " + failed.action() + " (" + failed.failure().kind() + ")";
        }
        return verdict.getClass().getSimpleName().toUpperCase(java.util.Locale.ROOT);
    }

    private static boolean accepted(MilterVerdict verdict) {
        return verdict instanceof MilterVerdict.Continue || verdict instanceof MilterVerdict.Accept;
    }
}
