//! The page's clock: the mapping from wall time to simulated time, and the driver that
//! wakes the simulation when the next event falls due.

use yew::prelude::*;

use crate::ui::browser::driver::{MAX_SLEEP_MS, Ticker, wall_now_ms};
use crate::ui::cluster;
use crate::ui::core::model::Model;
use crate::ui::core::state::Action;

/// The mapping from wall time to simulated time (`cluster::Motion`), fixed afresh whenever the
/// run starts or stops playing, changes speed or jumps in time.
#[hook]
pub(crate) fn use_motion(m: &Model, visible: bool, reduced: bool) -> cluster::Motion {
    let running = !m.paused && visible;
    let (now, speed) = (m.now_us(), m.effective_speed());
    let key = (m.generation, m.jumps, running, speed.to_bits(), reduced, if running { 0 } else { now });
    *use_memo(key, move |_| {
        let paused = cluster::Motion::paused(now, reduced);
        if running { cluster::Motion { anchor_wall_ms: wall_now_ms(), speed, running, ..paused } } else { paused }
    })
}

/// While the run plays: sleep until the next event falls due (at most `MAX_SLEEP_MS`), then
/// run the simulation to where the clock has got; every frame while fast-forwarding.
#[hook]
pub(crate) fn use_clock(m: &Model, motion: cluster::Motion, dispatch: Callback<Action>) {
    let due = m.next_due_us();
    let key = if m.fast_forward { (motion, true, None, 0) } else { (motion, false, due, m.now_us()) };
    use_effect_with(key, move |&(motion, fast_forward, due, _)| {
        let ticker = motion.running.then(|| {
            let wake_ms = due.map_or(MAX_SLEEP_MS, |d| motion.wall_at(d) - wall_now_ms()).max(0.0);
            // A wake-up set for an event never lands short of it (timers round to milliseconds).
            let floor = due.filter(|_| wake_ms <= MAX_SLEEP_MS && !fast_forward).unwrap_or(0);
            let on_tick = dispatch.reform(move |()| Action::Tick(motion.sim_at(wall_now_ms()).max(floor)));
            if fast_forward { Ticker::every_frame(on_tick) } else { Ticker::after(wake_ms, on_tick) }
        });
        move || drop(ticker)
    });
}
