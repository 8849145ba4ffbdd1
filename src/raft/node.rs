//! One Raft server: roles, the central term check, elections, replication and commitment.

use std::collections::{BTreeMap, BTreeSet};

use super::log::{Command, Entry, Log};
use super::message::{Envelope, Message};
use super::quorum::{self, VoteResult};
use super::{Bug, Config, Index, NodeId, Persistent, RoleKind, Term, Time};
use crate::prng::Prng;

/// What a leader knows about one follower (Figure 2, "volatile state on leaders").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Next entry to send; a follower is caught up when this is past our last index.
    pub next_index: Index,
    /// Highest entry known to be replicated on the follower.
    pub match_index: Index,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Role {
    Follower { leader: Option<NodeId> },
    Candidate { granted: BTreeSet<NodeId>, rejected: BTreeSet<NodeId> },
    Leader { progress: BTreeMap<NodeId, Progress>, heartbeat_due_us: Time },
}

/// Observable state changes, for the trace, the checker and the UI.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeEvent {
    /// The role or the term changed (or both).
    RoleChanged {
        role: RoleKind,
        term: Term,
    },
    Voted {
        candidate: NodeId,
        term: Term,
    },
    Appended {
        first: Index,
        last: Index,
    },
    /// Entries from `from` on were deleted; the first of them had term `term`.
    Truncated {
        from: Index,
        term: Term,
    },
    Committed {
        index: Index,
    },
}

/// Everything a step produced. The host persists `Node::persistent()` before it sends
/// `messages`, applies `apply` in order, and records `events`.
#[derive(Clone, Debug, Default)]
pub struct Outbox {
    pub messages: Vec<Envelope>,
    pub events: Vec<NodeEvent>,
    pub apply: Vec<Entry>,
}

impl Outbox {
    pub fn clear(&mut self) {
        self.messages.clear();
        self.events.clear();
        self.apply.clear();
    }
}

/// Why a proposal was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProposeError {
    NotLeader { hint: Option<NodeId> },
    LogFull,
}

#[derive(Clone, Debug)]
pub struct Node {
    id: NodeId,
    peers: Vec<NodeId>,
    config: Config,
    state: Persistent,
    commit_index: Index,
    last_applied: Index,
    role: Role,
    election_deadline_us: Time,
    rng: Prng,
}

impl Node {
    /// A server starting from `state` (empty on first boot, the disk's contents after a crash).
    /// Only the persistent state survives; the server comes up as a follower that knows nothing
    /// is committed yet (section 5, Figure 2).
    pub fn new(id: NodeId, cluster_size: u8, config: Config, mut state: Persistent, now: Time, rng: Prng) -> Node {
        assert!((1..=cluster_size).contains(&id), "node id {id} outside a cluster of {cluster_size}");
        if config.bugs.has(Bug::ForgetVoteOnRestart) {
            state.voted_for = None;
        }
        let peers = (1..=cluster_size).filter(|&p| p != id).collect();
        let mut node = Node {
            id,
            peers,
            config,
            state,
            commit_index: 0,
            last_applied: 0,
            role: Role::Follower { leader: None },
            election_deadline_us: 0,
            rng,
        };
        node.reset_election_timer(now);
        node
    }

    pub fn id(&self) -> NodeId {
        self.id
    }
    pub fn term(&self) -> Term {
        self.state.current_term
    }
    pub fn voted_for(&self) -> Option<NodeId> {
        self.state.voted_for
    }
    pub fn log(&self) -> &Log {
        &self.state.log
    }
    pub fn persistent(&self) -> &Persistent {
        &self.state
    }
    pub fn into_persistent(self) -> Persistent {
        self.state
    }
    pub fn commit_index(&self) -> Index {
        self.commit_index
    }
    pub fn last_applied(&self) -> Index {
        self.last_applied
    }
    pub fn role(&self) -> &Role {
        &self.role
    }
    pub fn config(&self) -> &Config {
        &self.config
    }
    pub fn set_config(&mut self, config: Config) {
        self.config = config;
    }

    pub fn role_kind(&self) -> RoleKind {
        match self.role {
            Role::Follower { .. } => RoleKind::Follower,
            Role::Candidate { .. } => RoleKind::Candidate,
            Role::Leader { .. } => RoleKind::Leader,
        }
    }

    /// The leader this server believes in, for client redirects.
    pub fn leader_hint(&self) -> Option<NodeId> {
        match self.role {
            Role::Follower { leader } => leader,
            Role::Candidate { .. } => None,
            Role::Leader { .. } => Some(self.id),
        }
    }

    pub fn election_deadline_us(&self) -> Time {
        self.election_deadline_us
    }

    /// When `tick` next has work: the heartbeat for a leader, the election timeout otherwise.
    pub fn next_deadline_us(&self) -> Time {
        match self.role {
            Role::Leader { heartbeat_due_us, .. } => heartbeat_due_us,
            _ => self.election_deadline_us,
        }
    }

