//! The term tape: the time-travel track painted with the whole run, as plain data — a band
//! per term (from the election that started it to the next), a tick per election, a mark per
//! crash and per client write, and a red mark per violation. Scrubbable visualizations of Raft
//! paint their timeline this way; ours is read off the world's marks and history, which cover
//! the whole run (not just the recent trace).

#[cfg(target_arch = "wasm32")]
pub mod component;

use crate::raft::{NodeId, Op, Term, Time};
use crate::sim::MarkKind;
use crate::ui::core::model::Model;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Band {
    pub from_us: Time,
    pub to_us: Time,
    pub term: Term,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct TapeView {
    /// The tape runs from 0 to here: the furthest recorded time (at least a second).
    pub end_us: Time,
    pub now_us: Time,
    pub bands: Vec<Band>,
    pub elections: Vec<(Time, NodeId, Term)>,
    pub crashes: Vec<(Time, NodeId)>,
    /// Start times of the columns that hold at least one client write (so a busy hour is a few
    /// hundred ticks, not tens of thousands).
    pub writes: Vec<Time>,
    pub violations: Vec<(Time, &'static str)>,
}

/// The tape of the run so far, with client writes gathered into `columns` columns.
pub fn tape(m: &Model, columns: usize) -> TapeView {
    if let Some(trace) = m.opened.as_deref() {
        return crate::ui::trace::tape(trace, columns);
    }
    let end_us = m.horizon_us.max(m.now_us()).max(1_000_000);
    let mut elections = Vec::new();
    let mut crashes = Vec::new();
    for mark in m.world.marks().iter() {
        match mark.what {
            MarkKind::Elected { node, term } => elections.push((mark.at_us, node, term)),
            MarkKind::Crash { node } => crashes.push((mark.at_us, node)),
        }
    }
    let bands = bands(&elections, end_us);
    let columns = columns.max(1) as Time;
    let column_us = end_us.div_ceil(columns).max(1);
    let mut writes: Vec<Time> = m
        .world
        .history()
        .iter()
        .filter(|h| !matches!(h.op, Op::Get { .. }))
        .map(|h| h.invoke_us / column_us * column_us)
        .collect();
    writes.dedup();
    let violations = m.world.checker().violations().iter().map(|v| (v.time_us, v.invariant.name())).collect();
    TapeView { end_us, now_us: m.now_us(), bands, elections, crashes, writes, violations }
}

/// A band per term, from the election that started it to the next one (or `end_us`).
pub fn bands(elections: &[(Time, NodeId, Term)], end_us: Time) -> Vec<Band> {
    let mut bands = Vec::new();
    let mut start = (0, 0);
    for &(t, _, term) in elections {
        if term != start.1 {
            if t > start.0 {
                bands.push(Band { from_us: start.0, to_us: t, term: start.1 });
            }
            start = (t, term);
        }
    }
    bands.push(Band { from_us: start.0, to_us: end_us, term: start.1 });
    bands
}

/// Where the keyboard takes the tape's cursor: ← and → a hundredth of the tape (at least a
/// millisecond), Home the start, End the furthest recorded time.
pub fn key_target(key: &str, now_us: Time, end_us: Time) -> Option<Time> {
    let step = (end_us / 100).max(1_000);
    match key {
        "ArrowLeft" => Some(now_us.saturating_sub(step)),
        "ArrowRight" => Some((now_us + step).min(end_us)),
        "Home" => Some(0),
        "End" => Some(end_us),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Intervention;
    use crate::ui::core::model::first_visit;

    #[test]
    fn bands_follow_elections_and_marks_cover_the_whole_run() {
        // Seed 4 kicks n5 first; it leads, then crashes.
        let scenario = first_visit(4).at(2_000, Intervention::Crash(5));
        let mut m = Model::new(scenario).expect("valid");
        m.seek(600_000_000).unwrap();
        let t = tape(&m, 400);
        assert_eq!(t.end_us, 600_000_000);
        assert!(t.elections.len() >= 2, "the first election and the one after the crash");
        assert_eq!(t.crashes.len(), 1);
        assert_eq!(t.bands.first().map(|b| b.from_us), Some(0));
        assert_eq!(t.bands.last().map(|b| b.to_us), Some(600_000_000));
        assert!(t.bands.windows(2).all(|w| w[0].to_us == w[1].from_us && w[0].term < w[1].term));
        assert!(!t.writes.is_empty() && t.writes.len() <= 400, "writes gathered into columns: {}", t.writes.len());
        assert!(t.violations.is_empty());
        assert_eq!(key_target("ArrowLeft", 5_000, 600_000_000), Some(0));
        assert_eq!(key_target("ArrowRight", 0, 600_000_000), Some(6_000_000));
        assert_eq!(key_target("End", 0, 600_000_000), Some(600_000_000));
        assert_eq!(key_target("x", 0, 1), None);
    }
}
