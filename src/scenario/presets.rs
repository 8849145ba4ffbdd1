//! Scripted scenarios worth watching. Presets pin the network latency or lengthen election
//! timeouts where the script needs exact timing, so they play the same way for every seed.

use super::Scenario;
use crate::raft::Op;
use crate::raft::{self, Time};
use crate::sim::{ClientConfig, Intervention::*, NetConfig, SimConfig};

#[derive(Debug)]
pub struct Preset {
    pub name: &'static str,
    pub summary: &'static str,
    /// How long the script needs, in simulated microseconds.
    pub duration_us: Time,
    pub build: fn(u64) -> Scenario,
}

pub const PRESETS: [Preset; 11] = [
    Preset {
        name: "figure8",
        summary: "the paper's Figure 8: why a leader may not commit an older term's entry by counting replicas",
        duration_us: 1_500_000,
        build: figure8,
    },
    Preset {
        name: "split-vote",
        summary: "every election timer fires at once; nobody wins, randomized timeouts break the tie",
        duration_us: 2_000_000,
        build: split_vote,
    },
    Preset {
        name: "leader-isolated",
        summary: "a cut-off leader keeps accepting requests that never commit; its clients retry elsewhere",
        duration_us: 5_000_000,
        build: leader_isolated,
    },
    Preset {
        name: "figure7",
        summary: "followers with missing and extra entries are repaired by a new leader (Figure 7)",
        duration_us: 3_000_000,
        build: figure7,
    },
    Preset {
        name: "disruptive-server",
        summary: "a cut-off follower campaigns alone and, rejoining, deposes a healthy leader; PreVote stops it (9.6)",
        duration_us: 4_000_000,
        build: disruptive_server,
    },
    Preset {
        name: "stale-read",
        summary: "an isolated old leader is asked for a read; with the stale-read bug it answers with an old value (6.4)",
        duration_us: 4_000_000,
        build: stale_read,
    },
    Preset {
        name: "transfer",
        summary: "leadership is handed to a chosen server, then another, while clients write (3.10)",
        duration_us: 5_000_000,
        build: transfer,
    },
    Preset {
        name: "membership-bug",
        summary: "the 2015 single-server counterexample: a change before the leader commits in its term loses a committed entry",
        duration_us: 1_500_000,
        build: membership_bug,
    },
    Preset {
        name: "add-server",
        summary: "a fresh server joins as a learner, catches up from the leader's snapshot and becomes a voter (4.2.1, section 7)",
        duration_us: 5_000_000,
        build: add_server,
    },
    Preset {
        name: "remove-leader",
        summary: "the leader removes itself: it leads until the change commits, then steps down (4.2.2)",
        duration_us: 4_000_000,
        build: remove_leader,
    },
    Preset {
        name: "joint-consensus",
        summary: "two servers replaced in one change through C_old,new, with the leader crashing halfway (4.3)",
        duration_us: 6_000_000,
        build: joint_consensus,
    },
];

pub fn find(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name)
}

/// Fixed 10 ms latency and long election timeouts: only the script starts elections.
fn scripted(nodes: u8, seed: u64) -> SimConfig {
    SimConfig {
        nodes,
        seed,
        raft: raft::Config {
            election_timeout_min_us: 2_000_000,
            election_timeout_max_us: 3_000_000,
            ..raft::Config::default()
        },
        net: NetConfig { latency_min_us: 10_000, latency_max_us: 10_000, ..NetConfig::default() },
        clients: ClientConfig::default(),
    }
}

