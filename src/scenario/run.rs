//! Running a scenario to the end and summarising it: the engine behind `raft-sim run`, the
//! swarm, and the scenario tests.

use serde::Serialize;

use super::Scenario;
use crate::raft::Time;
use crate::sim::linearize::{self, Verdict};
use crate::sim::tracefile::export::{EXPORT_TRACE_KEEP, Exporter};
use crate::sim::{Intervention, NetConfig, Violation, World};

#[derive(Clone, Debug)]
pub struct RunOptions {
    /// The safety phase: the scenario's interventions and random faults happen in here.
    pub duration_us: Time,
    /// Then heal everything and require a leader and every client answered within this bound.
    pub liveness_us: Option<Time>,
    pub linearizability_budget: u64,
    /// Recent trace events to keep in full (for `--trace`); the hash always covers all.
    pub trace_keep: usize,
}

impl Default for RunOptions {
    fn default() -> RunOptions {
        RunOptions {
            duration_us: 10_000_000,
            liveness_us: None,
            linearizability_budget: linearize::DEFAULT_BUDGET,
            trace_keep: 0,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct RunReport {
    pub seed: u64,
    pub nodes: u8,
    pub sim_time_us: Time,
    pub trace_hash: String,
    pub leaders_elected: u64,
    pub max_term: u64,
    pub commit_index: u64,
    pub client_ops: u64,
    pub client_ops_ok: u64,
    pub messages_delivered: u64,
    pub events: u64,
    /// Membership changes the leaders started (learners, promotions, removals, joint steps).
    pub config_changes: u64,
    pub snapshots_taken: u64,
    pub snapshots_installed: u64,
    /// The most entries any server held in its log at once.
    pub max_log_entries: u64,
    /// "linearizable", "violation" or "unknown" (search budget spent).
    pub linearizability: &'static str,
    /// `None` when no liveness phase ran.
    pub liveness_ok: Option<bool>,
    pub violations: Vec<Violation>,
}

/// Runs `scenario` for `opts.duration_us`, then the optional liveness phase.
pub fn run(scenario: &Scenario, opts: &RunOptions) -> Result<(RunReport, World), String> {
    run_observed(scenario, opts, None)
}

/// Runs `scenario` as `run` does and writes its trace in our open format to `out`
/// (`sim::tracefile::export`): `raft-sim run --trace-out` and the page's "Download trace".
pub fn run_exported(
    scenario: &Scenario,
    opts: &RunOptions,
    out: &mut dyn std::io::Write,
) -> Result<(RunReport, World), String> {
    let opts = RunOptions { trace_keep: opts.trace_keep.max(EXPORT_TRACE_KEEP), ..opts.clone() };
    let servers = scenario.max_servers();
    let mut exporter: Option<Exporter> = None;
    let mut follow = |world: &mut World| -> Result<(), String> {
        let failed = |e: std::io::Error| format!("cannot write the trace: {e}");
        match exporter.as_mut() {
            None => exporter = Some(Exporter::start(world, servers, out).map_err(failed)?),
            Some(x) => x.catch_up(world, out).map_err(failed)?,
        }
        Ok(())
    };
    run_observed(scenario, &opts, Some(&mut follow))
}

/// Called with the fresh world, then after every event: how the trace exporter
/// (`sim::tracefile::export`) follows a run.
pub type Observer<'a> = &'a mut dyn FnMut(&mut World) -> Result<(), String>;

/// `run`, showing the world to `observe` after every event.
pub fn run_observed(
    scenario: &Scenario,
    opts: &RunOptions,
    mut observe: Option<Observer>,
) -> Result<(RunReport, World), String> {
    let mut world = scenario.build(opts.trace_keep)?;
    if let Some(o) = observe.as_mut() {
        o(&mut world)?;
    }
    advance(&mut world, opts.duration_us, &mut observe)?;
    let liveness_ok = match opts.liveness_us {
        Some(bound) => Some(liveness_phase(&mut world, bound, &mut observe)?),
        None => None,
    };
    let verdict = linearize::check(world.history(), opts.linearizability_budget);
    let mut violations = world.checker().violations().to_vec();
    violations.extend(linearize::violation(world.history(), &verdict, world.now_us()));
    let stats = world.stats();
    let report = RunReport {
        seed: scenario.config.seed,
        nodes: scenario.config.nodes,
        sim_time_us: world.now_us(),
        trace_hash: world.trace().hash_hex(),
        leaders_elected: stats.leaders_elected,
        max_term: world.max_term(),
        commit_index: world.max_commit_index(),
        client_ops: world.history().len() as u64,
        client_ops_ok: stats.client_ops_ok,
        messages_delivered: stats.messages_delivered,
        events: stats.events,
        config_changes: stats.config_changes,
        snapshots_taken: stats.snapshots_taken,
        snapshots_installed: stats.snapshots_installed,
        max_log_entries: stats.max_log_entries,
        linearizability: match verdict {
            Verdict::Linearizable => "linearizable",
            Verdict::Violation { .. } => "violation",
            Verdict::Unknown => "unknown",
        },
        liveness_ok,
        violations,
    };
    Ok((report, world))
}

/// TigerBeetle's two-phase run: after the faults, heal the network, restart every server and
/// stop new client requests; a leader must emerge and every outstanding request must complete.
/// Servers whose removal has committed are shut down instead, as an operator would (see
/// `World::retired`).
fn liveness_phase(world: &mut World, bound_us: Time, observe: &mut Option<Observer>) -> Result<bool, String> {
    let start = world.now_us();
    let net = NetConfig { loss_ppm: 0, dup_ppm: 0, ..world.config().net };
    world.schedule(start, Intervention::Heal)?;
    world.schedule(start, Intervention::SetNetwork(net))?;
    world.schedule(start, Intervention::StopClients)?;
    let retired = world.retired();
    for id in 1..=world.servers().len() as u8 {
        let fate = if retired.contains(&id) { Intervention::Crash(id) } else { Intervention::Restart(id) };
        world.schedule(start, fate)?;
    }
    let step_us = 50_000;
    let mut t = start;
    while t < start + bound_us {
        t += step_us;
        advance(world, t, observe)?;
        if world.leader().is_some() && world.clients_idle() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// `World::run_until`, one event at a time when someone observes.
fn advance(world: &mut World, t_us: Time, observe: &mut Option<Observer>) -> Result<(), String> {
    if let Some(o) = observe.as_mut() {
        while world.next_event_us().is_some_and(|at| at <= t_us) {
            world.step_event();
            o(world)?;
        }
    }
    world.run_until(t_us)
}
