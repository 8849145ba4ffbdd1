//! Replication and commitment (paper 5.3, 5.4.2, Figure 8): AppendEntries on both sides.

use super::{Node, NodeEvent, Outbox, Role, Snapshot};
use crate::raft::log::Entry;
use crate::raft::message::Message;
use crate::raft::{Bug, Index, NodeId, Term, Time};

pub(super) struct AppendRequest {
    pub prev_log_index: Index,
    pub prev_log_term: Term,
    pub entries: Vec<Entry>,
    pub leader_commit: Index,
    pub read_round: u64,
}

impl Node {
    pub(super) fn broadcast_append(&self, out: &mut Outbox) {
        for &peer in &self.peers {
            self.send_append(peer, out);
        }
    }

    /// Sends new entries only to followers that are caught up; the others already have a
    /// message on its way, and their reply (or the next heartbeat) carries the rest.
    pub(super) fn replicate_to_caught_up(&self, index: Index, out: &mut Outbox) {
        let leader = self.role.leader();
        for (peer, _) in leader.progress.iter().filter(|(_, p)| p.waits_for(index)) {
            self.send_append(peer, out);
        }
    }

    pub(super) fn send_append(&self, peer: NodeId, out: &mut Outbox) {
        let leader = self.role.leader();
        // The peer may have just left the configuration (a change in this very step).
        let Some(progress) = leader.progress.get(peer) else { return };
        if progress.needs_snapshot(self.state.log.snapshot_index()) {
            // Its next entry is compacted away: send the snapshot instead (section 7).
            let snapshot = Box::new(self.state.snapshot.clone().expect("a compacted log has a snapshot"));
            return self.send(peer, Message::InstallSnapshot { snapshot }, out);
        }
        let next = progress.next_index();
        let prev_log_index = next - 1;
        let prev_log_term = self.state.log.term_at(prev_log_index).expect("nextIndex is at most last index + 1");
        let last = prev_log_index + u64::from(self.config.max_entries_per_append);
        let slice = self.state.log.slice(next, last);
        let mut entries = if slice.is_empty() { Vec::new() } else { out.entries_vec() };
        entries.extend_from_slice(slice);
        let body = Message::AppendEntries {
            prev_log_index,
            prev_log_term,
            entries,
            leader_commit: self.commit_index,
            read_round: leader.read_round,
        };
        self.send(peer, body, out);
    }

    /// A message from the leader of our term: a (pre-)candidate steps down, a follower restarts
    /// its election timer and notes the contact. A leader receiving one means two leaders in one
    /// term (only possible with a bug switch; the checker reports it): it ignores the message.
    fn follow(&mut self, now: Time, leader: NodeId, out: &mut Outbox) -> bool {
        if matches!(self.role, Role::Leader(_)) {
            return false;
        }
        self.become_follower(now, self.term(), Some(leader), out);
        self.reset_election_timer(now);
        self.leader_contact_us = Some(now);
        true
    }

    /// Figure 2, AppendEntries receiver. A (pre-)candidate that hears from a leader of its own
    /// term steps down; any follower restarts its election timer and notes the contact.
    pub(super) fn handle_append(&mut self, now: Time, from: NodeId, req: AppendRequest, out: &mut Outbox) {
        if !self.follow(now, from, out) {
            return;
        }
        let log = &self.state.log;
        let read_round = req.read_round;
        let reject = |conflict_index, conflict_term| Message::AppendEntriesReply {
            success: false,
            match_index: 0,
            conflict_index,
            conflict_term,
            read_round,
        };
        if req.prev_log_index > log.last_index() {
            return self.send(from, reject(log.last_index() + 1, None), out);
        }
        // Below our snapshot everything is committed, so it matches the leader's log.
        let local_term = log.term_at(req.prev_log_index.max(log.snapshot_index())).expect("within the log");
        if req.prev_log_index >= log.snapshot_index() && local_term != req.prev_log_term {
            let first = log.first_index_of_term_at(req.prev_log_index);
            return self.send(from, reject(first, Some(local_term)), out);
        }
        let truncate_always = self.config.bugs.has(Bug::TruncateOnHeartbeat);
        let last_new = req.prev_log_index + req.entries.len() as Index;
        let last_sent = req.entries.last().map(|e| (e.index, e.term));
        let has_config = req.entries.iter().any(|e| e.config.is_some());
        // The entries move into our log: no copy (they were copied once, for this message).
        let mut entries = req.entries;
        let outcome = self.state.log.append_from_leader(req.prev_log_index, &mut entries, truncate_always);
        out.recycle_entries(entries);
        if let Some((from_index, term)) = outcome.truncated_from {
            out.events.push(NodeEvent::Truncated { from: from_index, term });
        }
        if let Some((first, last)) = outcome.appended {
            out.events.push(NodeEvent::Appended { first, last });
        }
        if outcome.truncated_from.is_some() || has_config {
            // A configuration takes effect when stored, and a truncated one stops (4.1).
            self.refresh_membership(out);
        }
        // Log Matching (5.3): we now hold the leader's entries up to its last new one.
        if let Some((index, term)) = last_sent.filter(|&(i, _)| i > self.state.log.snapshot_index()) {
            assert_eq!(self.state.log.term_at(index), Some(term), "n{} did not store entry {index}", self.id);
        }
        if req.leader_commit > self.commit_index {
            self.advance_commit(req.leader_commit.min(last_new), out);
        }
        let reply = Message::AppendEntriesReply {
            success: true,
            match_index: last_new,
            conflict_index: 0,
            conflict_term: None,
            read_round,
        };
        self.send(from, reply, out);
    }

