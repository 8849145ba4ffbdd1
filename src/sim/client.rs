//! Clients and the key-value state machine they drive.
//!
//! A client has at most one request outstanding, tagged `(client, seq)`. It is never told about
//! an entry that is not yet committed (only a leader that has *applied* the entry answers), so
//! on a timeout it cannot know whether its command happened: it retries the same `(client, seq)`,
//! possibly at another server, until it learns the outcome. The state machine remembers the last
//! `(seq, output)` per client and answers a repeat with the first output instead of applying the
//! command again (the paper's section 8: "linearizable semantics for clients").

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::prng::Prng;
use crate::raft::{Command, Index, NodeId, Op, Time};

/// How clients behave. `count` clients send on their own; the UI adds one-shot clients.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientConfig {
    pub count: u8,
    /// Pause between a reply and the next request of a self-driven client.
    pub interval_us: Time,
    /// Wait for a reply this long before retrying elsewhere.
    pub timeout_us: Time,
    /// Keys are drawn from `0..keys` (shown as a, b, c, …).
    pub keys: u8,
    /// How requests are retried since link format 4: a client that nobody can point to a
    /// leader tries the servers in its own turn (servers removed for good keep stale hints
    /// and could otherwise bounce it among themselves), and a proposal the leader refused
    /// leaves no note that would make the request's retries wait for it. Off only for links
    /// of formats 1–3, which replay exactly as they were made.
    pub careful_retries: bool,
}

impl Default for ClientConfig {
    fn default() -> ClientConfig {
        ClientConfig { count: 0, interval_us: 300_000, timeout_us: 500_000, keys: 3, careful_retries: true }
    }
}

pub const MAX_CLIENTS: usize = 256;

/// The result of a command as the state machine computed it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Output {
    Written,
    Value(Vec<u32>),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClientReply {
    Done(Output),
    /// Not the leader; `Some` names the server it believes leads.
    Redirect(Option<NodeId>),
}

/// The replicated state machine of one server: a map from key to a list of values, plus the
/// per-client session table that makes retries idempotent.
#[derive(Clone, Debug, Default)]
pub struct KvStore {
    data: BTreeMap<u8, Vec<u32>>,
    sessions: BTreeMap<u32, (u64, Output)>,
}

impl KvStore {
    pub fn apply(&mut self, cmd: &Command) -> Output {
        if let Some((seq, output)) = self.sessions.get(&cmd.client)
            && *seq >= cmd.seq
        {
            return output.clone();
        }
        let output = execute(&mut self.data, cmd.op);
        self.sessions.insert(cmd.client, (cmd.seq, output.clone()));
        output
    }

    /// The store as bytes for a snapshot (section 7): keys with their values, then each
    /// client's last sequence number and answer, all as little-endian u32/u64 words.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut word = |w: u64| out.extend_from_slice(&w.to_le_bytes());
        word(self.data.len() as u64);
        for (&key, values) in &self.data {
            word(u64::from(key));
            word(values.len() as u64);
            values.iter().for_each(|&v| word(u64::from(v)));
        }
        word(self.sessions.len() as u64);
        for (&client, (seq, output)) in &self.sessions {
            word(u64::from(client));
            word(*seq);
            match output {
                Output::Written => word(u64::MAX),
                Output::Value(v) => {
                    word(v.len() as u64);
                    v.iter().for_each(|&x| word(u64::from(x)));
                }
            }
        }
        out
    }

    /// The store `encode` wrote. Snapshots come from this program's own servers, so a
    /// malformed one is a bug, not input.
    pub fn decode(bytes: &[u8]) -> KvStore {
        let mut words = bytes.chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes")));
        let mut next = || words.next().expect("a snapshot this program wrote");
        let mut store = KvStore::default();
        for _ in 0..next() {
            let key = next() as u8;
            let values = (0..next()).map(|_| next() as u32).collect();
            store.data.insert(key, values);
        }
        for _ in 0..next() {
            let (client, seq) = (next() as u32, next());
            let output = match next() {
                u64::MAX => Output::Written,
                n => Output::Value((0..n).map(|_| next() as u32).collect()),
            };
            store.sessions.insert(client, (seq, output));
        }
        store
    }

    /// Every key's values as applied so far.
    pub fn data(&self) -> &BTreeMap<u8, Vec<u32>> {
        &self.data
    }

    /// A read served outside the log (ReadIndex): the key's values as applied so far.
    pub fn read(&self, key: u8) -> Output {
        Output::Value(self.data.get(&key).cloned().unwrap_or_default())
    }

    /// The remembered answer for `(client, seq)`, if that request was already applied.
    pub fn answered(&self, client: u32, seq: u64) -> Option<&Output> {
        self.sessions.get(&client).filter(|(s, _)| *s == seq).map(|(_, o)| o)
    }
}

/// A list keeps only its most recent values, so state, reads and histories stay small however
/// long a run goes (part of the key-value language, not an approximation of it).
pub const MAX_VALUES_PER_KEY: usize = 8;

