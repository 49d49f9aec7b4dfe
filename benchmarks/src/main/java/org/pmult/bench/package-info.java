/**
 * JMH benchmarks for pmult's per-message hot path: the macro core, the {@code D} packet encoder and
 * the pmilter and Milter decoders (issue 7; results and how to run them in docs/benchmarks.md).
 */
package org.pmult.bench;
