//! `raft-sim run`: one scenario, or a share link replayed to its time.

use std::process::ExitCode;
use std::time::Instant;

use raft_playground::scenario::recipe::{LIVENESS_BOUND_US, Recipe};
use std::io::Write as _;

use raft_playground::scenario::{RunOptions, RunReport, Scenario, run, run_exported};
use raft_playground::sim::trace::fmt_time;
use raft_playground::sim::{Violation, World};
use serde_json::json;

use crate::args::RunArgs;

pub fn run_options(recipe: &Recipe, trace_keep: usize) -> RunOptions {
    RunOptions {
        duration_us: recipe.duration_us(),
        liveness_us: recipe.faults.then_some(LIVENESS_BOUND_US),
        trace_keep,
        ..RunOptions::default()
    }
}

pub fn violation_json(v: &Violation) -> serde_json::Value {
    json!({ "invariant": v.invariant, "time_us": v.time_us, "nodes": v.nodes, "detail": v.detail })
}

pub fn failed(report: &RunReport) -> bool {
    !report.violations.is_empty() || report.liveness_ok == Some(false)
}

/// What a run is: a share link replayed to its simulated time (as the page opens it), or the
/// scenario the options describe.
fn what_to_run(args: &RunArgs, trace_keep: usize) -> Result<(Scenario, RunOptions), String> {
    match &args.link {
        Some(text) => {
            let link = raft_playground::scenario::link::decode(text).map_err(|e| format!("--link: {e}"))?;
            let opts = RunOptions { duration_us: link.time_us, liveness_us: None, trace_keep, ..RunOptions::default() };
            Ok((link.scenario, opts))
        }
        None => {
            let recipe = args.scenario.recipe();
            Ok((recipe.scenario()?, run_options(&recipe, trace_keep)))
        }
    }
}

/// Runs it, writing its trace to `--trace-out` when asked.
fn run_maybe_exported(args: &RunArgs, scenario: &Scenario, opts: &RunOptions) -> Result<(RunReport, World), String> {
    let Some(path) = &args.trace_out else { return run(scenario, opts) };
    let failed = |e: std::io::Error| format!("--trace-out: {}: {e}", path.display());
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).map_err(failed)?);
    let ran = run_exported(scenario, opts, &mut out)?;
    out.flush().map_err(failed)?;
    Ok(ran)
}

pub fn cmd_run(args: RunArgs) -> Result<ExitCode, String> {
    let keep = if args.trace { 1_000_000 } else { 0 };
    let started = Instant::now();
    let (scenario, opts) = what_to_run(&args, keep)?;
    let (report, world) = run_maybe_exported(&args, &scenario, &opts)?;
    if args.link.is_some()
        && let Some(why) = world.rejected().first()
    {
        return Err(format!("--link: this link describes an impossible scenario: {why}"));
    }
    let wall_ms = started.elapsed().as_secs_f64() * 1000.0;
    if args.trace {
        for (t, event) in world.trace().recent() {
            println!("{:>14}  {}", fmt_time(*t), event.render());
        }
    }
    let eps = report.events as f64 / (wall_ms / 1000.0).max(1e-9);
    if args.json {
        let mut v = serde_json::to_value(&report).expect("reports serialize");
        v["wall_ms"] = json!(wall_ms.round() as u64);
        v["events_per_sec"] = json!(eps.round() as u64);
        v["violations"] = report.violations.iter().map(violation_json).collect();
        println!("{v}");
    } else {
        print_report(&report, wall_ms, eps);
    }
    Ok(if failed(&report) { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn print_report(r: &RunReport, wall_ms: f64, eps: f64) {
    println!(
        "seed {} · {} servers · {} simulated · trace {}\nleaders elected {} · max term {} · commit index {} · client ops {}/{} · messages {} · events {} ({:.0} ms wall, {:.0} events/s)",
        r.seed,
        r.nodes,
        fmt_time(r.sim_time_us),
        r.trace_hash,
        r.leaders_elected,
        r.max_term,
        r.commit_index,
        r.client_ops_ok,
        r.client_ops,
        r.messages_delivered,
        r.events,
        wall_ms,
        eps
    );
    println!("linearizability: {}", r.linearizability);
    if let Some(ok) = r.liveness_ok {
        println!("liveness: {}", if ok { "leader elected and every request answered after healing" } else { "FAILED" });
    }
    if r.violations.is_empty() {
        println!("no violations");
    }
    for v in &r.violations {
        println!("VIOLATION {} at {} on {:?}: {}", v.invariant.name(), fmt_time(v.time_us), v.nodes, v.detail);
    }
}
