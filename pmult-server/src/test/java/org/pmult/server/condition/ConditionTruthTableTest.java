package org.pmult.server.condition;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetAddress;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each predicate and combinator, stage by stage: unknown until its facts are in, then true or false. */
class ConditionTruthTableTest {

    /** A condition whose value is fixed, to drive the combinators through every case. */
    private record Fixed(Truth value) implements Condition {
        @Override
        public Truth evaluate(SessionFacts facts) {
            return value;
        }

        @Override
        public String text() {
            return value.name();
        }

        @Override
        public ConditionStage earliest() {
            return ConditionStage.CONNECT;
        }

        @Override
        public ConditionStage latest() {
            return ConditionStage.CONNECT;
        }
    }

    private static final SessionFacts ANY = new SessionFacts();

    @ParameterizedTest(name = "all({0}, {1}) = {2}, any = {3}")
    @CsvSource({
        "TRUE, TRUE, TRUE, TRUE",
        "TRUE, FALSE, FALSE, TRUE",
        "TRUE, UNKNOWN, UNKNOWN, TRUE",
        "FALSE, TRUE, FALSE, TRUE",
        "FALSE, FALSE, FALSE, FALSE",
        "FALSE, UNKNOWN, FALSE, UNKNOWN",
        "UNKNOWN, TRUE, UNKNOWN, TRUE",
        "UNKNOWN, FALSE, FALSE, UNKNOWN",
        "UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN",
    })
    void allAndAnyFollowThreeValuedLogic(Truth left, Truth right, Truth all, Truth any) {
        List<Condition> parts = List.of(new Fixed(left), new Fixed(right));
        assertEquals(all, new AllOf(parts).evaluate(ANY));
        assertEquals(any, new AnyOf(parts).evaluate(ANY));
    }

    @Test
    void notSwapsTrueAndFalseAndKeepsUnknown() {
        assertEquals(Truth.FALSE, new Not(new Fixed(Truth.TRUE)).evaluate(ANY));
        assertEquals(Truth.TRUE, new Not(new Fixed(Truth.FALSE)).evaluate(ANY));
        assertEquals(Truth.UNKNOWN, new Not(new Fixed(Truth.UNKNOWN)).evaluate(ANY));
    }

    @Test
    void combinatorsShortCircuitOnTheDecidingPart() {
        // a part after the deciding one is not consulted: a failing one would throw
        Condition throwing = new Condition() {
            @Override
            public Truth evaluate(SessionFacts facts) {
                throw new AssertionError("evaluated after the decision");
            }

            @Override
            public String text() {
                return "x";
            }

            @Override
            public ConditionStage earliest() {
                return ConditionStage.CONNECT;
            }

            @Override
            public ConditionStage latest() {
                return ConditionStage.CONNECT;
            }
        };
        assertEquals(Truth.FALSE, new AllOf(List.of(new Fixed(Truth.FALSE), throwing)).evaluate(ANY));
        assertEquals(Truth.TRUE, new AnyOf(List.of(new Fixed(Truth.TRUE), throwing)).evaluate(ANY));
        assertEquals(Truth.UNKNOWN, new AnyOf(List.of(new Fixed(Truth.UNKNOWN), new Fixed(Truth.FALSE))).evaluate(ANY));
    }

    @ParameterizedTest(name = "{0} in {1}: {2}")
    @CsvSource({
        "192.0.2.7, 192.0.2.0/24, true",
        "192.0.3.7, 192.0.2.0/24, false",
        "192.0.2.7, 192.0.2.7, true",
        "10.1.2.3, 0.0.0.0/0, true",
        "2001:db8::25, 2001:db8::/32, true",
        "2001:db9::25, 2001:db8::/32, false",
        "::1, ::1, true",
        "192.0.2.7, 2001:db8::/32, false",
        "2001:db8::25, 192.0.2.0/24, false",
        "192.0.2.7, ::ffff:192.0.2.0/120, true",
        "192.0.3.7, ::ffff:192.0.2.0/120, false",
    })
    void clientAddressMatchesIpv4AndIpv6BlocksAndMappedBlocksAsIpv4(String address, String block, boolean in) throws Exception {
        SessionFacts facts = new SessionFacts();
        Condition condition = new ClientAddressIn(CidrList.parse(List.of(block)));
        assertEquals(Truth.UNKNOWN, condition.evaluate(facts), "nothing known before CONNECT");
        facts.connect(InetAddress.getByName(address));
        assertEquals(Truth.of(in), condition.evaluate(facts));
    }

