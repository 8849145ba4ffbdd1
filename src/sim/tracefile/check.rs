//! Raft's invariants over a trace (paper Figure 3; dissertation 3.6), judged from what the trace
//! carries, the same way [`crate::sim::check::Checker`] judges our own runs:
//!
//! - Election Safety: at most one leader per term.
//! - Term Monotonic: a server's term never goes back, across restarts too (it is persistent).
//! - One Vote Per Term: a server never votes for two candidates in one term.
//! - Commit Monotonic: commitIndex never goes back, except across a restart (it is volatile).
//! - Committed Never Lost: commitIndex never passes the last log index, and no server deletes an
//!   entry at or below its own commitIndex.
//! - Leader Append-Only: a leader never deletes or overwrites its entries.
//! - Log Matching: two entries with the same index and term hold the same command and follow
//!   the same history (the previous entry's term), wherever both are known.
//! - Leader Completeness: a leader of term T holds every entry committed in a term before T.
//! - State Machine Safety: no two servers commit or apply different entries at one index.
//! - Message Consistency: every receive has a send, and every reply answers a request its sender
//!   received; a failure here means the trace is inconsistent, not that Raft is broken.
//! - Linearizability of the client operations, with the simulator's search budget.
//!
//! Each check needs some data (terms, votes, entries, ...). What the trace never carried makes a
//! check "not checkable", with the reason, rather than a silent pass. Committed On Majority is
//! never checkable from a trace: it needs to know which configuration entry is committed.

use serde::Serialize;

use super::cluster::{Delivery, Slot, TraceCluster};
use super::event::{Event, Record, StateChange};
use crate::raft::{Index, NodeId, RoleKind, Term};
use crate::sim::check::{Invariant, MAX_VIOLATIONS};
use crate::sim::client::HistoryOp;
use crate::sim::linearize::{self, Verdict};
use crate::sim::shared::SharedVec;

/// Client operations kept for the linearizability check; past it the check is not made.
pub const MAX_TRACE_OPS: usize = 1_000_000;

/// The checks a trace is judged by, in the order they are reported.
pub const CHECKS: [Invariant; 12] = [
    Invariant::ElectionSafety,
    Invariant::TermMonotonic,
    Invariant::OneVotePerTerm,
    Invariant::CommitMonotonic,
    Invariant::CommittedNeverLost,
    Invariant::LeaderAppendOnly,
    Invariant::LogMatching,
    Invariant::LeaderCompleteness,
    Invariant::StateMachineSafety,
    Invariant::CommittedOnMajority,
    Invariant::MessageConsistency,
    Invariant::Linearizability,
];

/// A broken invariant in a trace: the line, the trace's time, the servers, one sentence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TraceViolation {
    pub invariant: Invariant,
    pub line: u64,
    pub t: u64,
    pub servers: Vec<NodeId>,
    pub detail: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum Status {
    Held,
    Violated(TraceViolation),
    NotCheckable { why: String },
}

#[derive(Clone, Debug, Serialize)]
pub struct TraceReport {
    pub events: u64,
    pub checks: Vec<(Invariant, Status)>,
}

impl TraceReport {
    pub fn violated(&self) -> bool {
        self.checks.iter().any(|(_, s)| matches!(s, Status::Violated(_)))
    }
}

/// What kinds of data the trace has carried so far.
#[derive(Clone, Copy, Debug, Default)]
struct Seen {
    roles: bool,
    terms: bool,
    votes: bool,
    commits: bool,
    log_lengths: bool,
    entry_terms: bool,
    messages: bool,
    clients: bool,
}

/// What the checks remember of one entry index: the first (term, command, previous term) seen.
type Known = (Term, Option<u64>, Option<Term>);

#[derive(Clone, Debug)]
pub struct TraceChecker {
    pub cluster: TraceCluster,
    seen: Seen,
    events: u64,
    leaders: std::collections::BTreeMap<Term, NodeId>,
    max_term: Vec<Term>,
    max_commit: Vec<Index>,
    voted: Vec<Option<(Term, NodeId)>>,
    entries: Vec<Option<Known>>,
    entries_overwritten: std::collections::BTreeMap<(Index, Term), (Option<u64>, Option<Term>)>,
    /// The committed prefix as first observed: the slot and the term it was committed in.
    committed: Vec<(Slot, Option<Term>)>,
    applied: Vec<Slot>,
    history: Vec<HistoryOp>,
    /// The line of each operation's return (0 until it returns), beside `history`.
    return_lines: Vec<u64>,
    /// (client, operation id) → position in `history` of its newest call.
    calls: std::collections::BTreeMap<(u32, u64), usize>,
    too_many_ops: bool,
    violations: Vec<TraceViolation>,
    /// The trace's own names for the servers, for the sentences.
    names: Vec<String>,
}

