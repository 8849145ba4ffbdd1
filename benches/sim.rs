//! Simulator throughput: events per second and simulated seconds per wall second on one core.
//! Prints figures; asserts nothing. Run with `cargo bench --bench sim`.

use std::time::Instant;

use raft_playground::scenario::Scenario;
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

fn main() {
    // `cargo bench --bench sim -- page`: only the page's seek (for a profiler).
    if std::env::args().any(|a| a == "page") {
        return page_seek();
    }
    println!(
        "raft-sim throughput, one core, best of 3 ({} build)",
        if cfg!(debug_assertions) { "debug" } else { "release" }
    );
    measure("5 servers, 3 clients", 5, 3, 600);
    measure("15 servers, 3 clients", 15, 3, 300);
    measure("5 servers, no clients", 5, 0, 600);
    page_seek();
}
