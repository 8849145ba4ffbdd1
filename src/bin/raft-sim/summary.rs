//! A swarm's summary: what `swarm --json` prints and what `merge` reads back and adds up.
//! Everything in it is additive over seeds, so ranges run anywhere (hosts under GNU parallel,
//! the jobs of a CI matrix) merge into exactly the summary of the whole range: counts add,
//! maxima take the maximum, failures and violations concatenate in seed order, and the trace
//! hash is a wrapping sum of a mix of each seed's hash (a sequential fold could not be merged).
//! Only the timings (`wall_ms`, `events_per_sec`) depend on where the shards ran.

use raft_playground::sim::trace::fmt_time;
use serde::{Deserialize, Serialize};

/// A failing seed and the command that repeats its run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    pub seed: u64,
    pub command: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SwarmSummary {
    /// The first seed of the range.
    pub seed: u64,
    /// The cluster size when fixed by `--nodes`, else 0 (drawn per seed).
    pub nodes: u8,
    pub runs: u64,
    /// Ctrl-C ended the swarm: the summary covers the runs that finished, which need not be a
    /// contiguous range.
    pub interrupted: bool,
    pub sim_time_us: u64,
    /// Hex; see the module comment.
    pub trace_hash: String,
    pub leaders_elected: u64,
    pub max_term: u64,
    pub commit_index: u64,
    pub client_ops_ok: u64,
    pub messages_delivered: u64,
    pub events: u64,
    pub wall_ms: u64,
    pub events_per_sec: u64,
    /// Each with `seed`, `invariant`, `time_us`, `nodes` and `detail`.
    pub violations: Vec<serde_json::Value>,
    pub liveness_failures: u64,
    pub failures: Vec<Failure>,
}

/// A summary file is read whole; past this it is not one (100 000 seeds summarise in well
/// under a megabyte unless nearly every seed fails).
pub const MAX_SUMMARY_BYTES: u64 = 64 << 20;
/// At most this many shards in one merge.
pub const MAX_MERGE_FILES: usize = 10_000;

/// A trace hash as written (16 hex digits), if it is one.
pub fn parse_hash(trace_hash: &str) -> Option<u64> {
    u64::from_str_radix(trace_hash, 16).ok()
}

/// One seed's trace hash as it enters the swarm's.
pub fn mix_hash(trace_hash: &str) -> u64 {
    let h = parse_hash(trace_hash).unwrap_or(0);
    (h ^ (h >> 29)).wrapping_mul(0x517C_C1B7_2722_0A95)
}

impl SwarmSummary {
    /// The seeds this summary covers, when they form a range.
    pub fn range(&self) -> Option<(u64, u64)> {
        (!self.interrupted && self.runs > 0).then(|| (self.seed, self.seed + self.runs - 1))
    }

    /// Whether any run of it failed.
    pub fn failed(&self) -> bool {
        !self.failures.is_empty() || !self.violations.is_empty() || self.liveness_failures > 0
    }

    /// Adds `other` in: the summary of both ranges together.
    pub fn absorb(&mut self, other: SwarmSummary) {
        let hash = |s: &str| parse_hash(s).unwrap_or(0);
        self.trace_hash = format!("{:016x}", hash(&self.trace_hash).wrapping_add(hash(&other.trace_hash)));
        self.seed = self.seed.min(other.seed);
        self.runs += other.runs;
        self.interrupted |= other.interrupted;
        self.sim_time_us += other.sim_time_us;
        self.leaders_elected += other.leaders_elected;
        self.max_term = self.max_term.max(other.max_term);
        self.commit_index = self.commit_index.max(other.commit_index);
        self.client_ops_ok += other.client_ops_ok;
        self.messages_delivered += other.messages_delivered;
        self.events += other.events;
        // Shards run side by side: the merged run took as long as the slowest, at their
        // combined rate.
        self.wall_ms = self.wall_ms.max(other.wall_ms);
        self.events_per_sec += other.events_per_sec;
        self.violations.extend(other.violations);
        self.violations.sort_by_key(|v| v["seed"].as_u64().unwrap_or(0));
        self.liveness_failures += other.liveness_failures;
        self.failures.extend(other.failures);
        self.failures.sort_by_key(|f| f.seed);
    }

    /// The text form: every failure's command, then one line of totals.
    pub fn print_text(&self, jobs: Option<u64>) {
        for f in &self.failures {
            let what = match self.violations.iter().find(|v| v["seed"].as_u64() == Some(f.seed)) {
                Some(v) => format!(
                    "{} at {}: {}",
                    v["invariant"].as_str().unwrap_or("?"),
                    fmt_time(v["time_us"].as_u64().unwrap_or(0)),
                    v["detail"].as_str().unwrap_or("")
                ),
                None => "liveness: no leader or unanswered clients after healing".to_string(),
            };
            println!("FAIL seed {}: {what}\n  reproduce: {}", f.seed, f.command);
        }
        if self.interrupted {
            println!("interrupted: the summary covers the runs that finished");
        }
        let failing_seeds: std::collections::BTreeSet<u64> =
            self.violations.iter().filter_map(|v| v["seed"].as_u64()).collect();
        let on = jobs.map_or_else(|| "merged".to_string(), |j| format!("on {j} jobs"));
        println!(
            "{} runs · {} with violations · {} liveness failures · {} events in {:.1} s ({} events/s {on})",
            self.runs,
            failing_seeds.len(),
            self.liveness_failures,
            self.events,
            self.wall_ms as f64 / 1000.0,
            self.events_per_sec,
        );
    }
}
