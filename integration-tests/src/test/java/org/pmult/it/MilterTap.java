package org.pmult.it;

import org.pmult.milter.codec.MilterCodes;
import org.pmult.milter.codec.MilterCodes.Command;
import org.pmult.milter.codec.MilterCodes.Reply;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A small recording milter for differential tests: it negotiates as its {@link Profile} says, answers
 * every command that wants an answer with CONTINUE (or REJECT for a recipient its profile refuses),
 * and writes down every packet the MTA sent, one {@link MilterTranscript} per connection. Packets are
 * read as raw bytes (framing only), so the record shows exactly what went over the wire.
 */
final class MilterTap implements AutoCloseable {

    /** Bound on one packet the tap accepts (the Milter maximum plus the command byte, with margin). */
    private static final int MAX_PACKET = 4 * (MilterCodes.MAX_DATA_SIZE + 1);
    private static final int READ_TIMEOUT_MILLIS = 60_000;

    /**
     * What the tap negotiates and how it answers.
     *
     * @param protocol         the protocol flags it asks for (e.g. HDR_LEADSPC), within the MTA's offer
     * @param actions          the actions it asks for, within the MTA's offer
     * @param macroLists       SETSYMLIST lists by Milter macro stage number; empty for none
     * @param refuseRecipients a recipient containing this text gets SMFIR_REJECT; null for none
     */
    record Profile(String name, int protocol, int actions, Map<Integer, String> macroLists, String refuseRecipients) {

        /** Takes the MTA's defaults: no SETSYMLIST, no protocol flags, header actions only. */
        static Profile plain(String name) {
            return new Profile(name, 0, MilterCodes.ActionFlag.ADDHDRS.bit(), Map.of(), null);
        }

        Profile withMacros(Map<Integer, String> lists) {
            return new Profile(name, protocol, actions, lists, refuseRecipients);
        }

        Profile withProtocol(int flags) {
            return new Profile(name, flags, actions, macroLists, refuseRecipients);
        }

        Profile refusing(String recipientText) {
            return new Profile(name, protocol, actions, macroLists, recipientText);
        }
    }

    private final ServerSocket server;
    private final Thread acceptor;
    private final List<MilterTranscript> transcripts = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile Profile profile;

    private MilterTap(ServerSocket server, Profile profile) {
        this.server = server;
        this.profile = profile;
        this.acceptor = new Thread(this::acceptLoop, "milter-tap-" + profile.name());
        this.acceptor.setDaemon(true);
    }

    /** Listens on a free port of 127.0.0.1. */
    static MilterTap start(Profile profile) {
        try {
            ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
            MilterTap tap = new MilterTap(server, profile);
            tap.acceptor.start();
            return tap;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen for the milter tap", e);
        }
    }

    int port() {
        return server.getLocalPort();
    }

    /** The address in Postfix's and pmult's spelling. */
    String postfixSpec() {
        return "inet:127.0.0.1:" + port();
    }

    Profile profileNow() {
        return profile;
    }

    /** Applies to connections negotiated from now on. */
    void profile(Profile next) {
        this.profile = next;
    }

    /** Forgets what was recorded so far. */
    void clear() {
        transcripts.clear();
    }

    /** Connections that carried an SMTP session (a command after CONNECT), in the order they began. */
    List<MilterTranscript> sessions() {
        List<MilterTranscript> sessions = new ArrayList<>();
        for (MilterTranscript transcript : transcripts) {
            if (transcript.sawSession()) {
                sessions.add(transcript);
            }
        }
        return sessions;
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Socket socket : sockets) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                sockets.add(socket);
                MilterTranscript transcript = new MilterTranscript();
                transcripts.add(transcript);
                Profile current = profile;
                Thread reader = new Thread(() -> serve(socket, transcript, current), "milter-tap-conn");
                reader.setDaemon(true);
                reader.start();
            } catch (IOException e) {
                if (!server.isClosed()) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }

    private void serve(Socket socket, MilterTranscript transcript, Profile current) {
        try (socket) {
            socket.setSoTimeout(READ_TIMEOUT_MILLIS);
            DataInputStream in = new DataInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            while (true) {
                int length;
                try {
                    length = in.readInt();
                } catch (EOFException e) {
                    break;
                }
                if (length < 1 || length > MAX_PACKET) {
                    transcript.add("!! packet length " + length + " (expected: 1.." + MAX_PACKET + ")");
                    break;
                }
                byte code = in.readByte();
                byte[] data = new byte[length - 1];
                in.readFully(data);
                transcript.record(code, data);
                byte[] reply = answer(code, data, current);
                if (reply != null) {
                    out.write(reply);
                    out.flush();
                }
                if (code == Command.QUIT.code()) {
                    break;
                }
            }
        } catch (SocketException e) {
            // the MTA closed the connection, or the tap was closed
        } catch (IOException e) {
            transcript.add("!! " + e);
        } finally {
            transcript.closed();
        }
    }

    /** The reply packet for a command, or null when the command is not answered. */
    private static byte[] answer(byte code, byte[] data, Profile profile) throws IOException {
        if (code == Command.OPTNEG.code()) {
            ByteArrayOutputStream payload = new ByteArrayOutputStream();
            writeInt(payload, MilterCodes.MAX_VERSION);
            writeInt(payload, profile.actions());
            writeInt(payload, profile.protocol());
            for (Map.Entry<Integer, String> list : new java.util.TreeMap<>(profile.macroLists()).entrySet()) {
                writeInt(payload, list.getKey());
                payload.write(list.getValue().getBytes(StandardCharsets.US_ASCII));
                payload.write(0);
            }
            return packet(Command.OPTNEG.code(), payload.toByteArray());
        }
        Command command;
        try {
            command = Command.of(code);
        } catch (RuntimeException e) {
            return null;
        }
        if (!command.answered()) {
            return null;
        }
        if (command == Command.HEADER && (profile.protocol() & MilterCodes.ProtocolFlag.NR_HDR.bit()) != 0) {
            return null;
        }
        if (command == Command.RCPT && profile.refuseRecipients() != null
                && new String(data, StandardCharsets.ISO_8859_1).contains(profile.refuseRecipients())) {
            return packet(Reply.REJECT.code(), new byte[0]);
        }
        return packet(Reply.CONTINUE.code(), new byte[0]);
    }

    private static byte[] packet(byte code, byte[] payload) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writeInt(out, payload.length + 1);
        out.write(code);
        out.write(payload);
        return out.toByteArray();
    }

    private static void writeInt(OutputStream out, int value) throws IOException {
        out.write(value >>> 24);
        out.write(value >>> 16);
        out.write(value >>> 8);
        out.write(value);
    }
}
