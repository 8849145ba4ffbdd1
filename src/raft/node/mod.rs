//! One Raft server: its state, its roles (and how code reaches a role's state, see `Role`),
//! and the timers. The central term rule and the checks on untrusted input live in `terms`,
//! elections (with PreVote and leadership transfer) in `election`, replication and commitment
//! in `replication`, membership changes in `membership`, ReadIndex in `read`, and what must
//! hold after every input in `invariants`; each is an `impl Node` block over the state defined
//! here. A leader's knowledge of its followers is `crate::raft::progress`.

use std::collections::BTreeMap;

use super::log::{Command, Entry, Log};
use super::message::{Envelope, Message};
use super::progress::{Progress, Tracker};
use super::quorum::Membership;
use super::{Bug, Config, Index, MAX_NODES, NodeId, NodeSet, Persistent, RoleKind, Snapshot, Term, Time};
use crate::prng::Prng;

mod election;
mod errors;
mod invariants;
mod membership;
mod read;
mod replication;
mod terms;

pub use errors::{ProposeError, StepError, TransferError};
pub use membership::{ConfigChange, ConfigError};
pub use read::{MAX_PENDING_READS, PendingRead, ReadError, ReadReady};

/// A leadership transfer under way (dissertation 3.10).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transfer {
    pub target: NodeId,
    /// Given up at this time if the target has not taken over.
    pub deadline_us: Time,
    pub timeout_sent: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaderState {
    pub progress: Tracker,
    pub heartbeat_due_us: Time,
    /// With CheckQuorum: when the leader next counts who it heard from.
    pub quorum_check_due_us: Time,
    pub transfer: Option<Transfer>,
    /// Heartbeat rounds started for reads; followers echo the newest they saw.
    pub read_round: u64,
    pub reads: Vec<PendingRead>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Role {
    Follower {
        leader: Option<NodeId>,
    },
    /// Collecting pre-votes for the next term without having changed its own (9.6).
    PreCandidate {
        granted: NodeSet,
        rejected: NodeSet,
    },
    Candidate {
        granted: NodeSet,
        rejected: NodeSet,
    },
    Leader(Box<LeaderState>),
}

/// How code reaches a role's state, decided once. Code that runs only in one role (a leader's
/// timers, its replication, a candidate's count) uses the accessors that assert: reaching it in
/// another role is a bug in this module, and it panics at once, naming both roles. A message
/// that can legitimately find us in another role (a reply that arrives after we won, lost or
/// stepped down within the term) uses `leading_mut` or a `let … else`, with a comment that says
/// why; so does a public call the host may make in any role, which returns an error.
impl Role {
    pub fn kind(&self) -> RoleKind {
        match self {
            Role::Follower { .. } => RoleKind::Follower,
            Role::PreCandidate { .. } => RoleKind::PreCandidate,
            Role::Candidate { .. } => RoleKind::Candidate,
            Role::Leader(_) => RoleKind::Leader,
        }
    }

    /// The leader's state, for code that runs only while we lead.
    fn leader(&self) -> &LeaderState {
        match self {
            Role::Leader(l) => l,
            other => panic!("leader-only code reached as a {}", other.kind().name()),
        }
    }

    fn leader_mut(&mut self) -> &mut LeaderState {
        match self {
            Role::Leader(l) => l,
            other => panic!("leader-only code reached as a {}", other.kind().name()),
        }
    }

    /// The leader's state if we lead, for what may arrive in any role.
    fn leading_mut(&mut self) -> Option<&mut LeaderState> {
        match self {
            Role::Leader(l) => Some(l),
            Role::Follower { .. } | Role::PreCandidate { .. } | Role::Candidate { .. } => None,
        }
    }

    /// The votes granted and refused so far, for code that runs only while campaigning as
    /// `kind` (a pre-candidate or a candidate).
    fn tally(&self, kind: RoleKind) -> (&NodeSet, &NodeSet) {
        match self {
            Role::PreCandidate { granted, rejected } if kind == RoleKind::PreCandidate => (granted, rejected),
            Role::Candidate { granted, rejected } if kind == RoleKind::Candidate => (granted, rejected),
            other => panic!("{}-only code reached as a {}", kind.name(), other.kind().name()),
        }
    }
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
    /// A leadership transfer to `target` started (`started`) or was given up.
    Transfer {
        target: NodeId,
        started: bool,
    },
    /// The configuration in force changed: an entry at `index` (0: the initial one) holds it.
    MembershipChanged {
        index: Index,
    },
}

/// Everything a step produced. The host persists `Node::persistent()` before it sends
/// `messages`, applies `apply` in order, records `events`, and then answers `reads` from its
/// state machine (which by then includes `apply`).
#[derive(Clone, Debug, Default)]
pub struct Outbox {
    pub messages: Vec<Envelope>,
    pub events: Vec<NodeEvent>,
    pub apply: Vec<Entry>,
    pub reads: Vec<ReadReady>,
    /// A leader's snapshot this follower took: the host replaces its state machine with it
    /// before applying `apply`.
    pub install: Option<Snapshot>,
    /// Emptied entry vectors of AppendEntries this node took in, for the next ones a leader
    /// sends: a host that reuses its outbox for every step (the simulator does) then stops
    /// allocating one vector per message and freeing it on arrival (1.5 % of a 5-server run's
    /// instructions under callgrind, issue 19). At most `MAX_SPARE_ENTRY_VECS`; `clear` keeps them.
    spare_entries: Vec<Vec<Entry>>,
}

/// Emptied entry vectors an outbox keeps for reuse.
pub const MAX_SPARE_ENTRY_VECS: usize = 64;

impl Outbox {
    pub fn clear(&mut self) {
        self.messages.clear();
        self.events.clear();
        self.apply.clear();
        self.reads.clear();
        self.install = None;
    }

    /// An empty vector for a message's entries, with the room of an earlier one if any is kept.
    fn entries_vec(&mut self) -> Vec<Entry> {
        self.spare_entries.pop().unwrap_or_default()
    }

    /// Keeps a message's entry vector, emptied, for a later `entries_vec`.
    fn recycle_entries(&mut self, mut entries: Vec<Entry>) {
        entries.clear();
        if entries.capacity() > 0 && self.spare_entries.len() < MAX_SPARE_ENTRY_VECS {
            self.spare_entries.push(entries);
        }
    }
}

/// A node's state for tests, set directly instead of scripting elections (as etcd's tests do).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Setup {
    pub role: Option<RoleKind>,
    pub term: Term,
    pub voted_for: Option<NodeId>,
    /// The term of each entry, index 1 first.
    pub log_terms: Vec<Term>,
    /// Entries up to here count as committed and applied.
    pub commit_index: Index,
}

