/**
 * pmult's configuration: the immutable {@link org.pmult.server.config.PmultConfig} records, socket address parsing
 * in mailfromd, Sendmail and Postfix forms, and the loaders; see {@code docs/configuration.md}. Each syntax (GNU
 * pmult.conf: {@code GnuConfigReader}; HOCON over {@code reference.conf}: {@code HoconConfigReader}) only parses
 * into located settings ({@code ConfigSettings}); {@code PmultConfigBuilder} alone checks them and builds the records.
 */
package org.pmult.server.config;