/// Figure 8, (a) to (d), with one entry per AppendEntries so the steps can be timed exactly.
fn figure8(seed: u64) -> Scenario {
    let mut config = scripted(5, seed);
    config.raft.max_entries_per_append = 1;
    Scenario::new(config)
        // (a) S1 leads term 1 and commits 1@t1 everywhere, then leads term 2; its no-op 2@t2
        // reaches only S2.
        .at(10, Timeout(1))
        .at(200, Timeout(1))
        .at(225, Partition(vec![0, 0, 1, 1, 1]))
        // (b) S1 crashes; S5 wins term 3 with S3, S4 and itself; its 2@t3 reaches nobody.
        .at(300, Crash(1))
        .at(300, Heal)
        .at(310, Timeout(5))
        .at(335, Isolate(5))
        // (c) S5 crashes, S1 restarts and wins term 4 (its first try, term 3, is refused) and
        // copies 2@t2 to S3 and S4: a majority, but not of S1's term. It crashes before 3@t4
        // reaches anyone. With commit-previous-term it has committed and applied 2@t2 by now.
        .at(400, Crash(5))
        .at(400, Heal)
        .at(400, Restart(1))
        .at(410, Timeout(1))
        .at(450, Timeout(1))
        .at(475, Cut { from: 1, to: 2 })
        .at(515, Isolate(1))
        .at(515, Crash(1))
        // (d) S5 restarts and wins term 5 with S2, S3, S4, overwriting index 2 with 2@t3.
        .at(600, Heal)
        .at(600, Restart(5))
        .at(610, Timeout(5))
        .at(650, Timeout(5))
        // S1 comes back and is brought in line.
        .at(900, Restart(1))
}

fn split_vote(seed: u64) -> Scenario {
    let config = SimConfig { seed, ..SimConfig::default() };
    Scenario::new(config).at(100, AlignTimers)
}

fn leader_isolated(seed: u64) -> Scenario {
    let clients = ClientConfig { count: 2, ..ClientConfig::default() };
    let config = SimConfig { seed, clients, ..SimConfig::default() };
    Scenario::new(config).at(10, Timeout(1)).at(1_000, Isolate(1)).at(3_000, Rejoin(1))
}

/// S2 misses entries while cut off; S1, leading alone, gathers entries nobody else has; S3
/// leads a new term with S4 and S5; after the heal it repairs both.
fn figure7(seed: u64) -> Scenario {
    let mut s = Scenario::new(scripted(5, seed)).at(10, Timeout(1));
    for t in [100, 200, 300, 400, 500] {
        s = s.at(t, Request(1));
    }
    s = s.at(600, Isolate(2));
    for t in [700, 800, 900, 1_000] {
        s = s.at(t, Request(1));
    }
    s = s.at(1_100, Partition(vec![0, 1, 2, 2, 2]));
    for t in [1_200, 1_300, 1_400] {
        s = s.at(t, Request(1));
    }
    s = s.at(1_500, Timeout(3));
    for t in [1_600, 1_700, 1_800] {
        s = s.at(t, Request(3));
    }
    s.at(2_000, Heal)
}

/// Default timing, fixed 10 ms latency: elections happen on their own, the same way each time.
fn steady(nodes: u8, seed: u64, clients: u8) -> SimConfig {
    SimConfig {
        nodes,
        seed,
        net: NetConfig { latency_min_us: 10_000, latency_max_us: 10_000, ..NetConfig::default() },
        clients: ClientConfig { count: clients, ..ClientConfig::default() },
        ..SimConfig::default()
    }
}

/// Dissertation 9.6: n5 is cut off for two seconds and times out again and again. Without
/// PreVote each timeout raises its term, and when it rejoins that term deposes n1; with PreVote
/// its term never moves and n1 stays leader.
fn disruptive_server(seed: u64) -> Scenario {
    Scenario::new(steady(5, seed, 1)).at(10, Timeout(1)).at(500, Isolate(5)).at(2_500, Rejoin(5))
}