    /// Votes a candidate has collected so far (itself included).
    pub fn votes(&self) -> Option<&BTreeSet<NodeId>> {
        match &self.role {
            Role::Candidate { granted, .. } => Some(granted),
            _ => None,
        }
    }

    pub fn progress(&self) -> Option<&BTreeMap<NodeId, Progress>> {
        match &self.role {
            Role::Leader { progress, .. } => Some(progress),
            _ => None,
        }
    }

    /// Moves the election timer (the UI's "align timers" and "spread timers").
    pub fn set_election_deadline(&mut self, deadline_us: Time) {
        self.election_deadline_us = deadline_us;
    }

    /// Draws a fresh election timeout from now (the UI's "spread timers").
    pub fn restart_election_timer(&mut self, now: Time) {
        self.reset_election_timer(now);
    }

    /// Fires whatever timer is due at `now`.
    pub fn tick(&mut self, now: Time, out: &mut Outbox) {
        match &mut self.role {
            Role::Leader { heartbeat_due_us, .. } => {
                if now >= *heartbeat_due_us {
                    *heartbeat_due_us = now + self.config.heartbeat_interval_us;
                    self.broadcast_append(out);
                }
            }
            _ => {
                if now >= self.election_deadline_us {
                    self.campaign(now, out);
                }
            }
        }
    }

    /// Starts an election now, whatever the timer says (the UI's "time out").
    pub fn timeout_now(&mut self, now: Time, out: &mut Outbox) {
        self.campaign(now, out);
    }

    /// A client command arrives at this server. Only a leader appends it (section 5.3).
    pub fn propose(&mut self, command: Command, out: &mut Outbox) -> Result<Index, ProposeError> {
        if !matches!(self.role, Role::Leader { .. }) {
            return Err(ProposeError::NotLeader { hint: self.leader_hint() });
        }
        if self.state.log.last_index() >= self.config.max_log_len {
            return Err(ProposeError::LogFull);
        }
        let index = self.state.log.push(self.term(), Some(command));
        out.events.push(NodeEvent::Appended { first: index, last: index });
        self.replicate_to_caught_up(index, out);
        self.maybe_commit(out);
        Ok(index)
    }

    /// Handles one message. The term rule of section 5.1 is applied here, once, for every
    /// message: a newer term turns us into its follower, an older one is refused or ignored.
    pub fn step(&mut self, now: Time, env: Envelope, out: &mut Outbox) {
        assert_eq!(env.to, self.id, "message for {} delivered to {}", env.to, self.id);
        if env.term > self.term() {
            let leader = matches!(env.body, Message::AppendEntries { .. }).then_some(env.from);
            self.become_follower(now, env.term, leader, out);
        } else if env.term < self.term() {
            self.refuse_stale(env, out);
            return;
        }
        let from = env.from;
        match env.body {
            Message::RequestVote { last_log_index, last_log_term } => {
                self.handle_request_vote(now, from, last_log_index, last_log_term, out)
            }
            Message::RequestVoteReply { granted } => self.handle_vote_reply(now, from, granted, out),
            Message::AppendEntries { prev_log_index, prev_log_term, entries, leader_commit } => {
                let request = AppendRequest { prev_log_index, prev_log_term, entries, leader_commit };
                self.handle_append(now, from, request, out)
            }
            Message::AppendEntriesReply { success, match_index, conflict_index, conflict_term } => {
                if success {
                    self.handle_append_success(from, match_index, out)
                } else {
                    self.handle_append_failure(from, conflict_index, conflict_term, out)
                }
            }
        }
    }

    /// A request from an older term gets a refusal carrying our term, which makes the stale
    /// sender step down; an old reply is simply dropped.
    fn refuse_stale(&mut self, env: Envelope, out: &mut Outbox) {
        let body = match env.body {
            Message::RequestVote { .. } => Message::RequestVoteReply { granted: false },
            Message::AppendEntries { .. } => {
                Message::AppendEntriesReply { success: false, match_index: 0, conflict_index: 0, conflict_term: None }
            }
            _ => return,
        };
        self.send(env.from, body, out);
    }

    fn send(&self, to: NodeId, body: Message, out: &mut Outbox) {
        out.messages.push(Envelope { from: self.id, to, term: self.term(), body });
    }

    fn reset_election_timer(&mut self, now: Time) {
        let timeout = self.rng.range(self.config.election_timeout_min_us, self.config.election_timeout_max_us);
        self.election_deadline_us = now + timeout;
    }

