package org.pmult.sim.scenario;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GlobTest {

    @Test
    void matchesStarsAndQuestionMarksAndTakesTheRestLiterally() {
        assertTrue(Glob.of("550 5.?.1 *").matches("550 5.7.1 No such user"));
        assertFalse(Glob.of("550 5.?.1 *").matches("550 5.77.1 x"));
        assertTrue(Glob.of("+header X-(a)[b]: *").matches("+header X-(a)[b]: yes"));
        assertTrue(Glob.of("*").matches(""));
        assertFalse(Glob.of("550").matches("550 5.7.1"));
        assertTrue(Glob.of("421*").matches("421 4.3.0 one\r\n421 two"));
    }
}
