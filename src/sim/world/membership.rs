//! The world's side of membership changes: creating servers, and handing the changes people
//! ask for to the leader when it can start them (a leader must have committed an entry of its
//! term and have no other change pending, dissertation 4.1; there may be no leader at all for
//! a while). Changes wait in a queue, in order, until a leader takes them.

use super::{World, slot};
use crate::prng::{Prng, Stream};
use crate::raft::{ConfigChange, ConfigError, MAX_NODES, Membership, Node, NodeId, NodeSet};
use crate::sim::server::Server;

/// Changes waiting for a leader; past this, new requests are dropped (a person clicking).
pub const MAX_PENDING_CHANGES: usize = 32;

impl World {
    /// The configuration a server starts from: the cluster as created for its first servers,
    /// nothing for servers added later (they learn it from the leader).
    pub(super) fn initial_membership(&self, id: NodeId) -> Membership {
        if id <= self.config.nodes { Membership::initial(self.config.nodes) } else { Membership::default() }
    }

    /// A new, empty server with the next id, running but in no configuration yet.
    pub(super) fn create_server(&mut self) -> Option<NodeId> {
        let id = self.servers.len() as NodeId + 1;
        if id > MAX_NODES {
            return None;
        }
        let rng = Prng::new(self.config.seed, Stream::Node { id, incarnation: 0 });
        let node = Node::new(id, self.initial_membership(id), self.config.raft, Default::default(), self.now_us, rng);
        self.servers.push(Server::new(id, node));
        self.network.add_server();
        self.checker.add_server();
        self.with_node(id, |_, _, _| ());
        Some(id)
    }

    /// Adds a server and asks for it to join as a learner (4.2.1).
    pub(super) fn add_server(&mut self) {
        if let Some(id) = self.create_server() {
            self.queue_change(ConfigChange::AddLearner(id));
        }
    }

    pub(super) fn queue_change(&mut self, change: ConfigChange) {
        self.membership_changed = true;
        if self.pending_changes.len() < MAX_PENDING_CHANGES {
            self.pending_changes.push_back(change);
        }
    }

    /// Offers the first waiting change to the leader: started, dropped when it can never
    /// apply (the server is gone already), or kept for later.
    pub(super) fn start_pending_change(&mut self) {
        let Some(leader) = self.leader() else { return };
        let Some(change) = self.pending_changes.front().cloned() else { return };
        if let ConfigChange::Replace { add, .. } = &change
            && !self.caught_up(leader, add)
        {
            return;
        }
        match self.with_node(leader, |node, out, _| node.change_membership(change, out)) {
            Some(Ok(_)) | Some(Err(ConfigError::Invalid(_))) => {
                self.pending_changes.pop_front();
            }
            Some(Err(_)) | None => {}
        }
    }

    /// Whether every server of `ids` holds what `leader` has committed (a learner is ready to
    /// vote, 4.2.1).
    fn caught_up(&self, leader: NodeId, ids: &NodeSet) -> bool {
        let Some(node) = self.node(leader) else { return false };
        let progress = node.progress();
        let matched =
            |id: NodeId| progress.and_then(|p| p.get(id)).is_some_and(|p| p.match_index() >= node.commit_index());
        ids.iter().all(|id| id == leader || matched(id))
    }

    /// Whether a server is a voter in the configuration its own log holds.
    pub fn is_voter(&self, id: NodeId) -> bool {
        self.servers.get(slot(id)).and_then(|s| s.node.as_ref()).is_some_and(|n| n.membership().0.is_voter(id))
    }

    /// Servers the cluster has let go, which an operator shuts down once their removal has
    /// committed (dissertation 4.2.2): each was a member of a committed configuration, yet
    /// neither the newest committed configuration nor any newer one that a log holds names it.
    /// Left running, such a server never hears of its removal and campaigns forever; without a
    /// leader to make the others sticky (4.2.3) it can keep a voter of the new configuration a
    /// term ahead of every candidate that could win (swarm seed 31644 of issue 19).
    pub fn retired(&self) -> Vec<NodeId> {
        let committed = self.checker.committed_len();
        let mut named = self.checker.committed_membership().members();
        for server in &self.servers {
            let newer = server.log().slice(committed + 1, server.log().last_index());
            named.extend(newer.iter().filter_map(|e| e.config.as_deref()).flat_map(Membership::members));
        }
        let mut ever = Membership::initial(self.config.nodes).members();
        ever.extend(self.checker.committed().filter_map(|e| e.config.as_deref()).flat_map(Membership::members));
        ever.difference(&named).iter().collect()
    }
}
