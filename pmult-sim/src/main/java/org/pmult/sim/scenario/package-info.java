/**
 * Scenario files: the SMTP sessions the simulator plays (connect, ehlo, mail, rcpt, data, message,
 * dot, abort, unknown, close), the macro values smtps knows, and the replies a deployment check expects.
 */
package org.pmult.sim.scenario;
