package org.pmult.server.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * Reads a pmult.conf into statements with its {@code include} statements replaced by the statements
 * of the files they name (relative to the including file; a directory means its file {@code pmult},
 * as in GNU Mailutils). Errors in an included file are located in that file.
 */
final class ConfIncludes {

    /** Deepest include nesting accepted (include loops are caught separately). */
    static final int MAX_INCLUDE_DEPTH = 16;

    private final List<ConfigNote> notes;
    private final Deque<Path> including = new ArrayDeque<>();

    private ConfIncludes(List<ConfigNote> notes) {
        this.notes = notes;
    }

    /**
     * The statements of {@code file} with every include expanded.
     *
     * @param notes receives the parser's warnings and notes about empty include directories
     */
    static List<ConfStatement> read(Path file, List<ConfigNote> notes) {
        return new ConfIncludes(notes).expandFile(file, null);
    }

    private List<ConfStatement> expandFile(Path file, ConfigLocation includedFrom) {
        String where = includedFrom == null ? file.toString() : includedFrom.toString();
        String what = includedFrom == null ? "" : "include: ";
        if (including.size() >= MAX_INCLUDE_DEPTH) {
            throw new ConfigException(where, "include: nested deeper than " + MAX_INCLUDE_DEPTH + " files (" + file + ")");
        }
        Path real;
        String text;
        try {
            real = file.toRealPath();
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            throw notUtf8(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(where, what + "no such file \"" + file + "\"");
        } catch (IOException e) {
            throw new ConfigException(where, what + "cannot read \"" + file + "\": " + e.getMessage());
        }
        if (including.contains(real)) {
            throw new ConfigException(where, "include: \"" + file + "\" includes itself (loop through " + including.peek() + ")");
        }
        including.push(real);
        List<ConfStatement> expanded = expand(MailutilsConfParser.parse(text, file.toString(), notes), file);
        including.pop();
        return expanded;
    }

    private List<ConfStatement> expand(List<ConfStatement> statements, Path file) {
        List<ConfStatement> out = new ArrayList<>();
        for (ConfStatement statement : statements) {
            if (statement.keyword().equals("include")) {
                GnuStatement include = GnuStatement.of(statement);
                Path target = include.converted(PmultConfigBuilder::filePath, include.scalar());
                if (!target.isAbsolute() && file.getParent() != null) {
                    target = file.getParent().resolve(target);
                }
                if (Files.isDirectory(target)) {
                    Path programFile = target.resolve("pmult");
                    if (!Files.exists(programFile)) {
                        notes.add(ConfigNote.info(statement.location() + ": include: directory " + target
                                + " has no file named pmult; nothing included"));
                        continue;
                    }
                    target = programFile;
                }
                out.addAll(expandFile(target, statement.location()));
            } else if (statement.block().isPresent()) {
                out.add(new ConfStatement(statement.keyword(), statement.values(),
                        Optional.of(expand(statement.block().get(), file)), statement.location()));
            } else {
                out.add(statement);
            }
        }
        return out;
    }

    /** Names the line of the first byte that is not UTF-8, so the administrator can find it. */
    private static ConfigException notUtf8(Path file) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            ByteBuffer in = ByteBuffer.wrap(bytes);
            StandardCharsets.UTF_8.newDecoder().decode(in, CharBuffer.allocate(bytes.length), true);
            int line = 1;
            for (int i = 0; i < in.position(); i++) {
                if (bytes[i] == '\n') {
                    line++;
                }
            }
            return new ConfigException(file + ":" + line, "not valid UTF-8 text (byte " + in.position()
                    + " of the file); save the file as UTF-8");
        } catch (IOException e) {
            return new ConfigException(file.toString(), "not valid UTF-8 text; save the file as UTF-8");
        }
    }
}
