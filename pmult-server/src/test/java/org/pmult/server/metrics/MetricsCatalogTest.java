package org.pmult.server.metrics;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Keeps the three places that name metrics in step: {@link MeterNames}' constants, the Grafana
 * dashboard ({@code packaging/grafana/pmult-dashboard.json}) and the metrics table of
 * {@code docs/operations.md}. The truth is what a real scrape contains.
 */
class MetricsCatalogTest {

    private static final Path DASHBOARD = Path.of("..", "packaging", "grafana", "pmult-dashboard.json");
    private static final Path OPERATIONS_DOC = Path.of("..", "docs", "operations.md");
    /** A metric name directly followed by its label selector: every dashboard query filters by instance. */
    private static final Pattern SELECTED_METRIC = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\{");
    /** Prometheus suffixes Micrometer adds to a constant: base unit, counter _total, timer _max. */
    private static final Set<String> MICROMETER_SUFFIXES = Set.of("", "_total", "_bytes", "_bytes_total",
            "_seconds", "_seconds_max", "_threads", "_classes", "_files");

    private static PrometheusMeterRegistry registry;
    private static PmultMetrics metrics;
    /** Family name (as in # TYPE) → the sample names it produces. */
    private static Map<String, Set<String>> families;

    @BeforeAll
    static void scrapeEveryMeter() {
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        metrics = new PmultMetrics(registry);
        metrics.forClient("mfd"); // client-scoped meters exist once a client is configured
        metrics.forEvaluation("mfd"); // evaluation meters exist once a client is in evaluation mode
        metrics.forInstance("mfd", "unix:///run/mfd.sock", () -> 1, () -> 0); // one per instance (URL) of a client
        ConditionMeters.register(registry, "mfd"); // condition meters exist once a client has a condition
        // The GC pause timer appears with the first collection the JVM reports.
        System.gc();
        await().atMost(Duration.ofSeconds(30)).until(() -> registry.find(MeterNames.JVM_GC_PAUSE).timer() != null);
        families = families(registry.scrape());
    }

    @AfterAll
    static void close() {
        metrics.close();
        registry.close();
    }

    private static Map<String, Set<String>> families(String scrape) {
        Map<String, Set<String>> result = new LinkedHashMap<>();
        for (String line : scrape.lines().toList()) {
            if (!line.startsWith("# TYPE ")) {
                continue;
            }
            String[] parts = line.split(" ");
            String family = parts[2];
            String type = parts[3];
            result.put(family, switch (type) {
                case "histogram" -> Set.of(family + "_bucket", family + "_count", family + "_sum");
                case "summary" -> Set.of(family, family + "_count", family + "_sum");
                default -> Set.of(family);
            });
        }
        return result;
    }

    private static Set<String> allSampleNames() {
        Set<String> names = new HashSet<>();
        families.values().forEach(names::addAll);
        return names;
    }

    private static List<String> pmultMeterNameConstants() throws IllegalAccessException {
        List<String> names = new ArrayList<>();
        for (Field field : MeterNames.class.getFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class
                    && !field.getName().startsWith("TAG_") && !field.getName().startsWith("UNIT_")) {
                names.add((String) field.get(null));
            }
        }
        return names;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> dashboard() {
        // Typesafe Config in JSON mode is a strict JSON parser: a syntax error fails here.
        return ConfigFactory.parseFile(DASHBOARD.toFile(),
                ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON).setAllowMissing(false)).root().unwrapped();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> panels() {
        return (List<Map<String, Object>>) dashboard().get("panels");
    }

    @SuppressWarnings("unchecked")
    private static List<String> expressions() {
        List<String> expressions = new ArrayList<>();
        for (Map<String, Object> panel : panels()) {
            for (Map<String, Object> target : (List<Map<String, Object>>) panel.getOrDefault("targets", List.of())) {
                expressions.add((String) target.get("expr"));
            }
        }
        return expressions;
    }

    private static Set<String> dashboardMetricNames() {
        Set<String> names = new TreeSet<>();
        for (String expr : expressions()) {
            Matcher matcher = SELECTED_METRIC.matcher(expr);
            while (matcher.find()) {
                names.add(matcher.group(1));
            }
        }
        return names;
    }

    @Test
    void everyPmultFamilyComesFromAConstant() throws Exception {
        List<String> constants = pmultMeterNameConstants();
        for (String family : families.keySet()) {
            if (!family.startsWith("pmult_")) {
                continue;
            }
            boolean fromConstant = constants.stream()
                    .map(name -> name.replace('.', '_'))
                    .anyMatch(base -> family.startsWith(base) && MICROMETER_SUFFIXES.contains(family.substring(base.length())));
            assertTrue(fromConstant, family + " has no constant in MeterNames");
        }
    }

    @Test
    void everyPmultConstantIsScraped() throws Exception {
        Set<String> familyNames = families.keySet();
        for (String name : pmultMeterNameConstants()) {
            String base = name.replace('.', '_');
            boolean scraped = MICROMETER_SUFFIXES.stream().anyMatch(suffix -> familyNames.contains(base + suffix));
            assertTrue(scraped, name + " (" + base + "*) is not in a scrape");
        }
    }

    @Test
    void dashboardIsAnImportableGrafanaDashboard() {
        Map<String, Object> dashboard = dashboard();

        assertEquals("pmult", dashboard.get("title"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> inputs = (List<Map<String, Object>>) dashboard.get("__inputs");
        assertEquals(1, inputs.size());
        assertEquals("DS_PROMETHEUS", inputs.get(0).get("name"));
        assertEquals("prometheus", inputs.get(0).get("pluginId"));
        Set<Object> ids = new HashSet<>();
        for (Map<String, Object> panel : panels()) {
            assertTrue(ids.add(panel.get("id")), "duplicate panel id " + panel.get("id"));
            if (!"row".equals(panel.get("type"))) {
                assertEquals(Map.of("type", "prometheus", "uid", "${DS_PROMETHEUS}"), panel.get("datasource"),
                        "datasource of panel " + panel.get("title"));
            }
        }
    }

    @Test
    void dashboardQueriesOnlyMetricsPmultExports() {
        Set<String> exported = allSampleNames();
        Set<String> queried = dashboardMetricNames();

        assertTrue(queried.size() > 20, "queries found: " + queried);
        for (String name : queried) {
            assertTrue(exported.contains(name), "dashboard queries " + name + ", which no scrape contains");
        }
    }

    @Test
    void dashboardShowsEveryPmultMetric() {
        Set<String> queried = dashboardMetricNames();
        for (Map.Entry<String, Set<String>> family : families.entrySet()) {
            if (!family.getKey().startsWith("pmult_") || family.getKey().endsWith("_max")) {
                continue;
            }
            boolean shown = family.getValue().stream().anyMatch(queried::contains);
            assertTrue(shown, "no dashboard panel shows " + family.getKey());
        }
    }

    @Test
    void dashboardLatencyPanelsUseTheHistogramBuckets() {
        List<String> quantiles = expressions().stream().filter(expr -> expr.startsWith("histogram_quantile(")).toList();

        assertTrue(quantiles.stream().anyMatch(expr -> expr.startsWith("histogram_quantile(0.5,")), quantiles.toString());
        assertTrue(quantiles.stream().anyMatch(expr -> expr.startsWith("histogram_quantile(0.99,")), quantiles.toString());
        for (String expr : quantiles) {
            assertTrue(expr.contains("pmult_milter_reply_latency_seconds_bucket{") && expr.contains(" le)"), expr);
        }
    }

    @Test
    void operationsDocListsEveryPmultMetric() throws IOException {
        String doc = Files.readString(OPERATIONS_DOC, StandardCharsets.UTF_8);
        for (String family : families.keySet()) {
            if (family.startsWith("pmult_")) {
                assertTrue(doc.contains("`" + family + "`"), "docs/operations.md does not list `" + family + "`");
            }
        }
    }
}
