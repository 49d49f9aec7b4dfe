package org.pmult.server.condition;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * What one SMTP session has shown so far, as conditions read it. Session facts (client address, HELO
 * name) stay for the session; transaction facts (authentication as MeTA1 reports it with MAIL, sender,
 * accepted recipients, size) are forgotten when the transaction ends. Not thread safe: one per session.
 */
public final class SessionFacts {

    private ConditionStage stage;
    private InetAddress clientAddress;
    private String helo;
    private boolean authenticated;
    /** The sender's domain; null for the null sender {@code <>}. */
    private String senderDomain;
    private final List<String> recipientDomains = new ArrayList<>();
    private long declaredSize = -1;
    private long messageBytes;

    /** CONNECT: {@code address} is the SMTP client's (IPv4-mapped IPv6 already unmapped), or null when unknown. */
    public void connect(InetAddress address) {
        clientAddress = address;
        stage = ConditionStage.CONNECT;
    }

    public void helo(String name) {
        helo = name;
        if (stage == null || !stage.inTransaction()) {
            stage = ConditionStage.HELO;
        }
    }

    /**
     * MAIL opens a transaction.
     *
     * @param senderDomain  the reverse path's domain, null for the null sender
     * @param authenticated whether MeTA1 reported an authenticated client with this MAIL
     * @param declaredSize  the client's SIZE= argument, or -1 when it gave none
     */
    public void mail(String senderDomain, boolean authenticated, long declaredSize) {
        clearTransaction();
        this.senderDomain = senderDomain;
        this.authenticated = authenticated;
        this.declaredSize = declaredSize;
        stage = ConditionStage.MAIL;
    }

    /** A RCPT arrived; its domain counts only once the recipient is accepted ({@link #recipientAccepted}). */
    public void rcpt() {
        stage = ConditionStage.RCPT;
    }

    public void recipientAccepted(String domain) {
        recipientDomains.add(domain);
    }

    public void data() {
        stage = ConditionStage.DATA;
    }

    /** {@code count} more bytes of the message arrived. */
    public void messageBytes(long count) {
        messageBytes += count;
        stage = ConditionStage.MESSAGE;
    }

    public void endOfMessage() {
        stage = ConditionStage.EOM;
    }

    /** The transaction ended (DOT, ABORT, or a new MAIL): its facts are forgotten. */
    public void endTransaction() {
        clearTransaction();
        stage = helo != null ? ConditionStage.HELO : ConditionStage.CONNECT;
    }

    private void clearTransaction() {
        senderDomain = null;
        authenticated = false;
        recipientDomains.clear();
        declaredSize = -1;
        messageBytes = 0;
    }

    /** Null before CONNECT. */
    public ConditionStage stage() {
        return stage;
    }

    public boolean reached(ConditionStage wanted) {
        return stage != null && stage.atLeast(wanted);
    }

    public InetAddress clientAddress() {
        return clientAddress;
    }

    /** The HELO/EHLO argument, null while none was given. */
    public String helo() {
        return helo;
    }

    public boolean authenticated() {
        return authenticated;
    }

    public String senderDomain() {
        return senderDomain;
    }

    public List<String> recipientDomains() {
        return recipientDomains;
    }

    public long declaredSize() {
        return declaredSize;
    }

    public long messageBytes() {
        return messageBytes;
    }
}
