//! Messages between servers. Every message carries its sender's current term in the envelope,
//! so the term rule (section 5.1) is applied once, in `Node::step`, before any body is read.

use super::log::Entry;
use super::{Index, NodeId, Term};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    pub from: NodeId,
    pub to: NodeId,
    /// The sender's currentTerm when it sent the message.
    pub term: Term,
    pub body: Message,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Message {
    /// A candidate asks for a vote (section 5.2). The last entry's index and term let the voter
    /// refuse candidates whose log is behind its own (section 5.4.1).
    RequestVote { last_log_index: Index, last_log_term: Term },
    /// The answer to `RequestVote` in the sender's term.
    RequestVoteReply { granted: bool },
    /// Replicates `entries` after `prev_log_index` and doubles as the heartbeat when empty
    /// (section 5.3). `leader_commit` lets followers advance their commit index.
    AppendEntries { prev_log_index: Index, prev_log_term: Term, entries: Vec<Entry>, leader_commit: Index },
    /// On success `match_index` is the last index the follower now shares with the leader. On
    /// failure the hint says where to retry: the follower's log is too short (`conflict_term`
    /// is `None`, `conflict_index` is its last index + 1) or holds `conflict_term` at
    /// prev_log_index, whose first index is `conflict_index`.
    AppendEntriesReply { success: bool, match_index: Index, conflict_index: Index, conflict_term: Option<Term> },
}

/// Message kinds, for traces, statistics and the UI's colours.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Kind {
    RequestVote,
    RequestVoteReply,
    AppendEntries,
    Heartbeat,
    AppendEntriesReply,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::RequestVote => "request-vote",
            Kind::RequestVoteReply => "vote-reply",
            Kind::AppendEntries => "append-entries",
            Kind::Heartbeat => "heartbeat",
            Kind::AppendEntriesReply => "append-reply",
        }
    }
}

impl Message {
    pub fn kind(&self) -> Kind {
        match self {
            Message::RequestVote { .. } => Kind::RequestVote,
            Message::RequestVoteReply { .. } => Kind::RequestVoteReply,
            Message::AppendEntries { entries, .. } if entries.is_empty() => Kind::Heartbeat,
            Message::AppendEntries { .. } => Kind::AppendEntries,
            Message::AppendEntriesReply { .. } => Kind::AppendEntriesReply,
        }
    }

    /// Replies carry a verdict the UI shows as + or −.
    pub fn success(&self) -> Option<bool> {
        match *self {
            Message::RequestVoteReply { granted } => Some(granted),
            Message::AppendEntriesReply { success, .. } => Some(success),
            _ => None,
        }
    }
}
