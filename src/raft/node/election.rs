//! Elections: PreVote (dissertation 9.6), votes (paper 5.2, 5.4.1), becoming leader, and
//! leadership transfer (dissertation 3.10).

use super::{LeaderState, Node, NodeEvent, Outbox, Role, Transfer, TransferError};
use crate::raft::message::Message;
use crate::raft::quorum::VoteResult;
use crate::raft::{Bug, Index, NodeId, NodeSet, RoleKind, Term, Time};

impl Node {
    /// The election timer fired: with PreVote, ask first; otherwise campaign.
    pub(super) fn start_election(&mut self, now: Time, out: &mut Outbox) {
        let uncommitted_change = self.membership_index > self.commit_index;
        let learner = self.membership.learners.contains(&self.id);
        let excluded = !self.membership.is_voter(self.id);
        if learner || (excluded && !uncommitted_change) {
            // A learner, a removed server or one not yet told its configuration does not
            // campaign. One whose newest configuration excludes it but is not known committed
            // still may: it can be the only server holding that entry, and as leader of a
            // configuration it is not part of (4.2.2) it commits the entry and steps down.
            self.reset_election_timer(now);
            return;
        }
        // Such a server asks first whatever the settings (9.6): often the entry reached the
        // others and they have moved on without it, and a plain campaign would only raise
        // their terms again and again.
        if self.config.pre_vote || excluded {
            self.pre_campaign(now, out);
        } else {
            self.campaign(now, out, false);
        }
    }

    /// 9.6: ask "would you vote for me at term T+1?" without changing our term or vote.
    fn pre_campaign(&mut self, now: Time, out: &mut Outbox) {
        self.role = Role::PreCandidate { granted: NodeSet::from([self.id]), rejected: NodeSet::new() };
        self.reset_election_timer(now);
        out.events.push(NodeEvent::RoleChanged { role: RoleKind::PreCandidate, term: self.term() });
        let body =
            Message::PreVote { last_log_index: self.state.log.last_index(), last_log_term: self.state.log.last_term() };
        for &peer in &self.peers {
            self.send_at(peer, self.term() + 1, body.clone(), out);
        }
        self.count_pre_votes(now, out);
    }

    /// Section 5.2: a new term, a vote for ourselves, RequestVote to everyone. `transfer` marks
    /// an election that TimeoutNow started (3.10), which voters may not ignore.
    pub(super) fn campaign(&mut self, now: Time, out: &mut Outbox, transfer: bool) {
        self.state.current_term += 1;
        self.state.voted_for = Some(self.id);
        self.leader_contact_us = None;
        self.role = Role::Candidate { granted: NodeSet::from([self.id]), rejected: NodeSet::new() };
        self.reset_election_timer(now);
        out.events.push(NodeEvent::RoleChanged { role: RoleKind::Candidate, term: self.term() });
        out.events.push(NodeEvent::Voted { candidate: self.id, term: self.term() });
        let body = Message::RequestVote {
            last_log_index: self.state.log.last_index(),
            last_log_term: self.state.log.last_term(),
            transfer,
        };
        for &peer in &self.peers {
            self.send(peer, body.clone(), out);
        }
        self.check_election(now, out);
    }

    fn log_ok(&self, last_index: Index, last_term: Term) -> bool {
        self.config.bugs.has(Bug::VoteIgnoresLog) || self.state.log.is_up_to_date(last_index, last_term)
    }

    /// 9.6: yes only for a log at least as up to date as ours, and only if we have not heard
    /// from a leader within the minimum election timeout. Nothing changes here, whatever we
    /// answer; a yes carries the asked term, a no our own.
    pub(super) fn handle_pre_vote(
        &mut self,
        now: Time,
        from: NodeId,
        asked: Term,
        last_index: Index,
        last_term: Term,
        out: &mut Outbox,
    ) {
        let could_vote = asked > self.term() || self.state.voted_for.is_none_or(|v| v == from);
        let granted = could_vote && self.log_ok(last_index, last_term) && !self.heard_from_leader(now);
        let term = if granted { asked } else { self.term() };
        self.send_at(from, term, Message::PreVoteReply { granted }, out);
    }

    pub(super) fn handle_pre_vote_reply(
        &mut self,
        now: Time,
        from: NodeId,
        term: Term,
        granted: bool,
        out: &mut Outbox,
    ) {
        let next_term = self.term() + 1;
        // A late reply: we already won, lost, or heard from a leader.
        let Role::PreCandidate { granted: yes, rejected: no } = &mut self.role else {
            return;
        };
        match granted {
            true if term == next_term => yes.insert(from),
            true => return, // a yes from an earlier round, for a term we have passed
            false => no.insert(from),
        };
        self.count_pre_votes(now, out);
    }

    fn count_pre_votes(&mut self, now: Time, out: &mut Outbox) {
        let (granted, rejected) = self.role.tally(RoleKind::PreCandidate);
        match self.membership.vote_result(granted, rejected) {
            VoteResult::Won => self.campaign(now, out, false),
            VoteResult::Lost => self.become_follower(now, self.term(), None, out),
            VoteResult::Pending => {}
        }
    }

