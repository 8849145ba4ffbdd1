//! Simulator throughput: events per second and simulated seconds per wall second on one core.
//! Prints figures; asserts nothing. Run with `cargo bench --bench sim`.

use std::time::Instant;

use raft_playground::scenario::{RunOptions, Scenario, run_exported};
use raft_playground::sim::tracefile::{TraceChecker, TraceReader};
use raft_playground::sim::{ClientConfig, SimConfig};
use raft_playground::ui::core::model;

fn measure(label: &str, nodes: u8, clients: u8, sim_seconds: u64) {
    let mut best: Option<(f64, u64)> = None;
    for round in 0..3 {
        let clients = ClientConfig { count: clients, ..ClientConfig::default() };
        let config = SimConfig { nodes, seed: 42 + round, clients, ..SimConfig::default() };
        let mut world = Scenario::new(config).build(0).expect("valid");
        let started = Instant::now();
        world.run_until(sim_seconds * 1_000_000).expect("in range");
        let wall = started.elapsed().as_secs_f64();
        let events = world.stats().events;
        if best.is_none_or(|(w, e)| events as f64 / wall > e as f64 / w) {
            best = Some((wall, events));
        }
    }
    let (wall, events) = best.expect("three rounds");
    println!(
        "{label:<28} {events:>9} events in {:>7.1} ms: {:>10.0} events/s, {:>8.0} simulated s per wall s",
        wall * 1000.0,
        events as f64 / wall,
        sim_seconds as f64 / wall
    );
}

/// What the page does when a person drags the timeline of a fresh run to ten simulated minutes:
/// the model's seek, checkpoints and the full trace kept (`ui::model`), 5 servers, 3 clients.
fn page_seek() {
    let mut best = f64::MAX;
    for round in 0..5 {
        let mut m = model::Model::new(model::three_clients(42 + round)).expect("valid");
        let started = Instant::now();
        m.seek(600_000_000).expect("in range");
        best = best.min(started.elapsed().as_secs_f64());
    }
    println!(
        "{:<28} seek 0 → 10 simulated minutes in {:>7.1} ms (best of 5)",
        "page model, 5 srv, 3 cl",
        best * 1000.0
    );
}

/// `raft-sim check`'s speed on our format: a run exported to memory (about a million lines),
/// then read and checked from the bytes, as the command line streams a file.
fn trace_check() {
    let clients = ClientConfig { count: 3, ..ClientConfig::default() };
    let scenario = Scenario::new(SimConfig { nodes: 5, seed: 7, clients, ..SimConfig::default() });
    let opts = RunOptions { duration_us: 1_500_000_000, ..RunOptions::default() };
    let mut bytes = Vec::new();
    run_exported(&scenario, &opts, &mut bytes).expect("the run exports");
    let mut best = f64::MAX;
    let mut events = 0;
    for _ in 0..3 {
        let started = Instant::now();
        let mut reader = TraceReader::new(bytes.as_slice());
        let mut checker = TraceChecker::new(0);
        while let Some(record) = reader.next_record().expect("our own export reads") {
            checker.observe(&record);
        }
        let report = checker.finish();
        assert!(!report.violated(), "a correct run checks clean");
        events = report.events;
        best = best.min(started.elapsed().as_secs_f64());
    }
    println!(
        "{:<28} {events:>9} events ({:.0} MB) in {:>7.1} ms: {:>10.0} events/s (best of 3)",
        "trace check, our format",
        bytes.len() as f64 / 1e6,
        best * 1000.0,
        events as f64 / best
    );
}

fn main() {
    // `cargo bench --bench sim -- check`: only the trace check.
    if std::env::args().any(|a| a == "check") {
        return trace_check();
    }
    // `cargo bench --bench sim -- page`: only the page's seek (for a profiler).
    if std::env::args().any(|a| a == "page") {
        return page_seek();
    }
    println!(
        "raft-sim throughput, one core, best of 3 ({} build)",
        if cfg!(debug_assertions) { "debug" } else { "release" }
    );
    measure("5 servers, 3 clients", 5, 3, 600);
    // `cargo bench --bench sim -- 5x3`: only the first figure (for a profiler).
    if std::env::args().any(|a| a == "5x3") {
        return;
    }
    measure("15 servers, 3 clients", 15, 3, 300);
    measure("5 servers, no clients", 5, 0, 600);
    page_seek();
    trace_check();
}
