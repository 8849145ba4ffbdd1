//! Comparing two runs that differ in one switch: the same seed, the same interventions, one
//! mechanism on in one run and off in the other (PreVote, CheckQuorum, ReadIndex, randomized
//! election timeouts, or a bug). Each lesson about a mechanism is, at bottom, such a pair: the
//! dissertation's disruptive server (9.6) with PreVote and without, Figure 8 with the paper's
//! commit rule and without (5.4.2). Because the simulation is deterministic, the two runs are
//! identical until the switch first matters, and that moment is the lesson.

use crate::raft::{Bug, ReadMode};
use crate::scenario::Scenario;
use crate::sim::Intervention;

/// The one thing two compared runs differ in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Switch {
    PreVote,
    CheckQuorum,
    /// Reads by ReadIndex instead of through the log.
    ReadIndex,
    /// The scenario's "align every election timer" interventions (the split vote) kept or
    /// dropped: aligned timers against randomized ones.
    AlignedTimers,
    Bug(Bug),
}

impl Switch {
    /// The name the console and the tests use.
    pub fn name(self) -> &'static str {
        match self {
            Switch::PreVote => "prevote",
            Switch::CheckQuorum => "check-quorum",
            Switch::ReadIndex => "read-index",
            Switch::AlignedTimers => "aligned-timers",
            Switch::Bug(b) => b.name(),
        }
    }

    pub fn from_name(name: &str) -> Option<Switch> {
        let named = [Switch::PreVote, Switch::CheckQuorum, Switch::ReadIndex, Switch::AlignedTimers];
        named.into_iter().find(|s| s.name() == name).or_else(|| Bug::from_name(name).map(Switch::Bug))
    }

    /// How a person names it ("PreVote", "the bug commit-previous-term").
    pub fn label(self) -> String {
        match self {
            Switch::PreVote => "PreVote".into(),
            Switch::CheckQuorum => "CheckQuorum".into(),
            Switch::ReadIndex => "ReadIndex reads".into(),
            Switch::AlignedTimers => "aligned timers".into(),
            Switch::Bug(b) => format!("the bug {}", b.name()),
        }
    }

    /// Whether the scenario has the switch on.
    pub fn is_on(self, s: &Scenario) -> bool {
        let raft = &s.config.raft;
        match self {
            Switch::PreVote => raft.pre_vote,
            Switch::CheckQuorum => raft.check_quorum,
            Switch::ReadIndex => raft.read_mode == ReadMode::ReadIndex,
            Switch::AlignedTimers => s.interventions.iter().any(|t| t.what == Intervention::AlignTimers),
            Switch::Bug(b) => raft.bugs.has(b),
        }
    }

    /// The same scenario with the switch the other way. Aligned timers cannot be added where
    /// the scenario has none (there is no moment to align them at): that side is unchanged.
    pub fn flipped(self, s: &Scenario) -> Scenario {
        let mut out = s.clone();
        let raft = &mut out.config.raft;
        match self {
            Switch::PreVote => raft.pre_vote = !raft.pre_vote,
            Switch::CheckQuorum => raft.check_quorum = !raft.check_quorum,
            Switch::ReadIndex => {
                raft.read_mode = if raft.read_mode == ReadMode::ReadIndex { ReadMode::Log } else { ReadMode::ReadIndex }
            }
            Switch::AlignedTimers => out.interventions.retain(|t| t.what != Intervention::AlignTimers),
            Switch::Bug(b) => raft.bugs.set(b, !raft.bugs.has(b)),
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::presets;

    #[test]
    fn a_switch_flips_one_thing_and_names_round_trip() {
        for name in ["prevote", "check-quorum", "read-index", "aligned-timers", "commit-previous-term", "stale-read"] {
            let s = Switch::from_name(name).unwrap_or_else(|| panic!("{name}"));
            assert_eq!(s.name(), name);
        }
        assert_eq!(Switch::from_name("warp-drive"), None);
        let disruptive = (presets::find("disruptive-server").expect("preset").build)(1);
        let other = Switch::PreVote.flipped(&disruptive);
        assert_ne!(Switch::PreVote.is_on(&disruptive), Switch::PreVote.is_on(&other));
        assert_eq!(other.interventions, disruptive.interventions, "the same interventions");
        assert_eq!(Switch::PreVote.flipped(&other), disruptive, "flipping twice is the identity");
        let split = (presets::find("split-vote").expect("preset").build)(1);
        let randomized = Switch::AlignedTimers.flipped(&split);
        assert!(Switch::AlignedTimers.is_on(&split) && !Switch::AlignedTimers.is_on(&randomized));
    }
}
