//! What must hold after every input a node takes, and what must never happen between two, in
//! TigerBeetle's manner: asserted in every build, so a broken rule stops the run at the step
//! that broke it instead of surfacing later, far away, as a checker violation (or not at all).
//! The public entry points (`step`, `tick`, `timeout_now`, `propose`, `change_membership`,
//! `transfer_leadership`) take a `Before` first and check it last. A rule that bug switches
//! can break says so where it exempts them.

use super::{MAX_PENDING_READS, Node, Role};
use crate::raft::{Index, Term};

/// What may only grow, as it was before the input.
pub(super) struct Before {
    term: Term,
    commit_index: Index,
    last_applied: Index,
}

impl Node {
    pub(super) fn before(&self) -> Before {
        Before { term: self.term(), commit_index: self.commit_index, last_applied: self.last_applied }
    }

    pub(super) fn assert_invariants(&self, before: &Before) {
        let id = self.id;
        // Never: a term, commitIndex or lastApplied going back (5.1, Figure 2; only a restart,
        // which makes a new Node, forgets commitIndex).
        assert!(self.term() >= before.term, "n{id}: term went back from {} to {}", before.term, self.term());
        assert!(self.commit_index >= before.commit_index, "n{id}: commitIndex went back to {}", self.commit_index);
        assert!(self.last_applied >= before.last_applied, "n{id}: lastApplied went back to {}", self.last_applied);
        self.assert_state();
        self.assert_role();
    }

    /// Always: applied ≤ committed ≤ stored; a snapshot is applied state (section 7); the
    /// configuration in force is in the log or its snapshot (4.1); no entry is newer than us.
    fn assert_state(&self) {
        let (id, log) = (self.id, &self.state.log);
        assert!(self.last_applied <= self.commit_index, "n{id}: applied {} past commit", self.last_applied);
        assert!(log.snapshot_index() <= self.last_applied, "n{id}: snapshot {} not applied", log.snapshot_index());
        // Holds while committed entries are never deleted (Leader Completeness, 5.4). Every bug
        // switch can break that, and then a follower loses entries it had seen committed.
        if !self.config.bugs.any() {
            assert!(self.commit_index <= log.last_index(), "n{id}: commit {} past the log", self.commit_index);
        }
        assert!(self.membership_index <= log.last_index(), "n{id}: configuration entry past the log");
        assert!(log.last_term() <= self.term(), "n{id}: an entry of term {} in term {}", log.last_term(), self.term());
        assert!(self.follower_reads.len() <= MAX_PENDING_READS, "n{id}: too many reads");
    }

    /// Checked where peers and the leader's tracker change (`refresh_membership`,
    /// `become_leader`) rather than after every input: nothing else touches them.
    pub(super) fn assert_peers(&self) {
        let id = self.id;
        assert!(!self.peers.contains(&id), "n{id} counts itself among its peers");
        if let Role::Leader(l) = &self.role {
            let tracked = l.progress.iter().map(|(peer, _)| peer);
            assert!(tracked.eq(self.peers.iter().copied()), "n{id} tracks other servers than its peers");
        }
    }

    /// Each role's own rules: a leader and a candidate voted for themselves in their term; a
    /// follower's leader is someone else.
    fn assert_role(&self) {
        let id = self.id;
        match &self.role {
            Role::Leader(l) => {
                assert_eq!(self.state.voted_for, Some(id), "n{id} leads without its own vote");
                assert!(l.reads.len() <= MAX_PENDING_READS, "n{id}: too many reads");
            }
            Role::Candidate { granted, .. } => {
                assert_eq!(self.state.voted_for, Some(id), "n{id} campaigns without its own vote");
                assert!(granted.contains(&id), "n{id} does not count its own vote");
            }
            Role::PreCandidate { granted, .. } => assert!(granted.contains(&id), "n{id} does not count itself"),
            Role::Follower { leader } => assert_ne!(*leader, Some(id), "n{id} follows itself"),
        }
    }
}