/// Dissertation 6.4: n1 leads and stores a=1, then is cut off; the others elect a new leader and
/// store a=2; a client then asks n1, which still believes it leads, to read a. Through the log
/// or with ReadIndex the read cannot complete at n1 and the client retries elsewhere; with the
/// stale-read bug n1 answers "1" at once, and the history is no longer linearizable. With
/// CheckQuorum n1 has stepped down by then and redirects the read.
fn stale_read(seed: u64) -> Scenario {
    Scenario::new(steady(5, seed, 0))
        .at(10, Timeout(1))
        .at(300, ClientOp { node: 1, op: Op::Put { key: 0, value: 1 } })
        .at(800, Isolate(1))
        .at(1_600, ClientOp { node: 2, op: Op::Put { key: 0, value: 2 } })
        .at(2_000, ClientOp { node: 1, op: Op::Get { key: 0 } })
        .at(3_000, Rejoin(1))
}

/// Dissertation 3.10: n1 hands leadership to n3, then n3 to n5, while two clients write; the
/// clients are redirected during each hand-over and nothing is lost.
fn transfer(seed: u64) -> Scenario {
    Scenario::new(steady(5, seed, 2)).at(10, Timeout(1)).at(1_500, Transfer(3)).at(3_200, Transfer(5))
}

/// The published counterexample to single-server changes without the 2015 fix (dissertation
/// 4.1; Ongaro, raft-dev, 2015). Under {S1..S4}, S1 (term 1) adds S5: the learner entry commits,
/// but the entry that makes S5 a voter reaches only S5. S2 wins term 2 with S3 and S4 and, with
/// the `config-change-before-term-commit` bug, removes S1 at once; that change commits on S2
/// and S3 (a majority of {S2,S3,S4}) while S4 gets none of S2's entries. S1 comes back, wins
/// term 3 with S4 and S5 (a majority of its five-server configuration) and overwrites the
/// committed entries. Without the bug S2 may not change the membership before its no-op
/// commits, which it cannot without S4 or S1, and nothing is lost.
fn membership_bug(seed: u64) -> Scenario {
    let mut config = scripted(4, seed);
    // The counterexample as published, before leader stickiness (4.2.3) was applied to
    // membership changes: with the script's two-second election timeouts, stickiness would
    // hold every forced election back for two seconds. The swarm finds the same loss with it.
    config.raft.sticky_after_change = false;
    Scenario::new(config)
        .at(10, Timeout(1))
        .at(200, AddServer)
        .at(245, Partition(vec![0, 1, 1, 1, 0]))
        .at(300, Crash(1))
        .at(300, Heal)
        .at(310, Timeout(2))
        .at(325, Cut { from: 2, to: 4 })
        .at(325, Cut { from: 2, to: 5 })
        .at(325, Cut { from: 2, to: 1 })
        .at(335, RemoveServer(1))
        .at(400, Restart(1))
        .at(410, Timeout(1))
        .at(460, Timeout(1))
}

/// 4.2.1 and section 7: three servers snapshot every 8 entries while two clients write; n4
/// joins as a learner, receives the leader's snapshot and the entries after it, and is promoted.
fn add_server(seed: u64) -> Scenario {
    let mut config = steady(3, seed, 2);
    config.raft.snapshot_every = 8;
    Scenario::new(config).at(10, Timeout(1)).at(3_000, AddServer)
}

/// 4.2.2: n1 removes itself; it keeps leading (without counting itself) until the change
/// commits, then steps down and the others elect a leader among themselves.
fn remove_leader(seed: u64) -> Scenario {
    Scenario::new(steady(5, seed, 1)).at(10, Timeout(1)).at(1_500, RemoveServer(1))
}

/// 4.3: n4 and n5 are replaced by two new servers in one change. The new servers catch up as
/// learners, then C_old,new needs majorities of both halves; the leader crashes during the
/// change and a new leader finishes it.
fn joint_consensus(seed: u64) -> Scenario {
    Scenario::new(steady(5, seed, 1))
        .at(10, Timeout(1))
        .at(1_500, Replace { remove: vec![4, 5], add: 2 })
        .at(1_555, Crash(1))
        .at(3_500, Restart(1))
}
