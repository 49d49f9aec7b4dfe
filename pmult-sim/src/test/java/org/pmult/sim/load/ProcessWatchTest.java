package org.pmult.sim.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class ProcessWatchTest {

    @Test
    void parsesCpuTicksOfTheProcessAndItsEndedChildrenAfterACommandNameWithSpaces() {
        String stat = "4242 (java (pmult) x) S 1 4242 4242 0 -1 4194560 1000 0 0 0 1234 567 89 10 20 0 31 0 100 "
                + "3000000000 40000 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
        String status = "Name:\tjava\nState:\tS (sleeping)\nVmRSS:\t  153600 kB\nThreads:\t31\n";

        ProcessWatch.Sample sample = ProcessWatch.parse(stat, status);

        assertEquals(1234 + 567 + 89 + 10, sample.cpuTicks());
        assertEquals(31, sample.threads());
        assertEquals(153_600, sample.rssKib());
    }

    @Test
    void givesNoSampleForAProcessThatDoesNotExist() {
        assertNull(ProcessWatch.read(Long.MAX_VALUE));
    }
}
