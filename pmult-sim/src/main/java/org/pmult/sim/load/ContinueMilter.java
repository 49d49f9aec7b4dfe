package org.pmult.sim.load;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.SocketAddress;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import org.pmult.milter.codec.MilterCodes;
import org.pmult.milter.codec.MilterCodes.Command;
import org.pmult.milter.codec.MilterCodes.MacroStage;
import org.pmult.milter.codec.MilterCodes.ProtocolFlag;
import org.pmult.milter.codec.MilterCommand;
import org.pmult.milter.codec.MilterCommandDecoder;
import org.pmult.milter.codec.MilterFrameDecoder;
import org.pmult.milter.codec.MilterMacroNames;
import org.pmult.milter.codec.MilterReply;
import org.pmult.milter.codec.MilterReplyEncoder;
import org.pmult.server.transport.Transports;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fastest Milter filter that still speaks the protocol: it negotiates (asking for the macro
 * lists it was given, as mailfromd does with SETSYMLIST), answers every command that expects a reply
 * with one precomputed SMFIR_CONTINUE frame, and closes on SMFIC_QUIT. With {@code noReply} it asks
 * not to answer ({@code SMFIP_NR_*}) every stage before end of message that the client offers, as
 * rspamd does, and answers only the rest. Only the option negotiation is
 * decoded; other packets are framed (length-checked) and dispatched on their code byte, so the
 * milter's own cost stays far below its client's and a benchmark measures the client side.
 */
