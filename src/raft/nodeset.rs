//! A set of server ids as a bitmap: what a configuration's voters, learners and outgoing
//! voters are, and whom a candidate has heard from (dissertation 4.3: joint consensus counts
//! majorities over two such sets).
//!
//! It replaced `BTreeSet<NodeId>`, whose every lookup walked a tree and whose every copy
//! allocated. The leader asks who the voters are on each acknowledgement (commitment, 5.3 and
//! 5.4.2) and a voter on each vote request: with a bitmap, membership is a shift and a mask,
//! the size a population count, and iteration runs in id order as the tree's did. Every id a
//! `NodeId` can hold fits (256 bits), so an untrusted request that names server 200 is still
//! represented and then refused by the code that validates it, as before.
//!
//! Order, equality and the serialized form (a sequence of ids, smallest first) are those of the
//! sorted set it replaced, so configurations in links, traces and snapshots read the same.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::NodeId;

const WORDS: usize = 4;

#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct NodeSet([u64; WORDS]);

fn place(id: NodeId) -> (usize, u64) {
    (usize::from(id / 64), 1 << (id % 64))
}

impl NodeSet {
    pub const fn new() -> NodeSet {
        NodeSet([0; WORDS])
    }

    pub fn contains(&self, id: &NodeId) -> bool {
        let (word, bit) = place(*id);
        self.0[word] & bit != 0
    }

    /// Whether `id` was not in the set before.
    pub fn insert(&mut self, id: NodeId) -> bool {
        let (word, bit) = place(id);
        let new = self.0[word] & bit == 0;
        self.0[word] |= bit;
        new
    }

    /// Whether `id` was in the set.
    pub fn remove(&mut self, id: &NodeId) -> bool {
        let (word, bit) = place(*id);
        let had = self.0[word] & bit != 0;
        self.0[word] &= !bit;
        had
    }

    pub fn len(&self) -> usize {
        self.0.iter().map(|w| w.count_ones() as usize).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.0 == [0; WORDS]
    }

    /// In increasing order.
    pub fn iter(&self) -> Iter {
        Iter { words: self.0, word: 0 }
    }

    pub fn retain(&mut self, mut keep: impl FnMut(NodeId) -> bool) {
        for id in self.iter() {
            if !keep(id) {
                self.remove(&id);
            }
        }
    }

    pub fn union(&self, other: &NodeSet) -> NodeSet {
        NodeSet(std::array::from_fn(|i| self.0[i] | other.0[i]))
    }

    pub fn intersection(&self, other: &NodeSet) -> NodeSet {
        NodeSet(std::array::from_fn(|i| self.0[i] & other.0[i]))
    }

    pub fn difference(&self, other: &NodeSet) -> NodeSet {
        NodeSet(std::array::from_fn(|i| self.0[i] & !other.0[i]))
    }
}

/// The ids of a set, smallest first.
#[derive(Clone, Debug)]
pub struct Iter {
    words: [u64; WORDS],
    word: usize,
}

impl Iterator for Iter {
    type Item = NodeId;

    fn next(&mut self) -> Option<NodeId> {
        while self.word < WORDS {
            let bits = self.words[self.word];
            if bits != 0 {
                self.words[self.word] = bits & (bits - 1);
                // At most 63 + 3 × 64 = 255: a NodeId.
                return Some((self.word * 64 + bits.trailing_zeros() as usize) as NodeId);
            }
            self.word += 1;
        }
        None
    }
}

impl IntoIterator for &NodeSet {
    type Item = NodeId;
    type IntoIter = Iter;

    fn into_iter(self) -> Iter {
        self.iter()
    }
}

impl IntoIterator for NodeSet {
    type Item = NodeId;
    type IntoIter = Iter;

    fn into_iter(self) -> Iter {
        self.iter()
    }
}

impl FromIterator<NodeId> for NodeSet {
    fn from_iter<I: IntoIterator<Item = NodeId>>(ids: I) -> NodeSet {
        let mut set = NodeSet::new();
        set.extend(ids);
        set
    }
}

impl Extend<NodeId> for NodeSet {
    fn extend<I: IntoIterator<Item = NodeId>>(&mut self, ids: I) {
        ids.into_iter().for_each(|id| {
            self.insert(id);
        });
    }
}

impl<const N: usize> From<[NodeId; N]> for NodeSet {
    fn from(ids: [NodeId; N]) -> NodeSet {
        ids.into_iter().collect()
    }
}

/// As the sorted set it replaced: element by element, smallest first.
impl Ord for NodeSet {
    fn cmp(&self, other: &NodeSet) -> std::cmp::Ordering {
        self.iter().cmp(other.iter())
    }
}

impl PartialOrd for NodeSet {
    fn partial_cmp(&self, other: &NodeSet) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Debug for NodeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl Serialize for NodeSet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for NodeSet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<NodeSet, D::Error> {
        Ok(Vec::<NodeId>::deserialize(d)?.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::prng::{Prng, Stream};

    /// Against the sorted set it replaced, on random sets over every id a `NodeId` holds.
    #[test]
    fn it_behaves_as_a_sorted_set() {
        let mut rng = Prng::new(11, Stream::Network);
        let random = |rng: &mut Prng| -> Vec<NodeId> {
            let spread = [16, 64, 256][rng.below(3) as usize];
            (0..rng.below(20)).map(|_| rng.below(spread) as NodeId).collect()
        };
        for round in 0..2_000 {
            let (a, b) = (random(&mut rng), random(&mut rng));
            let (set_a, set_b): (NodeSet, NodeSet) = (a.iter().copied().collect(), b.iter().copied().collect());
            let (tree_a, tree_b): (BTreeSet<NodeId>, BTreeSet<NodeId>) =
                (a.iter().copied().collect(), b.iter().copied().collect());
            let listed = |s: &NodeSet| s.iter().collect::<Vec<_>>();
            let sorted = |t: &BTreeSet<NodeId>| t.iter().copied().collect::<Vec<_>>();
            assert_eq!(listed(&set_a), sorted(&tree_a), "round {round}");
            assert_eq!(
                (set_a.len(), set_a.is_empty(), set_a.iter().next()),
                (tree_a.len(), tree_a.is_empty(), tree_a.first().copied())
            );
            assert_eq!(set_a.cmp(&set_b), tree_a.cmp(&tree_b), "round {round}: order");
            assert_eq!(set_a == set_b, tree_a == tree_b);
            assert_eq!(listed(&set_a.union(&set_b)), sorted(&tree_a.union(&tree_b).copied().collect()));
            assert_eq!(listed(&set_a.intersection(&set_b)), sorted(&tree_a.intersection(&tree_b).copied().collect()));
            assert_eq!(listed(&set_a.difference(&set_b)), sorted(&tree_a.difference(&tree_b).copied().collect()));
            assert_eq!(format!("{set_a:?}"), format!("{tree_a:?}"));
            assert_eq!(serde_json::to_string(&set_a).unwrap(), serde_json::to_string(&tree_a).unwrap());
            let back: NodeSet = serde_json::from_str(&serde_json::to_string(&tree_a).unwrap()).unwrap();
            assert_eq!(back, set_a);
            let (mut s, mut t) = (set_a, tree_a.clone());
            for &id in &b {
                assert_eq!(s.insert(id), t.insert(id));
                assert_eq!(s.contains(&id), t.contains(&id));
            }
            for &id in &a {
                assert_eq!(s.remove(&id), t.remove(&id));
            }
            s.retain(|id| id % 3 != 0);
            t.retain(|id| id % 3 != 0);
            assert_eq!(listed(&s), sorted(&t), "round {round}: insert, remove, retain");
        }
    }
}
