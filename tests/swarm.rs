//! The swarm inside `cargo test`: hundreds of seeded runs with random fault schedules and a
//! liveness phase; every bug switch must be caught; the same seed must give the same trace.

#![cfg(not(target_arch = "wasm32"))]

use raft_playground::raft::Bug;
use raft_playground::scenario::recipe::{LIVENESS_BOUND_US, Recipe};
use raft_playground::scenario::{RunOptions, RunReport, run};
use raft_playground::sim::Invariant;

fn run_recipe(recipe: &Recipe) -> RunReport {
    let scenario = recipe.scenario().unwrap_or_else(|e| panic!("{}: {e}", recipe.command()));
    let opts =
        RunOptions { duration_us: recipe.duration_us(), liveness_us: Some(LIVENESS_BOUND_US), ..RunOptions::default() };
    run(&scenario, &opts).unwrap_or_else(|e| panic!("{}: {e}", recipe.command())).0
}

#[test]
fn swarm_of_300_seeds_is_safe_and_live() {
    let base = Recipe::default();
    let mut failures = Vec::new();
    for seed in 1..=300 {
        let recipe = base.for_swarm_seed(seed);
        let report = run_recipe(&recipe);
        if !report.violations.is_empty() || report.liveness_ok != Some(true) || report.linearizability == "violation" {
            failures.push(format!(
                "seed {seed}: {:?} liveness {:?}\n  reproduce: {}",
                report.violations.first(),
                report.liveness_ok,
                recipe.command()
            ));
        }
    }
    assert!(failures.is_empty(), "{} failing seeds:\n{}", failures.len(), failures.join("\n"));
}

/// Every bug switch must be caught, and by an invariant that the bug can break.
#[test]
fn checker_catches_every_bug_switch() {
    for bug in Bug::ALL {
        let expected: &[Invariant] = match bug {
            Bug::ForgetVoteOnRestart => {
                &[Invariant::ElectionSafety, Invariant::LogMatching, Invariant::LeaderCompleteness]
            }
            // Two configurations whose majorities do not overlap: two leaders may share a term,
            // or a leader may lack (and overwrite) what the other committed.
            Bug::ConfigChangeBeforeTermCommit => &[
                Invariant::ElectionSafety,
                Invariant::LogMatching,
                Invariant::LeaderCompleteness,
                Invariant::StateMachineSafety,
                Invariant::CommittedNeverLost,
                Invariant::CommittedOnMajority,
            ],
            Bug::StaleRead => &[Invariant::Linearizability],
            _ => &[
                Invariant::LeaderCompleteness,
                Invariant::StateMachineSafety,
                Invariant::CommittedNeverLost,
                Invariant::CommittedOnMajority,
                Invariant::Linearizability,
            ],
        };
        let base = Recipe { bugs: vec![bug], ..Recipe::default() };
        let caught = (1..=300).find_map(|seed| {
            let report = run_recipe(&base.for_swarm_seed(seed));
            report.violations.first().map(|v| (seed, v.invariant))
        });
        let (seed, invariant) = caught.unwrap_or_else(|| panic!("no violation in 300 seeds with bug {}", bug.name()));
        assert!(
            expected.contains(&invariant),
            "bug {} first broke {invariant:?} (seed {seed}); expected one of {expected:?}\n  reproduce: {}",
            bug.name(),
            base.for_swarm_seed(seed).command()
        );
    }
}

#[test]
fn same_seed_same_trace_hash() {
    for seed in [1, 42, 9_999] {
        let recipe = Recipe { duration_us: Some(5_000_000), ..Recipe::default() }.for_swarm_seed(seed);
        let a = run_recipe(&recipe);
        let b = run_recipe(&recipe);
        assert_eq!(a.trace_hash, b.trace_hash, "seed {seed} is not deterministic: {}", recipe.command());
        assert_eq!(a.events, b.events);
        let other = run_recipe(&Recipe { seed: seed + 1, ..recipe.clone() });
        assert_ne!(a.trace_hash, other.trace_hash, "different seeds should give different traces");
    }
}

/// Pinned hashes: if these change, old share links no longer replay the same run. Change them
/// only together with a new link format version.
#[test]
fn trace_hash_is_pinned() {
    let recipe = Recipe { seed: 7, duration_us: Some(3_000_000), ..Recipe::default() };
    let report = run_recipe(&recipe);
    assert_eq!(report.trace_hash, PINNED_HASH, "the trace of {} changed", recipe.command());
}

const PINNED_HASH: &str = "3c701e8dbb5281b4";
