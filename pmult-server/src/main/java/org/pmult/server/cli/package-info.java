/** The {@code pmult} command line (picocli): running the daemon, {@code --config-test}, {@code address} and {@code meta1-config}. */
package org.pmult.server.cli;
