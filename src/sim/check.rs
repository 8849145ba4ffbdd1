//! Safety invariants, checked as the simulation runs (Raft paper, Figure 3, plus etcd's
//! "every committed entry is on a majority" and monotonicity of terms and commit indexes).
//!
//! "Committed Never Lost" is checked the way Raft promises it, not stronger: no server deletes
//! an entry at or below its *own* commit index, and every committed entry stays on a majority.
//! A server that never learned an entry was committed may have it replaced by a stale leader
//! (a swarm found such a run, `tests/protocol.rs::stale_leader_replaces_committed_entry_on_a_minority`);
//! the majority that holds it keeps it safe.
//!
//! The checker watches every server step: the node's events say what changed, so each check
//! looks only at the entries that changed and stays cheap enough to run on every event. A
//! violation names the invariant, the time, the servers and a sentence a student can follow.

use std::collections::BTreeMap;

use serde::Serialize;

use super::server::Server;
use super::shared::SharedVec;
use crate::raft::{Command, Entry, Index, Membership, Node, NodeEvent, NodeId, RoleKind, Term, Time};

/// What Log Matching compares at an (index, term): the command and the previous entry's term.
type Fingerprint = (Option<Command>, Term);

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Invariant {
    ElectionSafety,
    LeaderAppendOnly,
    LogMatching,
    LeaderCompleteness,
    StateMachineSafety,
    CommittedOnMajority,
    CommittedNeverLost,
    TermMonotonic,
    CommitMonotonic,
    Linearizability,
    /// Checked on traces from other implementations: the simulator's servers vote through
    /// `Node`, whose own asserts keep this.
    OneVotePerTerm,
    /// A trace whose messages do not pair up (a receive with no send, a reply to a request
    /// never received) is inconsistent: a fault of the trace, not of Raft.
    MessageConsistency,
}

impl Invariant {
    pub fn name(self) -> &'static str {
        match self {
            Invariant::ElectionSafety => "Election Safety",
            Invariant::LeaderAppendOnly => "Leader Append-Only",
            Invariant::LogMatching => "Log Matching",
            Invariant::LeaderCompleteness => "Leader Completeness",
            Invariant::StateMachineSafety => "State Machine Safety",
            Invariant::CommittedOnMajority => "Committed On Majority",
            Invariant::CommittedNeverLost => "Committed Never Lost",
            Invariant::TermMonotonic => "Term Monotonic",
            Invariant::CommitMonotonic => "Commit Monotonic",
            Invariant::Linearizability => "Linearizability",
            Invariant::OneVotePerTerm => "One Vote Per Term",
            Invariant::MessageConsistency => "Message Consistency",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub invariant: Invariant,
    pub time_us: Time,
    pub nodes: Vec<NodeId>,
    pub detail: String,
}

/// At most this many violations are kept; the first ones are the ones worth reading.
pub const MAX_VIOLATIONS: usize = 64;

#[derive(Clone, Debug)]
pub struct Checker {
    leaders: BTreeMap<Term, NodeId>,
    /// Every (index, term) ever stored anywhere, with its command and the previous entry's term:
    /// Log Matching says these must never differ between servers. The first term seen at
    /// index i sits at position i-1; the terms that came later to an index (entries that were
    /// overwritten) are few and go in `entries_overwritten`. Both grow for the whole run, so
    /// the first is shared between copies of the world (`sim::shared`), as are the next three.
    entries: SharedVec<Option<(Term, Fingerprint)>>,
    entries_overwritten: BTreeMap<(Index, Term), Fingerprint>,
    /// The committed prefix as first observed, entry i at position i-1.
    committed: SharedVec<Entry>,
    /// The term in which each committed entry was first seen committed: Leader Completeness
    /// binds leaders of later terms only (a candidate of an older term can still win late,
    /// with delayed votes, after a newer term has committed something).
    committed_in: SharedVec<Term>,
    /// The first entry applied at each index.
    applied: SharedVec<Entry>,
    max_term: Vec<Term>,
    max_commit: Vec<Index>,
    violations: Vec<Violation>,
    /// The newest committed configuration: "on a majority" means a majority of its voters
    /// (of both halves while joint).
    membership: Membership,
}

fn describe(e: &Entry) -> String {
    match &e.command {
        Some(c) => format!("{}@t{} ({} from c{} #{})", e.index, e.term, c.op, c.client, c.seq),
        None => match &e.config {
            Some(m) => format!("{}@t{} (configuration {m})", e.index, e.term),
            None => format!("{}@t{} (no-op)", e.index, e.term),
        },
    }
}

impl Checker {
    pub fn new(nodes: u8) -> Checker {
        let n = usize::from(nodes) + 1;
        Checker {
            leaders: BTreeMap::new(),
            entries: SharedVec::new(),
            entries_overwritten: BTreeMap::new(),
            committed: SharedVec::new(),
            committed_in: SharedVec::new(),
            applied: SharedVec::new(),
            max_term: vec![0; n],
            max_commit: vec![0; n],
            violations: Vec::new(),
            membership: Membership::initial(nodes),
        }
    }

    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    pub fn committed_len(&self) -> Index {
        self.committed.len() as Index
    }

