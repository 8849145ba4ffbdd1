//! Random fault schedules for `raft-sim run --faults` and the swarm. The schedule depends only
//! on the seed, the cluster size and the duration, so a failing seed replays exactly.
//!
//! Swarm testing (Groce et al., 2012): rather than one fixed mix of faults, each seed enables a
//! random subset of fault kinds with random weights and picks its own tempo. Some seeds then
//! only crash and reboot servers a few milliseconds apart, others only cut links, and the
//! narrow interleavings that a uniform mix almost never reaches (Figure 8, a vote cast twice)
//! turn up within a few hundred seeds.

use std::ops::Range;

use super::Timed;
use crate::prng::{Prng, Stream};
use crate::raft::{MAX_NODES, NodeId, Op, Time};
use crate::sim::{Intervention, SimConfig};

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
    Figure8,
}

const FAULTS: [Fault; 11] = [
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
    Fault::Figure8,
];

/// Membership changes over `[0, duration_us)`, from their own stream so that the other faults
/// of a seed stay the same with or without them. Two shapes of burst, both built around a new
/// leader changing the membership at once:
/// - a change, a split that may leave it on a minority, a forced election on either side, a
///   second change by whoever leads then, and the heal;
/// - rival changes (the 2015 counterexample to the single-server algorithm, dissertation 4.1,
///   with its roles drawn at random): leader `a` removes a server and is cut off with the change
///   on its log alone; `b` wins the next term and at once removes `a`; some of `b`'s voters hear
///   nothing more from it; `a` comes back and campaigns. With an even number of voters the two
///   configurations' majorities need not overlap, and only the rule that a leader commits an
///   entry of its term before changing anything (it gives `b`'s voters an entry `a` lacks)
///   keeps `a` from winning and overwriting what `b` committed.
///
/// Returns the schedule and the spans the rival bursts take: other faults are left out of
/// those so that their timing plays out as drawn.
pub fn random_membership(seed: u64, config: &SimConfig, duration_us: Time) -> (Vec<Timed>, Vec<Range<Time>>) {
    let mut rng = Prng::new(seed, Stream::Membership);
    let mut plan = MembershipPlan {
        timing: Timing::of(config),
        created: config.nodes,
        voters: (1..=config.nodes).collect(),
        out: Vec::new(),
    };
    let mut spans = Vec::new();
    let mut t = rng.range(300_000, 2_000_000);
    while t < duration_us {
        let end = if plan.voters.len() >= 3 && rng.ratio(2, 3) {
            let end = plan.rival_changes(&mut rng, t);
            spans.push(t..end + 1);
            end
        } else {
            plan.split_change(&mut rng, t)
        };
        t = end + rng.range(500_000, 4_000_000);
    }
    let mut out = plan.out;
    out.retain(|x| x.at_us < duration_us);
    out.sort_by_key(|x| x.at_us);
    (out, spans)
}

/// The times a burst is built from, so that its steps fall between the messages they aim at.
struct Timing {
    latency_min_us: Time,
    latency_max_us: Time,
    election_min_us: Time,
    pre_vote: bool,
    check_quorum: bool,
    sticky: bool,
}

impl Timing {
    fn of(config: &SimConfig) -> Timing {
        Timing {
            latency_min_us: config.net.latency_min_us.max(1),
            latency_max_us: config.net.latency_max_us.max(1),
            election_min_us: config.raft.election_timeout_min_us,
            pre_vote: config.raft.pre_vote,
            check_quorum: config.raft.check_quorum,
            sticky: config.raft.sticky_after_change,
        }
    }

    /// How long after a leader goes quiet its followers grant votes: at once, or under leader
    /// stickiness (4.2.3: with CheckQuorum, or once the membership has changed) or PreVote once
    /// the minimum election timeout has passed.
    fn campaign_after_us(&self, lat: Time) -> Time {
        if self.check_quorum || self.pre_vote || self.sticky { self.election_min_us + lat } else { lat }
    }

    /// The extra round trip a PreVote phase adds before vote requests go out (9.6).
    fn pre_vote_rtt_us(&self) -> Time {
        if self.pre_vote { self.latency_min_us + self.latency_max_us } else { 0 }
    }
}