/// The parts of a server's state the checks compare before and after an event.
#[derive(Clone, Copy)]
struct Brief {
    up: bool,
    role: Option<RoleKind>,
    term: Option<Term>,
    last: Index,
}

impl TraceChecker {
    pub fn new(servers: usize) -> TraceChecker {
        TraceChecker {
            cluster: TraceCluster::new(servers),
            seen: Seen::default(),
            events: 0,
            leaders: Default::default(),
            max_term: Vec::new(),
            max_commit: Vec::new(),
            voted: Vec::new(),
            entries: Vec::new(),
            entries_overwritten: Default::default(),
            committed: Vec::new(),
            applied: Vec::new(),
            history: Vec::new(),
            return_lines: Vec::new(),
            calls: Default::default(),
            too_many_ops: false,
            violations: Vec::new(),
            names: Vec::new(),
        }
    }

    /// Names the servers in the sentences as the trace does (server `i` is `names[i - 1]`);
    /// unnamed ones are `n<i>`.
    pub fn name_servers(&mut self, names: &[String]) {
        if names.len() != self.names.len() {
            self.names = names.to_vec();
        }
    }

    fn name(&self, id: NodeId) -> String {
        match self.names.get(usize::from(id).wrapping_sub(1)) {
            Some(name) => super::display_name(name),
            None => format!("n{id}"),
        }
    }

    pub fn violations(&self) -> &[TraceViolation] {
        &self.violations
    }

    fn report(&mut self, invariant: Invariant, rec: &Record, servers: Vec<NodeId>, detail: String) {
        let repeat = self.violations.iter().any(|v| v.invariant == invariant && v.servers == servers);
        if !repeat && self.violations.len() < MAX_VIOLATIONS {
            self.violations.push(TraceViolation { invariant, line: rec.line, t: rec.t, servers, detail });
        }
    }

    fn slot_of(&mut self, id: NodeId) -> usize {
        let slot = usize::from(id) - 1;
        if self.max_term.len() <= slot {
            self.max_term.resize(slot + 1, 0);
            self.max_commit.resize(slot + 1, 0);
            self.voted.resize(slot + 1, None);
        }
        slot
    }

    fn brief(&self, id: NodeId) -> Brief {
        match self.cluster.servers.get(usize::from(id) - 1) {
            Some(s) => Brief { up: s.up, role: s.role, term: s.term, last: s.last_index() },
            None => Brief { up: true, role: None, term: None, last: 0 },
        }
    }

    /// Checks one event and carries it out on the cluster; says how a message paired up.
    pub fn observe(&mut self, rec: &Record) -> Delivery {
        self.events += 1;
        self.note_seen(&rec.event);
        let Some(id) = rec
            .event
            .server()
            .filter(|_| !matches!(rec.event, Event::Send(_) | Event::Receive(_) | Event::Drop(_) | Event::Note { .. }))
        else {
            return self.observe_other(rec);
        };
        let slot = self.slot_of(id);
        let before = self.brief(id);
        self.before_log_change(rec, id, before);
        self.cluster.apply(rec.t, &rec.event);
        match &rec.event {
            Event::State { state, .. } => self.after_state(rec, id, slot, before, state),
            Event::Append { index, term: Some(term), .. } => self.check_entry(rec, id, *index, *term),
            Event::Apply { index, .. } => self.check_applied(rec, id, *index),
            Event::Restart { .. } => self.max_commit[slot] = self.cluster.server(id).snapshot,
            Event::Snapshot { index, .. } => self.after_commit(rec, id, slot, *index),
            _ => {}
        }
        Delivery::None
    }

