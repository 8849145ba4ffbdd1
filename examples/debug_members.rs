//! Prints each server's role, log and configuration, and every client's unanswered request, at
//! the end of a swarm seed's run (a debugging aid for liveness failures):
//! `cargo run --release --example debug_members -- SEED`. The run has the options the swarm
//! draws for that seed; the first line printed is the `raft-sim run` command that repeats it.
use raft_playground::scenario::recipe::Recipe;
use raft_playground::scenario::{RunOptions, run};
fn main() {
    let seed: u64 = std::env::args().nth(1).expect("a swarm seed").parse().expect("a seed is a number");
    let r = Recipe::default().for_swarm_seed(seed);
    println!("{}", r.command());
    let sc = r.scenario().expect("valid");
    let opts = RunOptions { duration_us: r.duration_us(), liveness_us: Some(10_000_000), ..Default::default() };
    let (rep, w) = run(&sc, &opts).expect("runs");
    println!("liveness {:?} violations {:?} leader {:?}", rep.liveness_ok, rep.violations.first(), w.leader());
    for s in w.servers() {
        match &s.node {
            Some(n) => println!(
                "n{} {} t{} last {} commit {} cfg {} @{}",
                s.id,
                n.role_kind().name(),
                n.term(),
                n.log().last_index(),
                n.commit_index(),
                n.membership().0,
                n.membership().1
            ),
            None => println!("n{} down", s.id),
        }
    }
    for c in w.clients() {
        if let Some(p) = &c.pending {
            println!("client {} pending seq {} target n{} attempt {}", c.id, p.seq, p.target, p.attempt);
            let h = &w.history()[p.history];
            println!("  {:?} last stages {:?}", h.op, &h.stages[h.stages.len().saturating_sub(16)..]);
        }
    }
}
