//! Simulator throughput: events per second and simulated seconds per wall second on one core.
//! Prints figures; asserts nothing. Run with `cargo bench --bench sim`.

use std::time::Instant;

use raft_playground::scenario::Scenario;
use raft_playground::sim::{ClientConfig, SimConfig};

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

fn main() {
    println!(
        "raft-sim throughput, one core, best of 3 ({} build)",
        if cfg!(debug_assertions) { "debug" } else { "release" }
    );
    measure("5 servers, 3 clients", 5, 3, 600);
    measure("15 servers, 3 clients", 15, 3, 300);
    measure("5 servers, no clients", 5, 0, 600);
}
