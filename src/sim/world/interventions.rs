//! Carrying out interventions: crashes, restarts, network changes, timers and settings.

use super::{World, slot};
use crate::prng::{Prng, Stream};
use crate::raft::{ConfigChange, Node, NodeId, RoleKind, Time};
use crate::sim::Intervention;
use crate::sim::client::MAX_CLIENTS;
use crate::sim::network::DropReason;
use crate::sim::trace::TraceEvent;

impl World {
    /// Carries out an intervention now.
    pub fn apply(&mut self, intervention: Intervention) {
        if let Err(e) = intervention.validate(self.servers.len() as u8) {
            // Only a forged or corrupted scenario names a server that does not exist yet.
            let at = crate::sim::trace::fmt_time(self.now_us);
            self.rejected.push(format!("at {at}: {e}"));
            return;
        }
        self.trace.record(self.now_us, TraceEvent::Intervention(intervention.clone()));
        match intervention {
            Intervention::Crash(n) => self.crash(n),
            Intervention::Restart(n) => self.restart(n),
            Intervention::Timeout(n) => {
                self.with_node(n, |node, out, now| node.timeout_now(now, out));
            }
            Intervention::Request(n) => {
                if self.clients.len() < MAX_CLIENTS {
                    let cid = self.add_client(false);
                    self.client_invoke(cid, n);
                }
            }
            Intervention::DropMessage(id) => {
                if self.network.take(id).is_some() {
                    self.trace.record(self.now_us, TraceEvent::Dropped { id, reason: DropReason::User });
                    self.stats.messages_dropped += 1;
                } else {
                    // Only a forged or corrupted scenario names a message that is not in flight.
                    let at = crate::sim::trace::fmt_time(self.now_us);
                    self.rejected.push(format!("it drops message #{id}, which is not in flight at {at}"));
                }
            }
            Intervention::Isolate(n) => self.network.isolate(n),
            Intervention::Rejoin(n) => self.network.rejoin(n),
            Intervention::Cut { from, to } => self.network.cut(from, to),
            Intervention::Mend { from, to } => self.network.mend(from, to),
            Intervention::Partition(groups) => self.network.partition(&groups),
            Intervention::Heal => self.network.heal(),
            Intervention::AlignTimers => self.align_timers(),
            Intervention::SpreadTimers => self.for_each_node(|node, now| node.restart_election_timer(now)),
            Intervention::SetNetwork(net) => {
                self.config.net = net;
                self.network.config = net;
            }
            Intervention::SetTiming { election_timeout_min_us, election_timeout_max_us, heartbeat_interval_us } => {
                self.set_raft_config(|r| {
                    r.election_timeout_min_us = election_timeout_min_us;
                    r.election_timeout_max_us = election_timeout_max_us;
                    r.heartbeat_interval_us = heartbeat_interval_us;
                });
            }
            Intervention::SetBug { bug, on } => self.set_raft_config(|r| r.bugs.set(bug, on)),
            Intervention::StopClients => self.clients_stopped = true,
            Intervention::Transfer(target) => self.transfer(target),
            Intervention::AddServer => self.add_server(),
            Intervention::RemoveServer(n) => self.queue_change(ConfigChange::Remove(n)),
            Intervention::Replace { remove, add } => {
                // New servers catch up as learners first (4.2.1); the joint change waits for it.
                let added: Vec<NodeId> = (0..add).filter_map(|_| self.create_server()).collect();
                added.iter().for_each(|&id| self.queue_change(ConfigChange::AddLearner(id)));
                let add = added.into_iter().collect();
                self.queue_change(ConfigChange::Replace { remove: remove.into_iter().collect(), add });
            }
            Intervention::ClientOp { node, op } => {
                if self.clients.len() < MAX_CLIENTS {
                    let cid = self.add_client(false);
                    self.client_invoke_op(cid, node, op);
                }
            }
            Intervention::SetProtocol { pre_vote, check_quorum, read_mode } => self.set_raft_config(|r| {
                r.pre_vote = pre_vote;
                r.check_quorum = check_quorum;
                r.read_mode = read_mode;
            }),
        }
    }

    /// Changes the servers' settings; every live server takes them at once.
    fn set_raft_config(&mut self, change: impl FnOnce(&mut crate::raft::Config)) {
        change(&mut self.config.raft);
        let raft = self.config.raft;
        self.for_each_node(|node, _| node.set_config(raft));
    }

    pub(super) fn for_each_node(&mut self, f: impl Fn(&mut Node, Time)) {
        for id in 1..=self.servers.len() as u8 {
            self.with_node(id, |node, _, now| f(node, now));
        }
    }

    /// RaftScope's "align timers": every follower and candidate times out at the same moment.
    pub(super) fn align_timers(&mut self) {
        let deadline = self.now_us + self.config.raft.election_timeout_min_us / 2;
        self.for_each_node(|node, _| node.set_election_deadline(deadline));
    }

    /// Asks the current leader to hand leadership to `target` (dissertation 3.10). Without a
    /// leader, or when `target` already leads, there is nothing to hand over.
    fn transfer(&mut self, target: NodeId) {
        let Some(leader) = self.leader().filter(|&l| l != target) else { return };
        // The leader and target exist (validated) and `leader()` rules out "not leader"; what
        // is left is a target outside the leader's configuration (removed, or still a
        // learner), and then there is nothing to hand over either.
        let result = self.with_node(leader, |node, out, now| node.transfer_leadership(now, target, out));
        debug_assert!(
            matches!(result, Some(Ok(()) | Err(crate::raft::TransferError::UnknownTarget { .. }))),
            "transfer refused: {result:?}"
        );
    }

    pub(super) fn crash(&mut self, id: NodeId) {
        let server = &mut self.servers[slot(id)];
        let Some(node) = server.node.take() else {
            return;
        };
        server.disk = node.into_persistent();
        server.kv = Default::default();
        server.waiting.clear();
        server.reads.clear();
        server.timer_at = None;
        self.trace.record(self.now_us, TraceEvent::Crash { node: id });
        self.mark(super::MarkKind::Crash { node: id });
    }

    pub(super) fn restart(&mut self, id: NodeId) {
        let (initial, seed, raft, now) = (self.initial_membership(id), self.config.seed, self.config.raft, self.now_us);
        let server = &mut self.servers[slot(id)];
        if server.node.is_some() {
            return;
        }
        server.incarnation += 1;
        let rng = Prng::new(seed, Stream::Node { id, incarnation: server.incarnation });
        let disk = std::mem::take(&mut server.disk);
        // The state machine comes back from the snapshot; the log after it is re-applied.
        server.kv =
            disk.snapshot.as_ref().map_or_else(Default::default, |s| crate::sim::client::KvStore::decode(&s.data));
        let node = Node::new(id, initial, raft, disk, now, rng);
        let term = node.term();
        server.node = Some(node);
        self.checker.on_restart(id);
        self.trace.record(now, TraceEvent::Restart { node: id });
        self.trace.record(now, TraceEvent::Role { node: id, role: RoleKind::Follower, term });
        self.with_node(id, |_, _, _| ());
    }
}
