/**
 * Micrometer metrics, the Prometheus/health HTTP endpoint and the byte-counting Netty handler;
 * {@link org.pmult.server.metrics.MeterNames} holds every meter name and tag key (see
 * {@code docs/operations.md} for the scraped names), {@link org.pmult.server.metrics.PmultMetrics}
 * is what the daemon records through, and one class per concern holds the meters.
 */
package org.pmult.server.metrics;
