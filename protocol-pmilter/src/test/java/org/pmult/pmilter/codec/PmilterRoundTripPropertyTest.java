package org.pmult.pmilter.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.net.UnknownHostException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.pmult.pmilter.codec.PmilterCodes.HeloKind;
import org.pmult.pmilter.codec.PmilterCodes.Macro;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.codec.PmilterCodes.Stage;

/**
 * Generated messages of every type survive encode → decode unchanged and re-encode to the same
 * bytes; arbitrary or corrupted bytes never produce anything but a message or a PmilterCodecException.
 */
class PmilterRoundTripPropertyTest {

    @Property(tries = 500)
    void everyRequestRoundTripsByteExactly(@ForAll("requests") PmilterRequest request) {
        byte[] wire = PmilterWire.encode(request);
        PmilterRequest decoded = PmilterWire.decodeRequest(wire);
        try {
            assertEquals(request, decoded);
            assertArrayEquals(wire, PmilterWire.encode(decoded));
        } finally {
            ReferenceCountUtil.release(decoded);
        }
    }

    @Property(tries = 500)
    void everyResponseRoundTripsByteExactly(@ForAll("responses") PmilterResponse response) {
        byte[] wire = PmilterWire.encode(response);
        PmilterResponse decoded = PmilterWire.decodeResponse(wire);
        assertEquals(response, decoded);
        assertArrayEquals(wire, PmilterWire.encode(decoded));
    }

    @Property(tries = 1000)
    void arbitraryBytesAreDecodedOrRejectedCleanly(@ForAll @Size(max = 200) byte[] body) {
        byte[] frame = ByteBufUtil.getBytes(Unpooled.buffer().writeInt(body.length).writeBytes(body));
        decodeBothWays(frame);
    }

    @Property(tries = 1000)
    void corruptedFramesAreDecodedOrRejectedCleanly(@ForAll("requests") PmilterRequest request,
            @ForAll @IntRange(min = 0, max = 10_000) int position, @ForAll byte replacement) {
        byte[] frame = PmilterWire.encode(request);
        frame[4 + position % (frame.length - 4)] = replacement;
        decodeBothWays(frame);
    }

    private static void decodeBothWays(byte[] frame) {
        ByteBuf buf = Unpooled.wrappedBuffer(frame);
        try {
            ReferenceCountUtil.release(PmilterRequestParser.parse(buf));
        } catch (PmilterCodecException expected) {
            // a clean rejection
        }
        try {
            PmilterResponseParser.parse(buf);
        } catch (PmilterCodecException expected) {
            // a clean rejection
        } finally {
            buf.release();
        }
    }

    @Provide
    Arbitrary<PmilterRequest> requests() {
        Arbitrary<String> seid = seids();
        Arbitrary<PmilterMacros> macros = macros();
        Arbitrary<String> text = texts();
        return Arbitraries.oneOf(List.of(
                Combinators.combine(Arbitraries.integers(), Arbitraries.integers().between(0, Integer.MAX_VALUE))
                        .as(PmilterRequest.Negotiate::new),
                Arbitraries.just(new PmilterRequest.Ping()),
                Combinators.combine(Arbitraries.longs().between(0x0D, 0xFFFF_FFFFL).filter(c -> c != 0),
                        seid.injectNull(0.5)).as(PmilterRequest.UnknownCommand::new),
                Combinators.combine(seid, addresses(), Arbitraries.integers().between(0, 65_535), text, macros)
                        .as(PmilterRequest.Connect::new),
                Combinators.combine(seid, text, Arbitraries.of(HeloKind.class), macros).as(PmilterRequest.Ehlo::new),
                Combinators.combine(seid, text, text.injectNull(0.3), macros).as(PmilterRequest.Mail::new),
                Combinators.combine(seid, text, Arbitraries.integers().between(0, Integer.MAX_VALUE),
                        text.injectNull(0.3), macros).as(PmilterRequest.Rcpt::new),
                Combinators.combine(seid, macros).as(PmilterRequest.Data::new),
                Combinators.combine(seid, chunks()).as((s, c) -> new PmilterRequest.Msg(s, Unpooled.wrappedBuffer(c))),
                Combinators.combine(seid, macros).as(PmilterRequest.Dot::new),
                seid.map(PmilterRequest.Abort::new),
                seid.map(PmilterRequest.Close::new),
                Combinators.combine(seid, text).as(PmilterRequest.Unknown::new)));
    }

    @Provide
    Arbitrary<PmilterResponse> responses() {
        return Arbitraries.oneOf(List.of(negotiateReplies(), replies(), Arbitraries.just(new PmilterResponse.PingReply()),
                Combinators.combine(Arbitraries.longs().between(0, 0xFFFF_FFFFL).filter(c -> c != 0x80 && c != 0x81),
                        seids().injectNull(0.5)).as(PmilterResponse.UnknownReply::new)));
    }

