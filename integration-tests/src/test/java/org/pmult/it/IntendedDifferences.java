package org.pmult.it;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The committed table of the ways pmult's Milter stream may differ from Postfix's for the same SMTP
 * session, each with its reason. {@link #normalise} applies every rule to a transcript; what is left
 * must be equal. A difference belongs here only when it is deliberate and documented in
 * docs/milter-compatibility.md; a difference nobody chose is a bug to fix, not a row to add.
 */
final class IntendedDifferences {

    /** One intended difference: what it is, why, and how it is taken out of a transcript. */
    record Rule(String what, String why, UnaryOperator<List<MilterTranscript.Packet>> normalisation) {
    }

    static final List<Rule> RULES = List.of(
            new Rule("client port in SMFIC_CONNECT",
                    "the SMTP client's ephemeral source port differs between any two connections",
                    packets -> map(packets, 'C', fields -> replaceField(fields, "port=", "port=*"))),
            new Rule("value of macro i",
                    "Postfix sends its queue id, pmult MeTA1's session id (GNU pmult's documented meaning)",
                    packets -> map(packets, 'D', fields -> replaceField(fields, "i=", "i=*"))),
            new Rule("macro i at MAIL and at the first RCPT",
                    "Postfix has no queue id until the first recipient is accepted (smtpd_delay_open_until_valid_rcpt),"
                            + " so its default sets' i has no value there; pmult's i is the session id, known from CONNECT."
                            + " Taken out of MAIL and RCPT macro packets on both sides",
                    packets -> mapMacros(packets, 'M', 'R', fields -> fields.stream().filter(f -> !f.startsWith("i=")).toList())),
            new Rule("value of macro v",
                    "the MTA's name and version: Postfix sends \"Postfix 3.7.11\", pmult \"pmult VERSION\"; a milter"
                            + " that logs or matches v sees which MTA it runs behind, as it would between Postfix versions",
                    packets -> map(packets, 'D', fields -> replaceField(fields, "v=", "v=*"))),
            new Rule("SMFIC_MACRO packets that carry no macro",
                    "Postfix sends a stage's macro packet even when none of its macros has a value; pmult leaves it"
                            + " out. libmilter has already cleared that stage's macros when the previous command"
                            + " arrived, so the milter sees no macro either way",
                    packets -> packets.stream().filter(p -> p.code() != 'D' || p.fields().size() > 1).toList()),
            new Rule("body chunk boundaries",
                    "both send chunks of at most 65,535 bytes, but where a chunk ends depends on how the MTA reads"
                            + " the message; milters must not depend on it (libmilter hands them chunks as they come)."
                            + " The macro packet an MTA repeats before each chunk goes with the chunk",
                    IntendedDifferences::joinBodyChunks),
            new Rule("SMFIC_ABORT with no transaction open (after end of message, before QUIT)",
                    "Postfix resets its milters (ABORT) whenever smtpd resets its own state: after every finished"
                            + " message and again when the session ends. Sendmail sends ABORT only to end a transaction"
                            + " that did not reach end of message (RSET, a refused message); pmult does as Sendmail",
                    IntendedDifferences::dropAbortsOutsideTransactions),
            new Rule("SMFIC_UNKNOWN carries the whole command line",
                    "Postfix sends only the command word; Sendmail sends the line as the client sent it, and so"
                            + " does pmult (MeTA1 hands it the whole line)",
                    packets -> map(packets, 'U', fields -> fields.isEmpty() ? fields : List.of(fields.get(0).split(" ", 2)[0])))
    );

    private IntendedDifferences() {
    }

    /** The transcript's lines after every rule. */
    static List<String> normalise(List<MilterTranscript.Packet> packets) {
        List<MilterTranscript.Packet> current = packets;
        for (Rule rule : RULES) {
            current = rule.normalisation().apply(current);
        }
        List<String> lines = new ArrayList<>(current.size());
        for (MilterTranscript.Packet packet : current) {
            lines.add(packet.line());
        }
        return lines;
    }

    private static List<MilterTranscript.Packet> map(List<MilterTranscript.Packet> packets, char code,
                                                     UnaryOperator<List<String>> change) {
        List<MilterTranscript.Packet> out = new ArrayList<>(packets.size());
        for (MilterTranscript.Packet packet : packets) {
            out.add(packet.code() == code ? new MilterTranscript.Packet(code, change.apply(packet.fields()), packet.raw()) : packet);
        }
        return out;
    }

    /** Changes the fields of the macro packets that go before command {@code first} or {@code second}. */
    private static List<MilterTranscript.Packet> mapMacros(List<MilterTranscript.Packet> packets, char first, char second,
                                                           UnaryOperator<List<String>> change) {
        String[] stages = {"stage=" + first, "stage=" + second};
        return map(packets, 'D', fields -> fields.isEmpty() || !(fields.get(0).equals(stages[0]) || fields.get(0).equals(stages[1]))
                ? fields : change.apply(fields));
    }

    private static List<String> replaceField(List<String> fields, String prefix, String replacement) {
        List<String> out = new ArrayList<>(fields.size());
        for (String field : fields) {
            out.add(field.startsWith(prefix) ? replacement : field);
        }
        return out;
    }

    /** Consecutive SMFIC_BODY packets become one, described by length and digest. */
    private static List<MilterTranscript.Packet> joinBodyChunks(List<MilterTranscript.Packet> packets) {
        List<MilterTranscript.Packet> out = new ArrayList<>(packets.size());
        ByteArrayOutputStream body = null;
        for (int i = 0; i < packets.size(); i++) {
            MilterTranscript.Packet packet = packets.get(i);
            boolean macrosBetweenChunks = body != null && packet.code() == 'D' && i + 1 < packets.size()
                    && packets.get(i + 1).code() == 'B';
            if (macrosBetweenChunks) {
                continue;
            }
            if (packet.code() == 'B') {
                if (body == null) {
                    body = new ByteArrayOutputStream();
                }
                body.writeBytes(packet.raw());
                continue;
            }
            if (body != null) {
                out.add(bodyPacket(body.toByteArray()));
                body = null;
            }
            out.add(packet);
        }
        if (body != null) {
            out.add(bodyPacket(body.toByteArray()));
        }
        return out;
    }

    /** ABORT packets that follow end of message or another such ABORT, or that come right before QUIT. */
    private static List<MilterTranscript.Packet> dropAbortsOutsideTransactions(List<MilterTranscript.Packet> packets) {
        List<MilterTranscript.Packet> out = new ArrayList<>(packets.size());
        boolean inTransaction = false;
        for (int i = 0; i < packets.size(); i++) {
            MilterTranscript.Packet packet = packets.get(i);
            char code = packet.code();
            if (code == 'A') {
                boolean beforeQuit = true;
                for (int j = i + 1; j < packets.size() && beforeQuit; j++) {
                    beforeQuit = packets.get(j).code() == 'A' || packets.get(j).code() == 'Q';
                }
                if (!inTransaction || beforeQuit) {
                    continue;
                }
                inTransaction = false;
            } else if (code == 'M') {
                inTransaction = true;
            } else if (code == 'E') {
                inTransaction = false;
            }
            out.add(packet);
        }
        return out;
    }

    private static MilterTranscript.Packet bodyPacket(byte[] body) {
        String start = MilterTranscript.escape(body, 0, Math.min(body.length, 80));
        return new MilterTranscript.Packet('B', List.of(body.length + " bytes", "sha256:" + MilterTranscript.digest(body),
                "starting \"" + start + "\""), body);
    }
}
