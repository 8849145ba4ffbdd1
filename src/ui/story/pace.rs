//! Pacing a story for a person. Each beat names in its data the kinds of moment its caption
//! speaks of (`Focus`: the election that decides, the entry that is overwritten, the crash);
//! the player runs the world ahead to the next beat (it is deterministic, so the run ahead is
//! the run the reader will see), finds those moments, and plays them slowly while the quiet
//! stretches between them (heartbeats, waiting for a timeout) go by fast. No beat takes more
//! than `FOCUS_WALL_MAX_MS + QUIET_WALL_MAX_MS` of wall time, whatever the reader's speed
//! slider says; the slider's speed comes back when the story closes.

use crate::raft::{RoleKind, Time};
pub use crate::scenario::stories::Focus;
use crate::sim::World;
use crate::sim::trace::TraceEvent;

/// The slowest a moment of focus plays: the page's default speed (1/50×), at which a 10 ms
/// message takes half a second to cross the ring.
pub const FOCUS_SPEED: f64 = 0.02;
/// Wall time the moments of one beat may take together; past it they play faster.
pub const FOCUS_WALL_MAX_MS: f64 = 4_500.0;
/// Wall time the quiet stretches of one beat take together.
pub const QUIET_WALL_MAX_MS: f64 = 2_000.0;
/// A moment is shown from this long before its event to this long after (a message's
/// flight at the default latency, so the messages that cause it are seen arriving).
pub const FOCUS_MARGIN_US: Time = 15_000;
/// Windows kept per beat; further moments play at the quiet speed.
pub const MAX_FOCUS_WINDOWS: usize = 32;
/// The fastest any stretch plays (the page's fast-forward).
pub const MAX_STORY_SPEED: f64 = 10.0;

/// A beat's pace: each stretch runs at its speed until its end (simulated µs), in order.
pub type Pace = Vec<(Time, f64)>;

/// The windows of simulated time, within `from_us..to_us`, where the moments `focus` names
/// happen, merged where they overlap. `ahead` is a copy of the world at `from_us`.
pub fn focus_windows(mut ahead: World, from_us: Time, to_us: Time, focus: &[Focus]) -> Vec<(Time, Time)> {
    if ahead.run_until(to_us).is_err() {
        return Vec::new();
    }
    let mut windows: Vec<(Time, Time)> = Vec::new();
    let mut campaign_started: Option<Time> = None;
    let events = ahead.trace().recent().iter().filter(|(t, _)| (from_us..=to_us).contains(t));
    for (t, e) in events {
        let t = *t;
        let span = match e {
            TraceEvent::Role { role: RoleKind::Candidate | RoleKind::PreCandidate, .. } => {
                campaign_started.get_or_insert(t);
                None
            }
            TraceEvent::Role { role: RoleKind::Leader, .. } => campaign_started.take().map(|s| (s, t)).or(Some((t, t))),
            TraceEvent::Truncated { .. } => Some((t, t)),
            TraceEvent::Committed { .. } => Some((t, t)),
            TraceEvent::Crash { .. } | TraceEvent::Restart { .. } => Some((t, t)),
            TraceEvent::ClientInvoke { .. } | TraceEvent::ClientReturn { .. } => Some((t, t)),
            TraceEvent::Membership { .. } | TraceEvent::Snapshot { .. } => Some((t, t)),
            _ => None,
        };
        let wanted = match e {
            TraceEvent::Role { .. } => focus.contains(&Focus::Elections),
            TraceEvent::Truncated { .. } => focus.contains(&Focus::Overwrites),
            TraceEvent::Committed { .. } => focus.contains(&Focus::Commits),
            TraceEvent::Crash { .. } | TraceEvent::Restart { .. } => focus.contains(&Focus::Crashes),
            TraceEvent::ClientInvoke { .. } | TraceEvent::ClientReturn { .. } => focus.contains(&Focus::Clients),
            _ => focus.contains(&Focus::Membership),
        };
        if let (Some((a, b)), true) = (span, wanted) {
            let window = (a.saturating_sub(FOCUS_MARGIN_US).max(from_us), (b + FOCUS_MARGIN_US).min(to_us));
            let full = windows.len() >= MAX_FOCUS_WINDOWS;
            match windows.last_mut() {
                Some(last) if window.0 <= last.1 => last.1 = last.1.max(window.1),
                _ if !full => windows.push(window),
                _ => {}
            }
        }
    }
    windows
}

