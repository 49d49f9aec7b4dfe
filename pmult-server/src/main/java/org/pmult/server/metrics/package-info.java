/**
 * Micrometer metrics, the Prometheus/health HTTP endpoint and the byte-counting Netty handler;
 * {@link org.pmult.server.metrics.PmultMetrics} holds every meter name and tag key (see
 * {@code docs/operations.md} for the scraped names).
 */
package org.pmult.server.metrics;
