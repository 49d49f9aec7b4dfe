package org.pmult.server.hostile;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.pmult.pmilter.codec.PmilterCodes;
import org.pmult.pmilter.codec.PmilterRequest;
import org.pmult.pmilter.codec.PmilterRequestWriter;
import org.pmult.pmilter.codec.PmilterResponse;
import org.pmult.pmilter.codec.PmilterResponseParser;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * A MeTA1 side that writes whatever bytes a test gives it on a plain blocking socket: well-formed
 * requests (through the profile's own writer) or garbage, partial frames and frames past the bound.
 * Every read has a timeout.
 */
final class RawPmilterClient implements AutoCloseable {

    private static final int READ_TIMEOUT_MILLIS = 10_000;

    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;

    private RawPmilterClient(Socket socket) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.in = new DataInputStream(socket.getInputStream());
    }

    static RawPmilterClient connect(SocketAddress pmult) throws IOException {
        return connect(pmult, 0);
    }

    /**
     * @param receiveBuffer SO_RCVBUF in bytes (fixing it stops the kernel from growing it to many
     *                      megabytes), or 0 for the system's default
     */
    static RawPmilterClient connect(SocketAddress pmult, int receiveBuffer) throws IOException {
        Socket socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(pmult, READ_TIMEOUT_MILLIS);
        socket.setSoTimeout(READ_TIMEOUT_MILLIS);
        return new RawPmilterClient(socket);
    }

    /** The message bytes of {@code request}, length prefix included. */
    static byte[] encode(PmilterRequest request) {
        ByteBuf buffer = Unpooled.buffer();
        try {
            PmilterRequestWriter.write(request, buffer);
            return ByteBufUtil.getBytes(buffer);
        } finally {
            buffer.release();
        }
    }

    void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    void write(PmilterRequest request) throws IOException {
        write(encode(request));
    }

    /**
     * Writes {@code message} again and again, up to {@code limit} bytes, never reading; returns how
     * many bytes went out before the limit, a write blocked for good (the caller closes the socket)
     * or pmult closed the connection.
     */
    long writeUntilBlockedOrClosed(byte[] message, long limit) {
        byte[] block = new byte[message.length * 4096];
        for (int at = 0; at < block.length; at += message.length) {
            System.arraycopy(message, 0, block, at, message.length);
        }
        long written = 0;
        try {
            while (written < limit) {
                out.write(block);
                written += block.length;
            }
        } catch (IOException closed) {
            // pmult (or the test) closed the connection: the flood ends here
        }
        return written;
    }

    /** Reads one whole message from pmult and parses it. */
    PmilterResponse read() throws IOException {
        int length = in.readInt();
        if (length < PmilterCodes.MIN_MESSAGE_LENGTH || length > PmilterCodes.DEFAULT_MAX_MESSAGE_LENGTH) {
            throw new IOException("pmult sent message length " + length);
        }
        ByteBuf frame = Unpooled.buffer(PmilterCodes.LENGTH_FIELD_LENGTH + length);
        try {
            frame.writeInt(length);
            byte[] body = new byte[length];
            in.readFully(body);
            frame.writeBytes(body);
            return PmilterResponseParser.parse(frame);
        } finally {
            frame.release();
        }
    }

    /** Sends {@code request} and reads the REPLY to it. */
    PmilterResponse.Reply exchange(PmilterRequest request) throws IOException {
        write(request);
        return assertInstanceOf(PmilterResponse.Reply.class, read());
    }

    /** Negotiates every stage and modification, no session limit. */
    PmilterResponse.NegotiateReply negotiate() throws IOException {
        write(new PmilterRequest.Negotiate(PmilterCodes.ALL_MASK, 0));
        return assertInstanceOf(PmilterResponse.NegotiateReply.class, read());
    }

    /**
     * Waits until pmult has closed the connection (end of stream or reset), discarding anything it
     * still sends; fails when it is still open after {@code limit}.
     */
    void awaitClosedByPeer(Duration limit) throws IOException {
        socket.setSoTimeout((int) limit.toMillis());
        InputStream stream = socket.getInputStream();
        byte[] sink = new byte[4096];
        try {
            while (stream.read(sink) >= 0) {
                // discard: only the end of the stream matters
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("pmult did not close the connection within " + limit.toMillis() + " ms", e);
        } catch (SocketException reset) {
            // a reset is a close too
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
