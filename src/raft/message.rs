//! Messages between servers. Every message carries its sender's current term in the envelope,
//! so the term rule (section 5.1) is applied once, in `Node::step`, before any body is read.
//! The one exception is PreVote (dissertation 9.6): a pre-vote request carries the term its
//! sender *would* campaign at, and a granted pre-vote reply echoes that term; neither changes
//! anyone's term. `Message::from_leader` says which messages only a leader of the envelope's
//! term sends, so the term rule can record who leads.

use super::log::Entry;
use super::{Index, NodeId, Snapshot, Term};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    pub from: NodeId,
    pub to: NodeId,
    /// The sender's currentTerm when it sent the message (for PreVote, see the module doc).
    pub term: Term,
    pub body: Message,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Message {
    /// A candidate asks for a vote (section 5.2). The last entry's index and term let the voter
    /// refuse candidates whose log is behind its own (section 5.4.1). `transfer` marks the
    /// election a leadership transfer started (dissertation 3.10): voters answer it even while
    /// they hear from a leader (leader stickiness, 4.2.3, exempts it).
    RequestVote { last_log_index: Index, last_log_term: Term, transfer: bool },
    /// The answer to `RequestVote` in the sender's term.
    RequestVoteReply { granted: bool },
    /// "Would you vote for me at the envelope's term?" (dissertation 9.6). Changes no state.
    PreVote { last_log_index: Index, last_log_term: Term },
    /// Granted: the envelope carries the pre-vote's term; refused: the voter's own term.
    PreVoteReply { granted: bool },
    /// Replicates `entries` after `prev_log_index` and doubles as the heartbeat when empty
    /// (section 5.3). `leader_commit` lets followers advance their commit index. `read_round`
    /// numbers the leader's heartbeat rounds that confirm read indexes (dissertation 6.4).
    AppendEntries {
        prev_log_index: Index,
        prev_log_term: Term,
        entries: Vec<Entry>,
        leader_commit: Index,
        read_round: u64,
    },
    /// On success `match_index` is the last index the follower now shares with the leader. On
    /// failure the hint says where to retry: the follower's log is too short (`conflict_term`
    /// is `None`, `conflict_index` is its last index + 1) or holds `conflict_term` at
    /// prev_log_index, whose first index is `conflict_index`. A refusal of a request from an
    /// older term has `conflict_index` 0, which no real hint has (indexes start at 1), so a
    /// leader never mistakes it for a log mismatch. `read_round` echoes the request's.
    AppendEntriesReply {
        success: bool,
        match_index: Index,
        conflict_index: Index,
        conflict_term: Option<Term>,
        read_round: u64,
    },
    /// The leader hands over leadership: the receiver campaigns at once (dissertation 3.10).
    TimeoutNow,
    /// A follower asks the leader for a read index on behalf of a client read (6.4).
    ReadIndex { ctx: u64 },
    /// The leader's answer: the index the follower must apply before serving read `ctx`, or
    /// `None` when the leader cannot serve reads (it is not leader any more, or too busy).
    ReadIndexReply { ctx: u64, index: Option<Index> },
    /// The leader's snapshot, for a follower whose next entry it has discarded (section 7).
    /// Answered with an `AppendEntriesReply` whose `match_index` is the snapshot's index.
    /// Boxed: every message moves through the network's queue, and this one is large.
    InstallSnapshot { snapshot: Box<Snapshot> },
}

/// Message kinds, for traces, statistics and the UI's colours. The discriminants are part of
/// the trace hash: new kinds go at the end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Kind {
    RequestVote,
    RequestVoteReply,
    AppendEntries,
    Heartbeat,
    AppendEntriesReply,
    PreVote,
    PreVoteReply,
    TimeoutNow,
    ReadIndex,
    ReadIndexReply,
    InstallSnapshot,
}

impl Kind {
    pub const ALL: [Kind; 11] = [
        Kind::RequestVote,
        Kind::RequestVoteReply,
        Kind::AppendEntries,
        Kind::Heartbeat,
        Kind::AppendEntriesReply,
        Kind::PreVote,
        Kind::PreVoteReply,
        Kind::TimeoutNow,
        Kind::ReadIndex,
        Kind::ReadIndexReply,
        Kind::InstallSnapshot,
    ];

    /// The kind `name` spells, if any.
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::RequestVote => "request-vote",
            Kind::RequestVoteReply => "vote-reply",
            Kind::AppendEntries => "append-entries",
            Kind::Heartbeat => "heartbeat",
            Kind::AppendEntriesReply => "append-reply",
            Kind::PreVote => "pre-vote",
            Kind::PreVoteReply => "pre-vote-reply",
            Kind::TimeoutNow => "timeout-now",
            Kind::ReadIndex => "read-index",
            Kind::ReadIndexReply => "read-index-reply",
            Kind::InstallSnapshot => "install-snapshot",
        }
    }
}

impl Message {
    pub fn kind(&self) -> Kind {
        match self {
            Message::RequestVote { .. } => Kind::RequestVote,
            Message::RequestVoteReply { .. } => Kind::RequestVoteReply,
            Message::PreVote { .. } => Kind::PreVote,
            Message::PreVoteReply { .. } => Kind::PreVoteReply,
            Message::AppendEntries { entries, .. } if entries.is_empty() => Kind::Heartbeat,
            Message::AppendEntries { .. } => Kind::AppendEntries,
            Message::AppendEntriesReply { .. } => Kind::AppendEntriesReply,
            Message::TimeoutNow => Kind::TimeoutNow,
            Message::ReadIndex { .. } => Kind::ReadIndex,
            Message::ReadIndexReply { .. } => Kind::ReadIndexReply,
            Message::InstallSnapshot { .. } => Kind::InstallSnapshot,
        }
    }

    /// Replies carry a verdict the UI shows as + or −.
    pub fn success(&self) -> Option<bool> {
        match *self {
            Message::RequestVoteReply { granted } | Message::PreVoteReply { granted } => Some(granted),
            Message::AppendEntriesReply { success, .. } => Some(success),
            Message::ReadIndexReply { index, .. } => Some(index.is_some()),
            Message::RequestVote { .. }
            | Message::PreVote { .. }
            | Message::AppendEntries { .. }
            | Message::TimeoutNow
            | Message::ReadIndex { .. }
            | Message::InstallSnapshot { .. } => None,
        }
    }

    /// Whether only the leader of the envelope's term sends this message: receiving one tells
    /// a follower who leads.
    pub fn from_leader(&self) -> bool {
        match self {
            Message::AppendEntries { .. }
            | Message::TimeoutNow
            | Message::ReadIndexReply { .. }
            | Message::InstallSnapshot { .. } => true,
            Message::RequestVote { .. }
            | Message::RequestVoteReply { .. }
            | Message::PreVote { .. }
            | Message::PreVoteReply { .. }
            | Message::AppendEntriesReply { .. }
            | Message::ReadIndex { .. } => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Kind;

    #[test]
    fn every_kind_is_found_by_its_own_name_and_no_other() {
        for kind in Kind::ALL {
            assert_eq!(Kind::from_name(kind.name()), Some(kind));
        }
        assert_eq!(Kind::from_name("append"), None);
    }
}
