package org.pmult.server.session;

import org.pmult.pmilter.codec.PmilterCodes.Macro;
import org.pmult.server.condition.ClientCondition;
import org.pmult.server.condition.ConditionStage;
import org.pmult.server.condition.SessionFacts;
import org.pmult.server.condition.Truth;
import org.pmult.server.macro.SessionMacros;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The clients' conditions in one session: collects the facts each step shows and, before the step
 * reaches the legs, decides every condition that can now be decided. A condition decided at CONNECT
 * or HELO holds for the session; one decided at MAIL or later holds for that transaction, and the next
 * transaction is decided afresh. A leg whose condition is false is consulted no more: at CONNECT it is
 * never connected; at HELO it has seen CONNECT only and gets QUIT when the session ends; in a
 * transaction it gets ABORT at once if it saw the transaction's MAIL (as Postfix sends it when a
 * transaction ends early; decided at MAIL it never saw one and gets nothing) and is consulted again
 * from the next MAIL. Not thread safe: one per session, on its event loop.
 */
final class LegConditions {

    private static final Logger LOG = LoggerFactory.getLogger(LegConditions.class);

    private final List<ClientCondition> conditions;
    private final boolean anyConditional;
    private final SessionFacts facts = new SessionFacts();
    /** Per leg: the decision at CONNECT or HELO (UNKNOWN while undecided). */
    private final Truth[] session;
    /** Per leg: the decision in the current transaction (UNKNOWN while undecided or outside one). */
    private final Truth[] transaction;
    private boolean transactionOpen;

    /** @param conditions one per leg, in client order */
    LegConditions(List<ClientCondition> conditions) {
        this.conditions = List.copyOf(conditions);
        this.anyConditional = conditions.stream().anyMatch(ClientCondition::conditional);
        this.session = new Truth[conditions.size()];
        this.transaction = new Truth[conditions.size()];
        Arrays.fill(session, Truth.UNKNOWN);
        Arrays.fill(transaction, Truth.UNKNOWN);
    }

    void connect(InetAddress unmappedAddress) {
        facts.connect(unmappedAddress);
    }

    void helo(String name) {
        facts.helo(name);
    }

    /** MAIL: the sender's domain, SIZE= and whether MeTA1 reported an authenticated client with it. */
    void mail(String sender, String esmtpArgs, SessionMacros macros) {
        transactionOpen = true;
        boolean authenticated = hasValue(macros.get(Macro.AUTH_TYPE)) || hasValue(macros.get(Macro.AUTH_AUTHEN));
        facts.mail(sender.isEmpty() ? null : Addresses.domain(sender), authenticated, declaredSize(esmtpArgs));
    }

    void rcpt() {
        facts.rcpt();
    }

    void recipientAccepted(String domain) {
        facts.recipientAccepted(domain);
    }

    void data() {
        facts.data();
    }

    void messageBytes(int count) {
        facts.messageBytes(count);
    }

    void endOfMessage() {
        facts.endOfMessage();
    }

    /**
     * Decides what the facts so far can decide, for the legs still consulted; a leg whose condition
     * is now false is taken out ({@link VerdictCombiner#skip}) and, in a transaction, gets ABORT.
     */
    void decide(VerdictCombiner combiner, List<MilterLeg> legs, String seid) {
        if (!anyConditional || facts.stage() == null) {
            return;
        }
        boolean inTransaction = facts.stage().inTransaction();
        for (int i = 0; i < conditions.size(); i++) {
            ClientCondition client = conditions.get(i);
            if (!client.conditional() || !combiner.consulted(i) || session[i].decided() || transaction[i].decided()) {
                continue;
            }
            Truth truth = client.condition().evaluate(facts);
            if (!truth.decided()) {
                continue;
            }
            (inTransaction ? transaction : session)[i] = truth;
            if (truth == Truth.FALSE) {
                if (inTransaction && milterSawMail()) {
                    legs.get(i).abort();
                }
                combiner.skip(i, !inTransaction);
            }
            if (LOG.isDebugEnabled()) {
                LOG.debug("session {}: client {}: condition {} is {} at {}: {} for this {}", seid, client.client(),
                        client.condition().text(), truth.name().toLowerCase(Locale.ROOT), facts.stage().tag(),
                        truth == Truth.TRUE ? "consulted" : "skipped", inTransaction ? "transaction" : "session");
            }
        }
    }

    /**
     * Whether the legs have been sent this transaction's MAIL. A condition decided at MAIL is decided
     * before MAIL reaches the leg, which then has no transaction to abort: Postfix sends SMFIC_ABORT
     * only after its milters saw MAIL (smtpd's SMTPD_FLAG_NEED_MILTER_ABORT).
     */
    private boolean milterSawMail() {
        return facts.stage() != ConditionStage.MAIL;
    }

    /** The transaction ended (DOT, ABORT, a new MAIL or the session's end): counted, and its decisions forgotten. */
    void endTransaction() {
        if (!transactionOpen) {
            return;
        }
        transactionOpen = false;
        for (int i = 0; i < conditions.size(); i++) {
            ClientCondition client = conditions.get(i);
            if (client.conditional() && client.meters() != null) {
                client.meters().transaction(session[i] != Truth.FALSE && transaction[i] != Truth.FALSE);
            }
        }
        Arrays.fill(transaction, Truth.UNKNOWN);
        facts.endTransaction();
    }

    /** The session ended: an open transaction and the session are counted. */
    void close() {
        endTransaction();
        for (int i = 0; i < conditions.size(); i++) {
            ClientCondition client = conditions.get(i);
            if (client.conditional() && client.meters() != null) {
                client.meters().session(session[i] != Truth.FALSE);
            }
        }
    }

    /** What the conditions know at {@code stage} so far; for tests. */
    ConditionStage stage() {
        return facts.stage();
    }

    private static boolean hasValue(String value) {
        return value != null && !value.isEmpty();
    }

    /** The SIZE= ESMTP argument of MAIL, or -1 when there is none or it is not a number. */
    static long declaredSize(String esmtpArgs) {
        if (esmtpArgs == null) {
            return -1;
        }
        for (String argument : esmtpArgs.strip().split(" +")) {
            if (argument.regionMatches(true, 0, "SIZE=", 0, 5)) {
                String digits = argument.substring(5);
                return digits.matches("[0-9]{1,18}") ? Long.parseLong(digits) : -1;
            }
        }
        return -1;
    }
}