    fn observe_other(&mut self, rec: &Record) -> Delivery {
        let delivery = self.cluster.apply(rec.t, &rec.event);
        match delivery {
            Delivery::Unsent => {
                let (Event::Receive(m) | Event::Drop(m)) = &rec.event else { unreachable!("only arrivals go unsent") };
                let detail = format!(
                    "{} received a {} from {} that was never sent: the trace is inconsistent",
                    self.name(m.to),
                    m.kind.name(),
                    self.name(m.from)
                );
                self.report(Invariant::MessageConsistency, rec, vec![m.from, m.to], detail);
            }
            Delivery::Sent { asked: false, .. } => {
                let Event::Send(m) = &rec.event else { unreachable!("only sends answer") };
                let detail = format!(
                    "{} sent a {} to {} without having received its request: the trace is inconsistent",
                    self.name(m.from),
                    m.kind.name(),
                    self.name(m.to)
                );
                self.report(Invariant::MessageConsistency, rec, vec![m.from, m.to], detail);
            }
            Delivery::Sent { .. } | Delivery::Arrived { .. } | Delivery::None => {}
        }
        match &rec.event {
            Event::Invoke { client, id, op } if self.history.len() < MAX_TRACE_OPS => {
                self.calls.insert((*client, *id), self.history.len());
                self.return_lines.push(0);
                self.history.push(HistoryOp {
                    client: *client,
                    seq: *id,
                    op: *op,
                    invoke_us: rec.t,
                    returned: None,
                    answered_by: None,
                    stages: Vec::new(),
                });
            }
            Event::Invoke { .. } => self.too_many_ops = true,
            Event::Return { client, id, output } => match self.calls.get(&(*client, *id)) {
                Some(&at) if self.history[at].returned.is_none() => {
                    self.history[at].returned = Some((rec.t, output.clone()));
                    self.return_lines[at] = rec.line;
                }
                _ => {
                    let detail = format!(
                        "c{client} returned from operation #{id}, which it had not invoked: the trace is inconsistent"
                    );
                    self.report(Invariant::MessageConsistency, rec, Vec::new(), detail);
                }
            },
            _ => {}
        }
        delivery
    }

    fn note_seen(&mut self, event: &Event) {
        let seen = &mut self.seen;
        match event {
            Event::State { state, .. } => {
                seen.roles |= state.role.is_some();
                seen.terms |= state.term.is_some();
                seen.votes |= state.vote.is_some();
                seen.commits |= state.commit.is_some();
                seen.log_lengths |= state.last_index.is_some();
                seen.entry_terms |= state.last_term.is_some();
            }
            Event::Append { term, .. } => {
                seen.log_lengths = true;
                seen.entry_terms |= term.is_some();
            }
            Event::Truncate { .. } => seen.log_lengths = true,
            Event::Send(_) | Event::Receive(_) | Event::Drop(_) => seen.messages = true,
            Event::Invoke { .. } | Event::Return { .. } => seen.clients = true,
            _ => {}
        }
    }
}

// What changes to a server's state must and must not do.
impl TraceChecker {
    /// Deletions, checked before the event runs: a leader never deletes its entries, and nobody
    /// deletes an entry at or below its own commitIndex.
    fn before_log_change(&mut self, rec: &Record, id: NodeId, before: Brief) {
        let from = match &rec.event {
            Event::Truncate { from, .. } => *from,
            Event::Append { index, .. } => *index,
            Event::State { state: StateChange { last_index: Some(last), .. }, .. } => last + 1,
            _ => return,
        };
        if from > before.last {
            return;
        }
        if let Event::Append { index, term, .. } = &rec.event {
            let same = self.cluster.server(id).term_at(*index);
            if term.is_none() || same == *term {
                return; // the same entry again, not an overwrite
            }
        }
        if before.up && before.role == Some(RoleKind::Leader) {
            let detail = format!("leader {} deleted its own entries from {from} on", self.name(id));
            self.report(Invariant::LeaderAppendOnly, rec, vec![id], detail);
        }
        let own_commit = self.max_commit[usize::from(id) - 1];
        if from <= own_commit {
            let detail =
                format!("{} deleted entries from {from} on although its commit index was {own_commit}", self.name(id));
            self.report(Invariant::CommittedNeverLost, rec, vec![id], detail);
        }
    }

