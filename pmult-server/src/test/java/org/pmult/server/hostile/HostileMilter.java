package org.pmult.server.hostile;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.ReferenceCountUtil;
import org.pmult.milter.codec.MilterCodes;
import org.pmult.milter.codec.MilterCodes.Command;
import org.pmult.milter.codec.MilterCommand;
import org.pmult.milter.codec.MilterCommandDecoder;
import org.pmult.milter.codec.MilterFrameDecoder;
import org.pmult.milter.codec.MilterReply;
import org.pmult.milter.codec.MilterReplyEncoder;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Milter filter on a loopback port that behaves well until armed: it negotiates, answers every
 * command CONTINUE, rejects {@link #BLOCKED_RECIPIENT} with {@link #BLOCKED_TEXT} and adds
 * {@link #SCANNED} at end of message. Each connection takes the {@link Misbehaviour} armed when it is
 * accepted, so a session already running keeps its well-behaved connection while the next one is
 * hostile. Unlike {@code ScriptedMilter} a misbehaviour may write raw bytes (wrong lengths, unknown
 * codes), reply when nothing was asked, or hang up.
 */
final class HostileMilter implements AutoCloseable {

    static final String BLOCKED_RECIPIENT = "<blocked@example.net>";
    static final String BLOCKED_TEXT = "550 5.7.1 blocked by policy";
    static final MilterReply.AddHeader SCANNED = new MilterReply.AddHeader("X-Hostile-Test", "scanned");

    /** What an armed connection does instead of answering a command well. */
    @FunctionalInterface
    interface Misbehaviour {
        /** Behaves well, but marks the connection as armed so a test can find it. */
        Misbehaviour NONE = (ctx, command) -> false;

        /**
         * Acts on {@code command} (on the milter's event loop); returns false to let the well-behaved
         * answer go out instead.
         */
        boolean act(ChannelHandlerContext ctx, MilterCommand command);
    }

    /** One accepted connection and how it was told to behave. */
    record Connection(int index, Channel channel, Misbehaviour misbehaviour) {
        boolean armed() {
            return misbehaviour != null;
        }
    }

    private final List<Connection> connections = new CopyOnWriteArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private volatile Misbehaviour armed;
    private final Channel server;

    private HostileMilter(EventLoopGroup group) {
        int max = MilterCodes.DEFAULT_MAX_FRAME_LENGTH;
        this.server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        Connection connection = new Connection(accepted.getAndIncrement(), ch, armed);
                        connections.add(connection);
                        ch.pipeline().addLast(new MilterFrameDecoder(max), new MilterCommandDecoder(),
                                new MilterReplyEncoder(max), new Answerer(connection.misbehaviour()));
                    }
                })
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).syncUninterruptibly().channel();
    }

    static HostileMilter start(EventLoopGroup group) {
        return new HostileMilter(group);
    }

    /** The client url for pmult's configuration. */
    String url() {
        return "inet://127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** Connections accepted from now on misbehave as {@code misbehaviour} says. */
    void arm(Misbehaviour misbehaviour) {
        armed = misbehaviour;
    }

    /** Connections accepted from now on behave well. */
    void disarm() {
        armed = null;
    }

    /** Every connection accepted so far, oldest first. */
    List<Connection> connections() {
        return List.copyOf(connections);
    }

    /** The connections that were accepted while armed. */
    List<Connection> armedConnections() {
        return connections.stream().filter(Connection::armed).toList();
    }

    @Override
    public void close() {
        for (Connection connection : connections) {
            connection.channel().close().awaitUninterruptibly();
        }
        server.close().awaitUninterruptibly();
    }

    /** A length prefix and a code byte, then {@code data}: a frame with any length the test likes. */
    static ByteBuf rawFrame(long length, byte code, byte... data) {
        ByteBuf frame = Unpooled.buffer(MilterCodes.LENGTH_FIELD_BYTES + 1 + data.length);
        frame.writeInt((int) length).writeByte(code).writeBytes(data);
        return frame;
    }

    /** Answers one connection's commands: the misbehaviour first, then the well-behaved default. */
    private static final class Answerer extends ChannelInboundHandlerAdapter {
        private final Misbehaviour misbehaviour;

        Answerer(Misbehaviour misbehaviour) {
            this.misbehaviour = misbehaviour;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            MilterCommand command = (MilterCommand) msg;
            try {
                if (misbehaviour == null || !misbehaviour.act(ctx, command)) {
                    answerWell(ctx, command);
                }
            } finally {
                ReferenceCountUtil.release(command);
            }
        }

        private static void answerWell(ChannelHandlerContext ctx, MilterCommand command) {
            if (command instanceof MilterCommand.OptionNegotiation offer) {
                ctx.writeAndFlush(new MilterReply.OptionNegotiation(Math.min(offer.version(), MilterCodes.MAX_VERSION),
                        offer.actions(), 0));
            } else if (command.command() == Command.QUIT) {
                ctx.close();
            } else if (command instanceof MilterCommand.Rcpt rcpt && rcpt.recipient().equals(BLOCKED_RECIPIENT)) {
                ctx.writeAndFlush(new MilterReply.ReplyCode(BLOCKED_TEXT));
            } else if (command.command() == Command.BODYEOB) {
                ctx.write(SCANNED);
                ctx.writeAndFlush(MilterReply.CONTINUE);
            } else if (command.command().answered()) {
                ctx.writeAndFlush(MilterReply.CONTINUE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
