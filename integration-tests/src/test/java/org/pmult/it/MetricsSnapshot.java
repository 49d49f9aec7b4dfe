package org.pmult.it;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One scrape of {@code /metrics} in the Prometheus text format, as series name plus labels to value.
 * A series is looked up by name and label pairs in any order: {@code value("pmult_verdicts_total",
 * "stage", "rcpt", "action", "reject")}.
 */
final class MetricsSnapshot {

    /** One sample line: metric name, labels, value. */
    private record Sample(String name, Map<String, String> labels, double value) {
    }

    private final Map<String, Double> series;
    private final List<Sample> samples;
    private final String text;

    private MetricsSnapshot(Map<String, Double> series, List<Sample> samples, String text) {
        this.series = series;
        this.samples = samples;
        this.text = text;
    }

    /** Parses the exposition text (comments skipped; labels put in a canonical order). */
    static MetricsSnapshot parse(String text) {
        Map<String, Double> series = new LinkedHashMap<>();
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            String name;
            Map<String, String> labels = new TreeMap<>();
            if (brace >= 0 && brace < space) {
                name = line.substring(0, brace);
                int close = line.lastIndexOf('}');
                parseLabels(line.substring(brace + 1, close), labels, line);
                space = line.indexOf(' ', close);
            } else {
                name = line.substring(0, line.indexOf(' '));
                space = line.indexOf(' ');
            }
            String[] valueAndTimestamp = line.substring(space + 1).trim().split(" ");
            double value = number(valueAndTimestamp[0]);
            series.put(key(name, labels), value);
            samples.add(new Sample(name, labels, value));
        }
        return new MetricsSnapshot(Collections.unmodifiableMap(series), List.copyOf(samples), text);
    }

    /** The value of a series; fails naming the series when the scrape does not have it. */
    double value(String name, String... labelPairs) {
        String key = key(name, labels(labelPairs));
        Double value = series.get(key);
        if (value == null) {
            throw new AssertionError("no series " + key + " in the scrape:\n" + text);
        }
        return value;
    }

    /** The sum over every series called {@code name} whose labels include {@code labelPairs} (0 if none). */
    double sum(String name, String... labelPairs) {
        Map<String, String> wanted = labels(labelPairs);
        return samples.stream()
                .filter(sample -> sample.name().equals(name) && sample.labels().entrySet().containsAll(wanted.entrySet()))
                .mapToDouble(Sample::value).sum();
    }

    /** Every series called {@code name} that changed since {@code before}, with its growth (for failure messages). */
    Map<String, Double> changedSince(MetricsSnapshot before, String name) {
        Map<String, Double> changed = new LinkedHashMap<>();
        for (Sample sample : samples) {
            if (sample.name().equals(name)) {
                String key = key(name, sample.labels());
                double growth = sample.value() - before.series.getOrDefault(key, 0.0);
                if (growth != 0) {
                    changed.put(key, growth);
                }
            }
        }
        return changed;
    }

    /** Whether the scrape has this series. */
    boolean has(String name, String... labelPairs) {
        return series.containsKey(key(name, labels(labelPairs)));
    }

    /** How much a series grew since {@code before} (a series missing there counts as 0). */
    double delta(MetricsSnapshot before, String name, String... labelPairs) {
        double was = before.has(name, labelPairs) ? before.value(name, labelPairs) : 0;
        return value(name, labelPairs) - was;
    }

    String text() {
        return text;
    }

    private static Map<String, String> labels(String... pairs) {
        if (pairs.length % 2 != 0) {
            throw new IllegalArgumentException("label pairs: " + pairs.length + " strings (expected: name, value, ...)");
        }
        Map<String, String> labels = new TreeMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            labels.put(pairs[i], pairs[i + 1]);
        }
        return labels;
    }

    private static String key(String name, Map<String, String> sortedLabels) {
        if (sortedLabels.isEmpty()) {
            return name;
        }
        StringBuilder key = new StringBuilder(name).append('{');
        sortedLabels.forEach((label, value) -> key.append(label).append("=\"").append(value).append("\","));
        key.setLength(key.length() - 1);
        return key.append('}').toString();
    }

    private static double number(String text) {
        return switch (text) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(text);
        };
    }

    /** {@code a="x",b="y"}: values may contain escaped quotes and backslashes, and commas. */
    private static void parseLabels(String body, Map<String, String> labels, String line) {
        int at = 0;
        while (at < body.length()) {
            int equals = body.indexOf('=', at);
            if (equals < 0 || equals + 1 >= body.length() || body.charAt(equals + 1) != '"') {
                throw new IllegalArgumentException("cannot parse labels of: " + line);
            }
            String label = body.substring(at, equals).trim();
            StringBuilder value = new StringBuilder();
            int i = equals + 2;
            for (; body.charAt(i) != '"'; i++) {
                char c = body.charAt(i);
                if (c == '\\') {
                    char escaped = body.charAt(++i);
                    value.append(escaped == 'n' ? '\n' : escaped);
                } else {
                    value.append(c);
                }
            }
            labels.put(label, value.toString());
            at = i + 1;
            if (at < body.length() && body.charAt(at) == ',') {
                at++;
            }
        }
    }
}
