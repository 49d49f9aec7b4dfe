package org.pmult.server.cli;

import org.pmult.server.config.AddressForm;
import org.pmult.server.config.SocketEndpoint;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code pmult address ADDR [--to sendmail|mailfromd|postfix]}: prints a socket address in another
 * dialect on stdout (all three, labelled, without {@code --to}) and how it was understood on stderr.
 */
@Command(name = "address", mixinStandardHelpOptions = true,
        description = "Convert a socket address between Sendmail (inet:PORT@HOST), mailfromd (inet://HOST:PORT)"
                + " and Postfix (inet:HOST:PORT) forms.")
final class AddressCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "ADDR", description = "The address in any supported form.")
    String address;

    @Option(names = "--to", paramLabel = "FORM", converter = FormConverter.class,
            description = "sendmail, mailfromd or postfix; without it all three are printed.")
    AddressForm to;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        SocketEndpoint endpoint;
        try {
            endpoint = SocketEndpoint.parse(address);
        } catch (IllegalArgumentException e) {
            err.println("pmult: " + e.getMessage());
            err.flush();
            return PmultCommand.EXIT_CONFIG;
        }
        err.println(endpoint.describe());
        err.flush();
        if (to != null) {
            out.println(endpoint.format(to));
        } else {
            for (AddressForm form : AddressForm.values()) {
                out.printf("%-10s %s%n", form.cliName() + ":", endpoint.format(form));
            }
        }
        out.flush();
        return PmultCommand.EXIT_OK;
    }

    /** Case-insensitive form names. */
    static final class FormConverter implements CommandLine.ITypeConverter<AddressForm> {
        @Override
        public AddressForm convert(String value) {
            try {
                return AddressForm.valueOf(value.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("unknown form \"" + value + "\" (expected: "
                        + Arrays.stream(AddressForm.values()).map(AddressForm::cliName).collect(Collectors.joining(", ")) + ")");
            }
        }
    }
}
