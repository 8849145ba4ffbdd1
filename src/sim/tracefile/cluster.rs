//! The cluster a trace describes, replayed event by event: what the page draws for an opened
//! trace and what the checks compare against. It holds only what the trace said; anything the
//! trace never said stays unknown (`None`), never guessed.

use std::collections::{BTreeMap, VecDeque};

use super::event::{Config, Event, Msg, StateChange};
use crate::raft::{Index, Kind, NodeId, RoleKind, Term};

/// Messages kept in flight; past it the oldest is forgotten (a trace that never receives what
/// it sends would otherwise grow without end).
pub const MAX_TRACE_IN_FLIGHT: usize = 100_000;

/// An entry as far as the trace knows it: its term and a fingerprint of its command.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Slot {
    pub term: Option<Term>,
    pub command: Option<u64>,
}

/// One server as the trace has described it so far.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerView {
    pub up: bool,
    pub role: Option<RoleKind>,
    pub term: Option<Term>,
    pub vote: Option<NodeId>,
    pub commit: Option<Index>,
    pub applied: Index,
    /// Entry `i` at position `i - 1`; entries a snapshot covers keep what was known of them.
    pub log: Vec<Slot>,
    pub snapshot: Index,
    pub config: Option<Config>,
}

impl ServerView {
    fn new() -> ServerView {
        ServerView {
            up: true,
            role: None,
            term: None,
            vote: None,
            commit: None,
            applied: 0,
            log: Vec::new(),
            snapshot: 0,
            config: None,
        }
    }

    pub fn last_index(&self) -> Index {
        self.log.len() as Index
    }

    pub fn term_at(&self, index: Index) -> Option<Term> {
        if index == 0 {
            return Some(0);
        }
        self.log.get(index as usize - 1).and_then(|s| s.term)
    }

    fn set_len(&mut self, len: Index) {
        self.log.resize(len as usize, Slot::default());
    }
}

/// What a message event found. Sends are numbered from 0 in trace order (`seq`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Not a message event.
    None,
    /// A send; `asked` is false for a reply whose sender never received the request it answers.
    Sent { seq: u64, asked: bool },
    /// A receive or drop of the send `seq`.
    Arrived { seq: u64 },
    /// A receive or drop with no send before it.
    Unsent,
}

/// The request kinds a reply answers.
fn answers(reply: Kind) -> &'static [Kind] {
    match reply {
        Kind::RequestVoteReply => &[Kind::RequestVote],
        Kind::PreVoteReply => &[Kind::PreVote],
        Kind::AppendEntriesReply => &[Kind::AppendEntries, Kind::Heartbeat, Kind::InstallSnapshot],
        Kind::ReadIndexReply => &[Kind::ReadIndex],
        _ => &[],
    }
}

type PairKey = (NodeId, NodeId, Kind, Option<Term>, Option<Index>);

#[derive(Clone, Debug, Default)]
pub struct TraceCluster {
    pub servers: Vec<ServerView>,
    /// Messages sent and not yet received or dropped, by send order.
    pub in_flight: BTreeMap<u64, (u64, Msg)>,
    by_id: BTreeMap<u64, u64>,
    by_key: BTreeMap<PairKey, VecDeque<u64>>,
    /// (requester, replier, request kind) of every request received: what a reply may answer.
    asked: BTreeMap<(NodeId, NodeId, Kind), u64>,
    next_seq: u64,
}