    fn after_state(&mut self, rec: &Record, id: NodeId, slot: usize, before: Brief, state: &StateChange) {
        let server = self.cluster.server(id);
        let (term, role, vote, commit) = (server.term, server.role, server.vote, server.commit);
        if let Some(term) = term {
            if term < self.max_term[slot] {
                let detail = format!("{}'s term went back from {} to {term}", self.name(id), self.max_term[slot]);
                self.report(Invariant::TermMonotonic, rec, vec![id], detail);
            }
            self.max_term[slot] = self.max_term[slot].max(term);
            if let (Some(Some(_)), Some(v)) = (state.vote, vote) {
                match self.voted[slot] {
                    Some((t, w)) if t == term && w != v => {
                        let detail = format!(
                            "{} voted for {} and then for {} in term {term}",
                            self.name(id),
                            self.name(w),
                            self.name(v)
                        );
                        self.report(Invariant::OneVotePerTerm, rec, vec![id], detail);
                    }
                    _ => self.voted[slot] = Some((term, v)),
                }
            }
            let elected =
                role == Some(RoleKind::Leader) && (before.role != Some(RoleKind::Leader) || before.term != Some(term));
            if elected {
                self.check_new_leader(rec, id, term);
            }
        }
        if let Some(last_term) = state.last_term {
            let last = self.cluster.server(id).last_index();
            if last > 0 {
                self.check_entry(rec, id, last, last_term);
            }
        }
        if let Some(commit) = commit.filter(|_| state.commit.is_some()) {
            if commit < self.max_commit[slot] {
                let detail =
                    format!("{}'s commit index went back from {} to {commit}", self.name(id), self.max_commit[slot]);
                self.report(Invariant::CommitMonotonic, rec, vec![id], detail);
            }
            self.after_commit(rec, id, slot, commit);
        }
    }

    fn check_new_leader(&mut self, rec: &Record, id: NodeId, term: Term) {
        if let Some(&other) = self.leaders.get(&term)
            && other != id
        {
            let detail = format!("{} and {} were both elected leader in term {term}", self.name(other), self.name(id));
            self.report(Invariant::ElectionSafety, rec, vec![other, id], detail);
        }
        self.leaders.insert(term, id);
        let server = self.cluster.server(id);
        let missing = self.committed.iter().enumerate().find(|(i, (slot, committed_in))| {
            let index = *i as Index + 1;
            committed_in.is_some_and(|t| t < term)
                && index > server.snapshot
                && (server.last_index() < index
                    || slot.term.is_some_and(|t| server.term_at(index).is_some_and(|held| held != t)))
        });
        if let Some((i, (slot, _))) = missing {
            let entry = describe(i as Index + 1, slot);
            let detail = format!("{} became leader of term {term} without committed entry {entry}", self.name(id));
            self.report(Invariant::LeaderCompleteness, rec, vec![id], detail);
        }
    }

    /// Log Matching for the entry `index`@`term` now on `id`.
    fn check_entry(&mut self, rec: &Record, id: NodeId, index: Index, term: Term) {
        let server = self.cluster.server(id);
        let command = server.log[index as usize - 1].command;
        let prev = server.term_at(index - 1);
        let i = index as usize - 1;
        if self.entries.len() <= i {
            self.entries.resize(i + 1, None);
        }
        let agrees = |(c, p): (Option<u64>, Option<Term>), (c2, p2): (Option<u64>, Option<Term>)| {
            (c.is_none() || c2.is_none() || c == c2) && (p.is_none() || p2.is_none() || p == p2)
        };
        let ok = match self.entries[i] {
            None => {
                self.entries[i] = Some((term, command, prev));
                true
            }
            Some((first, c, p)) if first == term => agrees((c, p), (command, prev)),
            Some(_) => {
                agrees(*self.entries_overwritten.entry((index, term)).or_insert((command, prev)), (command, prev))
            }
        };
        if !ok {
            let detail = format!(
                "{} stores entry {index}@t{term} but another server has a different entry or history there",
                self.name(id)
            );
            self.report(Invariant::LogMatching, rec, vec![id], detail);
        }
    }

    /// commitIndex now `commit` on `id`: it must not pass the log, and what it newly covers must
    /// agree with what was committed before.
    fn after_commit(&mut self, rec: &Record, id: NodeId, slot: usize, commit: Index) {
        let server = self.cluster.server(id);
        if self.seen.log_lengths && commit > server.last_index() {
            let detail =
                format!("{} has commit index {commit} but only {} entries", self.name(id), server.last_index());
            self.report(Invariant::CommittedNeverLost, rec, vec![id], detail);
            self.max_commit[slot] = self.max_commit[slot].max(commit);
            return;
        }
        let start = self.max_commit[slot] as usize;
        let term = server.term;
        let newly: Vec<Slot> = server.log.get(start..commit as usize).map(<[Slot]>::to_vec).unwrap_or_default();
        for (k, entry) in newly.into_iter().enumerate() {
            let index = (start + k) as Index + 1;
            match self.committed.get(index as usize - 1) {
                Some((known, _)) => {
                    if differs(known, &entry) {
                        let detail = format!(
                            "{} committed {} where {} had been committed before",
                            self.name(id),
                            describe(index, &entry),
                            describe(index, known)
                        );
                        self.report(Invariant::StateMachineSafety, rec, vec![id], detail);
                    }
                }
                None => self.committed.push((entry, term)),
            }
        }
        self.max_commit[slot] = self.max_commit[slot].max(commit);
    }

