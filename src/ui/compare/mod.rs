//! Two runs side by side (`scenario::compare`): the page's own model and a second one with the
//! switch flipped, kept in lockstep. The second follows the first after every action: the
//! same scenario but for the switch (rebuilt when the person changes it, so interventions made
//! on the page reach both runs), the same simulated time, playing or paused alike. The two runs
//! are identical until the switch first matters; `divergence` finds that moment for the tape.

#[cfg(target_arch = "wasm32")]
pub mod component;

use crate::raft::Time;
use crate::scenario::compare::Switch;
use crate::ui::core::model::Model;

/// The second run of a comparison, at the first run's moment.
pub fn open(a: &Model, switch: Switch) -> Result<Model, String> {
    let mut b = Model::new(switch.flipped(&a.scenario))?;
    b.seek(a.now_us())?;
    b.paused = a.paused;
    Ok(b)
}

/// Brings the second run to the first: the same scenario but for the switch, the same moment.
pub fn follow(a: &Model, b: &mut Model, switch: Switch) -> Result<(), String> {
    let want = switch.flipped(&a.scenario);
    if b.scenario != want {
        // The person acted on the page (or a story moved on): the second run takes it too.
        b.reset(want)?;
    }
    if b.now_us() != a.now_us() {
        b.seek(a.now_us())?;
    }
    b.paused = a.paused;
    // Its monitor checks the clients' history as the page's own run does.
    let _ = b.first_violation();
    Ok(())
}

/// The first moment the two runs differ, read off their traces (each keeps its newest
/// `TRACE_KEEP` events: a comparison longer than that finds the first difference among them).
pub fn divergence(a: &Model, b: &Model) -> Option<Time> {
    let (ta, tb) = (a.world.trace().recent(), b.world.trace().recent());
    let mut ea = ta.iter();
    let mut eb = tb.iter();
    loop {
        match (ea.next(), eb.next()) {
            (Some(x), Some(y)) if x == y => continue,
            (Some(x), Some(y)) => return Some(x.0.min(y.0)),
            (Some((t, _)), None) | (None, Some((t, _))) => return Some(*t),
            (None, None) => return None,
        }
    }
}

/// The two sides' names: what the switch is in each run ("without PreVote", "with PreVote").
pub fn side_labels(a: &Model, switch: Switch) -> [String; 2] {
    let word = |on: bool| if on { "with" } else { "without" };
    let on = switch.is_on(&a.scenario);
    [format!("{} {}", word(on), switch.label()), format!("{} {}", word(!on), switch.label())]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::presets;
    use crate::sim::trace::TraceEvent;

    /// How many leaders the run elected after `since_us`.
    fn elections_after(m: &Model, since_us: Time) -> usize {
        let trace = m.world.trace().recent();
        let leader = |e: &TraceEvent| matches!(e, TraceEvent::Role { role: crate::raft::RoleKind::Leader, .. });
        trace.iter().filter(|(t, e)| *t > since_us && leader(e)).count()
    }

    fn pair(preset: &str, switch: Switch) -> (Model, Model) {
        let a = Model::new((presets::find(preset).expect("preset").build)(1)).expect("valid");
        let b = open(&a, switch).expect("the other side opens");
        (a, b)
    }

    /// The dissertation's disruptive server (9.6): without PreVote the rejoining server deposes
    /// the leader; with it, nobody is elected again. The runs are the same until n5 first
    /// campaigns alone.
    #[test]
    fn prevote_keeps_the_leader_where_the_run_without_it_loses_it() {
        let (mut a, mut b) = pair("disruptive-server", Switch::PreVote);
        assert_eq!(side_labels(&a, Switch::PreVote), ["without PreVote".to_string(), "with PreVote".to_string()]);
        for t in [500_000, 1_000_000, 2_000_000, 4_000_000] {
            a.seek(t).unwrap();
            follow(&a, &mut b, Switch::PreVote).unwrap();
            assert_eq!(b.now_us(), t, "lockstep");
        }
        assert!(elections_after(&a, 1_000_000) >= 1, "without PreVote n1 is deposed and a leader elected again");
        assert_eq!(elections_after(&b, 1_000_000), 0, "with PreVote the leader stays");
        // They part at the first election, 10 ms in: with PreVote, n1 asks for pre-votes first.
        assert_eq!(divergence(&a, &b), Some(10_000));
        assert!(a.first_violation().is_none() && b.first_violation().is_none(), "both safe");
    }

    #[test]
    fn figure_8_with_the_bug_violates_and_without_it_does_not() {
        let (mut a, mut b) = pair("figure8", Switch::Bug(crate::raft::Bug::CommitPreviousTerm));
        a.seek(1_500_000).unwrap();
        follow(&a, &mut b, Switch::Bug(crate::raft::Bug::CommitPreviousTerm)).unwrap();
        assert!(a.first_violation().is_none(), "the paper's rule holds");
        assert!(b.first_violation().is_some(), "the bug loses a committed entry");
        // An intervention on the page reaches the second run.
        let mut other = b.scenario.interventions.len();
        a.intervene(crate::sim::Intervention::Heal).unwrap();
        follow(&a, &mut b, Switch::Bug(crate::raft::Bug::CommitPreviousTerm)).unwrap();
        other += 1;
        assert_eq!(b.scenario.interventions.len(), other);
        assert_eq!(b.now_us(), a.now_us());
    }
}
