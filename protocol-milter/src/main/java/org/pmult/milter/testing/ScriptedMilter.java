package org.pmult.milter.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.pmult.milter.codec.MilterCodes;
import org.pmult.milter.codec.MilterCodes.Command;
import org.pmult.milter.codec.MilterCommand;
import org.pmult.milter.codec.MilterCommandDecoder;
import org.pmult.milter.codec.MilterFrameDecoder;
import org.pmult.milter.codec.MilterReply;
import org.pmult.milter.codec.MilterReplyEncoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Milter filter for tests, listening on a real socket. It records every command it receives and
 * answers from a script: per command a {@link MilterScriptRule}, else the defaults — OPTNEG gets
 * the configured answer (by default: the offered version capped at 6, every offered action, no
 * protocol flags); commands that are answered get CONTINUE unless the negotiated answer holds their
 * {@code NR_*} flag; MACRO, ABORT and QUIT_NC get nothing; QUIT closes the connection.
 *
 * <pre>{@code
 * ScriptedMilter milter = ScriptedMilter.builder()
 *         .on(Command.RCPT, (command, connection) -> MilterScriptResponse.reply(MilterReply.TEMPFAIL))
 *         .start(serverBootstrap, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
 * }</pre>
 */
public final class ScriptedMilter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ScriptedMilter.class);

    /** One command as received. */
    public record Received(int connection, MilterCommand command) {
    }

    private final Map<Command, MilterScriptRule> rules;
    private final int maxFrameLength;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private Channel serverChannel;

    private ScriptedMilter(Builder builder) {
        this.rules = new EnumMap<>(builder.rules);
        this.maxFrameLength = builder.maxFrameLength;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Where it listens (with the real port when bound to port 0). */
    public SocketAddress localAddress() {
        return serverChannel.localAddress();
    }

    /** Every command received so far, all connections, in arrival order (body chunks are copies). */
    public List<MilterCommand> received() {
        List<MilterCommand> commands = new ArrayList<>();
        for (Received r : received) {
            commands.add(r.command());
        }
        return commands;
    }

    /** Every command received so far, with the connection it came on. */
    public List<Received> receivedWithConnections() {
        return List.copyOf(received);
    }

    /** The commands with code {@code command}, in arrival order. */
    public List<MilterCommand> received(Command command) {
        List<MilterCommand> commands = new ArrayList<>();
        for (Received r : received) {
            if (r.command().command() == command) {
                commands.add(r.command());
            }
        }
        return commands;
    }

    /** How many connections were accepted so far. */
    public int connections() {
        return connections.get();
    }

    /** Closes every connection and stops listening; waits until done. */
    @Override
    public void close() {
        channels.close().awaitUninterruptibly();
        if (serverChannel != null) {
            serverChannel.close().awaitUninterruptibly();
        }
    }

    private MilterScriptResponse respond(MilterCommand command, int connection, int[] negotiatedProtocol) {
        MilterScriptRule rule = rules.get(command.command());
        MilterScriptResponse response = rule != null
                ? rule.respond(command, connection) : defaultResponse(command, negotiatedProtocol[0]);
        if (command instanceof MilterCommand.OptionNegotiation && response instanceof MilterScriptResponse.Reply reply) {
            for (MilterReply r : reply.replies()) {
                if (r instanceof MilterReply.OptionNegotiation answer) {
                    negotiatedProtocol[0] = answer.protocol();
                }
            }
        }
        return response;
    }

    private static MilterScriptResponse defaultResponse(MilterCommand command, int negotiatedProtocol) {
        if (command instanceof MilterCommand.OptionNegotiation offer) {
            return MilterScriptResponse.reply(new MilterReply.OptionNegotiation(
                    Math.min(offer.version(), MilterCodes.MAX_VERSION), offer.actions(), 0));
        }
        Command code = command.command();
        if (code == Command.QUIT) {
            return MilterScriptResponse.close();
        }
        if (!code.answered() || (code.noReplyFlag() != null && code.noReplyFlag().isSet(negotiatedProtocol))) {
            return MilterScriptResponse.silent();
        }
        return MilterScriptResponse.reply(MilterReply.CONTINUE);
    }

    private static MilterCommand recordable(MilterCommand command) {
        if (command instanceof MilterCommand.Body body) {
            return new MilterCommand.Body(Unpooled.wrappedBuffer(ByteBufUtil.getBytes(body.content())));
        }
        return command;
    }

    /** Answers one connection's commands from the script. */
    private final class ConnectionHandler extends ChannelInboundHandlerAdapter {
        private final int connection;
        /** The protocol flags this connection's OPTNEG answer carried (decides the NR_* defaults). */
        private final int[] negotiatedProtocol = {0};

        ConnectionHandler(int connection) {
            this.connection = connection;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            MilterCommand command = (MilterCommand) msg;
            try {
                received.add(new Received(connection, recordable(command)));
                perform(ctx, List.of(respond(command, connection, negotiatedProtocol)), 0);
            } finally {
                ReferenceCountUtil.release(command);
            }
        }

        private void perform(ChannelHandlerContext ctx, List<MilterScriptResponse> steps, int from) {
            for (int i = from; i < steps.size(); i++) {
                MilterScriptResponse step = steps.get(i);
                if (step instanceof MilterScriptResponse.Reply reply) {
                    for (MilterReply r : reply.replies()) {
                        ctx.write(r);
                    }
                    ctx.flush();
                } else if (step instanceof MilterScriptResponse.Sequence sequence) {
                    List<MilterScriptResponse> rest = new ArrayList<>(sequence.steps());
                    rest.addAll(steps.subList(i + 1, steps.size()));
                    perform(ctx, rest, 0);
                    return;
                } else if (step instanceof MilterScriptResponse.Pause pause) {
                    int next = i + 1;
                    ctx.executor().schedule(() -> perform(ctx, steps, next), pause.delay().toNanos(), TimeUnit.NANOSECONDS);
                    return;
                } else if (step instanceof MilterScriptResponse.Close) {
                    ctx.close();
                    return;
                } else if (step instanceof MilterScriptResponse.StopReading) {
                    ctx.channel().config().setAutoRead(false);
                }
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.warn("scripted milter: connection {} failed: {}", connection, cause.toString());
            ctx.close();
        }
    }

    /** Configures and starts a {@link ScriptedMilter}. */
    public static final class Builder {
        private final Map<Command, MilterScriptRule> rules = new EnumMap<>(Command.class);
        private int maxFrameLength = MilterCodes.DEFAULT_MAX_FRAME_LENGTH;

        private Builder() {
        }

        /** Answers {@code command} with {@code rule} instead of the default. */
        public Builder on(Command command, MilterScriptRule rule) {
            rules.put(command, rule);
            return this;
        }

        /** Answers every OPTNEG with {@code answer}. */
        public Builder negotiate(MilterReply.OptionNegotiation answer) {
            return on(Command.OPTNEG, (command, connection) -> MilterScriptResponse.reply(answer));
        }

        public Builder maxFrameLength(int value) {
            this.maxFrameLength = value;
            return this;
        }

        /**
         * Binds to {@code address} using {@code bootstrap}, which comes with its event loop group(s)
         * and server channel class set; blocks until bound, so call it from a test thread, not an
         * event loop.
         */
        public ScriptedMilter start(ServerBootstrap bootstrap, SocketAddress address) {
            ScriptedMilter milter = new ScriptedMilter(this);
            int max = maxFrameLength;
            milter.serverChannel = bootstrap.clone()
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            milter.channels.add(ch);
                            ch.pipeline().addLast(new MilterFrameDecoder(max), new MilterCommandDecoder(),
                                    new MilterReplyEncoder(max),
                                    milter.new ConnectionHandler(milter.connections.getAndIncrement()));
                        }
                    })
                    .bind(address).syncUninterruptibly().channel();
            return milter;
        }
    }
}
