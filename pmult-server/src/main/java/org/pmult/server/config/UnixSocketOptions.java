package org.pmult.server.config;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * File mode and ownership given to a unix-domain listen socket after binding, so that only MeTA1's
 * smtps can connect. Ignored for TCP sockets.
 *
 * @param mode  permission bits, 0..0777 (default 0660: owner and group may connect, others may not)
 * @param owner user name or numeric uid to chown the socket to; empty keeps pmult's own user
 * @param group group name or numeric gid to chgrp the socket to; empty keeps pmult's own group
 */
public record UnixSocketOptions(int mode, Optional<String> owner, Optional<String> group) {

    public static final int DEFAULT_MODE = 0660;
    public static final UnixSocketOptions DEFAULTS = new UnixSocketOptions(DEFAULT_MODE, Optional.empty(), Optional.empty());

    private static final Pattern ACCOUNT = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*\\$?");

    public UnixSocketOptions {
        if (mode < 0 || mode > 0777) {
            throw new InvalidFieldException("mode", Integer.toOctalString(mode) + " (expected: 0000..0777)");
        }
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(group, "group");
        owner.ifPresent(name -> requireAccount("owner", name));
        group.ifPresent(name -> requireAccount("group", name));
    }

    /** The mode as an octal string with leading zero, e.g. {@code "0660"}. */
    public String modeString() {
        return String.format("%04o", mode);
    }

    /**
     * Parses an octal mode such as {@code 0660} or {@code 660}.
     *
     * @throws IllegalArgumentException for anything but 1..4 octal digits
     */
    public static int parseMode(String text) {
        String digits = text.strip();
        if (!digits.matches("[0-7]{1,4}")) {
            throw new IllegalArgumentException("bad mode \"" + text + "\" (expected: octal permission bits such as 0660)");
        }
        int mode = Integer.parseInt(digits, 8);
        if (mode > 0777) {
            throw new IllegalArgumentException("bad mode \"" + text + "\" (expected: 0000..0777; no setuid, setgid or sticky bits)");
        }
        return mode;
    }

    private static void requireAccount(String what, String name) {
        if (!ACCOUNT.matcher(name).matches()) {
            throw new InvalidFieldException(what, "\"" + name + "\" (expected: a user/group name or numeric id)");
        }
    }
}