/// What the schedule believes the membership to be; a change may still fail (no leader), so
/// this is a guess that only steers which servers play which part.
struct MembershipPlan {
    timing: Timing,
    created: u8,
    voters: Vec<NodeId>,
    out: Vec<Timed>,
}

impl MembershipPlan {
    fn push(&mut self, at_us: Time, what: Intervention) {
        match &what {
            Intervention::AddServer => {
                self.created += 1;
                self.voters.push(self.created);
            }
            Intervention::RemoveServer(n) => self.voters.retain(|v| v != n),
            Intervention::Replace { remove, add } => {
                self.voters.retain(|v| !remove.contains(v));
                for _ in 0..*add {
                    self.created += 1;
                    self.voters.push(self.created);
                }
            }
            _ => {}
        }
        self.out.push(Timed { at_us, what });
    }

    fn any_server(&self, rng: &mut Prng) -> NodeId {
        rng.range(1, u64::from(self.created)) as NodeId
    }

    /// A change, a split, an election, another change, the heal; returns when it ends.
    fn split_change(&mut self, rng: &mut Prng, t: Time) -> Time {
        let steps = [0, rng.range(1_000, 30_000), rng.range(30_000, 80_000), rng.range(80_000, 140_000)];
        for (i, dt) in steps.into_iter().enumerate() {
            let what = match (i, rng.below(6)) {
                (1, _) => Intervention::Partition((0..self.created).map(|_| rng.below(2) as u8).collect()),
                (2, _) => Intervention::Timeout(self.any_server(rng)),
                (_, 0 | 1) if self.created < MAX_NODES => Intervention::AddServer,
                (_, 0..=3) => Intervention::RemoveServer(self.any_server(rng)),
                (_, _) if self.created < MAX_NODES => {
                    Intervention::Replace { remove: vec![self.any_server(rng)], add: 1 }
                }
                _ => Intervention::Timeout(self.any_server(rng)),
            };
            self.push(t + dt, what);
        }
        let end = t + rng.range(150_000, 400_000);
        self.push(end, Intervention::Heal);
        end
    }

    /// The rival changes of the 2015 counterexample, roles drawn from the voters (at least
    /// three; a server joins first to make their number even); returns when the burst ends.
    fn rival_changes(&mut self, rng: &mut Prng, mut t0: Time) -> Time {
        let Timing { latency_min_us: lat_min, latency_max_us: lat, .. } = self.timing;
        if self.voters.len() % 2 == 1 && self.created < MAX_NODES {
            // Joins as a learner, catches up and is promoted a few round trips later (4.2.1).
            self.push(t0, Intervention::AddServer);
            t0 += 40 * lat;
        }
        let mut roles = self.voters.clone();
        rng.shuffle(&mut roles);
        // a, b, then the servers b's messages will stop reaching (a's would-be voters), then the rest.
        let (a, b) = (roles[0], roles[1]);
        let quiet = roles[2..roles.len() / 2 + 1].to_vec();
        let removed = roles[rng.range(1, roles.len() as u64 - 1) as usize];
        // A handover, which leader stickiness and PreVote let through (3.10).
        self.push(t0, Intervention::Transfer(a));
        let t1 = t0 + rng.range(2 * lat, 8 * lat);
        self.push(t1, Intervention::RemoveServer(removed));
        self.push(t1 + rng.range(0, lat_min), Intervention::Isolate(a));
        let t2 = t1 + self.timing.campaign_after_us(lat) + rng.range(0, lat);
        self.push(t2, Intervention::Timeout(b));
        self.push(t2, Intervention::RemoveServer(a));
        // After b's vote requests arrive, before its first entries do.
        let cut_at = t2 + self.timing.pre_vote_rtt_us() + lat + rng.range(0, 2 * lat_min);
        for &q in &quiet {
            self.push(cut_at, Intervention::Cut { from: b, to: q });
        }
        let t3 = cut_at + rng.range(6 * lat, 20 * lat);
        self.push(t3, Intervention::Rejoin(a));
        // The first try may only teach a the newer term; the second can win.
        self.push(t3 + rng.range(lat, 3 * lat), Intervention::Timeout(a));
        self.push(t3 + rng.range(5 * lat, 9 * lat), Intervention::Timeout(a));
        let end = t3 + rng.range(150_000, 400_000);
        self.push(end, Intervention::Heal);
        // Fresh servers bring the count of voters back up, ready for the next burst.
        for k in 1..=2u64 {
            if self.created < MAX_NODES {
                self.push(end + k * 20 * lat, Intervention::AddServer);
            }
        }
        end + 60 * lat
    }
}

