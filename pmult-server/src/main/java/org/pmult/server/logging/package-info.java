/**
 * Logback converters for pmult's text log line, registered in {@code logback.xml} with
 * {@code <conversionRule>}: what the pattern's nested regular expressions did, done in one pass each.
 */
package org.pmult.server.logging;
