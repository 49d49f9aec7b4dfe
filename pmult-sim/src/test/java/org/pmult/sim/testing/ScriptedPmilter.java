package org.pmult.sim.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.pmult.pmilter.codec.PmilterCodes;
import org.pmult.pmilter.codec.PmilterCodes.Command;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.codec.PmilterRequest;
import org.pmult.pmilter.codec.PmilterResponse;
import org.pmult.pmilter.server.CloseReason;
import org.pmult.pmilter.server.PmilterServerCodec;
import org.pmult.pmilter.server.PmilterServerHandler;
import org.pmult.pmilter.server.PmilterSessionHandler;
import org.pmult.server.transport.Transports;

/**
 * A real pmilter server for tests, built from {@code org.pmult.pmilter.server}: it negotiates with a
 * configurable NEGOTIATE_REPLY, records every command it receives, and reacts to each through rules
 * (first matching rule wins; CONTINUE otherwise).
 */
public final class ScriptedPmilter implements AutoCloseable {

    /** A session that ended on the server side. */
    public record Closed(int connection, String seid, CloseReason reason) {
    }

    private static final AttributeKey<Integer> CONNECTION = AttributeKey.valueOf("scripted-pmilter-connection");

    private final Transports transport = Transports.best();
    private final EventLoopGroup group = transport.newEventLoopGroup(1,
            new DefaultThreadFactory("scripted-pmilter", true));
    private final List<Function<Received, Reaction>> rules = new CopyOnWriteArrayList<>();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final List<PmilterRequest.Negotiate> negotiations = new CopyOnWriteArrayList<>();
    private final List<Closed> closes = new CopyOnWriteArrayList<>();
    private final AtomicInteger connectionsAccepted = new AtomicInteger();
    private final AtomicInteger connectionsClosed = new AtomicInteger();
    private final AtomicInteger liveSessions = new AtomicInteger();
    private final AtomicInteger maxLiveSessions = new AtomicInteger();
    /** Reactions held back until a matching command arrives; touched on the server's single event loop only. */
    private final List<Runnable> heldBack = new ArrayList<>();
    private volatile PmilterResponse.NegotiateReply negotiateReply =
            new PmilterResponse.NegotiateReply(PmilterCodes.STAGE_CAPS_MASK, 0);
    private final SocketAddress address;
    private final Channel serverChannel;

