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
//! ## Past section 5 (Ongaro's dissertation, "Consensus: Bridging Theory and Practice", 2014)
//!
//! Each of these is a switch in [`Config`], off by default, so a person can watch the problem
//! and then the fix.
//!
//! **PreVote (9.6).** A server partitioned away keeps timing out; without PreVote each timeout
//! raises its term, and when it rejoins, that term deposes a healthy leader. With PreVote a
//! server that times out first becomes a *pre-candidate*: it asks "would you vote for me at
//! term T+1?" without changing any term or vote. A voter says yes only if the candidate's log is
//! at least as up to date as its own and it has not heard from a leader within the minimum
//! election timeout. Only a majority of yeses starts the real election.
//!
//! **CheckQuorum and leader stickiness (6.2, 4.2.3).** A leader that has not heard from a
//! majority within an election timeout steps down, so clients stop waiting on a leader that
//! cannot commit. A server that heard from a current leader within the minimum election timeout
//! ignores RequestVote entirely (no term change, no vote); a leader does too. As in etcd,
//! stickiness comes with the CheckQuorum switch.
//!
//! **Leadership transfer (3.10).** The leader stops taking proposals, brings the target's log up
//! to date and sends it TimeoutNow; the target campaigns at once, skipping PreVote, and its
//! RequestVote is exempt from stickiness, so a transfer works with every switch on. If the
//! target has not taken over within an election timeout, the leader gives up and resumes.
//!
//! **Reads (6.4).** Reads can go through the log like writes (the default), or use ReadIndex:
//! once the leader has committed an entry of its own term, it notes its commit index as the
//! read index, confirms it is still leader with a round of heartbeats acknowledged by a
//! majority, waits until it has applied up to the read index, then answers from its state
//! machine. A follower asks the leader for a read index and waits until it has applied up to
//! it. The host gives each read a context number and learns in [`Outbox::reads`] when it may
//! answer.
//!
//! Bug switches ([`Bug`]) deviate from the paper on purpose, for teaching and for proving the
//! checker in `sim::check` can fail.

pub mod bugs;
pub mod log;
pub mod message;
pub mod node;
pub mod nodeset;
pub mod progress;
pub mod quorum;

pub use bugs::{Bug, Bugs};
pub use log::{Command, Entry, Log, Op};
pub use message::{Envelope, Kind, Message};
pub use node::{
    ConfigChange, ConfigError, LeaderState, Node, NodeEvent, Outbox, ProposeError, ReadError, ReadReady, Role, Setup,
    StepError, Transfer, TransferError,
};
pub use nodeset::NodeSet;
pub use progress::{Progress, Tracker};
pub use quorum::Membership;

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
    /// Asking for pre-votes (dissertation 9.6). Last, so the trace codes of the others stay.
    PreCandidate,
}

impl RoleKind {
    pub fn name(self) -> &'static str {
        match self {
            RoleKind::Follower => "follower",
            RoleKind::Candidate => "candidate",
            RoleKind::Leader => "leader",
            RoleKind::PreCandidate => "pre-candidate",
        }
    }
}

/// How the leader serves client reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ReadMode {
    /// A read is a log entry like a write: simplest, and linearizable (dissertation 6.4).
    #[default]
    Log,
    /// ReadIndex: confirm leadership with a heartbeat round, wait for apply, read locally (6.4).
    ReadIndex,
}

impl ReadMode {
    pub const ALL: [ReadMode; 2] = [ReadMode::Log, ReadMode::ReadIndex];

    pub fn name(self) -> &'static str {
        match self {
            ReadMode::Log => "log",
            ReadMode::ReadIndex => "read-index",
        }
    }

    pub fn from_name(name: &str) -> Option<ReadMode> {
        ReadMode::ALL.into_iter().find(|m| m.name() == name)
    }
}

/// The state a server keeps on stable storage (Figure 2), and its latest snapshot (section 7).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Persistent {
    pub current_term: Term,
    pub voted_for: Option<NodeId>,
    pub log: Log,
    pub snapshot: Option<Snapshot>,
}

/// The state machine as of `index` (of term `term`), with the configuration in force there
/// (section 7). The module treats `data` as opaque: the host makes and loads it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub index: Index,
    pub term: Term,
    pub membership: Membership,
    pub data: std::sync::Arc<Vec<u8>>,
}

/// Applied entries between snapshots unless configured otherwise: hour-long runs keep short
/// logs. Links of formats 1 and 2 (from before compaction) replay with 0, never compacting.
pub const DEFAULT_SNAPSHOT_EVERY: Index = 500;

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
    /// Ask for pre-votes before an election (dissertation 9.6).
    pub pre_vote: bool,
    /// Leaders step down without a majority; servers that hear from a leader ignore
    /// RequestVote (dissertation 6.2 and 4.2.3).
    pub check_quorum: bool,
    pub read_mode: ReadMode,
    /// Snapshot the state machine and discard the log once this many entries have been applied
    /// since the last snapshot (paper section 7); 0 never compacts.
    pub snapshot_every: Index,
    /// Leader stickiness (4.2.3) once the configuration has changed, with or without
    /// CheckQuorum: a server that heard from a leader within the minimum election timeout
    /// ignores RequestVote. Off only for links of formats 1–3, which replay as they were made.
    pub sticky_after_change: bool,
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
            pre_vote: false,
            check_quorum: false,
            read_mode: ReadMode::Log,
            snapshot_every: DEFAULT_SNAPSHOT_EVERY,
            sticky_after_change: true,
        }
    }
}
