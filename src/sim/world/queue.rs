//! The world's event queue: 24-byte, `Copy` entries ordered by time and then by the order of
//! scheduling, so the same inputs always pop in the same order (see `Heap` for their shape).
//!
//! Every event of a run passes through the queue twice (push and pop). As the standard
//! library's heap it was ≈ 22 % of a swarm's cycles, for two reasons. A swarm's fault schedule
//! is scheduled up front, so thousands of interventions sat in the heap for the whole run
//! (1 237 entries on average, 12 007 at most, where a run without faults has 18) and every pop
//! sifted through all their levels; and each entry was 32 bytes with an enum holding a `Box`
//! (drop glue on every pop). Now interventions wait apart, in time order, and `Heap` holds only
//! what the run itself schedules, as three words: the time, the rank, and the event packed into
//! one word. `pop` takes whichever of the two comes first.
//!
//! The rank is the scheduling sequence number, with the top bit set for interventions, which
//! come after every other event of their instant: a person acts between instants (the clock
//! stops after all of an instant's events), and a replay from a link, which schedules every
//! intervention up front, must put them in the same place.

use std::collections::BTreeMap;

use crate::raft::{NodeId, Time};
use crate::sim::Intervention;

const INTERVENTION_RANK: u64 = 1 << 63;

/// What happens at a scheduled time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Event {
    Deliver(u64),
    Timer(NodeId),
    ClientWake(u32),
    Intervene(Intervention),
}

/// The event of a heap entry, as one word: the kind in the low two bits, the number above.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Packed(u64);

const DELIVER: u64 = 0;
const TIMER: u64 = 1;
const CLIENT_WAKE: u64 = 2;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Scheduled {
    at: Time,
    rank: u64,
    event: Packed,
}

impl Scheduled {
    /// Time, then rank, as one number: compared without branches.
    fn key(&self) -> u128 {
        u128::from(self.at) << 64 | u128::from(self.rank)
    }
}

/// The pending entries, in one of two shapes. Keys are unique (the rank is), so the order of
/// pops is the order of keys whatever the shape: neither changes any trace.
///
/// - **Sorted**, latest first, while there are few (a 5-server run holds about 20): a pop is
///   the vector's own, and a push walks in from the end past the entries due before it (a
///   delivery passes the ten or so others in flight), moving each up one place. Sifting a heap
///   of that size was 6 % of the run's instructions and more of its time, a chain of dependent
///   loads. Sorted, `cargo bench --bench sim` ran 2–4 % faster side by side, with a binary
///   search and `Vec::insert` (a `memmove` call per push, 5 % of the run's samples); walking,
///   4 % more (issue 19).
/// - **A binary min-heap** once there are more than `SORTED_MAX` (many clients, a flood of
///   messages, up to `MAX_IN_FLIGHT` of them), where shifting would cost more than sifting.
///   Its pop keeps the entry that moves in registers and writes each entry it moves once (the
///   standard library's reads the swapped root straight back through memory, a stalled
///   store-to-load forward). A four-ary heap measured slower on swarms.
///
/// An ascending vector already is a min-heap, so growing past `SORTED_MAX` reverses it; below
/// `SORTED_MIN` the heap is sorted again. The gap keeps a queue near one size from switching
/// back and forth.
#[derive(Clone, Debug, Default)]
struct Heap {
    entries: Vec<Scheduled>,
    /// Which shape `entries` has: a min-heap, or (false, as a new queue starts) sorted latest
    /// first. The heap's paths are out of line, off the sorted queue's.
    is_heap: bool,
}

/// Up to this many entries the queue stays (or becomes again, below `SORTED_MIN`) sorted.
const SORTED_MAX: usize = 64;
const SORTED_MIN: usize = 16;

