//! Random fault schedules for `raft-sim run --faults` and the swarm. The schedule depends only
//! on the seed, the cluster size and the duration, so a failing seed replays exactly.
//!
//! Swarm testing (Groce et al., 2012): rather than one fixed mix of faults, each seed enables a
//! random subset of fault kinds with random weights and picks its own tempo. Some seeds then
//! only crash and reboot servers a few milliseconds apart, others only cut links, and the
//! narrow interleavings that a uniform mix almost never reaches (Figure 8, a vote cast twice)
//! turn up within a few hundred seeds.

use super::Timed;
use crate::prng::{Prng, Stream};
use crate::raft::{NodeId, Time};
use crate::sim::Intervention;

#[derive(Clone, Copy)]
enum Fault {
    Crash,
    Restart,
    QuickReboot,
    Isolate,
    Rejoin,
    Partition,
    Cut,
    Timeout,
    Contested,
    Heal,
}

const FAULTS: [Fault; 10] = [
    Fault::Crash,
    Fault::Restart,
    Fault::QuickReboot,
    Fault::Isolate,
    Fault::Rejoin,
    Fault::Partition,
    Fault::Cut,
    Fault::Timeout,
    Fault::Contested,
    Fault::Heal,
];

/// Membership changes over `[0, duration_us)`, from their own stream so that the other faults
/// of a seed stay the same with or without them. Each burst forces an election and changes the
/// membership a few milliseconds later, often before the new leader has committed anything of
/// its term: the single-server rule (dissertation 4.1, the 2015 fix) must hold it back.
pub fn random_membership(seed: u64, nodes: u8, duration_us: Time) -> Vec<Timed> {
    let mut rng = Prng::new(seed, Stream::Membership);
    let mut servers = nodes;
    let mut out = Vec::new();
    let mut t = rng.range(300_000, 2_000_000);
    while t < duration_us {
        let pick = |rng: &mut Prng, servers: u8| rng.range(1, u64::from(servers)) as NodeId;
        // A change, a split that may leave it on a minority, a forced election on either side,
        // a second change by whoever leads then, and the heal: the shape of the published
        // counterexample (dissertation 4.1), at random.
        let steps = [0, rng.range(1_000, 30_000), rng.range(30_000, 80_000), rng.range(80_000, 140_000)];
        for (i, dt) in steps.into_iter().enumerate() {
            let what = match (i, rng.below(6)) {
                (1, _) => Intervention::Partition((0..servers).map(|_| rng.below(2) as u8).collect()),
                (2, _) => Intervention::Timeout(pick(&mut rng, servers)),
                (_, 0 | 1) if servers < crate::raft::MAX_NODES => Intervention::AddServer,
                (_, 0..=3) => Intervention::RemoveServer(pick(&mut rng, servers)),
                (_, _) if servers < crate::raft::MAX_NODES => {
                    Intervention::Replace { remove: vec![pick(&mut rng, servers)], add: 1 }
                }
                _ => Intervention::Timeout(pick(&mut rng, servers)),
            };
            servers = what.servers_after(servers);
            out.push(Timed { at_us: t + dt, what });
        }
        out.push(Timed { at_us: t + rng.range(150_000, 400_000), what: Intervention::Heal });
        t += rng.range(500_000, 4_000_000);
    }
    out.retain(|x| x.at_us < duration_us);
    out.sort_by_key(|x| x.at_us);
    out
}

/// Faults over `[0, duration_us)`, sorted by time.
pub fn random_faults(seed: u64, nodes: u8, duration_us: Time) -> Vec<Timed> {
    let mut rng = Prng::new(seed, Stream::Faults);
    let mut weights: Vec<u64> = FAULTS.iter().map(|_| if rng.ratio(1, 2) { rng.range(1, 10) } else { 0 }).collect();
    // Whatever goes down must be able to come back, or the run teaches nothing.
    weights[Fault::Restart as usize] = weights[Fault::Restart as usize].max(weights[Fault::Crash as usize]);
    weights[Fault::Heal as usize] = weights[Fault::Heal as usize].max(1);
    let total: u64 = weights.iter().sum();
    let max_gap_us = [20_000, 60_000, 200_000, 600_000][rng.below(4) as usize];
    let mut out = Vec::new();
    let mut t = rng.range(200_000, 1_000_000);
    while t < duration_us {
        let mut pick = rng.below(total);
        let fault = FAULTS.iter().zip(&weights).find(|&(_, &w)| {
            if pick < w {
                true
            } else {
                pick -= w;
                false
            }
        });
        let fault = fault.map_or(Fault::Heal, |(f, _)| *f);
        add_fault(&mut rng, fault, nodes, t, &mut out);
        t += rng.range(max_gap_us / 20, max_gap_us);
    }
    out.retain(|x| x.at_us < duration_us);
    out.sort_by_key(|x| x.at_us);
    out
}

fn add_fault(rng: &mut Prng, fault: Fault, nodes: u8, t: Time, out: &mut Vec<Timed>) {
    let mut node = || rng.range(1, u64::from(nodes)) as NodeId;
    let n = node();
    let what = match fault {
        Fault::Crash => Intervention::Crash(n),
        Fault::Restart => Intervention::Restart(n),
        Fault::QuickReboot => {
            // Down and back within an election timeout.
            out.push(Timed { at_us: t + rng.range(1_000, 150_000), what: Intervention::Restart(n) });
            Intervention::Crash(n)
        }
        Fault::Isolate => Intervention::Isolate(n),
        Fault::Rejoin => Intervention::Rejoin(n),
        Fault::Partition => Intervention::Partition((0..nodes).map(|_| rng.below(2) as u8).collect()),
        Fault::Cut => Intervention::Cut { from: n, to: node() },
        Fault::Timeout => Intervention::Timeout(n),
        Fault::Contested => {
            // Two candidates at once and a voter that reboots while their requests travel.
            let (other, voter) = (node(), node());
            let crash_at = t + rng.range(2_000, 30_000);
            out.push(Timed { at_us: t, what: Intervention::Timeout(other) });
            out.push(Timed { at_us: crash_at, what: Intervention::Crash(voter) });
            out.push(Timed { at_us: crash_at + rng.range(100, 5_000), what: Intervention::Restart(voter) });
            Intervention::Timeout(n)
        }
        Fault::Heal => Intervention::Heal,
    };
    out.push(Timed { at_us: t, what });
}