/// Faults over `[0, duration_us)`, sorted by time.
pub fn random_faults(seed: u64, config: &SimConfig, duration_us: Time) -> Vec<Timed> {
    let nodes = config.nodes;
    let timing = Timing::of(config);
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
        if let Fault::Figure8 = fault {
            t = figure8(&mut rng, &timing, nodes, t, &mut out);
        } else {
            add_fault(&mut rng, fault, nodes, t, &mut out);
        }
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
        Fault::Heal | Fault::Figure8 => Intervention::Heal,
    };
    out.push(Timed { at_us: t, what });
}

/// The paper's Figure 8 (section 5.4.2) with its roles drawn at random, for an odd number of
/// servers: `s1` leads and takes a command that only its minority side receives; it crashes
/// and `s5` wins the next term on the other side, where its first entry stays on it alone; `s5`
/// crashes, `s1` returns and wins, and copies its old entry to a majority, one entry per
/// message if the seed sends so; it crashes again and `s5` returns. A leader that counted the
/// old entry as committed (the `commit-previous-term` bug) now sees it overwritten. Returns
/// when the burst ends.
fn figure8(rng: &mut Prng, timing: &Timing, nodes: u8, t0: Time, out: &mut Vec<Timed>) -> Time {
    if nodes < 3 || nodes.is_multiple_of(2) {
        out.push(Timed { at_us: t0, what: Intervention::Heal });
        return t0;
    }
    let Timing { latency_min_us: lat_min, latency_max_us: lat, .. } = *timing;
    let mut roles: Vec<NodeId> = (1..=nodes).collect();
    rng.shuffle(&mut roles);
    let (s1, s5) = (roles[0], roles[roles.len() - 1]);
    // s1's side: a minority, so that the other side can elect s5 without it.
    let minority = &roles[..usize::from(nodes / 2)];
    let sides: Vec<u8> = (1..=nodes).map(|id| u8::from(!minority.contains(&id))).collect();
    let mut at = |at_us: Time, what: Intervention| out.push(Timed { at_us, what });
    at(t0, Intervention::Transfer(s1));
    let t1 = t0 + rng.range(4 * lat, 8 * lat);
    let op = Op::Put { key: rng.below(3) as u8, value: rng.range(1, 99) as u32 };
    at(t1, Intervention::ClientOp { node: s1, op });
    // After the command reaches s1, before s1's copies of it reach the other side.
    at(t1 + lat + rng.range(0, lat_min), Intervention::Partition(sides));
    let t2 = t1 + 2 * lat + timing.campaign_after_us(lat);
    at(t2, Intervention::Crash(s1));
    at(t2, Intervention::Timeout(s5));
    // After s5's votes are in, before its first entry reaches anyone.
    let won = t2 + timing.pre_vote_rtt_us() + 2 * lat;
    at(won + rng.range(0, lat_min), Intervention::Isolate(s5));
    let t3 = won + rng.range(4 * lat, 8 * lat);
    at(t3, Intervention::Crash(s5));
    // s5 stays cut off while down: its last messages are still on their way.
    at(t3, Intervention::Partition((1..=nodes).map(|id| u8::from(id == s5)).collect()));
    at(t3, Intervention::Restart(s1));
    // s1 missed a term while down: its first campaign only teaches it the term.
    at(t3 + rng.range(0, lat), Intervention::Timeout(s1));
    let t3 = t3 + rng.range(3 * lat, 5 * lat);
    at(t3, Intervention::Timeout(s1));
    // Once s1 has copied its old entry, before its own term's entry follows it.
    let t4 = t3 + timing.pre_vote_rtt_us() + rng.range(5 * lat, 7 * lat);
    at(t4, Intervention::Crash(s1));
    at(t4, Intervention::Heal);
    at(t4 + rng.range(0, lat), Intervention::Restart(s5));
    at(t4 + rng.range(lat, 3 * lat), Intervention::Timeout(s5));
    let end = t4 + rng.range(20 * lat, 40 * lat);
    at(end, Intervention::Restart(s1));
    end
}
