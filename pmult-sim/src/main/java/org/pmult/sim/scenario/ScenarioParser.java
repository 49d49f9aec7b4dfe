package org.pmult.sim.scenario;

import io.netty.util.NetUtil;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.pmult.pmilter.codec.PmilterCodes;
import org.pmult.pmilter.codec.PmilterCodes.Macro;
import org.pmult.pmilter.codec.PmilterCodes.ReplyCode;

/**
 * Reads the line-based scenario format (documented in {@code docs/pmult-sim.md}):
 *
 * <pre>
 * macro hostname mx.example.org              # before any session: known in every session
 * session S1 client 192.0.2.10 port 40001 name mail.example.org
 *   ehlo mail.example.org
 *   macro taid T1                            # known from the next step on
 *   mail &lt;alice@example.com&gt; SIZE=100
 *   rcpt &lt;bob@example.net&gt;
 *   rcpt &lt;blocked@example.net&gt;
 *   expect reject 550*
 *   data
 *   message-file msg.eml                     # or: message, verbatim lines, then a line "."
 *   dot
 *   expect modification +header X-Scanned: *
 *   close
 * </pre>
 *
 * Blank lines and lines starting with {@code #} are ignored (except inside an inline message).
 */
public final class ScenarioParser {

    /** Largest scenario file and largest message file. */
    public static final int MAX_FILE_BYTES = 64 * 1024 * 1024;

    private final String source;
    private final Path baseDirectory;
    private final List<String> lines;
    private final List<SessionStep.SetMacro> globalMacros = new ArrayList<>();
    private final List<SessionScript> sessions = new ArrayList<>();
    private SessionScript.Builder current;
    private int index;

    private ScenarioParser(String source, String text, Path baseDirectory) {
        this.source = source;
        this.baseDirectory = baseDirectory;
        this.lines = text.lines().toList();
    }

    /** Reads a scenario file; {@code message-file} paths are relative to its directory. */
    public static Scenario parse(Path file) throws ScenarioException {
        byte[] bytes = readBounded(file, file.toString(), "scenario");
        Path parent = file.toAbsolutePath().getParent();
        // Octets, one char per byte: envelope strings and message lines reach pmult as the file has them.
        return parse(file.toString(), new String(bytes, PmilterCodes.STRING_CHARSET), parent == null ? Path.of(".") : parent);
    }

    /**
     * Parses scenario text.
     *
     * @param source        names the text in errors ({@code source:line: …})
     * @param baseDirectory where relative {@code message-file} paths are looked up
     */
    public static Scenario parse(String source, String text, Path baseDirectory) throws ScenarioException {
        return new ScenarioParser(source, text, baseDirectory).run();
    }

