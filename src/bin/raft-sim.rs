//! `raft-sim`: run, fuzz and measure the simulator without a browser.
//!
//! Exit status: 0 when nothing was violated, 1 when something was (or a liveness check failed),
//! 2 on bad arguments, with one line naming the argument and what is allowed.

use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use raft_playground::raft::{Bug, MAX_NODES};
use raft_playground::scenario::presets::PRESETS;
use raft_playground::scenario::recipe::{self, LIVENESS_BOUND_US, Recipe};
use raft_playground::scenario::{RunOptions, RunReport, run};
use raft_playground::sim::trace::fmt_time;
use raft_playground::sim::{Violation, World};
use serde_json::json;

const USAGE: &str = "usage:
  raft-sim run   --link '<share link or #s=… fragment>' [--json] [--trace]
  raft-sim run   [--nodes N] [--seed S] [--duration 60s] [--loss PCT] [--dup PCT]
                 [--latency 10ms..20ms] [--faults] [--clients K] [--max-entries M]
                 [--bug NAME]... [--preset NAME]
                 [--trace] [--json]
  raft-sim swarm --seeds N [--jobs J] [same options as run] [--json]
  raft-sim bugs       list the bug switches
  raft-sim presets    list the preset scenarios";

struct Args {
    recipe: Recipe,
    link: Option<String>,
    json: bool,
    trace: bool,
    seeds: u64,
    jobs: u64,
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    match dispatch(&argv) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("raft-sim: {message}");
            ExitCode::from(2)
        }
    }
}

fn dispatch(argv: &[String]) -> Result<ExitCode, String> {
    let Some(command) = argv.first() else {
        return Err(format!("a command is needed\n{USAGE}"));
    };
    let rest = &argv[1..];
    match command.as_str() {
        "run" => cmd_run(parse(rest, false)?),
        "swarm" => cmd_swarm(parse(rest, true)?),
        "bugs" | "presets" if !rest.is_empty() => Err(format!("'{command}' takes no arguments")),
        "bugs" => {
            Bug::ALL.iter().for_each(|b| println!("{}\t{}", b.name(), b.summary()));
            Ok(ExitCode::SUCCESS)
        }
        "presets" => {
            PRESETS.iter().for_each(|p| println!("{}\t{}", p.name, p.summary));
            Ok(ExitCode::SUCCESS)
        }
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        other => Err(format!("unknown command '{other}'\n{USAGE}")),
    }
}

fn ranged(name: &str, value: &str, lo: u64, hi: u64) -> Result<u64, String> {
    let n: u64 =
        value.parse().map_err(|_| format!("{name} must be a whole number from {lo} to {hi}, got '{value}'"))?;
    if !(lo..=hi).contains(&n) {
        return Err(format!("{name} must be between {lo} and {hi}, got {n}"));
    }
    Ok(n)
}

