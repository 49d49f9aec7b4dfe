package org.pmult.sim.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class MachineCpuTest {

    @Test
    void readsTheAggregateLineTotalAndSteal() {
        MachineCpu.Sample sample = MachineCpu.parse("cpu  100 5 50 800 10 1 4 30 0 0\ncpu0 50 2 25 400 5 0 2 15 0 0\n");

        assertEquals(1000, sample.totalTicks());
        assertEquals(30, sample.stealTicks());
    }

    @Test
    void stealIsTheStolenShareOfTheTimeBetweenTwoSamples() {
        MachineCpu.Sample before = new MachineCpu.Sample(1_000, 30);
        MachineCpu.Sample after = new MachineCpu.Sample(1_400, 130);

        assertEquals(25.0, MachineCpu.stealPercent(before, after), 1e-9);
        assertNull(MachineCpu.stealPercent(null, after), "not Linux");
        assertNull(MachineCpu.stealPercent(before, before), "no time passed");
    }

    @Test
    void anythingButTheAggregateLineIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> MachineCpu.parse("cpu0 1 2 3 4 5 6 7 8\n"));
        assertThrows(IllegalArgumentException.class, () -> MachineCpu.parse("cpu 1 2 3\n"));
    }
}
