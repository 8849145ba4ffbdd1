//! Replication progress: what a leader knows of each follower (Figure 2, "volatile state on
//! leaders"), as etcd-io/raft's `tracker/progress.go` keeps it.
//!
//! **The invariant.** For every follower, `match_index < next_index <= last + 1`, where `last` is
//! the leader's last index. matchIndex is the highest entry the follower is *known* to hold;
//! nextIndex is the next one to send. A leader's log only grows within its term, so `last` never
//! falls under a follower's nextIndex. Every transition below takes the leader's `last` and
//! asserts the invariant after it moves, so a slip shows at the step that made it.
//!
//! **The transitions, and nothing else, move the two indexes:**
//! - *reset on election* (`for_new_leader`): nothing is known, so the leader optimistically
//!   sends from its own end (5.3): nextIndex = last + 1, matchIndex = 0;
//! - *joined by a configuration entry* (`for_joined`): a server that a configuration entry
//!   added while we lead. It starts at that entry, not after it: the entry is already appended,
//!   and the broadcast that follows the change must carry it (4.1: a server uses a
//!   configuration as soon as it stores it);
//! - *acknowledged up to* (`acknowledged`): a success reply. matchIndex only grows (replies can
//!   arrive out of order), and nextIndex moves past it. A follower that took our snapshot
//!   answers with the snapshot's last index (section 7), so catching up by a snapshot is this
//!   transition too; `needs_snapshot` says when to send one;
//! - *refused with a hint* (`refused`): the follower lacks the entry before nextIndex. nextIndex
//!   backs up to the hint (the first index of the conflicting term, or past the follower's
//!   last entry; 5.3's optimisation), but never to or under matchIndex: a refusal that crossed
//!   a newer acknowledgement must not undo it.
//!
//! [`Tracker`] holds one `Progress` per peer in a slot per server id: lookups are an index,
//! and iteration goes in id order, as the `BTreeMap` it replaced did (traces stay the same).

use super::{Index, MAX_NODES, NodeId};

/// What a leader knows about one follower. The indexes change only through the transitions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    next_index: Index,
    match_index: Index,
    /// Heard from since the last CheckQuorum round (dissertation 6.2).
    pub recent_active: bool,
    /// The newest heartbeat round the follower acknowledged (ReadIndex, 6.4).
    pub read_round: u64,
}

impl Progress {
    /// Reset on election: send from our end, know nothing (Figure 2).
    pub fn for_new_leader(last: Index) -> Progress {
        Progress { next_index: last + 1, ..Progress::default() }.checked(last)
    }

    /// A server the configuration entry at `config_index` (our newest) added while we lead.
    pub fn for_joined(config_index: Index) -> Progress {
        assert!(config_index > 0, "a server joins by a configuration entry, and entry 0 is none");
        Progress { next_index: config_index, ..Progress::default() }.checked(config_index)
    }

    /// The next entry to send; the follower holds everything before it, as far as we know.
    pub fn next_index(&self) -> Index {
        self.next_index
    }

    /// The highest entry the follower is known to hold.
    pub fn match_index(&self) -> Index {
        self.match_index
    }

    /// Whether the follower has been sent everything before `index` (it is waiting for
    /// `index` itself): a new entry at `index` can go to it at once.
    pub fn waits_for(&self, index: Index) -> bool {
        self.next_index == index
    }

    /// Whether the next entry to send is compacted away, so only a snapshot can help.
    pub fn needs_snapshot(&self, snapshot_index: Index) -> bool {
        self.next_index <= snapshot_index
    }

    /// Acknowledged up to `index` (a success reply, or a snapshot taken). Returns whether
    /// matchIndex advanced; an older, reordered acknowledgement changes nothing.
    pub fn acknowledged(&mut self, index: Index, last: Index) -> bool {
        assert!(index <= last, "acknowledged index {index} past the leader's last index {last}");
        let advanced = index > self.match_index;
        self.match_index = self.match_index.max(index);
        self.next_index = self.next_index.max(self.match_index + 1);
        self.check(last);
        advanced
    }

    /// Refused with `hint`, the index the follower suggests we send next. Backs nextIndex up
    /// by at least one, to the hint, but not to or under matchIndex.
    pub fn refused(&mut self, hint: Index, last: Index) {
        self.next_index = hint.min(self.next_index.saturating_sub(1)).clamp(self.match_index + 1, last + 1);
        self.check(last);
    }

    fn check(&self, last: Index) {
        assert!(
            self.match_index < self.next_index && self.next_index <= last + 1,
            "progress broke match < next <= last + 1: match {} next {} last {last}",
            self.match_index,
            self.next_index
        );
    }

    fn checked(self, last: Index) -> Progress {
        self.check(last);
        self
    }
}

/// One `Progress` per peer, indexed by server id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tracker {
    slots: [Option<Progress>; MAX_NODES as usize + 1],
}

