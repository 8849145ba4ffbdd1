//! `raft-sim run`: one scenario, or a share link replayed to its time.

use std::process::ExitCode;
use std::time::Instant;

use raft_playground::scenario::recipe::{LIVENESS_BOUND_US, Recipe};
use std::io::Write as _;

use raft_playground::scenario::{RunOptions, RunReport, run, run_exported};
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

/// Replays a share link to its simulated time, as the page does when it opens the link.
fn link_run(text: &str, trace_keep: usize) -> Result<(RunReport, World), String> {
    let link = raft_playground::scenario::link::decode(text).map_err(|e| format!("--link: {e}"))?;
    let opts = RunOptions { duration_us: link.time_us, liveness_us: None, trace_keep, ..RunOptions::default() };
    let (report, world) = run(&link.scenario, &opts)?;
    match world.rejected().first() {
        Some(why) => Err(format!("--link: this link describes an impossible scenario: {why}")),
        None => Ok((report, world)),
    }
}

pub fn cmd_run(args: RunArgs) -> Result<ExitCode, String> {
    let keep = if args.trace { 1_000_000 } else { 0 };
    let started = Instant::now();
    let (report, world) = match (&args.link, &args.trace_out) {
        (Some(_), Some(_)) => return Err("--trace-out: not with --link yet; give the scenario's options".to_string()),
        (Some(text), None) => link_run(text, keep)?,
        (None, Some(path)) => {
            let recipe = args.scenario.recipe();
            let scenario = recipe.scenario()?;
            let file = std::fs::File::create(path).map_err(|e| format!("--trace-out: {}: {e}", path.display()))?;
            let mut out = std::io::BufWriter::new(file);
            let ran = run_exported(&scenario, &run_options(&recipe, keep), &mut out)?;
            out.flush().map_err(|e| format!("--trace-out: {}: {e}", path.display()))?;
            ran
        }
        (None, None) => {
            let recipe = args.scenario.recipe();
            let scenario = recipe.scenario()?;
            run(&scenario, &run_options(&recipe, keep))?
        }
    };
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
