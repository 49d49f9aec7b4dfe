package org.pmult.server.session;

/** The message's header block exceeded pmult's bound; the message is refused, the session goes on. */
final class MessageTooLargeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    MessageTooLargeException(String message) {
        super(message);
    }
}
