/**
 * Sendmail Milter wire format (v2..v6, as libmilter's {@code mfdef.h} defines it): the code table,
 * typed commands and replies, and the Netty framing, decoders and encoders for both roles.
 */
package org.pmult.milter.codec;