fn parse(argv: &[String], swarm: bool) -> Result<Args, String> {
    let mut a = Args {
        recipe: Recipe { seed: 1, ..Recipe::default() },
        link: None,
        json: false,
        trace: false,
        seeds: 0,
        jobs: 1,
    };
    let mut it = argv.iter();
    while let Some(flag) = it.next() {
        let mut value = |name: &str| it.next().cloned().ok_or_else(|| format!("{name} needs a value"));
        let r = &mut a.recipe;
        match flag.as_str() {
            "--nodes" => r.nodes = Some(ranged("--nodes", &value("--nodes")?, 1, u64::from(MAX_NODES))? as u8),
            "--seed" => r.seed = ranged("--seed", &value("--seed")?, 0, u64::MAX)?,
            "--duration" => {
                let d = recipe::parse_duration(&value("--duration")?).map_err(|e| format!("--duration: {e}"))?;
                if d == 0 {
                    return Err("--duration must be longer than zero".into());
                }
                r.duration_us = Some(d);
            }
            "--loss" => r.loss_ppm = Some(recipe::parse_percent(&value("--loss")?).map_err(|e| format!("--loss {e}"))?),
            "--dup" => r.dup_ppm = Some(recipe::parse_percent(&value("--dup")?).map_err(|e| format!("--dup {e}"))?),
            "--latency" => r.latency_us = Some(parse_latency(&value("--latency")?)?),
            "--max-entries" => r.max_entries = Some(ranged("--max-entries", &value("--max-entries")?, 1, 1024)? as u32),
            "--clients" => r.clients = Some(ranged("--clients", &value("--clients")?, 0, 16)? as u8),
            "--bug" => r.bugs.push(recipe::find_bug(&value("--bug")?).map_err(|e| format!("--bug: {e}"))?),
            "--preset" => {
                r.preset = Some(recipe::find_preset(&value("--preset")?).map_err(|e| format!("--preset: {e}"))?)
            }
            "--faults" => r.faults = true,
            "--json" => a.json = true,
            "--trace" if !swarm => a.trace = true,
            "--link" if !swarm => a.link = Some(value("--link")?),
            "--seeds" if swarm => a.seeds = ranged("--seeds", &value("--seeds")?, 1, 1_000_000)?,
            "--jobs" if swarm => a.jobs = ranged("--jobs", &value("--jobs")?, 1, 64)?,
            other => {
                return Err(format!("unknown option '{other}' for {}\n{USAGE}", if swarm { "swarm" } else { "run" }));
            }
        }
    }
    if a.link.is_some()
        && argv.iter().filter(|f| f.starts_with("--")).any(|f| !matches!(f.as_str(), "--link" | "--json" | "--trace"))
    {
        return Err("--link replays the link exactly: it takes no other options than --json and --trace".into());
    }
    if swarm && a.seeds == 0 {
        return Err("swarm needs --seeds N (1 to 1000000)".into());
    }
    if swarm && a.recipe.preset.is_some() {
        return Err("--preset cannot be combined with swarm (the swarm writes its own fault schedules)".into());
    }
    Ok(a)
}

fn parse_latency(text: &str) -> Result<(u64, u64), String> {
    let (lo, hi) = text.split_once("..").ok_or_else(|| format!("--latency must look like 10ms..20ms, got '{text}'"))?;
    let lo = recipe::parse_duration(lo).map_err(|e| format!("--latency: {e}"))?;
    let hi = recipe::parse_duration(hi).map_err(|e| format!("--latency: {e}"))?;
    if lo > hi {
        return Err(format!("--latency minimum must not exceed its maximum, got '{text}'"));
    }
    if hi > 10_000_000 {
        return Err(format!("--latency must be at most 10s, got '{text}'"));
    }
    Ok((lo, hi))
}

fn run_options(recipe: &Recipe, trace_keep: usize) -> RunOptions {
    RunOptions {
        duration_us: recipe.duration_us(),
        liveness_us: recipe.faults.then_some(LIVENESS_BOUND_US),
        trace_keep,
        ..RunOptions::default()
    }
}

