//! Membership changes (dissertation 4.1–4.3, paper section 6). A configuration is an entry in
//! the log and takes effect on a server as soon as it is in its log, committed or not; if the
//! entry is later truncated, the server falls back to the configuration before it. Changes go
//! one server at a time (old and new majorities then always overlap), new servers join as
//! learners and are promoted once they have caught up (4.2.1), a leader that removes itself
//! steps down once the change commits (4.2.2), and joint consensus changes several voters at
//! once through C_old,new (4.3). A leader starts a change only after an entry of its own term
//! is committed and while no other change is uncommitted (the 2015 fix to the single-server
//! algorithm); the `config-change-before-term-commit` bug skips the first condition.
//!
//! Removed servers must not disrupt (4.2.3). Once the configuration has changed, a server that
//! heard from a leader within the minimum election timeout ignores RequestVote, with or without
//! CheckQuorum (`Config::sticky_after_change`); a learner, or any server hearing a leader,
//! ignores campaigns from servers outside its configuration; and a server outside its own
//! newest configuration campaigns only through a pre-vote round. A 60 000-seed swarm found
//! each of these cases before they were closed (`tests/protocol.rs`).

use std::fmt;

use super::{Node, NodeEvent, Outbox, Role};
use crate::raft::quorum::Membership;
use crate::raft::{Bug, Index, MAX_NODES, NodeId, NodeSet};

/// One step of a membership change, asked of the leader.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigChange {
    /// A new server receives the log without voting; it is promoted once caught up.
    AddLearner(NodeId),
    Promote(NodeId),
    /// Out of the configuration (a voter or a learner).
    Remove(NodeId),
    /// Joint consensus: these voters leave and those join, in one step through C_old,new.
    Replace {
        remove: NodeSet,
        add: NodeSet,
    },
}

/// Why a change was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigError {
    NotLeader,
    Transferring,
    /// No entry of the leader's term is committed yet.
    TermNotCommitted,
    /// Another configuration entry is not committed yet (or a joint change is under way).
    ChangePending,
    Invalid(String),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::NotLeader => write!(f, "only the leader changes the configuration"),
            ConfigError::Transferring => write!(f, "the leader is handing over leadership"),
            ConfigError::TermNotCommitted => {
                write!(f, "the leader has not committed an entry of its term yet (the single-server rule)")
            }
            ConfigError::ChangePending => write!(f, "another configuration change is not committed yet"),
            ConfigError::Invalid(why) => write!(f, "{why}"),
        }
    }
}

impl Node {
    /// Appends the configuration `change` leads to (leader only); returns its index.
    pub fn change_membership(&mut self, change: ConfigChange, out: &mut Outbox) -> Result<Index, ConfigError> {
        let before = self.before();
        let result = self.start_change(change, out);
        self.assert_invariants(&before);
        result
    }

    fn start_change(&mut self, change: ConfigChange, out: &mut Outbox) -> Result<Index, ConfigError> {
        // The host may ask any server.
        let Role::Leader(leader) = &self.role else {
            return Err(ConfigError::NotLeader);
        };
        if leader.transfer.is_some() {
            return Err(ConfigError::Transferring);
        }
        if !self.term_committed() && !self.config.bugs.has(Bug::ConfigChangeBeforeTermCommit) {
            return Err(ConfigError::TermNotCommitted);
        }
        if self.membership_index > self.commit_index || self.membership.is_joint() {
            return Err(ConfigError::ChangePending);
        }
        let next = self.next_membership(change)?;
        let index = self.state.log.push_config(self.term(), next);
        out.events.push(NodeEvent::Appended { first: index, last: index });
        self.refresh_membership(out);
        // It is in force at once, before it commits (4.1).
        assert_eq!(self.membership_index, index, "n{}: the new configuration is not in force", self.id);
        self.broadcast_append(out);
        self.maybe_commit(out);
        Ok(index)
    }