#[derive(Clone, Debug)]
pub struct Node {
    id: NodeId,
    /// The configuration before any configuration entry (the cluster as it was created).
    initial: Membership,
    /// The configuration in force: the newest in the log (dissertation 4.1), and where it is.
    membership: Membership,
    membership_index: Index,
    /// Everyone but us that `membership` names (kept with it: sending is hot).
    peers: Vec<NodeId>,
    config: Config,
    state: Persistent,
    commit_index: Index,
    last_applied: Index,
    role: Role,
    election_deadline_us: Time,
    /// The time of the newest input that carried one (`new`, `step`, `tick`, `timeout_now`,
    /// `transfer_leadership`): calls without a time, such as `propose`, act at it.
    now_us: Time,
    /// When we last accepted AppendEntries from the leader of our term (stickiness, PreVote).
    leader_contact_us: Option<Time>,
    /// Reads this follower asked the leader about: context → read index once known.
    follower_reads: BTreeMap<u64, Option<Index>>,
    rng: Prng,
}

impl Node {
    /// A server starting from `state` (empty on first boot, the disk's contents after a crash).
    /// Only the persistent state survives; the server comes up as a follower that knows nothing
    /// is committed yet (section 5, Figure 2). `initial` is the cluster as created (a server
    /// added later starts with an empty one and learns its configuration from the leader).
    pub fn new(id: NodeId, initial: Membership, config: Config, mut state: Persistent, now: Time, rng: Prng) -> Node {
        assert!((1..=MAX_NODES).contains(&id), "node id {id} outside 1..={MAX_NODES}");
        if config.bugs.has(Bug::ForgetVoteOnRestart) {
            state.voted_for = None;
        }
        let mut node = Node {
            id,
            peers: initial.members().into_iter().filter(|&p| p != id).collect(),
            membership: initial.clone(),
            membership_index: 0,
            initial,
            config,
            state,
            commit_index: 0,
            last_applied: 0,
            role: Role::Follower { leader: None },
            election_deadline_us: 0,
            now_us: now,
            leader_contact_us: None,
            follower_reads: BTreeMap::new(),
            rng,
        };
        node.reset_election_timer(now);
        // A snapshot holds only committed, applied state (section 7); the host loads it.
        let snapshot_index = node.state.log.snapshot_index();
        (node.commit_index, node.last_applied) = (snapshot_index, snapshot_index);
        node.refresh_membership(&mut Outbox::default());
        node
    }

