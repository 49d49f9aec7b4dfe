package org.pmult.server.session;

import io.netty.util.ReferenceCountUtil;
import org.pmult.pmilter.codec.PmilterCodes.Macro;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;
import org.pmult.pmilter.codec.PmilterModification;
import org.pmult.pmilter.codec.PmilterRequest;
import org.pmult.pmilter.codec.PmilterResponse;
import org.pmult.milter.client.LogContext;
import org.pmult.milter.codec.OctetText;
import org.pmult.pmilter.server.CloseReason;
import org.pmult.pmilter.server.PmilterSessionHandler;
import org.pmult.server.condition.ClientCondition;
import org.pmult.server.config.MacroStage;
import org.pmult.server.macro.OwnMacro;
import org.pmult.server.macro.SessionMacros;
import org.pmult.server.metrics.MetricStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.IntFunction;

/**
 * One MeTA1 SMTP session fanned out to one Milter session per client. Each pmilter command becomes
 * the matching Milter step(s), sent to the legs still consulted one after another in client order
 * ({@link LegSeries}): the first reject, tempfail, discard or shutdown decides and the later legs never
 * see that command; an accept releases only that leg. The verdicts become one pmilter reply
 * ({@link VerdictCombiner}). All state lives on the connection's event loop.
 */