    fn become_follower(&mut self, now: Time, term: Term, leader: Option<NodeId>, out: &mut Outbox) {
        let was = self.role_kind();
        let term_changed = term > self.term();
        if term_changed {
            self.state.current_term = term;
            self.state.voted_for = None;
        }
        if was != RoleKind::Follower {
            self.reset_election_timer(now);
        }
        self.role = Role::Follower { leader };
        if term_changed || was != RoleKind::Follower {
            out.events.push(NodeEvent::RoleChanged { role: RoleKind::Follower, term: self.term() });
        }
    }

    /// Section 5.2: a new term, a vote for ourselves, RequestVote to everyone.
    fn campaign(&mut self, now: Time, out: &mut Outbox) {
        self.state.current_term += 1;
        self.state.voted_for = Some(self.id);
        self.role = Role::Candidate { granted: BTreeSet::from([self.id]), rejected: BTreeSet::new() };
        self.reset_election_timer(now);
        out.events.push(NodeEvent::RoleChanged { role: RoleKind::Candidate, term: self.term() });
        out.events.push(NodeEvent::Voted { candidate: self.id, term: self.term() });
        let body = Message::RequestVote {
            last_log_index: self.state.log.last_index(),
            last_log_term: self.state.log.last_term(),
        };
        for &peer in &self.peers {
            self.send(peer, body.clone(), out);
        }
        self.check_election(now, out);
    }

    fn handle_request_vote(&mut self, now: Time, from: NodeId, last_index: Index, last_term: Term, out: &mut Outbox) {
        let free = self.state.voted_for.is_none_or(|v| v == from);
        let log_ok = self.config.bugs.has(Bug::VoteIgnoresLog) || self.state.log.is_up_to_date(last_index, last_term);
        let granted = free && log_ok;
        if granted && self.state.voted_for.is_none() {
            self.state.voted_for = Some(from);
            out.events.push(NodeEvent::Voted { candidate: from, term: self.term() });
        }
        if granted {
            self.reset_election_timer(now);
        }
        self.send(from, Message::RequestVoteReply { granted }, out);
    }

    fn handle_vote_reply(&mut self, now: Time, from: NodeId, granted: bool, out: &mut Outbox) {
        let Role::Candidate { granted: yes, rejected: no } = &mut self.role else {
            return;
        };
        if granted {
            yes.insert(from);
        } else {
            no.insert(from);
        }
        self.check_election(now, out);
    }

    fn check_election(&mut self, now: Time, out: &mut Outbox) {
        let Role::Candidate { granted, rejected } = &self.role else {
            return;
        };
        let size = self.peers.len() + 1;
        if quorum::vote_result(size, granted.len(), rejected.len()) == VoteResult::Won {
            self.become_leader(now, out);
        }
    }

    /// Section 5.2 and 8: reinitialise nextIndex/matchIndex, append a no-op of the new term so
    /// earlier entries can commit (5.4.2), and assert leadership with AppendEntries at once.
    fn become_leader(&mut self, now: Time, out: &mut Outbox) {
        let next_index = self.state.log.last_index() + 1;
        let progress = self.peers.iter().map(|&p| (p, Progress { next_index, match_index: 0 })).collect();
        let heartbeat_due_us = now + self.config.heartbeat_interval_us;
        self.role = Role::Leader { progress, heartbeat_due_us };
        out.events.push(NodeEvent::RoleChanged { role: RoleKind::Leader, term: self.term() });
        if self.state.log.last_index() < self.config.max_log_len {
            let index = self.state.log.push(self.term(), None);
            out.events.push(NodeEvent::Appended { first: index, last: index });
        }
        self.broadcast_append(out);
        self.maybe_commit(out);
    }

    fn broadcast_append(&mut self, out: &mut Outbox) {
        for i in 0..self.peers.len() {
            self.send_append(self.peers[i], out);
        }
    }

    /// Sends new entries only to followers that are caught up; the others already have a
    /// message on its way, and their reply (or the next heartbeat) carries the rest.
    fn replicate_to_caught_up(&mut self, index: Index, out: &mut Outbox) {
        let Role::Leader { progress, .. } = &self.role else {
            return;
        };
        let caught_up: Vec<NodeId> = progress.iter().filter(|(_, p)| p.next_index == index).map(|(&n, _)| n).collect();
        for peer in caught_up {
            self.send_append(peer, out);
        }
    }

    fn send_append(&self, peer: NodeId, out: &mut Outbox) {
        let Role::Leader { progress, .. } = &self.role else {
            return;
        };
        let next = progress[&peer].next_index;
        let prev_log_index = next - 1;
        let prev_log_term = self.state.log.term_at(prev_log_index).expect("nextIndex is at most last index + 1");
        let last = prev_log_index + u64::from(self.config.max_entries_per_append);
        let entries = self.state.log.slice(next, last).to_vec();
        let body = Message::AppendEntries { prev_log_index, prev_log_term, entries, leader_commit: self.commit_index };
        self.send(peer, body, out);
    }
}