impl Heap {
    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.len()
    }

    fn peek(&self) -> Option<&Scheduled> {
        if self.is_heap { self.entries.first() } else { self.entries.last() }
    }

    #[inline(always)]
    fn push(&mut self, entry: Scheduled) {
        if self.is_heap || self.entries.len() == SORTED_MAX {
            return self.push_heap(entry);
        }
        // Walks in from the end past every entry due earlier, moving each up one.
        let key = entry.key();
        let mut at = self.entries.len();
        self.entries.push(entry);
        while at > 0 && self.entries[at - 1].key() < key {
            self.entries[at] = self.entries[at - 1];
            at -= 1;
        }
        self.entries[at] = entry;
    }

    #[inline(always)]
    fn pop(&mut self) -> Option<Scheduled> {
        if self.is_heap { self.pop_heap() } else { self.entries.pop() }
    }

    #[cold]
    #[inline(never)]
    fn push_heap(&mut self, entry: Scheduled) {
        if !self.is_heap {
            self.entries.reverse();
            self.is_heap = true;
        }
        let hole = self.entries.len();
        self.entries.push(entry);
        self.sift_up(hole, entry);
    }

    /// Moves `entry` up from `hole` past every parent with a later key.
    #[inline(always)]
    fn sift_up(&mut self, mut hole: usize, entry: Scheduled) {
        let key = entry.key();
        while hole > 0 {
            let parent = (hole - 1) / 2;
            let above = self.entries[parent];
            if above.key() < key {
                break;
            }
            self.entries[hole] = above;
            hole = parent;
        }
        self.entries[hole] = entry;
    }

    #[cold]
    #[inline(never)]
    fn pop_heap(&mut self) -> Option<Scheduled> {
        let top = self.pop_root();
        if self.entries.len() < SORTED_MIN {
            self.entries.sort_unstable_by_key(|e| std::cmp::Reverse(e.key()));
            self.is_heap = false;
        }
        top
    }

    fn pop_root(&mut self) -> Option<Scheduled> {
        let last = self.entries.pop()?;
        let Some(&top) = self.entries.first() else { return Some(last) };
        // The hole goes down from the root along the earlier child to a leaf, then `last`
        // goes up from there: it came from the bottom, so it rarely climbs far.
        let len = self.entries.len();
        let (mut hole, mut child) = (0, 1);
        while child + 1 < len {
            child += usize::from(self.entries[child + 1].key() < self.entries[child].key());
            self.entries[hole] = self.entries[child];
            hole = child;
            child = 2 * hole + 1;
        }
        if child + 1 == len {
            self.entries[hole] = self.entries[child];
            hole = child;
        }
        self.sift_up(hole, last);
        Some(top)
    }
}

#[derive(Clone, Debug, Default)]
pub(super) struct EventQueue {
    heap: Heap,
    /// Interventions by time and rank.
    interventions: BTreeMap<(Time, u64), Intervention>,
    seq: u64,
}

impl EventQueue {
    pub fn push(&mut self, at: Time, event: Event) {
        let packed = match event {
            Event::Deliver(id) => return self.push_delivery(at, id),
            Event::Timer(node) => u64::from(node) << 2 | TIMER,
            Event::ClientWake(client) => u64::from(client) << 2 | CLIENT_WAKE,
            Event::Intervene(i) => {
                let rank = INTERVENTION_RANK | self.next_seq();
                self.interventions.insert((at, rank), i);
                return;
            }
        };
        let rank = self.next_seq();
        self.heap.push(Scheduled { at, rank, event: Packed(packed) });
    }

    /// `push(at, Event::Deliver(id))`, inlined where the network schedules each packet.
    #[inline(always)]
    pub fn push_delivery(&mut self, at: Time, id: u64) {
        assert!(id < 1 << 62, "message id {id} does not fit an entry");
        let rank = self.next_seq();
        self.heap.push(Scheduled { at, rank, event: Packed(id << 2 | DELIVER) });
    }

