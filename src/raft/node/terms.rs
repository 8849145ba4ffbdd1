//! The term rule, in one place (paper 5.1), with what it must weigh first: input the module
//! cannot trust is refused with a specific error (`validate`), and votes are guarded by leader
//! stickiness (dissertation 4.2.3) and PreVote's hypothetical terms (9.6). After
//! `apply_term_rule` lets a message through, its term is ours (`step` asserts it), so no
//! handler checks terms again.

use super::{Node, Outbox, Role, StepError};
use crate::raft::message::{Envelope, Message};
use crate::raft::{MAX_NODES, Time};

impl Node {
    pub(super) fn validate(&self, env: &Envelope) -> Result<(), StepError> {
        if env.to != self.id {
            return Err(StepError::WrongRecipient { to: env.to, me: self.id });
        }
        if env.from == self.id || !(1..=MAX_NODES).contains(&env.from) {
            return Err(StepError::UnknownSender { from: env.from });
        }
        if let Message::AppendEntries { prev_log_index, prev_log_term, entries, .. } = &env.body {
            let mut last = (*prev_log_index, *prev_log_term);
            for e in entries {
                if e.index != last.0 + 1 {
                    return Err(StepError::BadEntries { why: format!("entry {} follows entry {}", e.index, last.0) });
                }
                if e.term > env.term {
                    let why = format!("entry {} has term {}, newer than the message's {}", e.index, e.term, env.term);
                    return Err(StepError::BadEntries { why });
                }
                if e.term < last.1 {
                    let why =
                        format!("entry {} has term {}, older than the term {} before it", e.index, e.term, last.1);
                    return Err(StepError::BadEntries { why });
                }
                last = (e.index, e.term);
            }
        }
        Ok(())
    }

    /// The term rule (section 5.1), in one place. A newer term makes us its follower, and if
    /// the message is one only a leader sends, we know who leads. Three exceptions: PreVote
    /// requests and granted pre-vote replies carry a hypothetical term and change nothing
    /// (9.6); and with CheckQuorum, a RequestVote that is not a transfer's is ignored while
    /// we hear from a leader (4.2.3). An older term's requests are refused with our term and
    /// its replies dropped. Returns whether the handler should see the message.
    pub(super) fn apply_term_rule(&mut self, now: Time, env: &Envelope, out: &mut Outbox) -> bool {
        use std::cmp::Ordering;
        let asks_for_vote = matches!(env.body, Message::RequestVote { .. } | Message::PreVote { .. });
        // Asked only of vote requests: every other message would pay for two set lookups.
        let outsider = || !self.membership.is_voter(env.from) || !self.membership.is_voter(self.id);
        if asks_for_vote && outsider() && self.heard_from_leader(now) {
            // While a leader is heard from, a server outside our configuration (one removed,
            // still campaigning) cannot disrupt us with its terms (dissertation 4.2.3). Nor can
            // anyone disrupt a learner, which has no vote to give and whose configuration
            // often still lists the removed servers (it is catching up); its reply would carry
            // their term to the leader. Without a leader we answer: ours may be the stale one.
            return false;
        }
        match env.term.cmp(&self.term()) {
            Ordering::Equal => true,
            Ordering::Less => {
                self.refuse_stale(env, out);
                false
            }
            Ordering::Greater => match env.body {
                Message::PreVote { .. } | Message::PreVoteReply { granted: true } => true,
                Message::RequestVote { transfer: false, .. } if self.in_lease(now) => false,
                ref body => {
                    let leader = body.from_leader().then_some(env.from);
                    self.become_follower(now, env.term, leader, out);
                    true
                }
            },
        }
    }

    /// A request from an older term gets a refusal carrying our term, which makes the stale
    /// sender catch up; an old reply or TimeoutNow is simply dropped.
    fn refuse_stale(&mut self, env: &Envelope, out: &mut Outbox) {
        let body = match env.body {
            Message::RequestVote { .. } => Message::RequestVoteReply { granted: false },
            Message::PreVote { .. } => Message::PreVoteReply { granted: false },
            // conflict_index 0 says "your term is old", not a hint (see `step`).
            Message::AppendEntries { .. } | Message::InstallSnapshot { .. } => Message::AppendEntriesReply {
                success: false,
                match_index: 0,
                conflict_index: 0,
                conflict_term: None,
                read_round: 0,
            },
            Message::ReadIndex { ctx } => Message::ReadIndexReply { ctx, index: None },
            Message::RequestVoteReply { .. }
            | Message::PreVoteReply { .. }
            | Message::AppendEntriesReply { .. }
            | Message::TimeoutNow
            | Message::ReadIndexReply { .. } => return,
        };
        self.send(env.from, body, out);
    }

    /// Leader stickiness (4.2.3), on with CheckQuorum: a leader, or a follower that heard from
    /// one within the minimum election timeout, does not let RequestVote disturb it.
    fn in_lease(&self, now: Time) -> bool {
        self.sticky() && self.heard_from_leader(now)
    }

    /// Whether leader stickiness holds (4.2.3): with CheckQuorum, as in etcd, and once the
    /// configuration has changed, which is what the dissertation introduces it for: a lagging
    /// voter whose configuration still lists removed servers would otherwise take their terms
    /// and depose the leader that is catching it up. Before any change, a forced election
    /// (the page's time-out button) still deposes a live leader.
    fn sticky(&self) -> bool {
        self.config.check_quorum || (self.config.sticky_after_change && self.membership_index > 0)
    }

    /// Whether we lead, or heard from a leader within the minimum election timeout.
    pub(super) fn heard_from_leader(&self, now: Time) -> bool {
        match self.role {
            Role::Leader(_) => true,
            Role::Follower { leader: Some(_) } => {
                self.leader_contact_us.is_some_and(|t| now < t + self.config.election_timeout_min_us)
            }
            Role::Follower { leader: None } | Role::PreCandidate { .. } | Role::Candidate { .. } => false,
        }
    }
}
