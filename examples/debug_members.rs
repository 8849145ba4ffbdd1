//! Prints each server's role and configuration at the end of a `raft-sim run` command line
//! (debugging aid): `cargo run --release --example debug_members -- <raft-sim run args>`.
use raft_playground::scenario::recipe::Recipe;
use raft_playground::scenario::{RunOptions, run};
fn main() {
    let seed: u64 = std::env::args().nth(1).expect("seed").parse().expect("a number");
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