    /// Section 7, InstallSnapshot receiver: keep what follows the snapshot if it matches, else
    /// take the snapshot whole; the host loads it into its state machine.
    pub(super) fn handle_install_snapshot(&mut self, now: Time, from: NodeId, snapshot: Snapshot, out: &mut Outbox) {
        if !self.follow(now, from, out) {
            return;
        }
        let index = snapshot.index;
        if index > self.commit_index {
            self.state.log.install(index, snapshot.term);
            (self.commit_index, self.last_applied) = (index, index);
            out.events.push(NodeEvent::Committed { index });
            self.state.snapshot = Some(snapshot.clone());
            out.install = Some(snapshot);
            self.refresh_membership(out);
        }
        assert!(self.commit_index >= index, "n{} took snapshot {index} but not its commitment", self.id);
        let reply = Message::AppendEntriesReply {
            success: true,
            match_index: index.min(self.state.log.last_index()),
            conflict_index: 0,
            conflict_term: None,
            read_round: 0,
        };
        self.send(from, reply, out);
    }

    /// Compacts the log up to `index` (applied here) into a snapshot whose state machine the
    /// host made (`data`), with the configuration in force at `index` (section 7).
    pub fn compact(&mut self, index: Index, data: std::sync::Arc<Vec<u8>>) {
        assert!(index <= self.last_applied, "snapshot at {index} beyond lastApplied {}", self.last_applied);
        if index <= self.state.log.snapshot_index() {
            return;
        }
        let membership = match (self.state.log.config_at(index), &self.state.snapshot) {
            (Some((_, m)), _) => m.clone(),
            (None, Some(s)) => s.membership.clone(),
            (None, None) => self.initial.clone(),
        };
        let term = self.state.log.term_at(index).expect("an applied entry is in the log");
        self.state.log.compact(index);
        self.state.snapshot = Some(Snapshot { index, term, membership, data });
    }

    pub(super) fn handle_append_success(&mut self, from: NodeId, match_index: Index, out: &mut Outbox) {
        let last = self.state.log.last_index();
        // Replies of our term reach us after we stepped down within it (CheckQuorum, 6.2, or
        // a committed configuration without us, 4.2.2); a reply from a server that has left
        // the configuration since is of no interest either.
        let Some(leader) = self.role.leading_mut() else { return };
        let Some(p) = leader.progress.get_mut(from) else { return };
        // A leader's log only grows within its term, and it sent every entry it hears about:
        // `acknowledged` asserts the index is ours.
        p.acknowledged(match_index, last);
        let more = p.next_index() <= last;
        let transferring_to_it = leader.transfer.is_some_and(|t| t.target == from);
        let matched = p.match_index();
        self.maybe_commit(out);
        if !matches!(self.role, Role::Leader(_)) {
            return; // the commit was of a configuration without us: we stepped down (4.2.2)
        }
        self.promote_if_caught_up(from, matched, out);
        if transferring_to_it && self.send_timeout_now_if_caught_up(out) {
            return;
        }
        if more {
            self.send_append(from, out);
        }
    }

    /// Backs nextIndex up using the follower's hint: past the whole conflicting term, or to the
    /// end of a short log, so a follower far behind is repaired in a few round trips. A hint
    /// from a reply that crossed a newer one may point behind matchIndex; the clamp keeps
    /// nextIndex where the newer reply put it.
    pub(super) fn handle_append_failure(
        &mut self,
        from: NodeId,
        conflict_index: Index,
        conflict_term: Option<Term>,
        out: &mut Outbox,
    ) {
        let last = self.state.log.last_index();
        let ours = conflict_term.and_then(|t| self.state.log.last_index_of_term(t));
        // As for a success: the refusal may reach us after we stepped down within the term.
        let Some(leader) = self.role.leading_mut() else { return };
        let Some(p) = leader.progress.get_mut(from) else { return };
        p.refused(ours.map_or(conflict_index, |i| i + 1), last);
        self.send_append(from, out);
    }

    /// Figure 2's last leader rule and Figure 8: commit N only if a majority stores it **and**
    /// log[N].term is the current term; older entries then commit with it.
    pub(super) fn maybe_commit(&mut self, out: &mut Outbox) {
        let leader = self.role.leader();
        let (me, last) = (self.id, self.state.log.last_index());
        if last <= self.commit_index {
            return; // nothing left to commit (most acknowledgements are of heartbeats)
        }
        let matched = |id: NodeId| if id == me { last } else { leader.progress.get(id).map_or(0, |p| p.match_index()) };
        // Most acknowledgements of new entries do not complete a majority past commitIndex: a
        // count says so without ranking every match index.
        if !self.membership.is_quorum(|id| matched(id) > self.commit_index) {
            return;
        }
        let n = self.membership.committed_index(matched).min(last);
        let current = self.state.log.term_at(n) == Some(self.term());
        if n > self.commit_index && (current || self.config.bugs.has(Bug::CommitPreviousTerm)) {
            self.advance_commit(n, out);
            self.after_leader_commit(out);
        }
    }

    pub(super) fn advance_commit(&mut self, index: Index, out: &mut Outbox) {
        if index <= self.commit_index {
            return;
        }
        // Only what we store can be committed here, while committed entries are never deleted
        // (5.4); every bug switch can break that.
        let stored = index <= self.state.log.last_index() || self.config.bugs.any();
        assert!(stored, "n{} commits {index} past its log", self.id);
        self.commit_index = index;
        out.events.push(NodeEvent::Committed { index });
        while self.last_applied < self.commit_index {
            // With the truncate bug the log can be shorter than commitIndex; apply what exists.
            let Some(entry) = self.state.log.get(self.last_applied + 1) else {
                break;
            };
            out.apply.push(entry.clone());
            self.last_applied += 1;
        }
    }
}