impl Tracker {
    /// A tracker for `peers`, each starting as `start` says.
    pub fn new(peers: &[NodeId], start: Progress) -> Tracker {
        let mut tracker = Tracker { slots: [None; MAX_NODES as usize + 1] };
        for &peer in peers {
            tracker.slots[usize::from(peer)] = Some(start);
        }
        tracker
    }

    pub fn get(&self, id: NodeId) -> Option<&Progress> {
        self.slots.get(usize::from(id))?.as_ref()
    }

    pub fn get_mut(&mut self, id: NodeId) -> Option<&mut Progress> {
        self.slots.get_mut(usize::from(id))?.as_mut()
    }

    /// Peers in id order, with their progress.
    pub fn iter(&self) -> impl Iterator<Item = (NodeId, &Progress)> {
        self.slots.iter().enumerate().filter_map(|(id, p)| Some((id as NodeId, p.as_ref()?)))
    }

    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut Progress> {
        self.slots.iter_mut().flatten()
    }

    /// Keeps exactly `peers`: a peer that left is forgotten, one that joined by the
    /// configuration entry at `config_index` starts there (`Progress::for_joined`).
    pub fn set_peers(&mut self, peers: &[NodeId], config_index: Index) {
        for (id, slot) in self.slots.iter_mut().enumerate() {
            match (peers.contains(&(id as NodeId)), slot.is_some()) {
                (false, _) => *slot = None,
                (true, false) => *slot = Some(Progress::for_joined(config_index)),
                (true, true) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_leader_sends_from_its_end_and_knows_nothing() {
        let p = Progress::for_new_leader(7);
        assert_eq!((p.next_index(), p.match_index()), (8, 0));
        assert!(p.waits_for(8) && !p.waits_for(7));
    }

    #[test]
    fn a_joined_server_starts_at_the_entry_that_added_it() {
        let p = Progress::for_joined(5);
        assert_eq!((p.next_index(), p.match_index()), (5, 0));
    }

    #[test]
    #[should_panic(expected = "entry 0 is none")]
    fn nobody_joins_by_entry_zero() {
        Progress::for_joined(0);
    }

    #[test]
    fn acknowledgements_only_move_forward() {
        let mut p = Progress::for_new_leader(10);
        assert!(p.acknowledged(6, 10));
        assert_eq!((p.next_index(), p.match_index()), (11, 6));
        // An older acknowledgement, reordered behind the newer one: nothing changes.
        assert!(!p.acknowledged(4, 10));
        assert_eq!((p.next_index(), p.match_index()), (11, 6));
        assert!(p.acknowledged(10, 10));
        assert_eq!((p.next_index(), p.match_index()), (11, 10));
    }

    #[test]
    fn an_acknowledged_snapshot_moves_next_past_it() {
        let mut p = Progress::for_new_leader(20);
        p.refused(3, 20);
        assert!(p.needs_snapshot(12));
        assert!(p.acknowledged(12, 20));
        assert_eq!((p.next_index(), p.match_index()), (13, 12));
        assert!(!p.needs_snapshot(12));
    }

    #[test]
    #[should_panic(expected = "past the leader's last index")]
    fn an_acknowledgement_past_our_log_is_a_bug() {
        Progress::for_new_leader(3).acknowledged(4, 3);
    }

    #[test]
    fn a_refusal_backs_up_to_the_hint_but_not_under_match() {
        let mut p = Progress::for_new_leader(10);
        p.refused(4, 10);
        assert_eq!(p.next_index(), 4);
        // A hint past nextIndex still backs up by one.
        p.refused(9, 10);
        assert_eq!(p.next_index(), 3);
        p.acknowledged(5, 10);
        // A stale refusal that crossed the acknowledgement keeps next past match.
        p.refused(1, 10);
        assert_eq!((p.next_index(), p.match_index()), (6, 5));
    }

    #[test]
    fn a_refusal_at_the_first_entry_stays_there() {
        let mut p = Progress::for_new_leader(0);
        p.refused(0, 0);
        assert_eq!((p.next_index(), p.match_index()), (1, 0));
    }

    #[test]
    fn the_tracker_iterates_in_id_order_and_follows_the_configuration() {
        let mut t = Tracker::new(&[3, 1, 5], Progress::for_new_leader(4));
        assert_eq!(t.iter().map(|(id, _)| id).collect::<Vec<_>>(), vec![1, 3, 5]);
        t.get_mut(3).expect("n3").acknowledged(4, 4);
        t.set_peers(&[3, 5, 6], 5);
        let rows: Vec<_> = t.iter().map(|(id, p)| (id, p.next_index(), p.match_index())).collect();
        assert_eq!(rows, vec![(3, 5, 4), (5, 5, 0), (6, 5, 0)]);
        assert!(t.get(1).is_none() && t.get(99).is_none());
    }
}
