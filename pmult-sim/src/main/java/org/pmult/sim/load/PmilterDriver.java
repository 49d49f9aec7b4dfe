package org.pmult.sim.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.pmult.pmilter.client.PmilterClientConnection;
import org.pmult.pmilter.client.PmilterClientSettings;
import org.pmult.pmilter.client.PmilterConnectionClosedException;
import org.pmult.pmilter.client.PmilterReplyTimeoutException;
import org.pmult.pmilter.codec.PmilterCodes;
import org.pmult.pmilter.codec.PmilterCodes.Capability;
import org.pmult.pmilter.codec.PmilterCodes.Command;
import org.pmult.pmilter.codec.PmilterCodes.HeloKind;
import org.pmult.pmilter.codec.PmilterCodes.Macro;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.codec.PmilterCodes.Stage;
import org.pmult.pmilter.codec.PmilterMacros;
import org.pmult.pmilter.codec.PmilterRequest;
import org.pmult.pmilter.codec.PmilterResponse;
import org.pmult.server.transport.Transports;

/**
 * Load through pmult as smtps sends it: {@code connections} pmilter connections, negotiated with every
 * stage offered, slot {@code i} on connection {@code i mod connections}; each session sends CONNECT,
 * EHLO, MAIL, the RCPTs, DATA, the message in MSG chunks and DOT, each after the previous reply (and
 * the think time), only the stages pmult asked for, with the MeTA1 macros it asked for; then CLOSE.
 * A connection that was lost is opened afresh by the next session that needs it.
 *
 * <p>Leaner than the MeTA1 simulator's session player (no scenario, no failure rules, no per-command
 * records), so the generator's own cost stays small next to pmult's on a shared machine.
 */
final class PmilterDriver implements TransactionDriver {

    /** MeTA1 macro values smtps knows in a load session; each is sent only where pmult asked for it and valid. */
    private static final Map<Macro, String> KNOWN_MACROS = Map.of(
            Macro.HOSTNAME, LoadTransaction.MTA_HOSTNAME,
            Macro.TAID, LoadTransaction.TRANSACTION_ID,
            Macro.MSGID, "<load-test@example.com>");

    private final LoadTransaction transaction;
    private final Duration think;
    private final int chunkSize;
    private final Bootstrap bootstrap;
    private final SocketAddress nettyAddress;
    private final PmilterClientSettings settings;
    private final Link[] links;

    PmilterDriver(LoadOptions options, Transports transport, EventLoopGroup group) {
        this.transaction = options.transaction();
        this.think = options.think();
        this.chunkSize = options.chunkSize();
        this.bootstrap = transport.clientBootstrap(group, options.address());
        this.nettyAddress = transport.nettyAddress(options.address());
        this.settings = new PmilterClientSettings(options.timeout(), options.timeout(),
                PmilterCodes.DEFAULT_MAX_MESSAGE_LENGTH);
        this.links = new Link[options.connections()];
        for (int i = 0; i < links.length; i++) {
            links[i] = new Link();
        }
    }

    @Override
    public CompletableFuture<TransactionOutcome> run(int slot, long sequence) {
        Run run = new Run("L" + slot + "." + sequence);
        links[slot % links.length].acquire().whenComplete(run::start);
        return run.done;
    }

    /** pmilter connections opened so far (more than {@code connections} means some were lost and reopened). */
    int connectionsOpened() {
        int opened = 0;
        for (Link link : links) {
            opened += link.opened();
        }
        return opened;
    }

    @Override
    public void close() {
        for (Link link : links) {
            link.close();
        }
    }

    /** A negotiated connection and, per stage, the macros to send there. */
    private record Negotiated(PmilterClientConnection connection, int caps, Map<Stage, PmilterMacros> macros) {

        boolean wants(Command command) {
            Capability stage = switch (command) {
                case CONNECT -> Capability.CONNECT;
                case EHLO -> Capability.EHLO;
                case MAIL -> Capability.MAIL;
                case RCPT -> Capability.RCPT;
                case DATA -> Capability.DATA;
                case MSG -> Capability.MSG;
                case DOT -> Capability.DOT;
                case UNKNOWN -> Capability.UNKNOWN;
                case ABORT, CLOSE, NEGOTIATE, PING -> null;
            };
            return stage == null || stage.isSetIn(caps);
        }

        PmilterMacros at(Stage stage) {
            return macros.getOrDefault(stage, PmilterMacros.EMPTY);
        }
    }

    /** One pmilter connection, opened on first use and again after it was lost. */
    private final class Link {
        private CompletableFuture<Negotiated> current;
        private int opened;

        synchronized CompletableFuture<Negotiated> acquire() {
            boolean usable = current != null && (!current.isDone()
                    || (!current.isCompletedExceptionally() && current.join().connection().isActive()));
            if (!usable) {
                opened++;
                current = open();
            }
            return current;
        }

        synchronized int opened() {
            return opened;
        }

        synchronized void close() {
            if (current != null) {
                current.thenAccept(negotiated -> negotiated.connection().close());
            }
        }

