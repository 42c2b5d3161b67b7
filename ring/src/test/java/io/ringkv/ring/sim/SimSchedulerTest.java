package io.ringkv.ring.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringkv.common.Scheduler;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SimSchedulerTest {
    @Test
    void runsTasksByTimeThenBySchedulingOrder() {
        SimScheduler s = new SimScheduler(1000, 100);
        List<String> ran = new ArrayList<>();
        s.schedule(5, () -> ran.add("b@" + s.nowMillis()));
        s.schedule(0, () -> ran.add("a@" + s.nowMillis()));
        s.schedule(5, () -> ran.add("c@" + s.nowMillis()));
        s.runUntil(2000);
        assertEquals(List.of("a@1000", "b@1005", "c@1005"), ran);
        assertEquals(2000, s.nowMillis());
    }

    @Test
    void timeMovesOnlyWhenATaskRuns() {
        SimScheduler s = new SimScheduler(0, 100);
        s.schedule(10, () -> {});
        assertEquals(0, s.clock().currentTimeMillis());
        assertTrue(s.runNext(Long.MAX_VALUE));
        assertEquals(10, s.clock().currentTimeMillis());
        assertFalse(s.runNext(Long.MAX_VALUE));
        assertEquals(10, s.nowMillis());
    }

    @Test
    void tasksScheduledByTasksRunInTheirTurn() {
        SimScheduler s = new SimScheduler(0, 100);
        List<Long> at = new ArrayList<>();
        s.schedule(1, () -> s.schedule(1, () -> at.add(s.nowMillis())));
        s.schedule(3, () -> at.add(s.nowMillis()));
        s.runUntil(10);
        assertEquals(List.of(2L, 3L), at);
    }

    @Test
    void cancelledTasksDoNotRun() {
        SimScheduler s = new SimScheduler(0, 100);
        boolean[] ran = {false};
        Scheduler.Cancellable c = s.schedule(1, () -> ran[0] = true);
        c.cancel();
        s.runUntil(10);
        assertFalse(ran[0]);
        assertEquals(0, s.executed());
    }

    @Test
    void runUntilStopsWhenTheConditionHoldsOrAtTheDeadline() {
        SimScheduler s = new SimScheduler(0, 100);
        int[] n = {0};
        for (int i = 1; i <= 5; i++) {
            s.schedule(i, () -> n[0]++);
        }
        assertTrue(s.runUntil(() -> n[0] == 2, 100));
        assertEquals(2, s.nowMillis());
        assertFalse(s.runUntil(() -> n[0] == 10, 50));
        assertEquals(50, s.nowMillis());
    }

    @Test
    void boundsTheNumberOfTasks() {
        SimScheduler s = new SimScheduler(0, 3);
        Runnable[] loop = new Runnable[1];
        loop[0] = () -> s.schedule(1, loop[0]);
        s.schedule(0, loop[0]);
        assertThrows(IllegalStateException.class, () -> s.runUntil(1000));
    }

    @Test
    void refusesNegativeDelays() {
        assertThrows(IllegalArgumentException.class, () -> new SimScheduler(0, 1).schedule(-1, () -> {}));
    }
}
