package org.pmult.sim.engine;

import io.netty.util.NetUtil;
import java.net.Inet6Address;
import java.util.Locale;
import org.pmult.sim.scenario.SessionStep;

/** How a step reads in results and printed output: {@code rcpt <bob@example.net>}, {@code message 1200 bytes}. */
final class StepText {

    private StepText() {
    }

    static String of(SessionStep step) {
        if (step instanceof SessionStep.Connect connect) {
            String host = NetUtil.toAddressString(connect.clientAddress());
            String address = connect.clientAddress() instanceof Inet6Address ? "[" + host + "]" : host;
            return "connect " + address + ":" + connect.clientPort()
                    + (connect.clientName().isEmpty() ? "" : " " + connect.clientName());
        }
        if (step instanceof SessionStep.Ehlo ehlo) {
            return ehlo.kind().name().toLowerCase(Locale.ROOT) + " " + ehlo.argument();
        }
        if (step instanceof SessionStep.Mail mail) {
            return withArgs("mail " + mail.reversePath(), mail.esmtpArgs());
        }
        if (step instanceof SessionStep.Rcpt rcpt) {
            return withArgs("rcpt " + rcpt.forwardPath(), rcpt.esmtpArgs());
        }
        if (step instanceof SessionStep.Message message) {
            return "message " + message.content().length + " bytes";
        }
        if (step instanceof SessionStep.Unknown unknown) {
            return "unknown " + unknown.commandLine();
        }
        if (step instanceof SessionStep.SetMacro macro) {
            return "macro " + macro.macroId() + " " + macro.value();
        }
        return step.command().name().toLowerCase(Locale.ROOT);
    }

    private static String withArgs(String text, String esmtpArgs) {
        return esmtpArgs == null ? text : text + " " + esmtpArgs;
    }
}