struct AppendRequest {
    prev_log_index: Index,
    prev_log_term: Term,
    entries: Vec<Entry>,
    leader_commit: Index,
}

impl Node {
    /// Figure 2, AppendEntries receiver. A candidate that hears from a leader of its own term
    /// steps down; any follower restarts its election timer.
    fn handle_append(&mut self, now: Time, from: NodeId, req: AppendRequest, out: &mut Outbox) {
        if matches!(self.role, Role::Leader { .. }) {
            // Two leaders in one term: only possible with a bug switch; the checker reports it.
            return;
        }
        self.become_follower(now, self.term(), Some(from), out);
        self.reset_election_timer(now);
        let log = &self.state.log;
        let reject = |conflict_index, conflict_term| Message::AppendEntriesReply {
            success: false,
            match_index: 0,
            conflict_index,
            conflict_term,
        };
        if req.prev_log_index > log.last_index() {
            return self.send(from, reject(log.last_index() + 1, None), out);
        }
        let local_term = log.term_at(req.prev_log_index).expect("prev_log_index is within the log");
        if local_term != req.prev_log_term {
            let first = log.first_index_of_term_at(req.prev_log_index);
            return self.send(from, reject(first, Some(local_term)), out);
        }
        let truncate_always = self.config.bugs.has(Bug::TruncateOnHeartbeat);
        let outcome = self.state.log.append_from_leader(req.prev_log_index, &req.entries, truncate_always);
        if let Some((from_index, term)) = outcome.truncated_from {
            out.events.push(NodeEvent::Truncated { from: from_index, term });
        }
        if let Some((first, last)) = outcome.appended {
            out.events.push(NodeEvent::Appended { first, last });
        }
        let last_new = req.prev_log_index + req.entries.len() as Index;
        if req.leader_commit > self.commit_index {
            self.advance_commit(req.leader_commit.min(last_new), out);
        }
        let reply = Message::AppendEntriesReply {
            success: true,
            match_index: last_new,
            conflict_index: 0,
            conflict_term: None,
        };
        self.send(from, reply, out);
    }

    fn handle_append_success(&mut self, from: NodeId, match_index: Index, out: &mut Outbox) {
        let last = self.state.log.last_index();
        let Role::Leader { progress, .. } = &mut self.role else {
            return;
        };
        let Some(p) = progress.get_mut(&from) else {
            return;
        };
        p.match_index = p.match_index.max(match_index.min(last));
        p.next_index = p.next_index.max(p.match_index + 1);
        let more = p.next_index <= last;
        self.maybe_commit(out);
        if more {
            self.send_append(from, out);
        }
    }

    /// Backs nextIndex up using the follower's hint: past the whole conflicting term, or to the
    /// end of a short log, so a follower far behind is repaired in a few round trips.
    fn handle_append_failure(
        &mut self,
        from: NodeId,
        conflict_index: Index,
        conflict_term: Option<Term>,
        out: &mut Outbox,
    ) {
        let last = self.state.log.last_index();
        let ours = conflict_term.and_then(|t| self.state.log.last_index_of_term(t));
        let Role::Leader { progress, .. } = &mut self.role else {
            return;
        };
        let Some(p) = progress.get_mut(&from) else {
            return;
        };
        let hinted = ours.map_or(conflict_index, |i| i + 1);
        p.next_index = hinted.min(p.next_index.saturating_sub(1)).clamp(p.match_index + 1, last + 1);
        self.send_append(from, out);
    }

    /// Figure 2's last leader rule and Figure 8: commit N only if a majority stores it **and**
    /// log[N].term is the current term; older entries then commit with it.
    fn maybe_commit(&mut self, out: &mut Outbox) {
        let Role::Leader { progress, .. } = &self.role else {
            return;
        };
        let mut matches = [0 as Index; 16];
        let size = progress.len() + 1;
        matches[0] = self.state.log.last_index();
        for (slot, p) in matches[1..].iter_mut().zip(progress.values()) {
            *slot = p.match_index;
        }
        let n = quorum::committed_index(&mut matches[..size]);
        let current = self.state.log.term_at(n) == Some(self.term());
        if n > self.commit_index && (current || self.config.bugs.has(Bug::CommitPreviousTerm)) {
            self.advance_commit(n, out);
        }
    }

    fn advance_commit(&mut self, index: Index, out: &mut Outbox) {
        if index <= self.commit_index {
            return;
        }
        self.commit_index = index;
        out.events.push(NodeEvent::Committed { index });
        while self.last_applied < self.commit_index {
            // With the truncate bug the log can be shorter than commitIndex; apply what exists.
            let Some(entry) = self.state.log.get(self.last_applied + 1) else {
                break;
            };
            out.apply.push(entry.clone());
            self.last_applied += 1;
        }
    }
}
