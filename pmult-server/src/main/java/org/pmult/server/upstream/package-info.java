/**
 * The milter side of pmult: one {@code MilterClient} per configured client (health, negotiation
 * probe, reconnect backoff, metrics) and the legs that carry a session's steps to it, translating
 * Milter verdicts and modifications into the pmilter profile's terms.
 */
package org.pmult.server.upstream;
