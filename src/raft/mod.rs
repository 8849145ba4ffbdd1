//! # The consensus module
//!
//! A Raft server as a pure state machine (Ongaro and Ousterhout, "In Search of an
//! Understandable Consensus Algorithm", 2014; section numbers below are that paper's). It does no
//! I/O: the host hands it messages, timer firings and the current simulated time, and it answers
//! through an [`Outbox`] of messages to send, state changes to record and entries to apply. No
//! wall clock, no threads, no global randomness: the one random choice, the election timeout, is
//! drawn from a generator the host passes in, so the same inputs always give the same outputs.
//!
//! **Roles (5.1, 5.2).** A server is a follower, a candidate or a leader ([`node::Role`]). A
//! follower that hears nothing from a leader for a randomized election timeout becomes a
//! candidate: it increments its term, votes for itself and asks the others with RequestVote. A
//! majority of votes makes it leader; it then sends AppendEntries at once and as heartbeats.
//!
//! **Terms.** Every message carries its sender's term. `Node::step` applies the term rule
//! centrally before looking at the message body: a newer term makes us a follower in that term
//! (forgetting our vote); an older one is refused or ignored. The per-message handlers can then
//! assume the message is from the current term.
//!
//! **Voting (5.2, 5.4.1).** One vote per term, first come first served, and only for a
//! candidate whose log is at least as up to date as ours (last term, then length), which is what
//! gives Leader Completeness: a winner holds every committed entry.
//!
//! **Replication (5.3).** The leader appends a client's command to its log and sends it to the
//! followers with the index and term of the entry before it; a follower accepts only when it
//! has that entry, removes any conflicting suffix and appends. On refusal the follower returns a
//! hint (the conflicting term and its first index, or its log length) so the leader backs up a
//! whole term per round trip. A new leader appends a no-op entry of its term (section 8).
//!
//! **Commitment (5.3, 5.4.2, Figure 8).** The leader advances commitIndex to N only when a
//! majority stores N *and* entry N has the current term; counting replicas of an older-term entry
//! is not enough, because Figure 8 shows such an entry being overwritten later. Followers set
//! commitIndex to min(leaderCommit, index of the last new entry). Committed entries are applied
//! in order.
//!
//! **Persistence (5, Figure 2).** currentTerm, votedFor and the log live in [`Persistent`]. The
//! host stores it at the end of every step, before it sends that step's messages, so no message
//! depends on state a crash could lose. A crash keeps exactly `Persistent`; commitIndex,
//! lastApplied, the role, votes and nextIndex/matchIndex are rebuilt from scratch.
//!
//! Bug switches ([`Bug`]) deviate from the paper on purpose, for teaching and for proving the
//! checker in `sim::check` can fail.

pub mod bugs;
pub mod log;
pub mod message;
pub mod node;
pub mod quorum;

pub use bugs::{Bug, Bugs};
pub use log::{Command, Entry, Log, Op};
pub use message::{Envelope, Kind, Message};
pub use node::{Node, NodeEvent, Outbox, ProposeError, Role};

use serde::{Deserialize, Serialize};

/// Servers are numbered from 1; a cluster has at most [`MAX_NODES`].
pub type NodeId = u8;
pub type Term = u64;
pub type Index = u64;
/// Simulated time in microseconds since the run started.
pub type Time = u64;

pub const MAX_NODES: u8 = 15;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum RoleKind {
    Follower,
    Candidate,
    Leader,
}

impl RoleKind {
    pub fn name(self) -> &'static str {
        match self {
            RoleKind::Follower => "follower",
            RoleKind::Candidate => "candidate",
            RoleKind::Leader => "leader",
        }
    }
}

/// The state a server keeps on stable storage (Figure 2).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Persistent {
    pub current_term: Term,
    pub voted_for: Option<NodeId>,
    pub log: Log,
}

/// Timing and limits of one server, in simulated microseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    pub election_timeout_min_us: Time,
    pub election_timeout_max_us: Time,
    pub heartbeat_interval_us: Time,
    /// Most entries one AppendEntries carries; a lagging follower takes several round trips.
    pub max_entries_per_append: u32,
    /// Proposals beyond this log length are refused: a bound, not a hang.
    pub max_log_len: Index,
    pub bugs: Bugs,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            election_timeout_min_us: 150_000,
            election_timeout_max_us: 300_000,
            heartbeat_interval_us: 50_000,
            max_entries_per_append: 64,
            max_log_len: 100_000,
            bugs: Bugs::none(),
        }
    }
}