    @Test
    void anIpv4MappedClientIsMatchedAsTheIpv4ClientOnceUnmapped() throws Exception {
        InetAddress mapped = InetAddress.getByAddress(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF,
            (byte) 192, 0, 2, 7});
        SessionFacts facts = new SessionFacts();
        facts.connect(org.pmult.server.session.ClientAddress.unmapped(mapped));
        assertEquals(Truth.TRUE, new ClientAddressIn(CidrList.parse(List.of("192.0.2.0/24"))).evaluate(facts));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "mail.example.com | *.example.com | true",
        "example.com | *.example.com | false",
        "MAIL.Example.COM | *.example.com | true",
        "mx1.example.net | mx?.example.net | true",
        "mx12.example.net | mx?.example.net | false",
        "[192.0.2.1] | [192.0.2.1] | true",
        "a+b.example | a+b.example | true",
        "aab.example | a+b.example | false",
    })
    void globsMatchWholeNamesIgnoringCaseWithNoRegexSurprises(String name, String glob, boolean matches) {
        assertEquals(matches, GlobList.parse(List.of(glob)).matches(name));
    }

    @Test
    void heloIsDecidedAtHeloOrAtMailWhenTheClientGaveNone() throws Exception {
        Condition helo = new HeloMatches(GlobList.parse(List.of("*.example.com")));
        SessionFacts facts = connected();
        assertEquals(Truth.UNKNOWN, helo.evaluate(facts));
        facts.helo("mx.example.com");
        assertEquals(Truth.TRUE, helo.evaluate(facts));

        SessionFacts silent = connected();
        silent.mail("example.org", false, -1);
        assertEquals(Truth.FALSE, helo.evaluate(silent), "no HELO by MAIL matches nothing");
    }

    @Test
    void authenticatedAndSenderDomainAreDecidedAtEveryMail() throws Exception {
        Condition authenticated = new Authenticated();
        Condition sender = new SenderDomain(GlobList.parse(List.of("example.org")));
        SessionFacts facts = connected();
        facts.helo("client.example");
        assertEquals(Truth.UNKNOWN, authenticated.evaluate(facts));
        assertEquals(Truth.UNKNOWN, sender.evaluate(facts));
        facts.mail("example.org", true, -1);
        assertEquals(Truth.TRUE, authenticated.evaluate(facts));
        assertEquals(Truth.TRUE, sender.evaluate(facts));
        facts.endTransaction();
        assertEquals(Truth.UNKNOWN, sender.evaluate(facts), "forgotten with the transaction");
        facts.mail(null, false, -1);
        assertEquals(Truth.FALSE, authenticated.evaluate(facts));
        assertEquals(Truth.FALSE, sender.evaluate(facts), "the null sender has no domain");
        assertTrue(authenticated.meta1Macros().containsAll(List.of(
                org.pmult.pmilter.codec.PmilterCodes.Macro.AUTH_TYPE, org.pmult.pmilter.codec.PmilterCodes.Macro.AUTH_AUTHEN)));
    }

    @Test
    void recipientDomainIsTrueAtTheFirstAcceptedMatchAndFalseAtDataWithoutOne() throws Exception {
        Condition recipient = new RecipientDomain(GlobList.parse(List.of("example.net")));
        SessionFacts facts = connected();
        facts.mail("example.org", false, -1);
        facts.rcpt();
        facts.recipientAccepted("other.example");
        assertEquals(Truth.UNKNOWN, recipient.evaluate(facts));
        facts.rcpt();
        facts.recipientAccepted("example.net");
        assertEquals(Truth.TRUE, recipient.evaluate(facts));

        facts.endTransaction();
        facts.mail("example.org", false, -1);
        facts.rcpt();
        facts.recipientAccepted("other.example");
        facts.data();
        assertEquals(Truth.FALSE, recipient.evaluate(facts));
    }

    @Test
    void sizeIsDecidedBySizeAtMailElseAsSoonAsTheBytesPassTheLimitElseAtEndOfMessage() throws Exception {
        Condition below = new MessageSize(false, 1000);
        Condition above = new MessageSize(true, 1000);
        SessionFacts declared = connected();
        declared.mail("example.org", false, 5000);
        assertEquals(Truth.FALSE, below.evaluate(declared));
        assertEquals(Truth.TRUE, above.evaluate(declared));

        SessionFacts streamed = connected();
        streamed.mail("example.org", false, -1);
        streamed.data();
        streamed.messageBytes(600);
        assertEquals(Truth.UNKNOWN, below.evaluate(streamed));
        assertEquals(Truth.UNKNOWN, above.evaluate(streamed));
        streamed.messageBytes(600);
        assertEquals(Truth.FALSE, below.evaluate(streamed), "1,200 bytes so far: never below 1,000 any more");
        assertEquals(Truth.TRUE, above.evaluate(streamed));

        SessionFacts small = connected();
        small.mail("example.org", false, -1);
        small.messageBytes(999);
        assertEquals(Truth.UNKNOWN, below.evaluate(small));
        small.endOfMessage();
        assertEquals(Truth.TRUE, below.evaluate(small));
        assertEquals(Truth.FALSE, above.evaluate(small));
    }

    @Test
    void combinedStagesSpanTheirParts() {
        Condition condition = new AnyOf(List.of(new ClientAddressIn(CidrList.parse(List.of("10.0.0.0/8"))),
                new Not(new RecipientDomain(GlobList.parse(List.of("example.net"))))));
        assertEquals(ConditionStage.CONNECT, condition.earliest());
        assertEquals(ConditionStage.DATA, condition.latest());
        assertTrue(condition.meta1Macros().isEmpty());
    }

    @Test
    void badBlocksAndPatternsAreRefusedWithTheReason() {
        IllegalArgumentException name = assertThrows(IllegalArgumentException.class,
                () -> CidrList.parse(List.of("mail.example.com")));
        assertTrue(name.getMessage().contains("\"mail.example.com\" is not an IPv4 or IPv6 address block"), name.getMessage());
        IllegalArgumentException prefix = assertThrows(IllegalArgumentException.class,
                () -> CidrList.parse(List.of("192.0.2.0/33")));
        assertTrue(prefix.getMessage().contains("(expected: 0..32 for an IPv4 address)"), prefix.getMessage());
        IllegalArgumentException v6prefix = assertThrows(IllegalArgumentException.class,
                () -> CidrList.parse(List.of("2001:db8::/129")));
        assertTrue(v6prefix.getMessage().contains("0..128"), v6prefix.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GlobList.parse(List.of("")));
        assertFalse(GlobList.parse(List.of("example.com")).matches("xexample.com"));
    }

    @Test
    void listsAreEqualByTheirTextsAndOfOneKindOnly() {
        CidrList blocks = CidrList.parse(List.of("192.0.2.0/24", "2001:db8::/32"));
        assertEquals(blocks, CidrList.parse(List.of("192.0.2.0/24", "2001:db8::/32")));
        assertEquals(blocks.hashCode(), CidrList.parse(List.of("192.0.2.0/24", "2001:db8::/32")).hashCode());
        assertNotEquals(blocks, CidrList.parse(List.of("192.0.2.0/25", "2001:db8::/32")));
        assertEquals("[192.0.2.0/24, 2001:db8::/32]", blocks.toString());
        assertEquals(List.of("192.0.2.0/24", "2001:db8::/32"), blocks.texts());
        GlobList globs = GlobList.parse(List.of("*.example.com"));
        assertEquals(new HeloMatches(globs), new HeloMatches(GlobList.parse(List.of("*.example.com"))));
        assertNotEquals(globs, GlobList.parse(List.of("*.example.org")));
        assertEquals("[*.example.com]", globs.toString());
        assertNotEquals(CidrList.parse(List.of("192.0.2.7")), GlobList.parse(List.of("192.0.2.7")));
    }

    private static SessionFacts connected() throws Exception {
        SessionFacts facts = new SessionFacts();
        facts.connect(InetAddress.getByName("192.0.2.7"));
        return facts;
    }
}