    /// The configuration of the newest committed configuration entry (the first servers'
    /// until one commits).
    pub fn committed_membership(&self) -> &Membership {
        &self.membership
    }

    /// The committed entries, in index order, as first observed.
    pub fn committed(&self) -> impl Iterator<Item = &Entry> {
        self.committed.iter()
    }

    /// Records a violation unless the same invariant already failed on the same servers.
    pub fn report(&mut self, invariant: Invariant, time_us: Time, nodes: Vec<NodeId>, detail: String) {
        let repeat = self.violations.iter().any(|v| v.invariant == invariant && v.nodes == nodes);
        if !repeat && self.violations.len() < MAX_VIOLATIONS {
            self.violations.push(Violation { invariant, time_us, nodes, detail });
        }
    }

    /// A server joined the world (its slots exist from the start; nothing to do but keep the
    /// bookkeeping sized).
    pub fn add_server(&mut self) {
        self.max_term.push(0);
        self.max_commit.push(0);
    }

    /// commitIndex is volatile: a restarted server starts again from 0.
    pub fn on_restart(&mut self, node: NodeId) {
        self.max_commit[usize::from(node)] = 0;
    }

    /// Checks one server step: its events, the entries it applied, and the cluster's logs.
    pub fn observe(&mut self, now: Time, node: &Node, events: &[NodeEvent], applied: &[Entry], servers: &[Server]) {
        let id = node.id();
        for event in events {
            match *event {
                NodeEvent::RoleChanged { role: RoleKind::Leader, term } => self.check_new_leader(now, node, term),
                NodeEvent::Appended { first, last } => self.check_appended(now, node, first, last),
                NodeEvent::Truncated { from, term } => self.check_truncated(now, node, from, term, servers),
                NodeEvent::Committed { index } => self.check_committed(now, node, index, servers),
                _ => {}
            }
        }
        for entry in applied {
            self.check_applied(now, id, entry);
        }
        self.check_monotonic(now, node);
    }

    fn check_new_leader(&mut self, now: Time, node: &Node, term: Term) {
        let id = node.id();
        if let Some(&other) = self.leaders.get(&term)
            && other != id
        {
            let detail = format!("n{other} and n{id} were both elected leader in term {term}");
            self.report(Invariant::ElectionSafety, now, vec![other, id], detail);
        }
        self.leaders.insert(term, id);
        let log = node.log();
        // A snapshot holds every committed entry it covers (section 7).
        let beyond_snapshot = log.snapshot_index() as usize;
        let missing = {
            let mut committed =
                self.committed.iter_from(beyond_snapshot).zip(self.committed_in.iter_from(beyond_snapshot));
            committed.find(|&(c, &t)| t < term && log.term_at(c.index) != Some(c.term)).map(|(c, _)| c.clone())
        };
        if let Some(c) = missing {
            let detail = format!("n{id} became leader of term {term} without committed entry {}", describe(&c));
            self.report(Invariant::LeaderCompleteness, now, vec![id], detail);
        }
    }

    fn check_appended(&mut self, now: Time, node: &Node, first: Index, last: Index) {
        let log = node.log();
        for e in log.slice(first, last) {
            let prev_term = log.term_at(e.index - 1).unwrap_or(0);
            if !self.matches_record(e.index, e.term, (e.command, prev_term)) {
                let detail = format!(
                    "n{} stores {} but another server has a different entry or history at {}@t{}",
                    node.id(),
                    describe(e),
                    e.index,
                    e.term
                );
                self.report(Invariant::LogMatching, now, vec![node.id()], detail);
            }
        }
    }

    /// Whether `(index, term)` has this fingerprint wherever it was seen before; records it
    /// when it is new.
    fn matches_record(&mut self, index: Index, term: Term, fingerprint: Fingerprint) -> bool {
        let i = (index - 1) as usize;
        while self.entries.len() <= i {
            self.entries.push(None);
        }
        match self.entries[i] {
            None => {
                self.entries[i] = Some((term, fingerprint));
                true
            }
            Some((first, seen)) if first == term => seen == fingerprint,
            Some(_) => *self.entries_overwritten.entry((index, term)).or_insert(fingerprint) == fingerprint,
        }
    }