/// The sequential specification of one key, shared by the servers' state machine and the
/// linearizability checker: `op` applied to the key's list, and what it answers.
pub fn apply_to_key(list: &mut Vec<u32>, op: Op) -> Output {
    match op {
        Op::Put { value, .. } => {
            list.clear();
            list.push(value);
            Output::Written
        }
        Op::Append { value, .. } => {
            if list.len() == MAX_VALUES_PER_KEY {
                list.remove(0);
            }
            list.push(value);
            Output::Written
        }
        Op::Get { .. } => Output::Value(list.clone()),
    }
}

/// The whole store: keys are independent, so each operation touches one list.
pub fn execute(data: &mut BTreeMap<u8, Vec<u32>>, op: Op) -> Output {
    match op {
        Op::Get { key } => Output::Value(data.get(&key).cloned().unwrap_or_default()),
        _ => apply_to_key(data.entry(op.key()).or_default(), op),
    }
}

/// A step in a request's life, for the UI's clients panel: the seed's point is that a client
/// hears nothing until its entry is committed, and must retry when it hears nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stage {
    Sent {
        to: NodeId,
    },
    Redirected {
        to: Option<NodeId>,
    },
    Appended {
        node: NodeId,
        index: Index,
    },
    Committed {
        node: NodeId,
        index: Index,
    },
    TimedOut,
    /// ReadIndex (6.4): the server took the read and waits for a confirmed read index.
    ReadWaiting {
        node: NodeId,
    },
    /// The read index was confirmed by a majority and applied at `node`.
    ReadConfirmed {
        node: NodeId,
        index: Index,
    },
    Answered,
}

/// Redirecting servers a client remembers per request.
pub const MAX_REDIRECT_CHAIN: usize = 16;

/// Stages kept per request; a request that bounces longer keeps its first ones.
pub const MAX_STAGES: usize = 24;

/// One request of the client history, for the UI's lifecycle view and the linearizability check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryOp {
    pub client: u32,
    pub seq: u64,
    pub op: Op,
    pub invoke_us: Time,
    /// `None` while the client has not learned the outcome.
    pub returned: Option<(Time, Output)>,
    /// The server whose answer the client took.
    pub answered_by: Option<NodeId>,
    pub stages: Vec<(Time, Stage)>,
}

impl HistoryOp {
    pub fn note(&mut self, at: Time, stage: Stage) {
        if self.stages.len() < MAX_STAGES {
            self.stages.push((at, stage));
        }
    }
}

#[derive(Clone, Debug)]
pub struct Pending {
    pub seq: u64,
    pub op: Op,
    pub target: NodeId,
    pub attempt: u32,
    pub deadline_us: Time,
    /// Index into the world's history.
    pub history: usize,
}

#[derive(Clone, Debug)]
pub struct Client {
    pub id: u32,
    /// Self-driven clients issue a new request after each reply; one-shot clients stop.
    pub auto: bool,
    pub seq: u64,
    pub pending: Option<Pending>,
    pub leader_hint: Option<NodeId>,
    /// Servers that redirected this request without answering it: a hint pointing back at
    /// one of them is not followed (servers with stale hints could otherwise bounce a client
    /// between them forever). At most `MAX_REDIRECT_CHAIN`.
    pub redirected_by: Vec<NodeId>,
    /// The server last probed in turn when nobody could name a leader. Kept apart from the
    /// targets hints lead to, so that servers whose hints are stale for good (they left the
    /// cluster) cannot keep a client circling among themselves.
    pub probe: NodeId,
    /// The time of the wake-up event that is current; older ones are stale.
    pub wake_at: Option<Time>,
    pub rng: Prng,
}

impl Client {
    pub fn new(id: u32, auto: bool, rng: Prng) -> Client {
        Client {
            id,
            auto,
            seq: 0,
            pending: None,
            leader_hint: None,
            redirected_by: Vec::new(),
            probe: 0,
            wake_at: None,
            rng,
        }
    }

    /// A random operation: mostly writes, some reads, on a few keys so histories interleave.
    pub fn next_op(&mut self, keys: u8) -> Op {
        let key = self.rng.below(u64::from(keys.max(1))) as u8;
        let value = self.rng.range(1, 99) as u32;
        match self.rng.below(10) {
            0..=3 => Op::Append { key, value },
            4..=6 => Op::Put { key, value },
            _ => Op::Get { key },
        }
    }

    pub fn note_redirect(&mut self, by: NodeId) {
        if self.redirected_by.len() == MAX_REDIRECT_CHAIN {
            self.redirected_by.clear();
        }
        self.redirected_by.push(by);
    }

    /// Where to send: the leader we were told about, else a random server.
    pub fn choose_target(&mut self, nodes: u8) -> NodeId {
        match self.leader_hint {
            Some(n) => n,
            None => self.rng.range(1, u64::from(nodes)) as NodeId,
        }
    }
}
