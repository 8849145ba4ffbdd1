//! What a line of a trace says, whichever format it came from: the reader turns our JSON Lines
//! and etcd-io/raft's state trace into these, and everything after the reader (the replayed
//! cluster, the checks, the page) sees only these.
//!
//! Every field a trace may leave out is an `Option`: the checks decide from what is present
//! which invariants they can judge, and say why not the others.

use crate::raft::{Index, Kind, NodeId, Op, RoleKind, Term};
use crate::sim::client::Output;

/// One event and where it was read: `line` counts from 1, `t` is the trace's own clock (the
/// line number in milliseconds when the trace has none, `LOGICAL_LINE_US`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub line: u64,
    pub t: u64,
    pub event: Event,
}

/// The parts of a server's state a line reports; absent parts did not change (or are unknown).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StateChange {
    pub role: Option<RoleKind>,
    pub term: Option<Term>,
    /// `Some(None)`: the server has voted for nobody in its term.
    pub vote: Option<Option<NodeId>>,
    pub commit: Option<Index>,
    /// The log's length: entries past it are gone, entries up to it exist (their terms may be
    /// unknown).
    pub last_index: Option<Index>,
    pub last_term: Option<Term>,
}

/// A message as far as the trace describes it. `id` pairs a send with its receive or drop; without
/// it, (from, to, kind, term, index) does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Msg {
    pub id: Option<u64>,
    pub from: NodeId,
    pub to: NodeId,
    pub kind: Kind,
    pub term: Option<Term>,
    /// The index the message is about: an append's previous index, a reply's match index.
    pub index: Option<Index>,
    /// The term of the entry at `index` (an append's previous term, a vote's last log term).
    pub log_term: Option<Term>,
    /// How many entries an append carries.
    pub entries: Option<u64>,
    /// A reply's verdict: vote granted, entries accepted.
    pub success: Option<bool>,
}

impl Msg {
    /// The key a send and its receive share when the trace gives no message id.
    pub fn pairing(&self) -> (NodeId, NodeId, Kind, Option<Term>, Option<Index>) {
        (self.from, self.to, self.kind, self.term, self.index)
    }
}

/// The configuration a server uses (dissertation 4.1: the newest one in its log).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    pub voters: Vec<NodeId>,
    /// The old configuration's voters while a joint change is in force (dissertation 4.3).
    pub outgoing: Vec<NodeId>,
    pub learners: Vec<NodeId>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    State {
        server: NodeId,
        state: StateChange,
    },
    /// The server stores an entry at `index` (entries after it, if any, were truncated first).
    Append {
        server: NodeId,
        index: Index,
        term: Option<Term>,
        command: Option<Box<str>>,
    },
    /// The server deletes its entries from `from` on.
    Truncate {
        server: NodeId,
        from: Index,
    },
    Apply {
        server: NodeId,
        index: Index,
    },
    /// The server's state machine now covers entries up to `index` (paper section 7).
    Snapshot {
        server: NodeId,
        index: Index,
        term: Option<Term>,
    },
    Config {
        server: NodeId,
        config: Config,
    },
    Crash {
        server: NodeId,
    },
    Restart {
        server: NodeId,
    },
    Send(Msg),
    Receive(Msg),
    Drop(Msg),
    /// A client operation starts (Porcupine's call).
    Invoke {
        client: u32,
        id: u64,
        op: Op,
    },
    /// It ends with what the client learned (Porcupine's return).
    Return {
        client: u32,
        id: u64,
        output: Output,
    },
    /// Free text: what a person did, or what the implementation wanted to say.
    Note {
        server: Option<NodeId>,
        text: Box<str>,
    },
}

impl Event {
    /// The server the event happened on (a receive's receiver, a send's or drop's sender): the
    /// one the replay and the checks act on.
    pub fn server(&self) -> Option<NodeId> {
        match self {
            Event::State { server, .. }
            | Event::Append { server, .. }
            | Event::Truncate { server, .. }
            | Event::Apply { server, .. }
            | Event::Snapshot { server, .. }
            | Event::Config { server, .. }
            | Event::Crash { server }
            | Event::Restart { server } => Some(*server),
            Event::Send(m) | Event::Drop(m) => Some(m.from),
            Event::Receive(m) => Some(m.to),
            Event::Note { server, .. } => *server,
            Event::Invoke { .. } | Event::Return { .. } => None,
        }
    }
}

/// A configuration in words, as the simulator writes `Membership`: `{n1,n2} joint with {n3}`.
pub fn render_config(c: &Config) -> String {
    let list = |ids: &[NodeId]| ids.iter().map(|i| format!("n{i}")).collect::<Vec<_>>().join(",");
    let mut s = format!("{{{}}}", list(&c.voters));
    if !c.outgoing.is_empty() {
        s = format!("{s} joint with {{{}}}", list(&c.outgoing));
    }
    if !c.learners.is_empty() {
        s = format!("{s} learners {{{}}}", list(&c.learners));
    }
    s
}