    private ScriptedPmilter(SocketAddress bindAddress) {
        ServerBootstrap bootstrap = transport.serverBootstrap(group, group, bindAddress)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        int number = connectionsAccepted.incrementAndGet();
                        channel.attr(CONNECTION).set(number);
                        channel.closeFuture().addListener(f -> connectionsClosed.incrementAndGet());
                        channel.pipeline().addLast(new PmilterServerCodec()).addLast(new PmilterServerHandler(
                                offer -> {
                                    negotiations.add(offer);
                                    return negotiateReply;
                                },
                                (seid, connect, ch) -> new Session(ch, seid), 0));
                    }
                });
        this.serverChannel = bootstrap.bind(transport.nettyAddress(bindAddress)).syncUninterruptibly().channel();
        this.address = bindAddress instanceof UnixDomainSocketAddress ? bindAddress
                : new InetSocketAddress(InetAddress.getLoopbackAddress(),
                        ((InetSocketAddress) serverChannel.localAddress()).getPort());
    }

    /** Listens on 127.0.0.1 at a free port. */
    public static ScriptedPmilter startInet() {
        return new ScriptedPmilter(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    /** Listens on a unix socket at {@code socket}. */
    public static ScriptedPmilter startUnix(Path socket) {
        return new ScriptedPmilter(UnixDomainSocketAddress.of(socket));
    }

    public SocketAddress address() {
        return address;
    }

    /** What to answer NEGOTIATE with from now on (default: every stage, no macros, no session limit). */
    public ScriptedPmilter negotiate(PmilterResponse.NegotiateReply reply) {
        this.negotiateReply = reply;
        return this;
    }

    /** Adds a rule: for commands it returns non-null for, that reaction applies. */
    public ScriptedPmilter on(Function<Received, Reaction> rule) {
        rules.add(rule);
        return this;
    }

    /** Adds a rule for every {@code command}. */
    public ScriptedPmilter on(Command command, Reaction reaction) {
        return on(r -> r.command() == command ? reaction : null);
    }

    /** Adds a rule for {@code command} with this argument (e.g. RCPT {@code <b@x>}). */
    public ScriptedPmilter on(Command command, String argument, Reaction reaction) {
        return on(r -> r.command() == command && r.argument().equals(argument) ? reaction : null);
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    public List<Received> received(String seid) {
        return received.stream().filter(r -> r.seid().equals(seid)).toList();
    }

    /** The commands received for {@code seid}, in order. */
    public List<Command> commands(String seid) {
        return received(seid).stream().map(Received::command).toList();
    }

    public List<PmilterRequest.Negotiate> negotiations() {
        return List.copyOf(negotiations);
    }

    public List<Closed> closes() {
        return List.copyOf(closes);
    }

    public int connectionsAccepted() {
        return connectionsAccepted.get();
    }

    public int connectionsClosed() {
        return connectionsClosed.get();
    }

    /** The most sessions that were open at once. */
    public int maxConcurrentSessions() {
        return maxLiveSessions.get();
    }

    @Override
    public void close() {
        serverChannel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** One session on the server. */
    private final class Session implements PmilterSessionHandler {
        private final Channel channel;
        private final String seid;
        private final int connection;

        Session(Channel channel, String seid) {
            this.channel = channel;
            this.seid = seid;
            this.connection = channel.attr(CONNECTION).get();
            int live = liveSessions.incrementAndGet();
            maxLiveSessions.accumulateAndGet(live, Math::max);
        }

        @Override
        public CompletionStage<PmilterResponse.Reply> handle(PmilterRequest.SessionRequest request) {
            Received entry = record(request);
            received.add(entry);
            releaseHeldBack();
            Reaction reaction = null;
            for (Function<Received, Reaction> rule : rules) {
                reaction = rule.apply(entry);
                if (reaction != null) {
                    break;
                }
            }
            if (reaction == null) {
                reaction = Reaction.reply(ReplyCode.CONTINUE);
            }
            return react(reaction);
        }

        private CompletionStage<PmilterResponse.Reply> react(Reaction reaction) {
            if (reaction instanceof Reaction.Answer answer) {
                return CompletableFuture.completedFuture(reply(answer));
            }
            if (reaction instanceof Reaction.Later later) {
                CompletableFuture<PmilterResponse.Reply> future = new CompletableFuture<>();
                channel.eventLoop().schedule(() -> future.complete(reply(later.answer())),
                        later.delay().toNanos(), TimeUnit.NANOSECONDS);
                return future;
            }
            if (reaction instanceof Reaction.After after) {
                CompletableFuture<PmilterResponse.Reply> future = new CompletableFuture<>();
                heldBack.add(new Runnable() {
                    @Override
                    public void run() {
                        if (received.stream().anyMatch(after.condition())) {
                            heldBack.remove(this);
                            react(after.then()).whenComplete((reply, error) -> {
                                if (reply != null) {
                                    future.complete(reply);
                                }
                            });
                        }
                    }
                });
                releaseHeldBack();
                return future;
            }
            if (reaction instanceof Reaction.Disconnect) {
                channel.close();
            }
            return new CompletableFuture<>();
        }

        private PmilterResponse.Reply reply(Reaction.Answer answer) {
            return new PmilterResponse.Reply(seid, answer.code(), answer.text(), answer.modifications());
        }

        @Override
        public void closed(CloseReason reason) {
            liveSessions.decrementAndGet();
            closes.add(new Closed(connection, seid, reason));
        }

        private Received record(PmilterRequest.SessionRequest request) {
            String argument = "";
            String esmtpArgs = null;
            int recipientIndex = -1;
            if (request instanceof PmilterRequest.Connect connect) {
                argument = connect.clientAddress().getHostAddress() + ":" + connect.port() + " " + connect.clientName();
            } else if (request instanceof PmilterRequest.Ehlo ehlo) {
                argument = ehlo.heloArg();
            } else if (request instanceof PmilterRequest.Mail mail) {
                argument = mail.reversePath();
                esmtpArgs = mail.esmtpArgs();
            } else if (request instanceof PmilterRequest.Rcpt rcpt) {
                argument = rcpt.forwardPath();
                esmtpArgs = rcpt.esmtpArgs();
                recipientIndex = rcpt.index();
            } else if (request instanceof PmilterRequest.Unknown unknown) {
                argument = unknown.line();
            } else if (request instanceof PmilterRequest.Msg msg) {
                try {
                    argument = msg.chunk().toString(StandardCharsets.ISO_8859_1);
                } finally {
                    msg.release();
                }
            }
            return new Received(connection, seid, request.command(), argument, esmtpArgs, recipientIndex,
                    request.macros());
        }
    }

    private void releaseHeldBack() {
        for (Runnable waiting : List.copyOf(heldBack)) {
            waiting.run();
        }
    }

    /** The arguments of every MSG received for {@code seid}, joined: the message as the pmilter saw it. */
    public String message(String seid) {
        List<String> chunks = new ArrayList<>();
        for (Received r : received(seid)) {
            if (r.command() == Command.MSG) {
                chunks.add(r.argument());
            }
        }
        return String.join("", chunks);
    }
}
