//! Majority arithmetic as pure functions over sets of voters, after etcd's `quorum` package:
//! a [`Membership`] is a set of voters (plus learners, who never count), and during joint
//! consensus (paper section 6, dissertation 4.3) two such sets, each of which must agree.

use serde::{Deserialize, Serialize};

use super::{Index, NodeId, NodeSet};

/// Votes or acknowledgements needed out of `size` voters.
pub fn majority(size: usize) -> usize {
    size / 2 + 1
}

/// The highest index stored on a majority of `voters`, given each one's match index. An
/// empty set of voters agrees to everything (the other half of a joint configuration decides).
pub fn committed_index(voters: &NodeSet, match_of: impl Fn(NodeId) -> Index) -> Index {
    if voters.is_empty() {
        return Index::MAX;
    }
    // At most 15 voters: no allocation on this hot path. Each match index goes into place as
    // it is read (largest first), a handful of moves for so few numbers; then the quorum-th
    // largest is the highest index a majority has reached. Counting, for every match, how many
    // reached it (as before) took 250 instructions for five voters, and a general sort's code
    // was 1 KB of the page's download.
    assert!(voters.len() <= usize::from(super::MAX_NODES), "a configuration has at most {} voters", super::MAX_NODES);
    let mut sorted = [0 as Index; super::MAX_NODES as usize];
    let mut n = 0;
    for v in voters {
        let m = match_of(v);
        let mut at = n;
        while at > 0 && sorted[at - 1] < m {
            sorted[at] = sorted[at - 1];
            at -= 1;
        }
        sorted[at] = m;
        n += 1;
    }
    sorted[majority(n) - 1]
}

/// Outcome of an election so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VoteResult {
    Won,
    Lost,
    Pending,
}

/// Counts only the votes of `voters`; anyone else's answer does not matter.
pub fn vote_result(voters: &NodeSet, granted: &NodeSet, rejected: &NodeSet) -> VoteResult {
    if voters.is_empty() {
        return VoteResult::Won;
    }
    let needed = majority(voters.len());
    let yes = voters.intersection(granted).len();
    let no = voters.intersection(rejected).len();
    if yes >= needed {
        VoteResult::Won
    } else if voters.len() - no < needed {
        VoteResult::Lost
    } else {
        VoteResult::Pending
    }
}

/// A configuration: who votes, who only receives the log, and during a joint change the
/// outgoing voters too (C_old,new: `outgoing` is C_old, `voters` is C_new).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Membership {
    pub voters: NodeSet,
    pub learners: NodeSet,
    /// Empty except during joint consensus.
    pub outgoing: NodeSet,
}

impl Membership {
    /// Servers 1 to `size`, all voters.
    pub fn initial(size: u8) -> Membership {
        Membership { voters: (1..=size).collect(), ..Membership::default() }
    }

    pub fn is_joint(&self) -> bool {
        !self.outgoing.is_empty()
    }

    /// Votes in either half.
    pub fn is_voter(&self, id: NodeId) -> bool {
        self.voters.contains(&id) || self.outgoing.contains(&id)
    }

    /// Whether `id` is a voter (of either half) or a learner: `members().contains(&id)`
    /// without building the set.
    pub fn contains(&self, id: NodeId) -> bool {
        self.is_voter(id) || self.learners.contains(&id)
    }

    /// Everyone the leader replicates to (and itself, if a member).
    pub fn members(&self) -> NodeSet {
        self.voters.union(&self.outgoing).union(&self.learners)
    }

    /// Joint: the smaller of what each half has committed.
    pub fn committed_index(&self, match_of: impl Fn(NodeId) -> Index) -> Index {
        let incoming = committed_index(&self.voters, &match_of);
        let outgoing = committed_index(&self.outgoing, &match_of);
        incoming.min(outgoing)
    }

    /// Whether the servers for which `has` holds form a quorum: a majority of the voters, and
    /// during a joint change a majority of the outgoing voters too. Without building a set.
    pub fn is_quorum(&self, has: impl Fn(NodeId) -> bool) -> bool {
        let half = |set: &NodeSet| set.is_empty() || set.iter().filter(|&id| has(id)).count() >= majority(set.len());
        half(&self.voters) && half(&self.outgoing)
    }

    /// Joint: both halves must elect; either losing loses.
    pub fn vote_result(&self, granted: &NodeSet, rejected: &NodeSet) -> VoteResult {
        match (vote_result(&self.voters, granted, rejected), vote_result(&self.outgoing, granted, rejected)) {
            (VoteResult::Won, VoteResult::Won) => VoteResult::Won,
            (VoteResult::Lost, _) | (_, VoteResult::Lost) => VoteResult::Lost,
            _ => VoteResult::Pending,
        }
    }
}

