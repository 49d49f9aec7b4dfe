package org.pmult.server.upstream;

import io.netty.buffer.ByteBuf;
import org.pmult.milter.codec.MilterMacros;
import org.pmult.server.session.LegVerdict;
import org.pmult.server.session.MilterLeg;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** A milter leg that answers CONTINUE unless told otherwise, and records every step it got. */
final class RecordingLeg implements MilterLeg {

    private final String name;
    final List<String> calls = new ArrayList<>();
    private final Deque<LegVerdict> answers = new ArrayDeque<>();

    RecordingLeg(String name) {
        this.name = name;
    }

    /** The answer to the next step (after those already queued). */
    RecordingLeg answers(LegVerdict verdict) {
        answers.add(verdict);
        return this;
    }

    private CompletionStage<LegVerdict> answer(String call) {
        calls.add(call);
        LegVerdict verdict = answers.poll();
        return CompletableFuture.completedFuture(verdict == null ? LegVerdict.CONTINUE : verdict);
    }

    @Override
    public String clientName() {
        return name;
    }

    @Override
    public CompletionStage<LegVerdict> connect(MilterMacros macros, String hostname, InetAddress address, int port) {
        return answer("connect");
    }

    @Override
    public CompletionStage<LegVerdict> helo(MilterMacros macros, String helo) {
        return answer("helo " + helo);
    }

    @Override
    public CompletionStage<LegVerdict> mail(MilterMacros macros, String sender, String esmtpArgs) {
        return answer("mail " + sender);
    }

    @Override
    public CompletionStage<LegVerdict> rcpt(MilterMacros macros, String recipient, String esmtpArgs) {
        return answer("rcpt " + recipient);
    }

    @Override
    public CompletionStage<LegVerdict> data(MilterMacros macros) {
        return answer("data");
    }

    @Override
    public CompletionStage<LegVerdict> header(MilterMacros macros, String headerName, String value) {
        return answer("header " + headerName);
    }

    @Override
    public CompletionStage<LegVerdict> endOfHeaders(MilterMacros macros) {
        return answer("eoh");
    }

    @Override
    public CompletionStage<LegVerdict> body(MilterMacros macros, ByteBuf chunk) {
        try {
            return answer("body " + chunk.toString(StandardCharsets.ISO_8859_1));
        } finally {
            chunk.release();
        }
    }

    @Override
    public CompletionStage<LegVerdict> endOfMessage(MilterMacros macros) {
        return answer("eom");
    }

    @Override
    public CompletionStage<LegVerdict> unknown(String commandLine) {
        return answer("unknown " + commandLine);
    }

    @Override
    public void abort() {
        calls.add("abort");
    }

    @Override
    public void close() {
        calls.add("quit");
    }
}
