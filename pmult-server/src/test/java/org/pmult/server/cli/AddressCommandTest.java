package org.pmult.server.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AddressCommandTest {

    @ParameterizedTest(name = "{0} --to {1}")
    @CsvSource(delimiter = '|', textBlock = """
            inet:3333@127.0.0.1      | mailfromd | inet://127.0.0.1:3333
            inet:3333@127.0.0.1      | postfix   | inet:127.0.0.1:3333
            inet://127.0.0.1:3333    | sendmail  | inet:3333@127.0.0.1
            inet:127.0.0.1:3333      | SENDMAIL  | inet:3333@127.0.0.1
            inet6://[::1]:3333       | sendmail  | inet6:3333@::1
            unix:///run/p.sock       | postfix   | unix:/run/p.sock
            /run/p.sock              | mailfromd | unix:///run/p.sock
            """)
    void convertsAnAddress(String address, String form, String expected) {
        CliRun run = CliRun.of(new PmultCommand(), "address", address, "--to", form);

        assertEquals(0, run.exitCode(), run.err());
        assertEquals(expected + "\n", run.out());
        assertTrue(run.err().startsWith("understood as "), run.err());
    }

    @Test
    void saysWhichFormItUnderstood() {
        CliRun run = CliRun.of(new PmultCommand(), "address", "inet:3333@127.0.0.1", "--to", "mailfromd");
        assertEquals("understood as Sendmail form inet:PORT@HOST: TCP port 3333 on host 127.0.0.1\n", run.err());
    }

    @Test
    void printsAllThreeFormsWithoutTo() {
        CliRun run = CliRun.of(new PmultCommand(), "address", "inet:3333@127.0.0.1");

        assertEquals(0, run.exitCode());
        assertEquals("sendmail:  inet:3333@127.0.0.1\nmailfromd: inet://127.0.0.1:3333\npostfix:   inet:127.0.0.1:3333\n", run.out());
    }

    @Test
    void refusesABadAddressWithExitCode2() {
        CliRun run = CliRun.of(new PmultCommand(), "address", "inet://h:70000", "--to", "sendmail");

        assertEquals(2, run.exitCode());
        assertEquals("pmult: bad port 70000 in \"inet://h:70000\" (expected: 1..65535)\n", run.err());
        assertEquals("", run.out());
    }

    @Test
    void refusesAnUnknownForm() {
        CliRun run = CliRun.of(new PmultCommand(), "address", "inet:1@h", "--to", "exim");

        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("unknown form \"exim\" (expected: sendmail, mailfromd, postfix)"), run.err());
    }
}
