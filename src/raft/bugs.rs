//! Bug switches: deliberate, documented deviations from the paper, off by default. They let a
//! student watch a safety property break, and they prove the checker can fail.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Bug {
    /// The leader commits an entry as soon as a majority stores it, even when the entry is from
    /// an earlier term. Figure 8 shows how such an entry can still be overwritten.
    CommitPreviousTerm,
    /// A server grants its vote without checking that the candidate's log is at least as up to
    /// date as its own (section 5.4.1), so a leader can lack committed entries.
    VoteIgnoresLog,
    /// votedFor is not persisted: after a restart a server may vote twice in one term, which
    /// allows two leaders in that term.
    ForgetVoteOnRestart,
    /// A follower deletes every entry after prevLogIndex on AppendEntries, even entries that
    /// agree with the leader's; a reordered, older message then erases committed entries.
    TruncateOnHeartbeat,
    /// A leader answers a read from its own state machine at once, without confirming that it
    /// is still leader (dissertation 6.4): a deposed leader that has not heard of its successor
    /// returns stale values, and the clients' history stops being linearizable.
    StaleRead,
    /// A leader starts a single-server membership change before it has committed an entry of
    /// its own term; the published counterexample (2015) then loses a committed entry.
    ConfigChangeBeforeTermCommit,
}

impl Bug {
    pub const ALL: [Bug; 6] = [
        Bug::CommitPreviousTerm,
        Bug::VoteIgnoresLog,
        Bug::ForgetVoteOnRestart,
        Bug::TruncateOnHeartbeat,
        Bug::StaleRead,
        Bug::ConfigChangeBeforeTermCommit,
    ];
    /// The switches link format 1 knows (its bug field is checked against this many).
    pub const FORMAT1_COUNT: usize = 4;
    /// The switches link format 2 knows.
    pub const FORMAT2_COUNT: usize = 5;

    pub fn name(self) -> &'static str {
        match self {
            Bug::CommitPreviousTerm => "commit-previous-term",
            Bug::VoteIgnoresLog => "vote-ignores-log",
            Bug::ForgetVoteOnRestart => "forget-vote-on-restart",
            Bug::TruncateOnHeartbeat => "truncate-on-heartbeat",
            Bug::StaleRead => "stale-read",
            Bug::ConfigChangeBeforeTermCommit => "config-change-before-term-commit",
        }
    }

    pub fn summary(self) -> &'static str {
        match self {
            Bug::CommitPreviousTerm => "leader commits older-term entries by counting replicas (Figure 8)",
            Bug::VoteIgnoresLog => "votes are granted without the up-to-date log check (section 5.4.1)",
            Bug::ForgetVoteOnRestart => "votedFor is lost on restart, so a server can vote twice in a term",
            Bug::TruncateOnHeartbeat => "followers delete entries after prevLogIndex even when they agree",
            Bug::StaleRead => "a leader answers reads from its own state without confirming leadership (6.4)",
            Bug::ConfigChangeBeforeTermCommit => {
                "a leader changes the membership before committing an entry of its term (the 2015 bug)"
            }
        }
    }

    pub fn from_name(name: &str) -> Option<Bug> {
        Bug::ALL.into_iter().find(|b| b.name() == name)
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A set of enabled bug switches; empty is the correct algorithm.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bugs(u8);

impl Bugs {
    pub fn none() -> Bugs {
        Bugs(0)
    }
    /// Whether any bug is switched on.
    pub fn any(self) -> bool {
        self.bits() != 0
    }

    pub fn has(self, bug: Bug) -> bool {
        self.0 & bug.bit() != 0
    }
    pub fn with(self, bug: Bug) -> Bugs {
        Bugs(self.0 | bug.bit())
    }
    pub fn set(&mut self, bug: Bug, on: bool) {
        if on {
            self.0 |= bug.bit();
        } else {
            self.0 &= !bug.bit();
        }
    }
    pub fn bits(self) -> u8 {
        self.0
    }
    pub fn from_bits(bits: u8) -> Option<Bugs> {
        (bits < 1 << Bug::ALL.len()).then_some(Bugs(bits))
    }
}