    private Arbitrary<PmilterResponse> negotiateReplies() {
        Arbitrary<List<Macro>> macroLists = Arbitraries.of(Macro.class).list().ofMaxSize(PmilterCodes.MAX_MACROS_PER_STAGE);
        Arbitrary<List<Stage>> stages = Arbitraries.of(Stage.class).list().uniqueElements().ofMaxSize(Stage.values().length);
        Arbitrary<Map<Stage, List<Macro>>> requests = stages.flatMap(order -> macroLists.list().ofSize(order.size())
                .map(lists -> {
                    Map<Stage, List<Macro>> map = new LinkedHashMap<>();
                    for (int i = 0; i < order.size(); i++) {
                        map.put(order.get(i), lists.get(i));
                    }
                    return map;
                }));
        return Combinators.combine(Arbitraries.integers(), Arbitraries.integers().between(0, Integer.MAX_VALUE), requests)
                .as(PmilterResponse.NegotiateReply::new);
    }

    private Arbitrary<PmilterResponse> replies() {
        Arbitrary<String> freeText = texts().filter(t -> !t.isEmpty());
        Arbitrary<String> smtpTail = Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(60);
        return Combinators.combine(seids(), Arbitraries.of(ReplyCode.class), freeText, smtpTail,
                Arbitraries.integers().between(0, 99), Arbitraries.of(true, false), modifications().list().ofMaxSize(6))
                .as((seid, code, free, tail, digits, withText, mods) -> {
                    String text = null;
                    if (withText) {
                        text = code.requiredTextClass() == 0 ? free
                                : code.requiredTextClass() + String.format("%02d", digits) + " " + tail;
                    }
                    return new PmilterResponse.Reply(seid, code, text, mods);
                });
    }

    private Arbitrary<PmilterModification> modifications() {
        Arbitrary<String> name = Arbitraries.strings().withCharRange('!', '~').ofMinLength(1).ofMaxLength(30);
        Arbitrary<String> value = texts();
        Arbitrary<String> address = texts().filter(t -> !t.isEmpty());
        return Arbitraries.oneOf(List.of(
                Combinators.combine(name, value).as(PmilterModification.AddHeader::new),
                Combinators.combine(Arbitraries.integers().between(0, Integer.MAX_VALUE), name, value)
                        .as(PmilterModification.InsertHeader::new),
                Combinators.combine(Arbitraries.integers().between(1, Integer.MAX_VALUE), name, value)
                        .as(PmilterModification.ChangeHeader::new),
                address.map(PmilterModification.AddRecipient::new),
                address.map(PmilterModification.DeleteRecipient::new),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(200).map(PmilterModification.ReplaceBody::new),
                address.map(PmilterModification.ChangeSender::new)));
    }

    /** 1..64 bytes of valid UTF-8, including multi-byte characters, as the octet string the decoder gives. */
    private static Arbitrary<String> seids() {
        return Arbitraries.strings().withCharRange('!', '~').withCharRange('\u00a0', '\u07ff')
                .ofMinLength(1).ofMaxLength(64)
                .filter(s -> ByteBufUtil.utf8Bytes(s) <= PmilterCodes.MAX_SEID_LENGTH)
                .map(s -> new String(s.getBytes(StandardCharsets.UTF_8), PmilterCodes.STRING_CHARSET));
    }

    /** Any octet string (every byte value, valid UTF-8 or not), possibly empty. */
    private static Arbitrary<String> texts() {
        return Arbitraries.strings().withCharRange('\u0000', '\u00ff').ofMaxLength(80);
    }

    private static Arbitrary<PmilterMacros> macros() {
        return Combinators.combine(Arbitraries.integers().between(0, 200), texts()).as(MacroValue::new)
                .list().ofMaxSize(PmilterCodes.MAX_MACROS_PER_STAGE)
                .map(pairs -> {
                    PmilterMacros.Builder builder = PmilterMacros.builder();
                    for (MacroValue pair : pairs) {
                        builder.add(pair.id(), pair.value());
                    }
                    return builder.build();
                });
    }

    private static Arbitrary<InetAddress> addresses() {
        return Arbitraries.oneOf(List.of(Arbitraries.bytes().array(byte[].class).ofSize(4),
                Arbitraries.bytes().array(byte[].class).ofSize(16))).map(bytes -> {
                    try {
                        return bytes.length == 4 ? InetAddress.getByAddress(bytes)
                                : java.net.Inet6Address.getByAddress(null, bytes, -1);
                    } catch (UnknownHostException e) {
                        throw new IllegalStateException(e);
                    }
                });
    }

    private static Arbitrary<byte[]> chunks() {
        return Arbitraries.oneOf(List.of(
                Arbitraries.bytes().array(byte[].class).ofMaxSize(300),
                Arbitraries.integers().between(0, PmilterCodes.MAX_CHUNK_LENGTH).map(byte[]::new)));
    }

    /** One generated MACID/MACVAL pair; ids beyond the table's stand for a newer smtps. */
    private record MacroValue(int id, String value) {
    }
}
