//! A server as the world hosts it: the Raft node while it runs, its disk while it is down, the
//! key-value state machine, and the client requests it owes an answer.

use std::collections::BTreeMap;

use super::client::KvStore;
use crate::raft::{Index, Log, Node, NodeId, Persistent, Time};

#[derive(Clone, Debug)]
pub struct Server {
    pub id: NodeId,
    /// `None` while crashed.
    pub node: Option<Node>,
    /// What survives a crash; meaningful only while `node` is `None` (a running node holds the
    /// current copy and hands it back when it crashes).
    pub disk: Persistent,
    /// Volatile, like commitIndex: rebuilt by re-applying the log after a restart.
    pub kv: KvStore,
    /// Log index → (client, seq) of requests this leader appended and must answer once applied.
    pub waiting: BTreeMap<Index, (u32, u64)>,
    /// Time of the timer event that is current; earlier queued timer events are stale.
    pub timer_at: Option<Time>,
    /// Bumped on every restart so each life draws its own election timeouts.
    pub incarnation: u32,
    /// Reads outside the log waiting at this server: context → (client, seq, key).
    pub reads: BTreeMap<u64, (u32, u64, u8)>,
    pub next_read_ctx: u64,
}

/// Reads one server keeps waiting; the oldest is forgotten past this (its client retries).
pub const MAX_SERVER_READS: usize = 1024;

impl Server {
    pub fn new(id: NodeId, node: Node) -> Server {
        Server {
            id,
            node: Some(node),
            disk: Persistent::default(),
            kv: KvStore::default(),
            waiting: BTreeMap::new(),
            timer_at: None,
            incarnation: 0,
            reads: BTreeMap::new(),
            next_read_ctx: 0,
        }
    }

    pub fn is_up(&self) -> bool {
        self.node.is_some()
    }

    /// The log as it stands: in memory while running, on disk while down.
    pub fn log(&self) -> &Log {
        match &self.node {
            Some(node) => node.log(),
            None => &self.disk.log,
        }
    }

    pub fn persistent(&self) -> &Persistent {
        match &self.node {
            Some(node) => node.persistent(),
            None => &self.disk,
        }
    }
}