public final class MultiplexSession implements PmilterSessionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(MultiplexSession.class);

    /** Where the SMTP session stands, from pmult's side. */
    private enum State {
        /** Created; CONNECT not yet handled. */
        NEW,
        /** Connected (EHLO may have been seen); no transaction open. */
        CONNECTED,
        /** MAIL was sent to the milters; RCPTs may follow. */
        TRANSACTION,
        /** DATA was given; the message has not started. */
        DATA,
        /** MSG chunks are streaming. */
        MESSAGE,
        /** CLOSE or connection loss: nothing more is sent. */
        CLOSED
    }

    private final String seid;
    private final String clientAddress;
    private final SessionContext context;
    private final List<MilterLeg> legs;
    private final VerdictCombiner combiner;
    private final LegConditions conditions;
    private final SessionMacros macros;
    /** Session id and Message-ID in the MDC of every log line about this session, the legs' included. */
    private final SessionLogContext logContext;
    private State state = State.NEW;
    private MessageSplitter splitter;
    private String messageId;
    private int goodRecipients;
    private int badRecipients;

    /** A session whose clients have no conditions: every one is consulted. */
    public MultiplexSession(String seid, String clientAddress, SessionContext context, List<MilterLeg> legs) {
        this(seid, clientAddress, context, legs, legs.stream().map(leg -> ClientCondition.always(leg.clientName())).toList());
    }

    /** @param conditions one per leg, in client order: when each client is consulted */
    public MultiplexSession(String seid, String clientAddress, SessionContext context, List<MilterLeg> legs,
                            List<ClientCondition> conditions) {
        if (conditions.size() != legs.size()) {
            throw new IllegalArgumentException("conditions: " + conditions.size() + " for " + legs.size() + " legs");
        }
        this.seid = seid;
        this.clientAddress = clientAddress;
        this.context = context;
        this.macros = new SessionMacros(context.plan().defaults());
        this.legs = List.copyOf(legs);
        this.combiner = new VerdictCombiner(legs.size());
        this.conditions = new LegConditions(conditions);
        this.logContext = new SessionLogContext(seid);
        for (MilterLeg leg : this.legs) {
            leg.logContext(logContext);
        }
        context.listener().opened();
    }

    @Override
    public CompletionStage<PmilterResponse.Reply> handle(PmilterRequest.SessionRequest request) {
        try (LogContext.Scope ignored = logContext.enter()) {
            return dispatch(request);
        }
    }

    private CompletionStage<PmilterResponse.Reply> dispatch(PmilterRequest.SessionRequest request) {
        if (state == State.CLOSED) {
            ReferenceCountUtil.release(request);
            return CompletableFuture.completedFuture(reply(ReplyCode.ERROR, null, List.of()));
        }
        if (request instanceof PmilterRequest.Connect connect) {
            return onConnect(connect);
        } else if (request instanceof PmilterRequest.Ehlo ehlo) {
            return onHelo(ehlo);
        } else if (request instanceof PmilterRequest.Mail mail) {
            return onMail(mail);
        } else if (request instanceof PmilterRequest.Rcpt rcpt) {
            return onRcpt(rcpt);
        } else if (request instanceof PmilterRequest.Data data) {
            return onData(data);
        } else if (request instanceof PmilterRequest.Msg msg) {
            return onMsg(msg);
        } else if (request instanceof PmilterRequest.Dot dot) {
            return onDot(dot);
        } else if (request instanceof PmilterRequest.Abort) {
            return onAbort();
        } else if (request instanceof PmilterRequest.Unknown unknown) {
            return step(MetricStage.UNKNOWN, i -> legs.get(i).unknown(unknown.line()));
        }
        // CLOSE is delivered as closed(); anything else is a command this session cannot take.
        return CompletableFuture.completedFuture(reply(ReplyCode.ERROR, null, List.of()));
    }

    private CompletionStage<PmilterResponse.Reply> onConnect(PmilterRequest.Connect connect) {
        ConnectMacros.fill(macros, seid, connect);
        state = State.CONNECTED;
        conditions.connect(ClientAddress.unmapped(connect.clientAddress()));
        decideConditions();
        String hostname = ConnectMacros.hostname(connect);
        return step(MetricStage.CONNECT, i -> legs.get(i).connect(macrosFor(i, MacroStage.CONNECT),
                hostname, connect.clientAddress(), connect.port()));
    }

    private CompletionStage<PmilterResponse.Reply> onHelo(PmilterRequest.Ehlo ehlo) {
        macros.set(OwnMacro.HELO, ehlo.heloArg());
        macros.apply(ehlo.macros());
        conditions.helo(ehlo.heloArg());
        decideConditions();
        return step(MetricStage.HELO, i -> legs.get(i).helo(macrosFor(i, MacroStage.HELO), ehlo.heloArg()));
    }

    private CompletionStage<PmilterResponse.Reply> onMail(PmilterRequest.Mail mail) {
        if (state != State.CONNECTED) {
            // A new transaction without DOT or ABORT for the last one: the milters must forget it first.
            abortLegs();
            endTransaction(true);
        }
        resetTransaction();
        String address = Addresses.strip(mail.reversePath());
        macros.set(OwnMacro.SENDER, address);
        macros.set(OwnMacro.MAIL_ADDR, address);
        macros.set(OwnMacro.NTRIES, "1");
        macros.set(OwnMacro.NRCPTS, "0");
        macros.set(OwnMacro.NBADRCPTS, "0");
        macros.apply(mail.macros());
        // the null sender's host is the MTA's own name (Postfix: $myhostname), here MeTA1's j if it sent it
        macros.set(OwnMacro.MAIL_HOST, address.isEmpty() ? macros.get(Macro.HOSTNAME) : Addresses.domain(address));
        state = State.TRANSACTION;
        if (context.metrics() != null) {
            context.metrics().transactionStarted();
        }
        conditions.mail(address, mail.esmtpArgs(), macros);
        decideConditions();
        return step(MetricStage.MAIL, i -> legs.get(i).mail(macrosFor(i, MacroStage.MAIL), mail.reversePath(), mail.esmtpArgs()));
    }

    private CompletionStage<PmilterResponse.Reply> onRcpt(PmilterRequest.Rcpt rcpt) {
        String address = Addresses.strip(rcpt.forwardPath());
        macros.set(OwnMacro.RCPT_ADDR, address);
        macros.set(OwnMacro.RCPT_HOST, Addresses.domain(address));
        macros.apply(rcpt.macros());
        conditions.rcpt();
        decideConditions();
        return step(MetricStage.RCPT, i -> legs.get(i).rcpt(macrosFor(i, MacroStage.RCPT), rcpt.forwardPath(), rcpt.esmtpArgs()))
                .thenApply(reply -> {
                    if (reply.code() == ReplyCode.REJECT || reply.code() == ReplyCode.TEMPFAIL) {
                        badRecipients++;
                    } else {
                        goodRecipients++;
                        conditions.recipientAccepted(Addresses.domain(address));
                        decideConditions();
                    }
                    macros.set(OwnMacro.NRCPTS, Integer.toString(goodRecipients));
                    macros.set(OwnMacro.NBADRCPTS, Integer.toString(badRecipients));
                    return reply;
                });
    }

    private CompletionStage<PmilterResponse.Reply> onData(PmilterRequest.Data data) {
        macros.apply(data.macros());
        state = State.DATA;
        conditions.data();
        decideConditions();
        splitter = new MessageSplitter(context.maxHeaderBytes());
        return step(MetricStage.DATA, i -> legs.get(i).data(macrosFor(i, MacroStage.DATA)));
    }

    private CompletionStage<PmilterResponse.Reply> onMsg(PmilterRequest.Msg msg) {
        if (splitter == null) {
            splitter = new MessageSplitter(context.maxHeaderBytes()); // smtps did not send DATA (stage not requested)
        }
        state = State.MESSAGE;
        conditions.messageBytes(msg.chunk().readableBytes());
        decideConditions();
        List<MessageEvent> events = new ArrayList<>();
        try {
            splitter.feed(msg.chunk(), events);
        } catch (MessageTooLargeException e) {
            MessageDelivery.releaseBodies(events);
            LOG.warn("session {} client {}: {}; rejecting the message", seid, clientAddress, e.getMessage());
            return CompletableFuture.completedFuture(reply(ReplyCode.REJECT, "552 5.3.4 Message header too large", List.of()));
        } finally {
            msg.release();
        }
        noteMessageId(events);
        return runMessageEvents(MetricStage.BODY, events, false);
    }

    private CompletionStage<PmilterResponse.Reply> onDot(PmilterRequest.Dot dot) {
        macros.apply(dot.macros());
        List<MessageEvent> events = new ArrayList<>();
        if (splitter == null) {
            splitter = new MessageSplitter(context.maxHeaderBytes());
        }
        splitter.finish(events);
        noteMessageId(events);
        conditions.endOfMessage();
        decideConditions();
        return runMessageEvents(MetricStage.EOM, events, true).thenApply(reply -> {
            LOG.info("session {} client {} msgid {}: end of message -> {}{}", seid, clientAddress,
                    messageId == null ? "-" : messageId, reply.code(), reply.text() == null ? "" : " " + OctetText.readable(reply.text()));
            endTransaction(false);
            state = State.CONNECTED;
            return reply;
        });
    }

    private CompletionStage<PmilterResponse.Reply> onAbort() {
        if (state == State.TRANSACTION || state == State.DATA || state == State.MESSAGE) {
            // as Postfix: only milters that saw a MAIL get SMFIC_ABORT; a RSET after HELO sends nothing
            abortLegs();
        }
        endTransaction(true);
        state = State.CONNECTED;
        count(MetricStage.ABORT, ReplyCode.CONTINUE);
        return CompletableFuture.completedFuture(reply(ReplyCode.CONTINUE, null, List.of()));
    }

    @Override
    public void closed(CloseReason reason) {
        try (LogContext.Scope ignored = logContext.enter()) {
            close(reason);
        }
    }

    private void close(CloseReason reason) {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        for (MilterLeg leg : legs) {
            leg.close();
        }
        conditions.close();
        context.listener().closed();
        LOG.debug("session {} client {} closed ({})", seid, clientAddress, reason);
    }

    /**
     * Sends the message steps to the consulted legs in client order, each leg its steps one after
     * another and the next leg only after this one continued; with {@code endOfMessage} each leg
     * ends with end-of-message before the next one starts.
     */
    private CompletionStage<PmilterResponse.Reply> runMessageEvents(MetricStage stage, List<MessageEvent> events,
                                                                   boolean endOfMessage) {
        return step(stage, i -> MessageDelivery.deliver(legs.get(i), events, () -> macrosFor(i, MacroStage.EOH),
                () -> macrosFor(i, MacroStage.EOM), endOfMessage ? () -> macrosFor(i, MacroStage.EOM) : null))
                .whenComplete((reply, error) -> MessageDelivery.releaseBodies(events));
    }

    /** Runs one step on the consulted legs in series and answers with their combined verdict. */
    private CompletionStage<PmilterResponse.Reply> step(MetricStage stage, IntFunction<CompletionStage<LegVerdict>> call) {
        return LegSeries.run(legs.size(), combiner::consulted, call, context.eventLoop(), logContext, (leg, error) ->
                        LOG.error("session {}: client {} failed at {} instead of answering; releasing it", seid,
                                legs.get(leg).clientName(), stage.tag(), error))
                .thenApply(verdicts -> combine(stage, verdicts));
    }

    private PmilterResponse.Reply combine(MetricStage stage, LegVerdict[] verdicts) {
        if (state == State.CLOSED) {
            return reply(ReplyCode.ERROR, null, List.of());
        }
        boolean beforeTransaction = stage == MetricStage.CONNECT || stage == MetricStage.HELO;
        VerdictCombiner.Combined combined = combiner.combine(beforeTransaction, beforeTransaction, verdicts);
        PmilterResponse.Reply reply;
        if (combined.decidedByLeg()) {
            reply = reply(combined.code(), combined.text(), List.of());
            LOG.info("session {} client {} msgid {}: {} -> {} {}(by client {}{})", seid, clientAddress,
                    messageId == null ? "-" : messageId, stage.tag(), reply.code(),
                    reply.text() == null ? "" : OctetText.readable(reply.text()) + " ", legs.get(combined.decider()).clientName(),
                    combined.decided().defaultAction() ? ", default action" : "");
        } else {
            reply = reply(combined.code(), null, stage == MetricStage.EOM
                    ? ReplyShaping.supported(combined.modifications(), context.offeredCaps(), seid) : List.of());
            if (!reply.modifications().isEmpty()) {
                reply = ReplyShaping.fitted(reply, combined.changers().stream().map(i -> legs.get(i).clientName()).toList(),
                        context.maxReplyLength(), clientAddress, messageId);
            }
            if (LOG.isDebugEnabled()) {
                LOG.debug("session {} client {}: {} -> {}{}", seid, clientAddress, stage.tag(), reply.code(),
                        reply.modifications().isEmpty() ? "" : " with " + OctetText.readable(reply.modifications().toString()));
            }
        }
        count(stage, reply.code());
        return reply;
    }

    private org.pmult.milter.codec.MilterMacros macrosFor(int client, MacroStage stage) {
        return macros.valuesFor(context.plan().macros(client, stage));
    }

    private void abortLegs() {
        for (int i = 0; i < legs.size(); i++) {
            if (combiner.inTransaction(i)) {
                legs.get(i).abort();
            }
        }
    }

    private void resetTransaction() {
        goodRecipients = 0;
        badRecipients = 0;
        messageId = null;
        logContext.messageId(null);
        splitter = null;
    }

    /**
     * After DOT or ABORT: legs that accepted only that message are consulted again. They never saw
     * the end of that message, so they get an ABORT to close it, as Sendmail does.
     */
    private void endTransaction(boolean abortSent) {
        for (int leg : combiner.reopenAcceptedMessages()) {
            if (!abortSent) {
                legs.get(leg).abort();
            }
        }
        for (OwnMacro macro : new OwnMacro[] {OwnMacro.SENDER, OwnMacro.MAIL_ADDR, OwnMacro.MAIL_HOST, OwnMacro.RCPT_ADDR,
                OwnMacro.RCPT_HOST, OwnMacro.NRCPTS, OwnMacro.NBADRCPTS, OwnMacro.NTRIES}) {
            macros.set(macro, null);
        }
        resetTransaction();
        conditions.endTransaction();
    }

    /** Takes out, before the step reaches them, the legs whose condition the step's facts make false. */
    private void decideConditions() {
        conditions.decide(combiner, legs, seid);
    }

    private void noteMessageId(List<MessageEvent> events) {
        if (messageId != null) {
            return;
        }
        for (MessageEvent event : events) {
            if (event instanceof MessageEvent.Header header && header.name().equalsIgnoreCase("Message-ID")) {
                // for logs only: shown readably (UTF-8, else \xNN), not as one Latin-1 char per byte
                messageId = OctetText.readable(header.value().strip());
                logContext.messageId(messageId);
                LOG.debug("session {} client {}: Message-ID {}", seid, clientAddress, messageId);
                return;
            }
        }
    }

    private void count(MetricStage stage, ReplyCode code) {
        ReplyShaping.count(context.metrics(), stage, code);
    }

    private PmilterResponse.Reply reply(ReplyCode code, String text, List<PmilterModification> modifications) {
        return new PmilterResponse.Reply(seid, code, text, modifications);
    }

    /** The Message-ID header of the current message, once seen; for logs. */
    String messageId() {
        return messageId;
    }
}