fn violation_json(v: &Violation) -> serde_json::Value {
    json!({ "invariant": v.invariant, "time_us": v.time_us, "nodes": v.nodes, "detail": v.detail })
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

fn cmd_run(args: Args) -> Result<ExitCode, String> {
    let keep = if args.trace { 1_000_000 } else { 0 };
    if let Some(text) = &args.link {
        let started = Instant::now();
        let (report, world) = link_run(text, keep)?;
        return finish_run(&args, report, &world, started);
    }
    let scenario = args.recipe.scenario()?;
    let started = Instant::now();
    let (report, world) = run(&scenario, &run_options(&args.recipe, keep))?;
    finish_run(&args, report, &world, started)
}

fn finish_run(args: &Args, report: RunReport, world: &World, started: Instant) -> Result<ExitCode, String> {
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
    Ok(exit_for(&report))
}

fn exit_for(report: &RunReport) -> ExitCode {
    if report.violations.is_empty() && report.liveness_ok != Some(false) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
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

struct Outcome {
    recipe: Recipe,
    report: RunReport,
}

fn cmd_swarm(args: Args) -> Result<ExitCode, String> {
    let first = args.recipe.seed;
    args.recipe.for_swarm_seed(first).scenario()?;
    let started = Instant::now();
    let next = AtomicU64::new(0);
    let results: Mutex<Vec<Outcome>> = Mutex::new(Vec::new());
    let error: Mutex<Option<String>> = Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..args.jobs {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= args.seeds {
                        break;
                    }
                    let recipe = args.recipe.for_swarm_seed(first.wrapping_add(i));
                    match recipe.scenario().and_then(|sc| run(&sc, &run_options(&recipe, 0))) {
                        Ok((report, _)) => results.lock().expect("no panics").push(Outcome { recipe, report }),
                        Err(e) => *error.lock().expect("no panics") = Some(e),
                    }
                }
            });
        }
    });
    if let Some(e) = error.into_inner().expect("no panics") {
        return Err(e);
    }
    let mut results = results.into_inner().expect("no panics");
    results.sort_by_key(|o| o.report.seed);
    let wall_ms = started.elapsed().as_secs_f64() * 1000.0;
    report_swarm(&args, &results, wall_ms);
    let failed = results.iter().any(|o| !o.report.violations.is_empty() || o.report.liveness_ok == Some(false));
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn report_swarm(args: &Args, results: &[Outcome], wall_ms: f64) {
    let sum = |f: fn(&RunReport) -> u64| results.iter().map(|o| f(&o.report)).sum::<u64>();
    let events = sum(|r| r.events);
    let eps = events as f64 / (wall_ms / 1000.0).max(1e-9);
    let failures: Vec<&Outcome> =
        results.iter().filter(|o| !o.report.violations.is_empty() || o.report.liveness_ok == Some(false)).collect();
    let liveness_failures = results.iter().filter(|o| o.report.liveness_ok == Some(false)).count();
    let violations: Vec<serde_json::Value> = results
        .iter()
        .flat_map(|o| o.report.violations.iter().map(move |v| (o.report.seed, v)))
        .map(|(seed, v)| {
            let mut j = violation_json(v);
            j["seed"] = json!(seed);
            j
        })
        .collect();
    let combined = results.iter().fold(0u64, |h, o| {
        (h.rotate_left(5) ^ u64::from_str_radix(&o.report.trace_hash, 16).unwrap_or(0))
            .wrapping_mul(0x517C_C1B7_2722_0A95)
    });
    if args.json {
        let v = json!({
            "seed": args.recipe.seed, "nodes": args.recipe.nodes.unwrap_or(0), "runs": results.len(),
            "sim_time_us": sum(|r| r.sim_time_us), "trace_hash": format!("{combined:016x}"),
            "leaders_elected": sum(|r| r.leaders_elected),
            "max_term": results.iter().map(|o| o.report.max_term).max().unwrap_or(0),
            "commit_index": results.iter().map(|o| o.report.commit_index).max().unwrap_or(0),
            "client_ops_ok": sum(|r| r.client_ops_ok), "messages_delivered": sum(|r| r.messages_delivered),
            "events": events, "wall_ms": wall_ms.round() as u64, "events_per_sec": eps.round() as u64,
            "violations": violations, "liveness_failures": liveness_failures,
            "failures": failures.iter().map(|o| json!({"seed": o.report.seed, "command": o.recipe.command()})).collect::<Vec<_>>(),
        });
        println!("{v}");
        return;
    }
    for o in &failures {
        let what = match o.report.violations.first() {
            Some(v) => format!("{} at {}: {}", v.invariant.name(), fmt_time(v.time_us), v.detail),
            None => "liveness: no leader or unanswered clients after healing".to_string(),
        };
        println!("FAIL seed {}: {what}\n  reproduce: {}", o.report.seed, o.recipe.command());
    }
    println!(
        "{} runs · {} with violations · {} liveness failures · {} events in {:.1} s ({:.0} events/s on {} jobs)",
        results.len(),
        results.iter().filter(|o| !o.report.violations.is_empty()).count(),
        liveness_failures,
        events,
        wall_ms / 1000.0,
        eps,
        args.jobs
    );
}
