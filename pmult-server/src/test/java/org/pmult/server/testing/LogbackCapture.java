package org.pmult.server.testing;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import org.slf4j.MDC;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertNotNull;

/** What a logback configuration writes to stdout, from a private logger context (the tests' own logging is untouched). */
public final class LogbackCapture {

    private LogbackCapture() {
    }

    /** pmult's built-in {@code logback.xml}, from the class path. */
    public static URL builtInConfig() {
        URL url = LogbackCapture.class.getClassLoader().getResource("logback.xml");
        assertNotNull(url, "logback.xml on the classpath");
        return url;
    }

    /**
     * Configures a private logger context from {@code config} (sharing the MDC), runs {@code logging}
     * on it, stops it (draining any async queue) and returns the lines written to stdout meanwhile.
     */
    public static List<String> stdoutLines(URL config, Consumer<LoggerContext> logging) throws JoranException {
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(MDC.getMDCAdapter());
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            configurator.doConfigure(config);
            logging.accept(context);
        } finally {
            context.stop(); // drains the async queue
            System.setOut(original);
        }
        return captured.toString(StandardCharsets.UTF_8).lines().toList();
    }
}
