//! ReadIndex (dissertation 6.4): linearizable reads without writing to the log.
//!
//! The leader notes its commit index as the read's index (once it has committed an entry of its
//! own term, so that index covers every write committed before the read arrived), starts a
//! heartbeat round numbered `read_round`, and waits until a majority has echoed that round or a
//! newer one: then no newer leader can have existed when the read arrived. It answers once it
//! has applied up to the read index. A follower sends `ReadIndex` to the leader, receives the
//! index and answers once it has applied that far itself. With the `stale-read` bug a leader
//! answers at once from whatever it has applied.

use super::{Node, Outbox, Role};
use crate::raft::message::Message;
use crate::raft::{Bug, Index, NodeId};

/// Reads a server keeps waiting at once; more are refused (the client retries).
pub const MAX_PENDING_READS: usize = 1024;

/// A read the host may now answer from its state machine, which has applied `index`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadReady {
    pub ctx: u64,
    pub index: Index,
}

/// A read waiting at the leader: for its heartbeat round, and for its index to be known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PendingRead {
    pub ctx: u64,
    /// Who asked: the leader itself, or a follower that gets a `ReadIndexReply`.
    pub from: NodeId,
    pub round: u64,
    pub index: Option<Index>,
}

/// Why a read could not be started here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadError {
    /// No leader is known (a candidate, or a follower that has not heard of one).
    NoLeader,
    TooMany,
}

impl Node {
    /// Starts read `ctx` (the host's number for it). `Outbox::reads` says when it may be answered.
    pub fn read_index(&mut self, ctx: u64, out: &mut Outbox) -> Result<(), ReadError> {
        let stale = self.config.bugs.has(Bug::StaleRead);
        match &self.role {
            Role::Leader(_) if stale => out.reads.push(ReadReady { ctx, index: self.last_applied }),
            Role::Leader(l) if l.reads.len() >= MAX_PENDING_READS => return Err(ReadError::TooMany),
            Role::Leader(_) => self.queue_read(self.id, ctx, out),
            Role::Follower { leader: Some(leader) } => {
                if self.follower_reads.len() >= MAX_PENDING_READS {
                    return Err(ReadError::TooMany);
                }
                let leader = *leader;
                self.follower_reads.insert(ctx, None);
                self.send(leader, Message::ReadIndex { ctx }, out);
            }
            Role::Follower { leader: None } | Role::PreCandidate { .. } | Role::Candidate { .. } => {
                return Err(ReadError::NoLeader);
            }
        }
        self.process_reads(out);
        Ok(())
    }

    /// A follower's read arrives at the leader (in our term, after the term rule). It may find
    /// us stepped down within the term, or with too many reads: refused, the client retries.
    pub(super) fn handle_read_index(&mut self, from: NodeId, ctx: u64, out: &mut Outbox) {
        match &self.role {
            Role::Leader(l) if l.reads.len() < MAX_PENDING_READS => self.queue_read(from, ctx, out),
            _ => self.send(from, Message::ReadIndexReply { ctx, index: None }, out),
        }
    }

    pub(super) fn handle_read_index_reply(&mut self, ctx: u64, index: Option<Index>) {
        match index {
            Some(i) => {
                if let Some(slot) = self.follower_reads.get_mut(&ctx) {
                    *slot = Some(i);
                }
            }
            // Refused: the client hears nothing and retries, as after any lost message.
            None => {
                self.follower_reads.remove(&ctx);
            }
        }
    }

    /// Notes the read with a new heartbeat round and sends that round at once.
    fn queue_read(&mut self, from: NodeId, ctx: u64, out: &mut Outbox) {
        let index = self.term_committed().then_some(self.commit_index);
        let l = self.role.leader_mut();
        l.read_round += 1;
        let round = l.read_round;
        l.reads.push(PendingRead { ctx, from, round, index });
        self.broadcast_append(out);
    }

    /// Whether an entry of the current term is committed (6.4's precondition for a read index).
    pub(super) fn term_committed(&self) -> bool {
        self.state.log.term_at(self.commit_index) == Some(self.term())
    }

    pub(super) fn note_read_ack(&mut self, from: NodeId, round: u64) {
        // Any role: the acknowledgement may reach us after we stepped down within the term.
        if let Some(p) = self.role.leading_mut().and_then(|l| l.progress.get_mut(from)) {
            p.read_round = p.read_round.max(round);
        }
    }

    /// Hands out every read that is ready: follower reads whose index we have applied, and at
    /// the leader, reads whose round a majority confirmed (and whose index we applied, or which
    /// a follower asked for).
    pub(super) fn process_reads(&mut self, out: &mut Outbox) {
        let applied = self.last_applied;
        // Runs after every step: the common case, no read waiting, costs two length checks.
        if !self.follower_reads.is_empty() {
            self.follower_reads.retain(|&ctx, index| match index {
                Some(i) if *i <= applied => {
                    out.reads.push(ReadReady { ctx, index: *i });
                    false
                }
                _ => true,
            });
        }
        // Runs in every role; only a leader holds reads.
        if !matches!(&self.role, Role::Leader(l) if !l.reads.is_empty()) {
            return;
        }
        let (term_committed, commit_index, me) = (self.term_committed(), self.commit_index, self.id);
        let l = self.role.leader_mut();
        let round_of =
            |id: NodeId| if id == me { l.read_round } else { l.progress.get(id).map_or(0, |p| p.read_round) };
        let confirmed = self.membership.committed_index(round_of);
        let mut replies = Vec::new();
        l.reads.retain_mut(|r| {
            if r.index.is_none() && term_committed {
                r.index = Some(commit_index);
            }
            let Some(index) = r.index.filter(|_| r.round <= confirmed) else {
                return true;
            };
            if r.from != me {
                replies.push((r.from, Message::ReadIndexReply { ctx: r.ctx, index: Some(index) }));
                false
            } else if index <= applied {
                out.reads.push(ReadReady { ctx: r.ctx, index });
                false
            } else {
                true
            }
        });
        for (to, body) in replies {
            self.send(to, body, out);
        }
    }
}