    private Scenario run() throws ScenarioException {
        while (index < lines.size()) {
            int lineNumber = index + 1;
            String line = lines.get(index++).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] split = line.split("\\s+", 2);
            String keyword = split[0].toLowerCase(Locale.ROOT);
            String rest = split.length > 1 ? split[1] : "";
            try {
                statement(lineNumber, keyword, rest);
            } catch (IllegalArgumentException | IllegalStateException e) {
                throw error(lineNumber, e.getMessage());
            }
        }
        finishSession();
        if (sessions.isEmpty()) {
            throw new ScenarioException(source + ": no session (expected: at least one \"session NAME …\" line)");
        }
        return new Scenario(source, sessions);
    }

    private void statement(int lineNumber, String keyword, String rest) throws ScenarioException {
        if (keyword.equals("session")) {
            finishSession();
            startSession(lineNumber, rest);
            return;
        }
        if (current == null) {
            if (keyword.equals("macro")) {
                globalMacros.add(macro(lineNumber, rest));
                return;
            }
            throw error(lineNumber, "\"" + keyword + "\" outside a session (expected: \"session NAME …\" first; "
                    + "only macro lines may come before it)");
        }
        current.line(lineNumber);
        switch (keyword) {
            case "ehlo" -> current.ehlo(argument(lineNumber, keyword, rest));
            case "helo" -> current.helo(argument(lineNumber, keyword, rest));
            case "mail" -> {
                String[] words = pathAndArgs(lineNumber, keyword, rest);
                current.mail(words[0], words[1]);
            }
            case "rcpt" -> {
                String[] words = pathAndArgs(lineNumber, keyword, rest);
                current.rcpt(words[0], words[1]);
            }
            case "data" -> current.data();
            case "message" -> current.message(inlineMessage(lineNumber, rest));
            case "message-file" -> current.message(messageFile(lineNumber, rest));
            case "dot" -> current.dot();
            case "abort" -> current.abort();
            case "unknown" -> current.unknown(argument(lineNumber, keyword, rest));
            case "close" -> current.close();
            case "macro" -> {
                SessionStep.SetMacro macro = macro(lineNumber, rest);
                current.macro(macro.macroId(), macro.value());
            }
            case "expect" -> expect(lineNumber, rest);
            default -> throw error(lineNumber, "unknown statement \"" + keyword + "\" (expected: one of session, "
                    + "ehlo, helo, mail, rcpt, data, message, message-file, dot, abort, unknown, close, macro, expect)");
        }
    }

    private void startSession(int lineNumber, String rest) throws ScenarioException {
        String[] words = rest.isEmpty() ? new String[0] : rest.split("\\s+");
        if (words.length == 0) {
            throw error(lineNumber, "session without a name (expected: session NAME [client ADDRESS] [port N] "
                    + "[name HOST])");
        }
        String name = words[0];
        for (SessionScript done : sessions) {
            if (done.name().equals(name)) {
                throw error(lineNumber, "session name \"" + name + "\" used twice (expected: unique names; "
                        + "they become SEIDs)");
            }
        }
        current = SessionScript.builder(name).line(lineNumber);
        InetAddress address = InetAddress.getLoopbackAddress();
        int port = 0;
        String hostName = "";
        if (words.length % 2 == 0) {
            throw error(lineNumber, "\"" + words[words.length - 1] + "\" has no value (expected: client ADDRESS, "
                    + "port N or name HOST)");
        }
        for (int i = 1; i < words.length; i += 2) {
            String value = words[i + 1];
            switch (words[i].toLowerCase(Locale.ROOT)) {
                case "client" -> {
                    address = NetUtil.createInetAddressFromIpAddressString(value);
                    if (address == null) {
                        throw error(lineNumber, "client \"" + value + "\" is not an IP address "
                                + "(expected: e.g. 192.0.2.10 or 2001:db8::10)");
                    }
                }
                case "port" -> port = port(lineNumber, value);
                case "name" -> hostName = value;
                default -> throw error(lineNumber, "unknown session attribute \"" + words[i]
                        + "\" (expected: client, port or name)");
            }
        }
        current.client(address, port, hostName);
        for (SessionStep.SetMacro macro : globalMacros) {
            current.line(macro.line()).macro(macro.macroId(), macro.value());
        }
    }

    private void finishSession() {
        if (current != null) {
            sessions.add(current.build());
            current = null;
        }
    }

    private SessionStep.SetMacro macro(int lineNumber, String rest) throws ScenarioException {
        String[] split = rest.split("\\s+", 2);
        if (split[0].isEmpty()) {
            throw error(lineNumber, "macro without a name (expected: macro NAME VALUE, e.g. macro taid T1)");
        }
        String value = split.length > 1 ? split[1] : "";
        Macro macro = Macro.fromConfigName(split[0]);
        if (macro != null) {
            return new SessionStep.SetMacro(lineNumber, macro.id(), value);
        }
        if (split[0].chars().allMatch(Character::isDigit) && split[0].length() <= 9) {
            return new SessionStep.SetMacro(lineNumber, Integer.parseInt(split[0]), value);
        }
        StringBuilder names = new StringBuilder();
        for (Macro known : Macro.values()) {
            names.append(names.length() == 0 ? "" : ", ").append(known.configName());
        }
        throw error(lineNumber, "unknown macro \"" + split[0] + "\" (expected: a macro id number or one of "
                + names + ")");
    }

    private void expect(int lineNumber, String rest) throws ScenarioException {
        String[] split = rest.split("\\s+", 2);
        String word = split[0].toLowerCase(Locale.ROOT);
        String pattern = split.length > 1 ? split[1] : null;
        if (word.equals("modification")) {
            if (pattern == null) {
                throw error(lineNumber, "expect modification without a pattern (expected: e.g. "
                        + "expect modification +header X-Scanned: *)");
            }
            current.expectModification(pattern);
            return;
        }
        ReplyCode code = word.isEmpty() ? null : ScenarioWords.verdict(word);
        if (code == null) {
            throw error(lineNumber, "expect \"" + word + "\" (expected: continue, accept, reject, tempfail, discard, "
                    + "shutdown or modification)");
        }
        current.expect(code, pattern);
    }

    private byte[] inlineMessage(int lineNumber, String rest) throws ScenarioException {
        if (!rest.isEmpty()) {
            throw error(lineNumber, "text after \"message\" (expected: the message on the following lines, "
                    + "ended by a line with a single '.')");
        }
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        while (index < lines.size()) {
            String line = lines.get(index++);
            if (line.stripTrailing().equals(".")) {
                return content.toByteArray();
            }
            String unstuffed = line.startsWith(".") ? line.substring(1) : line;
            content.writeBytes(unstuffed.getBytes(PmilterCodes.STRING_CHARSET));
            content.write('\r');
            content.write('\n');
        }
        throw error(lineNumber, "message not ended (expected: a line with a single '.' in column 1)");
    }

    private byte[] messageFile(int lineNumber, String rest) throws ScenarioException {
        if (rest.isEmpty()) {
            throw error(lineNumber, "message-file without a path (expected: message-file PATH)");
        }
        Path path = baseDirectory.resolve(rest);
        return readBounded(path, source + ":" + lineNumber + ": message-file " + path, "message");
    }

    private static byte[] readBounded(Path path, String what, String kind) throws ScenarioException {
        try {
            long size = Files.size(path);
            if (size > MAX_FILE_BYTES) {
                throw new ScenarioException(what + ": size " + size + " bytes (expected: <= " + MAX_FILE_BYTES
                        + " for a " + kind + " file)");
            }
            return Files.readAllBytes(path);
        } catch (IOException e) {
            throw new ScenarioException(what + ": cannot read: " + e);
        }
    }

    private String argument(int lineNumber, String keyword, String rest) throws ScenarioException {
        if (rest.isEmpty()) {
            throw error(lineNumber, keyword + " without an argument (expected: " + keyword + " "
                    + (keyword.equals("unknown") ? "COMMAND-LINE" : "HOSTNAME") + ")");
        }
        return rest;
    }

    private String[] pathAndArgs(int lineNumber, String keyword, String rest) throws ScenarioException {
        if (rest.isEmpty()) {
            throw error(lineNumber, keyword + " without an address (expected: " + keyword
                    + " <address> [ESMTP-PARAMETERS])");
        }
        String[] split = rest.split("\\s+", 2);
        return new String[] {split[0], split.length > 1 ? split[1] : null};
    }

    private int port(int lineNumber, String value) throws ScenarioException {
        int port = -1;
        if (value.length() <= 5 && value.chars().allMatch(Character::isDigit)) {
            port = Integer.parseInt(value);
        }
        if (port < 0 || port > 65_535) {
            throw error(lineNumber, "port \"" + value + "\" (expected: 0..65535)");
        }
        return port;
    }

    private ScenarioException error(int lineNumber, String message) {
        return new ScenarioException(source + ":" + lineNumber + ": " + message);
    }
}
