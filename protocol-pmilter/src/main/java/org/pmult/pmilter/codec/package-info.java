/**
 * The pmilter profile 1 wire format (see {@code docs/pmilter-wire.md}): the constants table, typed messages and the Netty codecs for both roles.
 */
package org.pmult.pmilter.codec;