        private CompletableFuture<Negotiated> open() {
            return PmilterClientConnection.connect(bootstrap, nettyAddress, settings)
                    .thenCompose(connection -> connection.negotiate(PmilterCodes.ALL_MASK, 0)
                            .thenApply(reply -> new Negotiated(connection, reply.caps(), macrosByStage(reply))));
        }
    }

    private static Map<Stage, PmilterMacros> macrosByStage(PmilterResponse.NegotiateReply reply) {
        Map<Stage, PmilterMacros> byStage = new EnumMap<>(Stage.class);
        for (Stage stage : Stage.values()) {
            PmilterMacros.Builder macros = PmilterMacros.builder();
            for (Macro macro : reply.macrosAt(stage)) {
                String value = KNOWN_MACROS.get(macro);
                if (value != null && macro.isValidAt(stage)) {
                    macros.add(macro, value);
                }
            }
            byStage.put(stage, macros.build());
        }
        return byStage;
    }

    /** One session: a step counter advanced by each CONTINUE, the time spent waiting summed up. */
    private final class Run {
        private final String seid;
        private final CompletableFuture<TransactionOutcome> done = new CompletableFuture<>();
        private final byte[] content = transaction.message().content();
        private final int chunks;
        private Negotiated link;
        private EventLoop loop;
        private int step;
        private long waitedNanos;

        Run(String seid) {
            this.seid = seid;
            this.chunks = (content.length + chunkSize - 1) / chunkSize;
        }

        void start(Negotiated negotiated, Throwable failure) {
            if (failure != null) {
                done.complete(TransactionOutcome.failed("connect: " + describe(failure)));
                return;
            }
            link = negotiated;
            loop = negotiated.connection().channel().eventLoop();
            next();
        }

        /** Steps: connect, ehlo, mail, rcpt x N, data, msg x chunks, dot; then close. */
        private void next() {
            int recipients = transaction.recipients();
            int at = step++;
            if (at == 0) {
                ask(new PmilterRequest.Connect(seid, LoadTransaction.CLIENT_ADDRESS, LoadTransaction.CLIENT_PORT,
                        LoadTransaction.CLIENT_NAME, link.at(Stage.CONNECT)));
                return;
            }
            if (at == 1) {
                ask(new PmilterRequest.Ehlo(seid, LoadTransaction.HELO, HeloKind.EHLO, link.at(Stage.EHLO)));
                return;
            }
            if (at == 2) {
                ask(new PmilterRequest.Mail(seid, LoadTransaction.SENDER, null, link.at(Stage.MAIL)));
                return;
            }
            at -= 3;
            if (at < recipients) {
                ask(new PmilterRequest.Rcpt(seid, LoadTransaction.recipient(at), at, null, link.at(Stage.RCPT)));
                return;
            }
            at -= recipients;
            if (at == 0) {
                ask(new PmilterRequest.Data(seid, link.at(Stage.DATA)));
                return;
            }
            at -= 1;
            if (at < chunks) {
                int offset = at * chunkSize;
                ask(new PmilterRequest.Msg(seid, Unpooled.wrappedBuffer(content, offset,
                        Math.min(chunkSize, content.length - offset))));
                return;
            }
            if (at == chunks) {
                ask(new PmilterRequest.Dot(seid, link.at(Stage.DOT)));
                return;
            }
            finish(null);
        }

        private void ask(PmilterRequest.SessionRequest request) {
            if (!link.wants(request.command())) {
                io.netty.util.ReferenceCountUtil.release(request);
                next();
                return;
            }
            long sent = System.nanoTime();
            link.connection().send(request).whenComplete((reply, failure) -> {
                waitedNanos += System.nanoTime() - sent;
                if (failure != null) {
                    finish(request.command() + " " + describe(failure));
                } else if (reply.code() != ReplyCode.CONTINUE && !acceptedAtEnd(request.command(), reply.code())) {
                    finish(request.command() + " " + reply.code());
                } else if (think.isZero() || !thinksAfter(request.command())) {
                    next();
                } else {
                    loop.schedule(this::next, think.toNanos(), TimeUnit.NANOSECONDS);
                }
            });
        }

        /** Ends the session with CLOSE (no reply) and reports. */
        private void finish(String problem) {
            if (link.connection().isActive()) {
                link.connection().send(new PmilterRequest.Close(seid));
            }
            done.complete(problem == null ? TransactionOutcome.ok(waitedNanos) : TransactionOutcome.failed(problem));
        }
    }

    /** A milter that accepts at end of message (rspamd, for one) let the transaction through, as in milter mode. */
    private static boolean acceptedAtEnd(Command command, ReplyCode code) {
        return command == Command.DOT && code == ReplyCode.ACCEPT;
    }

    /** Whether the SMTP client thinks after this command: after each SMTP command, not within the message. */
    private static boolean thinksAfter(Command command) {
        return switch (command) {
            case CONNECT, EHLO, MAIL, RCPT, DATA -> true;
            default -> false;
        };
    }

    private static String describe(Throwable failure) {
        Throwable cause = failure;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof PmilterReplyTimeoutException) {
            return "timeout";
        }
        if (cause instanceof PmilterConnectionClosedException) {
            return "connection closed";
        }
        return cause.getClass().getSimpleName();
    }
}
