//! The world's side of log compaction (paper section 7): each server snapshots its key-value
//! store once `snapshot_every` entries have been applied since its last snapshot, and loads a
//! leader's snapshot when it installs one. The node keeps the snapshot with its disk, so a
//! restart starts from it.

use std::sync::Arc;

use super::{World, slot};
use crate::raft::{Index, NodeId, Snapshot};
use crate::sim::client::KvStore;
use crate::sim::trace::TraceEvent;

impl World {
    /// Compacts `id`'s log when enough has been applied since its last snapshot (asked after
    /// each step that applied something: after any other, the answer is the one before).
    pub(super) fn maybe_snapshot(&mut self, id: NodeId) {
        if !self.snapshot_due(id) {
            return;
        }
        let server = &mut self.servers[slot(id)];
        let node = server.node.as_mut().expect("a snapshot is due only on a live server");
        let applied: Index = node.last_applied();
        node.compact(applied, Arc::new(server.kv.encode()));
        self.stats.snapshots_taken += 1;
        self.trace.record(self.now_us, TraceEvent::Snapshot { node: id, index: applied, installed: false });
    }

    /// Whether `id` is live and has applied `snapshot_every` entries past its last snapshot.
    pub(super) fn snapshot_due(&self, id: NodeId) -> bool {
        let every = self.config.raft.snapshot_every;
        let Some(node) = &self.servers[slot(id)].node else { return false };
        every > 0 && node.last_applied() >= node.log().snapshot_index() + every
    }

    /// A follower took the leader's snapshot: its state machine becomes the snapshot's.
    pub(super) fn load_snapshot(&mut self, id: NodeId, snapshot: &Snapshot) {
        let server = &mut self.servers[slot(id)];
        server.kv = KvStore::decode(&snapshot.data);
        server.waiting.clear();
        self.stats.snapshots_installed += 1;
        self.trace.record(self.now_us, TraceEvent::Snapshot { node: id, index: snapshot.index, installed: true });
    }
}
