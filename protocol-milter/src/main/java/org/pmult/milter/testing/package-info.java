/**
 * An in-process, scripted Milter filter for tests of anything that speaks the MTA side (see
 * {@code docs/milter-compatibility.md}); not used by pmult itself.
 */
package org.pmult.milter.testing;