    /// A node put straight into `setup`'s state, for tests. A leader starts with no knowledge of
    /// its followers (nextIndex past its log) and without appending a no-op.
    pub fn with_setup(
        id: NodeId,
        size: u8,
        config: Config,
        setup: Setup,
        now: Time,
        rng: Prng,
    ) -> Result<Node, String> {
        if !(1..=size).contains(&id) {
            return Err(format!("node id {id} outside a cluster of {size}"));
        }
        let mut log = Log::default();
        for (i, &term) in setup.log_terms.iter().enumerate() {
            if term > setup.term || term < log.last_term() {
                return Err(format!("entry {} has term {term}: terms must rise and not pass {}", i + 1, setup.term));
            }
            log.push(term, None);
        }
        if setup.commit_index > log.last_index() {
            return Err(format!("commit index {} is past the log's end {}", setup.commit_index, log.last_index()));
        }
        let state = Persistent { current_term: setup.term, voted_for: setup.voted_for, log, snapshot: None };
        let mut node = Node::new(id, Membership::initial(size), config, state, now, rng);
        node.commit_index = setup.commit_index;
        node.last_applied = setup.commit_index;
        match setup.role.unwrap_or(RoleKind::Follower) {
            RoleKind::Follower => {}
            RoleKind::PreCandidate => node.role = Role::PreCandidate { granted: [id].into(), rejected: NodeSet::new() },
            RoleKind::Candidate | RoleKind::Leader if setup.voted_for != Some(id) => {
                return Err(format!("a candidate or leader has voted for itself; votedFor is {:?}", setup.voted_for));
            }
            RoleKind::Candidate => node.role = Role::Candidate { granted: [id].into(), rejected: NodeSet::new() },
            RoleKind::Leader => node.role = Role::Leader(Box::new(node.fresh_leader_state(now))),
        }
        Ok(node)
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
    pub fn election_deadline_us(&self) -> Time {
        self.election_deadline_us
    }
    /// The configuration in force and the index of the entry that holds it (0: the initial).
    pub fn membership(&self) -> (&Membership, Index) {
        (&self.membership, self.membership_index)
    }

    pub fn role_kind(&self) -> RoleKind {
        self.role.kind()
    }

    /// The leader this server believes in, for client redirects.
    pub fn leader_hint(&self) -> Option<NodeId> {
        match self.role {
            Role::Follower { leader } => leader,
            Role::PreCandidate { .. } | Role::Candidate { .. } => None,
            Role::Leader(_) => Some(self.id),
        }
    }

    /// When `tick` next has work: a leader's heartbeat, quorum check or transfer deadline; the
    /// election timeout otherwise.
    pub fn next_deadline_us(&self) -> Time {
        match &self.role {
            Role::Leader(l) => {
                let quorum = if self.config.check_quorum { l.quorum_check_due_us } else { Time::MAX };
                let transfer = l.transfer.map_or(Time::MAX, |t| t.deadline_us);
                l.heartbeat_due_us.min(quorum).min(transfer)
            }
            Role::Follower { .. } | Role::PreCandidate { .. } | Role::Candidate { .. } => self.election_deadline_us,
        }
    }

    /// Votes (or pre-votes) a candidate has collected so far, itself included.
    pub fn votes(&self) -> Option<&NodeSet> {
        match &self.role {
            Role::Candidate { granted, .. } | Role::PreCandidate { granted, .. } => Some(granted),
            Role::Follower { .. } | Role::Leader(_) => None,
        }
    }

    pub fn progress(&self) -> Option<&Tracker> {
        match &self.role {
            Role::Leader(l) => Some(&l.progress),
            _ => None,
        }
    }

    /// The leadership transfer under way, if this server leads and is handing over.
    pub fn transfer(&self) -> Option<Transfer> {
        match &self.role {
            Role::Leader(l) => l.transfer,
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
        let before = self.before();
        self.note_time(now);
        match self.role {
            Role::Leader(_) => self.tick_leader(now, out),
            Role::Follower { .. } | Role::PreCandidate { .. } | Role::Candidate { .. } => {
                if now >= self.election_deadline_us {
                    self.start_election(now, out);
                }
            }
        }
        self.process_reads(out);
        self.assert_invariants(&before);
    }

    /// The election timer fires now, whatever it says (the UI's "time out").
    pub fn timeout_now(&mut self, now: Time, out: &mut Outbox) {
        let before = self.before();
        self.note_time(now);
        self.start_election(now, out);
        self.process_reads(out);
        self.assert_invariants(&before);
    }

    /// A client command arrives at this server. Only a leader appends it (section 5.3), and not
    /// while it hands leadership over (3.10).
    pub fn propose(&mut self, command: Command, out: &mut Outbox) -> Result<Index, ProposeError> {
        // The host may hand a command to any server.
        let Role::Leader(leader) = &self.role else {
            return Err(ProposeError::NotLeader { hint: self.leader_hint() });
        };
        if let Some(t) = leader.transfer {
            return Err(ProposeError::Transferring { target: t.target });
        }
        if self.state.log.last_index() >= self.config.max_log_len {
            return Err(ProposeError::LogFull);
        }
        let before = self.before();
        let index = self.state.log.push(self.term(), Some(command));
        out.events.push(NodeEvent::Appended { first: index, last: index });
        self.replicate_to_caught_up(index, out);
        self.maybe_commit(out);
        self.process_reads(out);
        self.assert_invariants(&before);
        Ok(index)
    }

    /// Handles one message. Input the module cannot trust is checked first and refused with an
    /// error; then the term rule (`apply_term_rule`) runs once for every message, so the
    /// handlers below may assume the message is from the current term.
    pub fn step(&mut self, now: Time, env: Envelope, out: &mut Outbox) -> Result<(), StepError> {
        self.validate(&env)?;
        let before = self.before();
        self.note_time(now);
        if self.apply_term_rule(now, &env, out) {
            // What the term rule established: only PreVote's hypothetical terms differ (9.6).
            let hypothetical = matches!(env.body, Message::PreVote { .. } | Message::PreVoteReply { granted: true });
            assert!(hypothetical || env.term == self.term(), "a term-{} message passed the term rule", env.term);
            self.dispatch(now, env, out);
            self.process_reads(out);
        }
        self.assert_invariants(&before);
        Ok(())
    }

    /// Hands a message of our term to its handler.
    fn dispatch(&mut self, now: Time, env: Envelope, out: &mut Outbox) {
        let from = env.from;
        self.note_heard_from(from);
        match env.body {
            Message::RequestVote { last_log_index, last_log_term, .. } => {
                self.handle_request_vote(now, from, last_log_index, last_log_term, out)
            }
            Message::RequestVoteReply { granted } => self.handle_vote_reply(now, from, granted, out),
            Message::PreVote { last_log_index, last_log_term } => {
                self.handle_pre_vote(now, from, env.term, last_log_index, last_log_term, out)
            }
            Message::PreVoteReply { granted } => self.handle_pre_vote_reply(now, from, env.term, granted, out),
            Message::AppendEntries { prev_log_index, prev_log_term, entries, leader_commit, read_round } => {
                let request =
                    replication::AppendRequest { prev_log_index, prev_log_term, entries, leader_commit, read_round };
                self.handle_append(now, from, request, out)
            }
            Message::AppendEntriesReply { success, match_index, conflict_index, conflict_term, read_round } => {
                self.note_read_ack(from, read_round);
                if success {
                    self.handle_append_success(from, match_index, out)
                } else if conflict_index > 0 {
                    self.handle_append_failure(from, conflict_index, conflict_term, out)
                }
                // conflict_index 0: the refusal of a request from an older term, not a hint.
            }
            Message::TimeoutNow => self.handle_timeout_now(now, out),
            Message::ReadIndex { ctx } => self.handle_read_index(from, ctx, out),
            Message::ReadIndexReply { ctx, index } => self.handle_read_index_reply(ctx, index),
            Message::InstallSnapshot { snapshot } => self.handle_install_snapshot(now, from, *snapshot, out),
        }
    }

    /// Time never runs backwards for a node: the host's clock only moves forward.
    fn note_time(&mut self, now: Time) {
        assert!(now >= self.now_us, "n{}: time went back from {} to {now} µs", self.id, self.now_us);
        self.now_us = now;
    }

    fn send(&self, to: NodeId, body: Message, out: &mut Outbox) {
        self.send_at(to, self.term(), body, out);
    }

    fn send_at(&self, to: NodeId, term: Term, body: Message, out: &mut Outbox) {
        out.messages.push(Envelope { from: self.id, to, term, body });
    }

    fn reset_election_timer(&mut self, now: Time) {
        let timeout = self.rng.range(self.config.election_timeout_min_us, self.config.election_timeout_max_us);
        self.election_deadline_us = now + timeout;
    }

    fn become_follower(&mut self, now: Time, term: Term, leader: Option<NodeId>, out: &mut Outbox) {
        let term_changed = term > self.term();
        // Most calls come from the leader this follower already follows (every AppendEntries):
        // nothing to change.
        if !term_changed && matches!(self.role, Role::Follower { leader: l } if l == leader) {
            return;
        }
        let was = self.role_kind();
        if term_changed {
            self.state.current_term = term;
            self.state.voted_for = None;
            self.leader_contact_us = None;
            // A read index the old leader never sent will not come; known ones stay valid.
            self.follower_reads.retain(|_, index| index.is_some());
        }
        if was != RoleKind::Follower {
            self.reset_election_timer(now);
        }
        self.role = Role::Follower { leader };
        if term_changed || was != RoleKind::Follower {
            out.events.push(NodeEvent::RoleChanged { role: RoleKind::Follower, term: self.term() });
        }
    }

    /// The leader's timers: heartbeats (5.2), the CheckQuorum round (6.2) and the deadline of
    /// a leadership transfer (3.10).
    fn tick_leader(&mut self, now: Time, out: &mut Outbox) {
        let (min_us, heartbeat_us) = (self.config.election_timeout_min_us, self.config.heartbeat_interval_us);
        let check_quorum = self.config.check_quorum;
        let l = self.role.leader_mut();
        if let Some(t) = l.transfer.filter(|t| now >= t.deadline_us) {
            l.transfer = None;
            out.events.push(NodeEvent::Transfer { target: t.target, started: false });
        }
        if check_quorum && now >= l.quorum_check_due_us {
            let active = l.progress.iter().filter(|(_, p)| p.recent_active).map(|(id, _)| id);
            let heard: NodeSet = active.chain([self.id]).collect();
            if self.membership.vote_result(&heard, &NodeSet::new()) != super::quorum::VoteResult::Won {
                let term = self.term();
                return self.become_follower(now, term, None, out);
            }
            l.progress.values_mut().for_each(|p| p.recent_active = false);
            l.quorum_check_due_us = now + min_us;
        }
        if now >= l.heartbeat_due_us {
            l.heartbeat_due_us = now + heartbeat_us;
            self.broadcast_append(out);
        }
    }

    /// CheckQuorum's bookkeeping: any message of our term from a peer shows it is reachable.
    fn note_heard_from(&mut self, from: NodeId) {
        // Any role: only a leader keeps the count.
        if let Some(p) = self.role.leading_mut().and_then(|l| l.progress.get_mut(from)) {
            p.recent_active = true;
        }
    }

    fn fresh_leader_state(&self, now: Time) -> LeaderState {
        LeaderState {
            progress: Tracker::new(&self.peers, Progress::for_new_leader(self.state.log.last_index())),
            heartbeat_due_us: now + self.config.heartbeat_interval_us,
            quorum_check_due_us: now + self.config.election_timeout_min_us,
            transfer: None,
            read_round: 0,
            reads: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests;