public final class ContinueMilter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ContinueMilter.class);

    /**
     * The macro lists GNU mailfromd asks for with the project's test filter
     * ({@code mailfromd --dump-macros}), so a benchmark moves the same macros a real deployment does.
     */
    public static final Map<MacroStage, MilterMacroNames> MAILFROMD_MACRO_LISTS = mailfromdMacroLists();

    /** SMFIR_CONTINUE as it goes on the wire: length 1, code 'c'. Shared, never released. */
    private static final ByteBuf CONTINUE_FRAME = Unpooled.unreleasableBuffer(
            MilterReplyEncoder.encode(UnpooledByteBufAllocator.DEFAULT, MilterReply.CONTINUE, MilterCodes.DEFAULT_MAX_FRAME_LENGTH)
                    .asReadOnly());

    /** The SMFIP_NR_* flags it asks for with {@code noReply}: every stage before end of message. */
    static final int NO_REPLY_FLAGS = ProtocolFlag.maskOf(ProtocolFlag.NR_CONN, ProtocolFlag.NR_HELO,
            ProtocolFlag.NR_MAIL, ProtocolFlag.NR_RCPT, ProtocolFlag.NR_DATA, ProtocolFlag.NR_HDR, ProtocolFlag.NR_EOH,
            ProtocolFlag.NR_BODY);

    /** The listen backlog unless told otherwise. */
    public static final int DEFAULT_BACKLOG = 4096;

    private final Map<MacroStage, MilterMacroNames> macroLists;
    private final boolean noReply;
    private final ChannelGroup channels = new DefaultChannelGroup("continue-milter", GlobalEventExecutor.INSTANCE);
    private final LongAdder connections = new LongAdder();
    private final LongAdder answered = new LongAdder();
    private Channel serverChannel;

    private ContinueMilter(Map<MacroStage, MilterMacroNames> macroLists, boolean noReply) {
        this.macroLists = macroLists;
        this.noReply = noReply;
    }

    /**
     * Listens on {@code address}; blocks until bound (call it off the event loops).
     *
     * @param group      the event loops for the listen socket and every connection
     * @param macroLists what to ask for in the negotiation reply; empty for no SETSYMLIST
     */
    public static ContinueMilter start(Transports transport, EventLoopGroup group, SocketAddress address,
            Map<MacroStage, MilterMacroNames> macroLists) {
        return start(transport, group, address, macroLists, DEFAULT_BACKLOG);
    }

    /**
     * As {@link #start(Transports, EventLoopGroup, SocketAddress, Map)}, with this listen backlog:
     * a small one (1) makes a burst of connects meet a full backlog, as a busy filter's does.
     */
    public static ContinueMilter start(Transports transport, EventLoopGroup group, SocketAddress address,
            Map<MacroStage, MilterMacroNames> macroLists, int backlog) {
        return start(transport, group, address, macroLists, backlog, false);
    }

    /**
     * As {@link #start(Transports, EventLoopGroup, SocketAddress, Map, int)}; {@code noReply}: negotiate
     * {@link #NO_REPLY_FLAGS} (those the client offers) and leave those stages unanswered.
     */
    public static ContinueMilter start(Transports transport, EventLoopGroup group, SocketAddress address,
            Map<MacroStage, MilterMacroNames> macroLists, int backlog, boolean noReply) {
        Objects.requireNonNull(address, "address");
        ContinueMilter milter = new ContinueMilter(macroLists.isEmpty() ? Map.of() : new EnumMap<>(macroLists), noReply);
        milter.serverChannel = transport.serverBootstrap(group, group, address)
                .option(ChannelOption.SO_BACKLOG, backlog)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        milter.channels.add(ch);
                        milter.connections.increment();
                        ch.pipeline().addLast(new MilterFrameDecoder(), new MilterReplyEncoder(),
                                milter.new Answerer());
                    }
                })
                .bind(transport.nettyAddress(address)).syncUninterruptibly().channel();
        return milter;
    }

    /** Where it listens (the real port when bound to port 0). */
    public SocketAddress localAddress() {
        return serverChannel.localAddress();
    }

    /** Connections accepted so far. */
    public long connections() {
        return connections.sum();
    }

    /** Commands answered with CONTINUE so far. */
    public long answered() {
        return answered.sum();
    }

    /** Stops listening and closes every connection; waits until done. */
    @Override
    public void close() {
        channels.close().awaitUninterruptibly();
        if (serverChannel != null) {
            serverChannel.close().awaitUninterruptibly();
        }
    }

    /** One connection: answers packet by packet, flushing once per read. */
    private final class Answerer extends ChannelInboundHandlerAdapter {
        private boolean pendingFlush;
        /** The SMFIP_NR_* flags agreed on this connection. */
        private int noReplies;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf packet = (ByteBuf) msg;
            try {
                Command command = Command.of(packet.getByte(packet.readerIndex()));
                switch (command) {
                    case OPTNEG -> negotiate(ctx, packet);
                    case QUIT -> ctx.close();
                    default -> {
                        if (command.answered() && (command.noReplyFlag() == null
                                || !command.noReplyFlag().isSet(noReplies))) {
                            answered.increment();
                            ctx.write(CONTINUE_FRAME.duplicate(), ctx.voidPromise());
                            pendingFlush = true;
                        }
                    }
                }
            } finally {
                ReferenceCountUtil.release(packet);
            }
        }

        private void negotiate(ChannelHandlerContext ctx, ByteBuf packet) {
            MilterCommand.OptionNegotiation offer = (MilterCommand.OptionNegotiation) MilterCommandDecoder.decode(packet);
            boolean v6 = offer.version() >= MilterCodes.MAX_VERSION;
            noReplies = noReply && v6 ? offer.protocol() & NO_REPLY_FLAGS : 0;
            ctx.write(new MilterReply.OptionNegotiation(Math.min(offer.version(), MilterCodes.MAX_VERSION),
                    offer.actions(), noReplies, v6 ? macroLists : Map.of()), ctx.voidPromise());
            pendingFlush = true;
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (pendingFlush) {
                pendingFlush = false;
                ctx.flush();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.warn("continue milter: connection {} failed: {}; closing it", ctx.channel().remoteAddress(),
                    cause.toString());
            ctx.close();
        }
    }

    private static Map<MacroStage, MilterMacroNames> mailfromdMacroLists() {
        Map<MacroStage, MilterMacroNames> lists = new EnumMap<>(MacroStage.class);
        lists.put(MacroStage.CONNECT, MilterMacroNames.of("{client_addr}", "{client_name}", "j", "{daemon_name}"));
        lists.put(MacroStage.HELO, MilterMacroNames.of("s", "{tls_version}"));
        lists.put(MacroStage.ENVFROM, MilterMacroNames.of("f", "{mail_addr}", "{mail_host}", "{mail_mailer}", "i",
                "{auth_authen}"));
        lists.put(MacroStage.ENVRCPT, MilterMacroNames.of("{rcpt_addr}", "{rcpt_host}", "{rcpt_mailer}"));
        lists.put(MacroStage.EOM, MilterMacroNames.of("i", "{client_addr}", "{mail_addr}"));
        return Map.copyOf(lists);
    }
}
