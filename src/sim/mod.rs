//! # The deterministic world
//!
//! Everything nondeterministic about a distributed system — the clock, the network, crashes,
//! clients — is simulated here, after TigerBeetle's simulator and FoundationDB's: one event
//! queue, one integer clock, one seed.
//!
//! **Time and events.** Simulated time is an integer count of microseconds. Every future
//! happening (a packet arriving, a server's timer, a client waking, a scheduled intervention) is
//! an event in a priority queue ordered by (time, sequence number); the sequence number breaks
//! ties in the order events were scheduled, so equal times never depend on the queue's internals.
//! `World::run_until(t)` processes events in that order and nothing else moves time: the browser
//! only chooses how far to advance.
//!
//! **Randomness.** One seed, one algorithm ([`crate::prng`]), and a separate stream per purpose:
//! each server's election timer (per incarnation), the network, each client, the fault
//! generator. Probabilities are integer parts per million. Maps are `BTreeMap`s, so no iteration
//! order depends on hashing. Together: the same seed and interventions give the same trace, and
//! the same trace hash, natively and in every browser.
//!
//! **Servers** ([`server::Server`]) host a [`crate::raft::Node`], its disk and its key-value
//! state machine. A step's persistent state is stored before its messages are handed to the
//! network (the paper's Figure 2 rule); a crash keeps the disk and loses the rest (section 5).
//!
//! **Network** ([`network::Network`]). Each packet gets a latency drawn from a range (so packets
//! reorder), may be lost or duplicated, and is dropped on arrival if a partition or a cut link
//! separates the servers or the receiver is down.
//!
//! **Clients** ([`client`]) send commands tagged (client, sequence number), follow redirects,
//! time out and retry the same request until they learn its outcome (section 8).
//!
//! **Checking.** Every server step is shown to the [`check::Checker`], which tests the safety
//! properties of the paper's Figure 3 on the entries that changed; the client history is checked
//! for linearizability ([`linearize`]) at the end of a run.
//!
//! **Limits.** Cluster size 1–15, packets in flight, log length, clients, history and run length
//! are all bounded; exceeding a configurable bound is an error, not a hang.

pub mod check;
pub mod client;
pub mod intervention;
pub mod linearize;
pub mod network;
pub mod server;
pub mod shared;
pub mod trace;
pub mod tracefile;
mod world;

pub use check::{Invariant, Violation};
pub use client::ClientConfig;
pub use intervention::Intervention;
pub use network::NetConfig;
pub use world::{MAX_SIM_TIME_US, Mark, MarkKind, Stats, World};

use serde::{Deserialize, Serialize};

use crate::raft::{self, MAX_NODES};

/// Everything that defines a world before any intervention.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimConfig {
    pub nodes: u8,
    pub seed: u64,
    pub raft: raft::Config,
    pub net: NetConfig,
    pub clients: ClientConfig,
}

impl Default for SimConfig {
    fn default() -> SimConfig {
        SimConfig {
            nodes: 5,
            seed: 1,
            raft: raft::Config::default(),
            net: NetConfig::default(),
            clients: ClientConfig::default(),
        }
    }
}

impl SimConfig {
    /// Rejects settings outside the supported ranges, naming the setting.
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=MAX_NODES).contains(&self.nodes) {
            return Err(format!("cluster size must be between 1 and {MAX_NODES}, got {}", self.nodes));
        }
        let r = &self.raft;
        intervention::check_timing(r.election_timeout_min_us, r.election_timeout_max_us, r.heartbeat_interval_us)?;
        if !(1..=1024).contains(&r.max_entries_per_append) {
            return Err(format!("entries per AppendEntries must be 1..1024, got {}", r.max_entries_per_append));
        }
        if !(1..=1_000_000).contains(&r.max_log_len) {
            return Err(format!("maximum log length must be 1..1000000, got {}", r.max_log_len));
        }
        intervention::check_network(&self.net)?;
        let c = &self.clients;
        if c.count > 16 {
            return Err(format!("clients must be between 0 and 16, got {}", c.count));
        }
        let t = intervention::limits::TIMEOUT_MIN_US..=intervention::limits::TIMEOUT_MAX_US;
        if !t.contains(&c.interval_us) || !t.contains(&c.timeout_us) {
            return Err("client interval and timeout must be between 1 ms and 60 s".to_string());
        }
        if !(1..=26).contains(&c.keys) {
            return Err(format!("clients use 1..26 keys, got {}", c.keys));
        }
        Ok(())
    }
}
