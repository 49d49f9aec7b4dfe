/**
 * pmult's configuration: the immutable {@link org.pmult.server.config.PmultConfig} records, socket address parsing
 * in mailfromd, Sendmail and Postfix forms, and the loaders for HOCON (over {@code reference.conf}) and GNU
 * pmult.conf syntax; see {@code docs/configuration.md}.
 */
package org.pmult.server.config;
