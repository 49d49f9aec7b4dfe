/**
 * Hostile-peer tests: pmult running in-process on loopback sockets against a MeTA1 side and a Milter
 * side that misbehave, each asserting the log line, the closed connection, the default action and
 * that every other session goes on (issue 8; results in {@code docs/hardening.md}).
 */
package org.pmult.server.hostile;