    /// What Raft promises about deletions: a server never deletes (for a conflict) an entry at
    /// or below its own commitIndex, and every committed entry stays on a majority. A server
    /// that does not know an entry is committed may replace it (a stale leader can reach it
    /// first), as long as a majority still holds the entry.
    fn check_truncated(&mut self, now: Time, node: &Node, from: Index, term: Term, servers: &[Server]) {
        let id = node.id();
        if node.role_kind() == RoleKind::Leader {
            let detail = format!("leader n{id} deleted its own entries from {from} on");
            self.report(Invariant::LeaderAppendOnly, now, vec![id], detail);
        }
        let own_commit = self.max_commit[usize::from(id)];
        if from <= own_commit {
            let detail = format!(
                "n{id} deleted entries from {from} on (the first of term {term}) although its commit index was {own_commit}"
            );
            self.report(Invariant::CommittedNeverLost, now, vec![id], detail);
        }
        // By Log Matching, if the first deleted entry was not the committed one, no later one was.
        if from <= self.committed_len() && self.committed[(from - 1) as usize].term == term {
            let lost = self.committed[(from - 1) as usize].clone();
            self.check_majority(now, &lost, servers);
        }
    }

    fn check_committed(&mut self, now: Time, node: &Node, index: Index, servers: &[Server]) {
        let start = self.max_commit[usize::from(node.id())] + 1;
        for e in node.log().slice(start, index) {
            match self.committed.get((e.index - 1) as usize) {
                Some(known) if known.term == e.term && known.command == e.command => {}
                Some(known) => {
                    let detail = format!(
                        "n{} committed {} where {} had been committed before",
                        node.id(),
                        describe(e),
                        describe(known)
                    );
                    self.report(Invariant::StateMachineSafety, now, vec![node.id()], detail);
                }
                None => {
                    if let Some(m) = &e.config {
                        self.membership = (**m).clone();
                    }
                    self.committed.push(e.clone());
                    self.committed_in.push(node.term());
                    self.check_majority(now, e, servers);
                }
            }
        }
    }

    fn check_majority(&mut self, now: Time, e: &Entry, servers: &[Server]) {
        // Runs for every newly committed entry: no sets built unless something is wrong.
        let holds = |s: &Server| s.log().snapshot_index() >= e.index || s.log().term_at(e.index) == Some(e.term);
        let lacks = |id: NodeId| servers.iter().find(|s| s.id == id).is_none_or(|s| !holds(s));
        let m = &self.membership;
        // Raft's promise is that every quorum holds the entry, so that any future leader has
        // it: the servers without it must not form a quorum (for an odd number of voters that
        // is "a majority holds it"; with an even number, half may suffice).
        if m.is_quorum(lacks) {
            let missing: Vec<NodeId> = m.voters.union(&m.outgoing).iter().filter(|&id| lacks(id)).collect();
            let detail = format!("committed entry {} is missing on a quorum of the configuration {m}", describe(e));
            self.report(Invariant::CommittedOnMajority, now, missing, detail);
        }
    }

    fn check_applied(&mut self, now: Time, id: NodeId, e: &Entry) {
        match self.applied.get((e.index - 1) as usize) {
            Some(first) if first.term == e.term && first.command == e.command => {}
            Some(first) => {
                let detail = format!(
                    "n{id} applied {} at index {} where another server applied {}",
                    describe(e),
                    e.index,
                    describe(first)
                );
                self.report(Invariant::StateMachineSafety, now, vec![id], detail);
            }
            None => {
                assert_eq!(e.index, self.applied.len() as Index + 1, "entries are applied in order");
                self.applied.push(e.clone());
            }
        }
    }

    fn check_monotonic(&mut self, now: Time, node: &Node) {
        let id = node.id();
        let slot = usize::from(id);
        if node.term() < self.max_term[slot] {
            let detail = format!("n{id}'s term went back from {} to {}", self.max_term[slot], node.term());
            self.report(Invariant::TermMonotonic, now, vec![id], detail);
        }
        if node.commit_index() < self.max_commit[slot] {
            let detail =
                format!("n{id}'s commit index went back from {} to {}", self.max_commit[slot], node.commit_index());
            self.report(Invariant::CommitMonotonic, now, vec![id], detail);
        }
        if node.commit_index() > node.log().last_index() {
            let detail = format!(
                "n{id} has commit index {} but only {} entries: committed entries were deleted",
                node.commit_index(),
                node.log().last_index()
            );
            self.report(Invariant::CommittedNeverLost, now, vec![id], detail);
        }
        self.max_term[slot] = self.max_term[slot].max(node.term());
        self.max_commit[slot] = self.max_commit[slot].max(node.commit_index());
    }
}
