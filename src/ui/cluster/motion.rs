//! How the page's clock maps wall time onto simulated time, and how an election timer's arc
//! turns on that mapping (plain data; `animation` hands it to the browser).

use super::TimerView;
use crate::raft::Time;

/// How the page's clock maps wall time onto simulated time while the run plays. It is fixed
/// from the moment the run starts playing (or changes speed, or jumps) to the next such change,
/// so between events the browser animates messages and timers by itself on this mapping, and
/// the simulation, woken at each event, lands exactly where the animations are.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Motion {
    /// `performance.now()` (the document timeline) when the mapping was fixed.
    pub anchor_wall_ms: f64,
    pub anchor_sim_us: Time,
    /// Simulated time per wall time.
    pub speed: f64,
    pub running: bool,
    /// `prefers-reduced-motion`: messages jump half way instead of gliding.
    pub reduced: bool,
}

impl Motion {
    pub fn paused(now_us: Time, reduced: bool) -> Motion {
        Motion { anchor_wall_ms: 0.0, anchor_sim_us: now_us, speed: 1.0, running: false, reduced }
    }

    /// Where simulated time has got to at this wall time (never before the anchor).
    pub fn sim_at(&self, wall_ms: f64) -> Time {
        let ran_us = ((wall_ms - self.anchor_wall_ms).max(0.0) * 1000.0 * self.speed).floor();
        self.anchor_sim_us + ran_us as Time
    }

    /// The wall time at which the clock shows `sim_us` (earlier than the anchor for the past).
    pub fn wall_at(&self, sim_us: Time) -> f64 {
        self.anchor_wall_ms + (sim_us as f64 - self.anchor_sim_us as f64) / 1000.0 / self.speed.max(1e-9)
    }

    /// How long `sim_us` of simulated time lasts on the wall, in milliseconds.
    pub fn wall_ms(&self, sim_us: Time) -> f64 {
        sim_us as f64 / 1000.0 / self.speed.max(1e-9)
    }

    /// When and how the browser turns `timer`'s arc down (see `TimerTurn`).
    pub fn timer_turn(&self, timer: TimerView) -> TimerTurn {
        let duration_ms = self.wall_ms(timer.span_us);
        let start_ms = self.wall_at(timer.deadline_us) - duration_ms;
        let step_ms = self.wall_ms(TIMER_STEP_US).min(TIMER_STEP_MAX_MS);
        if step_ms < TIMER_STEP_MIN_MS {
            return TimerTurn { start_ms, duration_ms, steps_per_half: 0 };
        }
        let steps_per_half = ((duration_ms / 2.0 / step_ms).round() as u32).max(1);
        let start_ms = (start_ms / step_ms).round() * step_ms;
        TimerTurn { start_ms, duration_ms: 2.0 * f64::from(steps_per_half) * step_ms, steps_per_half }
    }
}

/// An election timer's arc turns in steps of this much simulated time (1 % of the shortest
/// default timeout, under a pixel on the ring) ...
const TIMER_STEP_US: Time = 2_000;
/// ... but at least every tenth of a second on the wall, however slow the run ...
const TIMER_STEP_MAX_MS: f64 = 100.0;
/// ... and smoothly when the steps would come faster than every other frame anyway.
const TIMER_STEP_MIN_MS: f64 = 33.0;

/// How the browser animates an election timer's arc: over `duration_ms` from `start_ms` on the
/// document timeline, in `steps_per_half` jumps per half ring (0: smoothly). Every timer's
/// jumps fall on one grid of wall time, so the compositor redraws all the arcs in the same
/// frame and none in the frames between (see `cluster::animation` for what it saved); the grid
/// moves the start by at most half a step and the end by at most a step and a half (3 ms of
/// simulated time: the arc may look empty that much before the timeout fires, or after).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TimerTurn {
    pub start_ms: f64,
    pub duration_ms: f64,
    pub steps_per_half: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::cluster::TimerView;

    #[test]
    fn timer_arcs_turn_in_steps_on_one_grid_and_smoothly_when_fast() {
        let at =
            |speed: f64| Motion { anchor_wall_ms: 1_234.5, anchor_sim_us: 7_777, speed, running: true, reduced: false };
        let timers = [
            TimerView { deadline_us: 160_123, span_us: 300_000 },
            TimerView { deadline_us: 290_001, span_us: 300_000 },
        ];
        for timer in timers {
            // 1/50×: 2 ms of simulated time is 100 ms on the wall.
            let turn = at(0.02).timer_turn(timer);
            assert_eq!(turn.steps_per_half, 75, "{turn:?}");
            assert_eq!(turn.start_ms % 100.0, 0.0, "jumps fall on the shared grid: {turn:?}");
            assert_eq!(turn.duration_ms, 15_000.0);
            let exact_start = at(0.02).wall_at(timer.deadline_us) - 15_000.0;
            assert!((turn.start_ms - exact_start).abs() <= 50.0, "at most half a step off: {turn:?} vs {exact_start}");
            // 1/200×: the step stays a tenth of a second.
            assert_eq!(at(0.005).timer_turn(timer).steps_per_half, 300, "60 s of wall time in 600 steps");
            // 1×: a step would be 2 ms, so the arc turns smoothly and exactly.
            let fast = at(1.0).timer_turn(timer);
            assert_eq!(fast.steps_per_half, 0);
            assert_eq!(fast.start_ms + fast.duration_ms, at(1.0).wall_at(timer.deadline_us));
        }
    }

    #[test]
    fn motion_maps_wall_time_to_simulated_time_exactly_at_every_speed() {
        let slow =
            Motion { anchor_wall_ms: 1_000.0, anchor_sim_us: 40_000, speed: 0.001, running: true, reduced: false };
        assert_eq!(slow.sim_at(1_500.0), 40_500, "half a second at 1/1000 is 500 µs, with no drift");
        assert_eq!(slow.sim_at(500.0), 40_000, "never before the anchor");
        assert_eq!(slow.sim_at(slow.wall_at(47_000)), 47_000);
        assert!((slow.wall_at(39_000) - 0.0).abs() < 1e-9, "the past lies before the anchor");
        let fast = Motion { speed: 10.0, ..slow };
        assert_eq!(fast.sim_at(1_016.0), 40_000 + 160_000);
        assert!((fast.wall_ms(20_000) - 2.0).abs() < 1e-9);
    }
}
