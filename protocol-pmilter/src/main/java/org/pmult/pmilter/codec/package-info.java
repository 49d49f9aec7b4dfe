/**
 * The pmilter profile 1 wire format (see {@code shared/spec/pmilter-protocol.md} section 10 and
 * {@code docs/pmilter-wire.md}): the constants table, typed messages and the Netty codecs for both roles.
 */
package org.pmult.pmilter.codec;
