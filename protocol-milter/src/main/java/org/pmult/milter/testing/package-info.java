/**
 * An in-process, scripted Milter filter for tests of anything that speaks the MTA side (see
 * {@code shared/spec/milter-protocol.md}); not used by pmult itself.
 */
package org.pmult.milter.testing;