/// FNV-1a: a stable fingerprint of a command's text (equal texts, equal entries).
pub fn fingerprint(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

impl TraceCluster {
    pub fn new(servers: usize) -> TraceCluster {
        TraceCluster { servers: (0..servers).map(|_| ServerView::new()).collect(), ..TraceCluster::default() }
    }

    pub fn server(&self, id: NodeId) -> &ServerView {
        &self.servers[usize::from(id) - 1]
    }

    fn grow_to(&mut self, id: NodeId) -> &mut ServerView {
        while self.servers.len() < usize::from(id) {
            self.servers.push(ServerView::new());
        }
        &mut self.servers[usize::from(id) - 1]
    }

    /// Carries out one event at trace time `t`; for messages, says whether it pairs up.
    pub fn apply(&mut self, t: u64, event: &Event) -> Delivery {
        match event {
            Event::Send(m) => return self.send(t, m),
            Event::Receive(m) | Event::Drop(m) => return self.arrive(m, matches!(event, Event::Receive(_))),
            _ => {}
        }
        let Some(id) = event.server() else { return Delivery::None };
        let s = self.grow_to(id);
        match event {
            Event::State { state, .. } => apply_state(s, state),
            Event::Append { index, term, command, .. } => {
                s.set_len(index - 1);
                s.log.push(Slot { term: *term, command: command.as_deref().map(fingerprint) });
            }
            Event::Truncate { from, .. } => s.set_len((from - 1).min(s.last_index())),
            Event::Apply { index, .. } => s.applied = *index,
            Event::Snapshot { index, term, .. } => {
                let kept = s.term_at(*index).is_some() && (term.is_none() || s.term_at(*index) == *term);
                if !kept {
                    s.set_len(*index);
                    s.log.truncate(*index as usize);
                    s.log[*index as usize - 1].term = *term;
                }
                s.snapshot = *index;
                s.applied = s.applied.max(*index);
                s.commit = Some(s.commit.unwrap_or(0).max(*index));
            }
            Event::Config { config, .. } => s.config = Some(config.clone()),
            Event::Crash { .. } => {
                s.up = false;
                s.role = None;
            }
            Event::Restart { .. } => {
                // commitIndex and lastApplied are volatile (Figure 2): back to the snapshot.
                s.up = true;
                s.role = Some(RoleKind::Follower);
                s.commit = Some(s.snapshot);
                s.applied = s.snapshot;
            }
            Event::Note { .. } => {}
            _ => unreachable!("handled above"),
        }
        Delivery::None
    }

    fn send(&mut self, t: u64, m: &Msg) -> Delivery {
        let seq = self.next_seq;
        self.next_seq += 1;
        if self.in_flight.len() == MAX_TRACE_IN_FLIGHT {
            let (old, (_, msg)) = self.in_flight.pop_first().expect("full");
            self.forget(old, &msg);
        }
        match m.id {
            Some(id) => {
                self.by_id.insert(id, seq);
            }
            None => self.by_key.entry(m.pairing()).or_default().push_back(seq),
        }
        self.in_flight.insert(seq, (t, m.clone()));
        let asks = answers(m.kind);
        let asked = asks.is_empty()
            || m.from == m.to
            || asks.iter().any(|&k| self.asked.get(&(m.to, m.from, k)).is_some_and(|&n| n > 0));
        Delivery::Sent { seq, asked }
    }

    fn forget(&mut self, seq: u64, m: &Msg) {
        match m.id {
            Some(id) => {
                self.by_id.remove(&id);
            }
            None => {
                if let Some(q) = self.by_key.get_mut(&m.pairing()) {
                    q.retain(|&s| s != seq);
                    if q.is_empty() {
                        self.by_key.remove(&m.pairing());
                    }
                }
            }
        }
    }

    fn arrive(&mut self, m: &Msg, received: bool) -> Delivery {
        let seq = match m.id {
            Some(id) => self.by_id.remove(&id),
            None => {
                let key = m.pairing();
                let q = self.by_key.get_mut(&key);
                let seq = q.and_then(|q| q.pop_front());
                if self.by_key.get(&key).is_some_and(VecDeque::is_empty) {
                    self.by_key.remove(&key);
                }
                seq
            }
        };
        let Some(seq) = seq else { return Delivery::Unsent };
        let Some((_, sent)) = self.in_flight.remove(&seq) else { return Delivery::Unsent };
        if received && answers(sent.kind).is_empty() {
            *self.asked.entry((sent.from, sent.to, sent.kind)).or_default() += 1;
        }
        Delivery::Arrived { seq }
    }
}

fn apply_state(s: &mut ServerView, c: &StateChange) {
    if let Some(term) = c.term {
        // A new term starts with no vote (Figure 2), unless the line gives one.
        if s.term.is_some_and(|old| term > old) {
            s.vote = None;
        }
        s.term = Some(term);
    }
    if let Some(role) = c.role {
        s.role = Some(role);
    }
    if let Some(vote) = c.vote {
        s.vote = vote;
    }
    if let Some(commit) = c.commit {
        s.commit = Some(commit);
    }
    if let Some(last) = c.last_index {
        s.set_len(last);
    }
    if let Some(term) = c.last_term
        && let Some(slot) = s.log.last_mut()
    {
        slot.term = Some(term);
    }
}