/// The pace from `from_us` to `to_us`: the focus windows at one speed, the stretches between
/// them at another, chosen so that the whole beat fits the wall-time budget.
pub fn pace(from_us: Time, to_us: Time, windows: &[(Time, Time)]) -> Pace {
    assert!(from_us <= to_us, "a beat lies ahead of the one before it");
    let focus_us: Time = windows.iter().map(|(a, b)| b - a).sum();
    let quiet_us = (to_us - from_us) - focus_us;
    let focus_speed = speed_for(focus_us, FOCUS_WALL_MAX_MS).max(FOCUS_SPEED);
    let quiet_speed = speed_for(quiet_us, QUIET_WALL_MAX_MS).max(focus_speed);
    let mut out: Pace = Vec::new();
    let mut push = |until: Time, speed: f64| {
        let reached = out.last().map_or(from_us, |l| l.0);
        match out.last_mut() {
            _ if until <= reached => {}
            Some(last) if last.1 == speed => last.0 = until,
            _ => out.push((until, speed)),
        }
    };
    for &(a, b) in windows {
        push(a, quiet_speed);
        push(b, focus_speed);
    }
    push(to_us, quiet_speed);
    out
}

/// The speed at which `span_us` of simulated time lasts `wall_ms` on the wall.
fn speed_for(span_us: Time, wall_ms: f64) -> f64 {
    (span_us as f64 / 1000.0 / wall_ms).min(MAX_STORY_SPEED)
}

/// Wall time the pace takes from `from_us`, in milliseconds.
pub fn wall_ms(from_us: Time, pace: &[(Time, f64)]) -> f64 {
    let mut at = from_us;
    pace.iter()
        .map(|&(until, speed)| {
            let ms = (until - at) as f64 / 1000.0 / speed;
            at = until;
            ms
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_stretches_go_fast_and_moments_slowly_within_the_budget() {
        // Two seconds of simulated time with two 30 ms moments.
        let windows = [(500_000, 530_000), (1_200_000, 1_230_000)];
        let p = pace(0, 2_000_000, &windows);
        assert_eq!(p.len(), 5, "{p:?}");
        assert_eq!(p[1], (530_000, FOCUS_SPEED), "60 ms of focus plays at 1/50×: 3 s");
        assert!(p[0].1 > 0.9, "1.94 s of quiet in 2 s of wall time: {p:?}");
        let wall = wall_ms(0, &p);
        assert!((4_900.0..=5_000.0).contains(&wall), "{wall}");
        // Long moments speed up to fit; nothing takes over the budget.
        let long = pace(0, 3_000_000, &[(0, 2_000_000)]);
        assert!(wall_ms(0, &long) <= FOCUS_WALL_MAX_MS + QUIET_WALL_MAX_MS + 1.0, "{long:?}");
        // A short beat with nothing to focus on plays at the focus speed at least.
        let short = pace(100_000, 120_000, &[]);
        assert_eq!(short, vec![(120_000, FOCUS_SPEED)]);
        assert_eq!(pace(7, 7, &[]), vec![], "nothing to play");
    }

    #[test]
    fn elections_are_found_by_running_ahead() {
        let m = crate::ui::core::model::Model::new(crate::ui::core::model::first_visit(3)).expect("valid");
        let mut world = m.world.clone();
        let windows = focus_windows(world.checkpoint(0), 0, 2_000_000, &[Focus::Elections]);
        assert!(!windows.is_empty(), "the first election is found");
        assert!(windows.windows(2).all(|w| w[0].1 < w[1].0), "merged and in order: {windows:?}");
        assert!(focus_windows(world.checkpoint(0), 0, 2_000_000, &[Focus::Clients]).iter().all(|w| w.0 < w.1));
    }
}
