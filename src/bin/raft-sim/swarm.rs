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
use serde_json::json;

use crate::args::SwarmArgs;
use crate::run::{failed, run_options, violation_json};
use crate::summary::{Failure, SwarmSummary, mix_hash};

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
    let summary = summarize(base, results, wall_ms, interrupted);
    if args.json {
        println!("{}", serde_json::to_string(&summary).expect("a summary serializes"));
    } else {
        summary.print_text(Some(args.jobs));
    }
}

fn summarize(base: &Recipe, results: &[Outcome], wall_ms: f64, interrupted: bool) -> SwarmSummary {
    let sum = |f: fn(&RunReport) -> u64| results.iter().map(|o| f(&o.report)).sum::<u64>();
    let max = |f: fn(&RunReport) -> u64| results.iter().map(|o| f(&o.report)).max().unwrap_or(0);
    let events = sum(|r| r.events);
    let violations = results
        .iter()
        .flat_map(|o| o.report.violations.iter().map(move |v| (o.report.seed, v)))
        .map(|(seed, v)| {
            let mut j = violation_json(v);
            j["seed"] = json!(seed);
            j
        })
        .collect();
    let failures = results
        .iter()
        .filter(|o| failed(&o.report))
        .map(|o| Failure { seed: o.report.seed, command: o.recipe.command() })
        .collect();
    let hash = results.iter().fold(0u64, |h, o| h.wrapping_add(mix_hash(&o.report.trace_hash)));
    SwarmSummary {
        seed: base.seed,
        nodes: base.nodes.unwrap_or(0),
        runs: results.len() as u64,
        interrupted,
        sim_time_us: sum(|r| r.sim_time_us),
        trace_hash: format!("{hash:016x}"),
        leaders_elected: sum(|r| r.leaders_elected),
        max_term: max(|r| r.max_term),
        commit_index: max(|r| r.commit_index),
        client_ops_ok: sum(|r| r.client_ops_ok),
        messages_delivered: sum(|r| r.messages_delivered),
        events,
        wall_ms: wall_ms.round() as u64,
        events_per_sec: (events as f64 / (wall_ms / 1000.0).max(1e-9)).round() as u64,
        violations,
        liveness_failures: results.iter().filter(|o| o.report.liveness_ok == Some(false)).count() as u64,
        failures,
    }
}