    #[inline(always)]
    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        assert!(self.seq < INTERVENTION_RANK, "2^63 events do not fit in a day of simulated time");
        self.seq
    }

    pub fn pop(&mut self) -> Option<(Time, Event)> {
        let next = self.heap.peek().map(|s| (s.at, s.rank));
        let intervention = self.interventions.first_key_value().map(|(&key, _)| key);
        if intervention.is_some_and(|i| next.is_none_or(|n| i < n)) {
            let ((at, _), i) = self.interventions.pop_first().expect("just seen");
            return Some((at, Event::Intervene(i)));
        }
        let Scheduled { at, event: Packed(word), .. } = self.heap.pop()?;
        let event = match word & 3 {
            DELIVER => Event::Deliver(word >> 2),
            TIMER => Event::Timer((word >> 2) as NodeId),
            CLIENT_WAKE => Event::ClientWake((word >> 2) as u32),
            _ => unreachable!("an entry packs one of three kinds"),
        };
        Some((at, event))
    }

    /// The time of the next event, if any.
    pub fn next_at(&self) -> Option<Time> {
        let next = self.heap.peek().map(|s| s.at);
        let intervention = self.interventions.first_key_value().map(|(&(at, _), _)| at);
        next.into_iter().chain(intervention).min()
    }

    /// Forgets interventions scheduled later than `t_us`: acting in the past forks history.
    pub fn cancel_interventions_after(&mut self, t_us: Time) {
        self.interventions.retain(|&(at, _), _| at <= t_us);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_pop_by_time_then_in_scheduling_order_with_interventions_last() {
        let mut q = EventQueue::default();
        q.push(5, Event::Intervene(Intervention::Heal));
        q.push(5, Event::Timer(3));
        q.push(2, Event::Deliver((1 << 62) - 1));
        q.push(5, Event::ClientWake(u32::MAX));
        let popped: Vec<(Time, Event)> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(
            popped,
            vec![
                (2, Event::Deliver((1 << 62) - 1)),
                (5, Event::Timer(3)),
                (5, Event::ClientWake(u32::MAX)),
                (5, Event::Intervene(Intervention::Heal)),
            ]
        );
        assert!(q.interventions.is_empty());
    }

    #[test]
    fn the_heap_pops_in_key_order_whatever_the_interleaving() {
        let mut rng = crate::prng::Prng::new(7, crate::prng::Stream::Network);
        for round in 0..300 {
            let (mut heap, mut reference) = (Heap::default(), std::collections::BTreeSet::new());
            for rank in 0..rng.below(300) {
                if rng.ratio(1, 3) {
                    let popped = heap.pop().map(|s| s.key());
                    assert_eq!(popped, reference.pop_first(), "round {round}, rank {rank}");
                }
                let at = rng.below(50);
                heap.push(Scheduled { at, rank, event: Packed(rank) });
                reference.insert(u128::from(at) << 64 | u128::from(rank));
            }
            let rest: Vec<u128> = std::iter::from_fn(|| heap.pop().map(|s| s.key())).collect();
            assert_eq!(rest, reference.into_iter().collect::<Vec<_>>(), "round {round}");
        }
    }

    #[test]
    fn the_queue_pops_in_key_order_across_its_changes_of_shape() {
        let mut rng = crate::prng::Prng::new(11, crate::prng::Stream::Network);
        let (mut heap, mut reference) = (Heap::default(), std::collections::BTreeSet::new());
        let mut shapes = Vec::new();
        let mut rank = 0;
        // Up past SORTED_MAX and down below SORTED_MIN, three times, at random times.
        for (grow_to, shrink_to) in [(70, 10), (200, 15), (65, 0)] {
            while heap.len() < grow_to {
                rank += 1;
                let at = rng.below(1_000);
                heap.push(Scheduled { at, rank, event: Packed(rank) });
                reference.insert(u128::from(at) << 64 | u128::from(rank));
                shapes.push(heap.is_heap);
            }
            while heap.len() > shrink_to {
                assert_eq!(heap.peek().map(|s| s.key()), reference.first().copied(), "rank {rank}");
                assert_eq!(heap.pop().map(|s| s.key()), reference.pop_first(), "rank {rank}");
                shapes.push(heap.is_heap);
            }
        }
        assert_eq!(heap.pop(), None);
        let switches = shapes.windows(2).filter(|w| w[0] != w[1]).count();
        assert_eq!(switches, 6, "sorted → heap → sorted, three times");
    }

    #[test]
    fn cancelling_drops_only_later_interventions() {
        let mut q = EventQueue::default();
        q.push(1, Event::Intervene(Intervention::Crash(1)));
        q.push(9, Event::Intervene(Intervention::Crash(2)));
        q.push(9, Event::Timer(1));
        q.cancel_interventions_after(5);
        assert_eq!((q.heap.len(), q.interventions.len()), (1, 1));
        assert_eq!(q.pop(), Some((1, Event::Intervene(Intervention::Crash(1)))));
        assert_eq!(q.pop(), Some((9, Event::Timer(1))));
    }
}