    /// 5.2 and 5.4.1: one vote per term, first come first served, for an up-to-date log.
    pub(super) fn handle_request_vote(
        &mut self,
        now: Time,
        from: NodeId,
        last_index: Index,
        last_term: Term,
        out: &mut Outbox,
    ) {
        let free = self.state.voted_for.is_none_or(|v| v == from);
        let granted = free && self.log_ok(last_index, last_term);
        if granted && self.state.voted_for.is_none() {
            self.state.voted_for = Some(from);
            out.events.push(NodeEvent::Voted { candidate: from, term: self.term() });
        }
        if granted {
            // Never two candidates in one term: a yes goes only to the one we voted for.
            assert_eq!(self.state.voted_for, Some(from), "n{} granted a second vote in term {}", self.id, self.term());
            self.reset_election_timer(now);
        }
        self.send(from, Message::RequestVoteReply { granted }, out);
    }

    pub(super) fn handle_vote_reply(&mut self, now: Time, from: NodeId, granted: bool, out: &mut Outbox) {
        // A late reply: we already won, or stepped down for a newer term's leader or candidate.
        let Role::Candidate { granted: yes, rejected: no } = &mut self.role else {
            return;
        };
        if granted {
            yes.insert(from);
        } else {
            no.insert(from);
        }
        self.check_election(now, out);
    }

    fn check_election(&mut self, now: Time, out: &mut Outbox) {
        let (granted, rejected) = self.role.tally(RoleKind::Candidate);
        if self.membership.vote_result(granted, rejected) == VoteResult::Won {
            self.become_leader(now, out);
        }
    }

    /// Section 5.2 and 8: reinitialise nextIndex/matchIndex, append a no-op of the new term so
    /// earlier entries can commit (5.4.2), and assert leadership with AppendEntries at once.
    fn become_leader(&mut self, now: Time, out: &mut Outbox) {
        let (granted, rejected) = self.role.tally(RoleKind::Candidate);
        assert_eq!(self.membership.vote_result(granted, rejected), VoteResult::Won, "n{} leads unelected", self.id);
        self.role = Role::Leader(Box::new(self.fresh_leader_state(now)));
        self.assert_peers();
        out.events.push(NodeEvent::RoleChanged { role: RoleKind::Leader, term: self.term() });
        if self.state.log.last_index() < self.config.max_log_len {
            let index = self.state.log.push(self.term(), None);
            out.events.push(NodeEvent::Appended { first: index, last: index });
        }
        // The no-op of our term is what lets older entries commit (5.4.2); only a full log
        // (the page's bound on memory) goes without it.
        let noop = self.state.log.last_term() == self.term();
        assert!(noop || self.state.log.last_index() >= self.config.max_log_len, "n{} leads without a no-op", self.id);
        self.broadcast_append(out);
        self.maybe_commit(out);
    }

    /// 3.10: stop taking proposals, bring `target` up to date, then send it TimeoutNow. Given up
    /// after an election timeout (see `tick_leader`).
    pub fn transfer_leadership(&mut self, now: Time, target: NodeId, out: &mut Outbox) -> Result<(), TransferError> {
        let before = self.before();
        let result = self.start_transfer(now, target, out);
        self.assert_invariants(&before);
        result
    }

    fn start_transfer(&mut self, now: Time, target: NodeId, out: &mut Outbox) -> Result<(), TransferError> {
        self.note_time(now);
        if target == self.id {
            return Err(TransferError::ToSelf);
        }
        if !self.membership.voters.contains(&target) {
            return Err(TransferError::UnknownTarget { target });
        }
        let deadline_us = now + self.config.election_timeout_max_us;
        // The host may ask any server.
        let Role::Leader(leader) = &mut self.role else {
            return Err(TransferError::NotLeader);
        };
        leader.transfer = Some(Transfer { target, deadline_us, timeout_sent: false });
        out.events.push(NodeEvent::Transfer { target, started: true });
        if !self.send_timeout_now_if_caught_up(out) {
            self.send_append(target, out);
        }
        Ok(())
    }

    /// Sends TimeoutNow once the transfer's target holds our whole log; returns whether it did.
    pub(super) fn send_timeout_now_if_caught_up(&mut self, out: &mut Outbox) -> bool {
        let last = self.state.log.last_index();
        let LeaderState { transfer: Some(t), progress, .. } = self.role.leader_mut() else {
            return false;
        };
        if t.timeout_sent || progress.get(t.target).is_none_or(|p| p.match_index() < last) {
            return false;
        }
        t.timeout_sent = true;
        let target = t.target;
        self.send(target, Message::TimeoutNow, out);
        true
    }

    /// 3.10: the leader chose us; campaign at once, skipping PreVote, marked as a transfer so
    /// that sticky voters answer.
    pub(super) fn handle_timeout_now(&mut self, now: Time, out: &mut Outbox) {
        // Only the leader of our term sends TimeoutNow; a (pre-)candidate or leader ignores it.
        if matches!(self.role, Role::Follower { .. }) {
            self.campaign(now, out, true);
        }
    }
}