impl std::fmt::Display for Membership {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let list = |set: &NodeSet| set.iter().map(|n| format!("n{n}")).collect::<Vec<_>>().join(",");
        write!(f, "{{{}}}", list(&self.voters))?;
        if self.is_joint() {
            write!(f, " joint with {{{}}}", list(&self.outgoing))?;
        }
        if !self.learners.is_empty() {
            write!(f, " learners {{{}}}", list(&self.learners))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(ids: &[NodeId]) -> NodeSet {
        ids.iter().copied().collect()
    }

    #[test]
    fn a_quorum_is_a_majority_of_each_half() {
        let simple = Membership { voters: set(&[1, 2, 3]), ..Membership::default() };
        assert!(simple.is_quorum(|id| id != 3));
        assert!(!simple.is_quorum(|id| id == 1));
        let joint = Membership { voters: set(&[1, 2, 3]), outgoing: set(&[3, 4, 5]), ..Membership::default() };
        assert!(!joint.is_quorum(|id| id <= 2), "a majority of the new voters alone is not enough");
        assert!(joint.is_quorum(|id| id == 2 || id == 3 || id == 4));
        // The same verdict as an election in which exactly those servers voted yes.
        for mask in 0u32..64 {
            let yes: NodeSet = (1..=5).filter(|id| mask & (1 << id) != 0).collect();
            let no: NodeSet = (1..=5).filter(|id| !yes.contains(id)).collect();
            let won = joint.vote_result(&yes, &no) == VoteResult::Won;
            assert_eq!(joint.is_quorum(|id| yes.contains(&id)), won, "yes = {yes:?}");
        }
    }

    #[test]
    fn majorities_over_sets() {
        assert_eq!(majority(1), 1);
        assert_eq!(majority(4), 3);
        assert_eq!(majority(5), 3);
        fn m(v: &[Index]) -> impl Fn(NodeId) -> Index + '_ {
            move |id| v[usize::from(id) - 1]
        }
        assert_eq!(committed_index(&set(&[1, 2, 3, 4, 5]), m(&[5, 1, 3, 3, 2])), 3);
        assert_eq!(committed_index(&set(&[1]), m(&[7])), 7);
        assert_eq!(committed_index(&set(&[1, 2, 3, 4]), m(&[4, 9, 1, 1])), 1);
        // Only voters count: a learner far ahead changes nothing.
        assert_eq!(committed_index(&set(&[1, 2, 3]), m(&[5, 1, 1, 9])), 1);
        let all = set(&[1, 2, 3, 4, 5]);
        assert_eq!(vote_result(&all, &set(&[1, 2, 3]), &set(&[])), VoteResult::Won);
        assert_eq!(vote_result(&all, &set(&[1, 2]), &set(&[3, 4])), VoteResult::Pending);
        assert_eq!(vote_result(&all, &set(&[1]), &set(&[2, 3, 4])), VoteResult::Lost);
        assert_eq!(vote_result(&set(&[1, 2, 3]), &set(&[1, 7, 8]), &set(&[])), VoteResult::Pending, "7, 8 do not vote");
    }

    #[test]
    fn the_committed_index_is_the_majority_th_largest_match_ties_included() {
        // Every cluster of 1 to 7 voters with match indexes from 0 to 3: against sorting.
        for n in 1..=7u32 {
            for code in 0..4u32.pow(n) {
                let v: Vec<Index> = (0..n).map(|i| Index::from(code / 4u32.pow(i) % 4)).collect();
                let mut sorted = v.clone();
                sorted.sort_unstable_by(|a, b| b.cmp(a));
                let voters: NodeSet = (1..=n as NodeId).collect();
                let got = committed_index(&voters, |id| v[usize::from(id) - 1]);
                assert_eq!(got, sorted[majority(v.len()) - 1], "matches {v:?}");
            }
        }
    }

    /// Joint consensus (section 6): a majority of both halves, for commitment and elections.
    #[test]
    fn joint_configurations_need_both_majorities() {
        let joint = Membership { voters: set(&[3, 4, 5]), outgoing: set(&[1, 2, 3]), learners: set(&[]) };
        fn m(v: &[Index]) -> impl Fn(NodeId) -> Index + '_ {
            move |id| v[usize::from(id) - 1]
        }
        assert_eq!(joint.committed_index(m(&[9, 9, 1, 1, 1])), 1, "old half has it, new half does not");
        assert_eq!(joint.committed_index(m(&[9, 9, 9, 9, 1])), 9);
        assert_eq!(joint.vote_result(&set(&[1, 2]), &set(&[])), VoteResult::Pending);
        assert_eq!(joint.vote_result(&set(&[1, 2, 4, 5]), &set(&[])), VoteResult::Won);
        assert_eq!(joint.vote_result(&set(&[4, 5]), &set(&[1, 2])), VoteResult::Lost);
        assert!(joint.is_voter(1) && joint.is_voter(5) && !joint.is_voter(6));
        assert_eq!(joint.to_string(), "{n3,n4,n5} joint with {n1,n2,n3}");
    }
}