    fn check_applied(&mut self, rec: &Record, id: NodeId, index: Index) {
        let entry = self.cluster.server(id).log.get(index as usize - 1).copied().unwrap_or_default();
        match self.applied.get(index as usize - 1) {
            Some(first) if differs(first, &entry) => {
                let detail = format!(
                    "{} applied {} where another server applied {}",
                    self.name(id),
                    describe(index, &entry),
                    describe(index, first)
                );
                self.report(Invariant::StateMachineSafety, rec, vec![id], detail);
            }
            Some(_) => {}
            None => {
                while self.applied.len() < index as usize - 1 {
                    self.applied.push(Slot::default());
                }
                self.applied.push(entry);
            }
        }
    }

    /// The verdict on every check, after the last event.
    pub fn finish(&self) -> TraceReport {
        let checks = CHECKS.iter().map(|&inv| (inv, self.status(inv))).collect();
        TraceReport { events: self.events, checks }
    }

    fn status(&self, invariant: Invariant) -> Status {
        if let Some(v) = self.violations.iter().find(|v| v.invariant == invariant) {
            return Status::Violated(v.clone());
        }
        match self.missing(invariant) {
            Some(why) => Status::NotCheckable { why: why.to_string() },
            None if invariant == Invariant::Linearizability => self.linearizability(),
            None => Status::Held,
        }
    }

    /// Why the trace does not allow `invariant` to be checked, if it does not.
    fn missing(&self, invariant: Invariant) -> Option<&'static str> {
        let s = self.seen;
        let need = |have: bool, why| if have { None } else { Some(why) };
        match invariant {
            Invariant::ElectionSafety => {
                need(s.roles && s.terms, "the trace never gives a server's role together with its term")
            }
            Invariant::TermMonotonic => need(s.terms, "the trace never gives a server's term"),
            Invariant::OneVotePerTerm => need(s.votes && s.terms, "the trace never gives votes with terms"),
            Invariant::CommitMonotonic => need(s.commits, "the trace never gives a commit index"),
            Invariant::CommittedNeverLost | Invariant::LeaderAppendOnly => {
                need(s.commits && s.log_lengths, "the trace gives no log lengths or no commit indexes")
            }
            Invariant::LeaderCompleteness => {
                need(s.roles && s.commits && s.log_lengths, "the trace lacks roles, commit indexes or log lengths")
            }
            Invariant::LogMatching => need(s.entry_terms, "the trace never gives the term of an entry"),
            Invariant::StateMachineSafety => {
                need(s.commits && s.entry_terms, "the trace never gives the term of a committed entry")
            }
            Invariant::CommittedOnMajority => Some(
                "which configuration entry is committed is not in a trace, and a majority of which servers depends on it",
            ),
            Invariant::MessageConsistency => need(s.messages, "the trace has no messages"),
            Invariant::Linearizability if self.too_many_ops => {
                Some("the trace has more client operations than the check takes")
            }
            Invariant::Linearizability => need(s.clients, "the trace has no client operations"),
        }
    }

    fn linearizability(&self) -> Status {
        let mut history = SharedVec::new();
        self.history.iter().cloned().for_each(|h| history.push(h));
        let verdict = linearize::check(&history, linearize::DEFAULT_BUDGET);
        match linearize::violation(&history, &verdict, self.history.last().map_or(0, |h| h.invoke_us)) {
            Some(v) => {
                let witness =
                    self.history.iter().position(|h| h.returned.as_ref().is_some_and(|(t, _)| *t == v.time_us));
                let line = witness.map_or(0, |w| self.return_lines[w]);
                Status::Violated(TraceViolation {
                    invariant: v.invariant,
                    line,
                    t: v.time_us,
                    servers: v.nodes,
                    detail: v.detail,
                })
            }
            None if verdict == Verdict::Unknown => {
                Status::NotCheckable { why: "the search budget ran out before an answer".to_string() }
            }
            None => Status::Held,
        }
    }
}

/// Whether two views of one index certainly disagree (unknown parts agree with anything).
fn differs(a: &Slot, b: &Slot) -> bool {
    let clash = |x: Option<u64>, y: Option<u64>| x.is_some() && y.is_some() && x != y;
    clash(a.term, b.term) || clash(a.command, b.command)
}

fn describe(index: Index, slot: &Slot) -> String {
    match slot.term {
        Some(t) => format!("{index}@t{t}"),
        None => format!("{index}"),
    }
}