    fn next_membership(&self, change: ConfigChange) -> Result<Membership, ConfigError> {
        let mut next = self.membership.clone();
        let member = |id: NodeId| self.membership.contains(id);
        let invalid = |why: String| Err(ConfigError::Invalid(why));
        match change {
            ConfigChange::AddLearner(id) if member(id) => return invalid(format!("n{id} is already a member")),
            ConfigChange::AddLearner(id) if !(1..=MAX_NODES).contains(&id) => {
                return invalid(format!("server ids are 1 to {MAX_NODES}, got {id}"));
            }
            ConfigChange::AddLearner(id) => {
                next.learners.insert(id);
            }
            ConfigChange::Promote(id) if !next.learners.remove(&id) => {
                return invalid(format!("n{id} is not a learner"));
            }
            ConfigChange::Promote(id) => {
                next.voters.insert(id);
            }
            ConfigChange::Remove(id) if !member(id) => return invalid(format!("n{id} is not a member")),
            ConfigChange::Remove(id) if next.voters.len() == 1 && next.voters.contains(&id) => {
                return invalid("the last voter cannot be removed".into());
            }
            ConfigChange::Remove(id) => {
                next.voters.remove(&id);
                next.learners.remove(&id);
            }
            ConfigChange::Replace { remove, add } => {
                // Servers to add may already be learners (caught up first, 4.2.1) or voters.
                if remove.iter().any(|id| !next.voters.contains(&id) || add.contains(&id)) {
                    return invalid("a joint change removes voters and adds other servers".into());
                }
                if add.iter().any(|id| !(1..=MAX_NODES).contains(&id)) {
                    return invalid(format!("server ids are 1 to {MAX_NODES}"));
                }
                let incoming = next.voters.difference(&remove).union(&add);
                if incoming.is_empty() {
                    return invalid("a configuration needs at least one voter".into());
                }
                next.learners.retain(|id| !add.contains(&id));
                next.outgoing = std::mem::replace(&mut next.voters, incoming);
            }
        }
        Ok(next)
    }

    /// The configuration in force is the newest one in the log (4.1), else the initial one.
    /// A leader keeps a Progress for exactly the members.
    pub(super) fn refresh_membership(&mut self, out: &mut Outbox) {
        let (index, membership) = match (self.state.log.config_at(self.state.log.last_index()), &self.state.snapshot) {
            (Some((i, m)), _) => (i, m.clone()),
            (None, Some(s)) => (s.index, s.membership.clone()),
            (None, None) => (0, self.initial.clone()),
        };
        if (index, &membership) == (self.membership_index, &self.membership) {
            return;
        }
        self.peers = membership.members().into_iter().filter(|&p| p != self.id).collect();
        self.membership = membership;
        self.membership_index = index;
        out.events.push(NodeEvent::MembershipChanged { index });
        if let Some(l) = self.role.leading_mut() {
            // A leader changes its configuration only by appending an entry of its own.
            assert_eq!(index, self.state.log.last_index(), "a leader's new configuration is its newest entry");
            l.progress.set_peers(&self.peers, index);
        }
        self.assert_peers();
    }

    /// After the leader commits: leave a joint configuration once it is committed (4.3), and
    /// step down once a configuration without us is committed (4.2.2).
    pub(super) fn after_leader_commit(&mut self, out: &mut Outbox) {
        if self.membership_index > self.commit_index {
            return;
        }
        if self.membership.is_joint() {
            let mut next = self.membership.clone();
            next.outgoing = NodeSet::new();
            let index = self.state.log.push_config(self.term(), next);
            out.events.push(NodeEvent::Appended { first: index, last: index });
            self.refresh_membership(out);
            self.broadcast_append(out);
            // A leader left as C_new's only voter is its own majority: nobody will acknowledge
            // the entry, so it commits now or never (the liveness failures of seeds 7011358,
            // 16533 and 86003). Otherwise C_new's majority has not stored it yet: no change.
            self.maybe_commit(out);
        } else if !self.membership.is_voter(self.id) {
            let term = self.term();
            // Its election timer restarts from now (it had none running as leader).
            self.become_follower(self.now_us, term, None, out);
        }
    }

    /// 4.2.1: a learner that holds everything committed becomes a voter.
    pub(super) fn promote_if_caught_up(&mut self, learner: NodeId, match_index: Index, out: &mut Outbox) {
        let caught_up = match_index >= self.commit_index && self.commit_index > 0;
        if self.membership.learners.contains(&learner) && caught_up {
            // Refused while another change is pending: the next acknowledgement tries again.
            let _ = self.change_membership(ConfigChange::Promote(learner), out);
        }
    }
}
