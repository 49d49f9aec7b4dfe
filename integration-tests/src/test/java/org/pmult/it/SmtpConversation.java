package org.pmult.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A plain SMTP client for tests: one command at a time, each reply read in full (multi-line
 * replies joined), message data dot-stuffed on the way out. Bytes are sent as given.
 */
final class SmtpConversation implements AutoCloseable {

    private static final int TIMEOUT_MILLIS = 30_000;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final List<String> transcript = new ArrayList<>();

    private SmtpConversation(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /** Connects from {@code localAddress} to {@code server}:{@code port} and reads the greeting. */
    static SmtpConversation open(InetAddress localAddress, InetAddress server, int port) {
        try {
            Socket socket = new Socket();
            socket.setSoTimeout(TIMEOUT_MILLIS);
            socket.bind(new InetSocketAddress(localAddress, 0));
            socket.connect(new InetSocketAddress(server, port), TIMEOUT_MILLIS);
            SmtpConversation smtp = new SmtpConversation(socket);
            smtp.expect(220, smtp.reply());
            return smtp;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open SMTP to " + server + ":" + port, e);
        }
    }

    /** Sends one command line and returns the reply code. */
    int command(String line) {
        return command(line.getBytes(StandardCharsets.ISO_8859_1));
    }

    int command(byte[] line) {
        try {
            out.write(line);
            out.write('\r');
            out.write('\n');
            out.flush();
            transcript.add("> " + MilterTranscript.ascii(line));
            return code(reply());
        } catch (IOException e) {
            throw new UncheckedIOException("SMTP " + MilterTranscript.ascii(line), e);
        }
    }

    /** DATA, then the message (CRLF line ends, dot-stuffed here), then the final dot; returns the final code. */
    int data(byte[] message) {
        int code = command("DATA");
        expect(354, code);
        try {
            ByteArrayOutputStream stuffed = new ByteArrayOutputStream(message.length + 64);
            boolean lineStart = true;
            for (byte b : message) {
                if (lineStart && b == '.') {
                    stuffed.write('.');
                }
                stuffed.write(b);
                lineStart = b == '\n';
            }
            if (!lineStart) {
                stuffed.write('\r');
                stuffed.write('\n');
            }
            stuffed.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(stuffed.toByteArray());
            out.flush();
            transcript.add("> (message, " + message.length + " bytes)");
            return code(reply());
        } catch (IOException e) {
            throw new UncheckedIOException("SMTP message", e);
        }
    }

    List<String> transcript() {
        return List.copyOf(transcript);
    }

    /** QUIT, then waits for the server to close. */
    @Override
    public void close() {
        try {
            if (!socket.isClosed()) {
                command("QUIT");
                while (in.read() >= 0) {
                    // drain until the server closes
                }
            }
        } catch (IOException | UncheckedIOException ignored) {
            // closing anyway
        } finally {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private String reply() throws IOException {
        StringBuilder all = new StringBuilder();
        while (true) {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0 && b != '\n') {
                if (b != '\r') {
                    line.write(b);
                }
            }
            if (b < 0) {
                throw new IOException("connection closed after \"" + all + line + "\"");
            }
            String text = line.toString(StandardCharsets.ISO_8859_1);
            all.append(text).append('\n');
            if (text.length() < 4 || text.charAt(3) != '-') {
                transcript.add("< " + all.toString().strip());
                return all.toString();
            }
        }
    }

    private static int code(String reply) {
        return Integer.parseInt(reply.substring(0, 3));
    }

    private void expect(int expected, String reply) {
        expect(expected, code(reply));
    }

    private void expect(int expected, int code) {
        if (code != expected) {
            throw new AssertionError("SMTP: expected " + expected + ", got " + code + "; conversation: " + transcript);
        }
    }
}
