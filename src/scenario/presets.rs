//! Scripted scenarios worth watching. Presets pin the network latency or lengthen election
//! timeouts where the script needs exact timing, so they play the same way for every seed.

use super::Scenario;
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

pub const PRESETS: [Preset; 4] = [
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
