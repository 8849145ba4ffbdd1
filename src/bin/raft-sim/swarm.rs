//! `raft-sim swarm`: many seeds, each with random faults and settings (swarm testing), on
//! worker threads. A progress line goes to stderr when it is a terminal; Ctrl-C stops taking
//! new seeds and prints the summary of the runs that finished. Seeds are consecutive from
//! `--seed`, so ranges run anywhere add up to the same swarm.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use raft_playground::scenario::recipe::Recipe;
use raft_playground::scenario::{RunReport, run};
use raft_playground::sim::trace::fmt_time;
use serde_json::json;

use crate::args::SwarmArgs;
use crate::run::{failed, run_options, violation_json};

/// Set by Ctrl-C: workers finish their current run and take no new seed.
static STOP: AtomicBool = AtomicBool::new(false);

struct Outcome {
    recipe: Recipe,
    report: RunReport,
}

/// A progress line on stderr, only when a person is watching it.
fn progress_bar(seeds: u64) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(seeds);
    let style = ProgressStyle::with_template("{pos}/{len} runs · {msg} · {elapsed} elapsed, about {eta} left")
        .expect("a valid progress template");
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(200));
    Some(bar)
}

pub fn cmd_swarm(args: SwarmArgs) -> Result<ExitCode, String> {
    let base = args.scenario.recipe();
    if base.preset.is_some() {
        return Err("--preset cannot be combined with swarm (the swarm writes its own fault schedules)".into());
    }
    let first = base.seed;
    base.for_swarm_seed(first).scenario()?;
    // Without a handler (another one already installed) Ctrl-C simply ends the process.
    let _ = ctrlc::set_handler(|| STOP.store(true, Ordering::SeqCst));
    let bar = progress_bar(args.seeds);
    let started = Instant::now();
    let next = AtomicU64::new(0);
    let (events, failures) = (AtomicU64::new(0), AtomicU64::new(0));
    let results: Mutex<Vec<Outcome>> = Mutex::new(Vec::new());
    let error: Mutex<Option<String>> = Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..args.jobs {
            s.spawn(|| {
                while !STOP.load(Ordering::SeqCst) {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= args.seeds {
                        break;
                    }
                    let recipe = base.for_swarm_seed(first.wrapping_add(i));
                    match recipe.scenario().and_then(|sc| run(&sc, &run_options(&recipe, 0))) {
                        Ok((report, _)) => {
                            events.fetch_add(report.events, Ordering::Relaxed);
                            failures.fetch_add(u64::from(failed(&report)), Ordering::Relaxed);
                            results.lock().expect("no panics").push(Outcome { recipe, report });
                        }
                        Err(e) => *error.lock().expect("no panics") = Some(e),
                    }
                    if let Some(bar) = &bar {
                        let eps = events.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64().max(1e-3);
                        bar.set_message(format!(
                            "{} failing · {:.1} M events/s",
                            failures.load(Ordering::Relaxed),
                            eps / 1e6
                        ));
                        bar.inc(1);
                    }
                }
            });
        }
    });
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    if let Some(e) = error.into_inner().expect("no panics") {
        return Err(e);
    }
    let mut results = results.into_inner().expect("no panics");
    results.sort_by_key(|o| o.report.seed);
    let wall_ms = started.elapsed().as_secs_f64() * 1000.0;
    let interrupted = STOP.load(Ordering::SeqCst);
    report_swarm(&args, &base, &results, wall_ms, interrupted);
    Ok(match (results.iter().any(|o| failed(&o.report)), interrupted) {
        (true, _) => ExitCode::from(1),
        (false, true) => ExitCode::from(130),
        (false, false) => ExitCode::SUCCESS,
    })
}

fn report_swarm(args: &SwarmArgs, base: &Recipe, results: &[Outcome], wall_ms: f64, interrupted: bool) {
    let sum = |f: fn(&RunReport) -> u64| results.iter().map(|o| f(&o.report)).sum::<u64>();
    let events = sum(|r| r.events);
    let eps = events as f64 / (wall_ms / 1000.0).max(1e-9);
    let failures: Vec<&Outcome> = results.iter().filter(|o| failed(&o.report)).collect();
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
            "seed": base.seed, "nodes": base.nodes.unwrap_or(0), "runs": results.len(), "interrupted": interrupted,
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
    if interrupted {
        println!("interrupted: the summary covers the runs that finished");
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
