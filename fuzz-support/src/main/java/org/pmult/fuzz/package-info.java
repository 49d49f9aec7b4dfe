/** Shared harness pieces of the Jazzer fuzz targets (test support only; no production code uses it). */
package org.pmult.fuzz;
