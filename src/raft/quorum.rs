//! Majority arithmetic as pure functions, after etcd's `quorum` package.

use super::Index;

/// Votes or acknowledgements needed out of `cluster_size` servers.
pub fn majority(cluster_size: usize) -> usize {
    cluster_size / 2 + 1
}

/// The highest index stored on a majority, given every server's match index (the leader's own
/// last index included). Sorting descending, the majority-th value is on at least that many.
pub fn committed_index(match_indexes: &mut [Index]) -> Index {
    assert!(!match_indexes.is_empty(), "committed_index of an empty cluster");
    match_indexes.sort_unstable_by(|a, b| b.cmp(a));
    match_indexes[majority(match_indexes.len()) - 1]
}

/// Outcome of an election so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VoteResult {
    Won,
    Lost,
    Pending,
}

pub fn vote_result(cluster_size: usize, granted: usize, rejected: usize) -> VoteResult {
    let needed = majority(cluster_size);
    if granted >= needed {
        VoteResult::Won
    } else if cluster_size - rejected < needed {
        VoteResult::Lost
    } else {
        VoteResult::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn majorities() {
        assert_eq!(majority(1), 1);
        assert_eq!(majority(4), 3);
        assert_eq!(majority(5), 3);
        assert_eq!(committed_index(&mut [5, 1, 3, 3, 2]), 3);
        assert_eq!(committed_index(&mut [7]), 7);
        assert_eq!(committed_index(&mut [4, 9, 1, 1]), 1);
        assert_eq!(vote_result(5, 3, 0), VoteResult::Won);
        assert_eq!(vote_result(5, 2, 2), VoteResult::Pending);
        assert_eq!(vote_result(5, 1, 3), VoteResult::Lost);
    }
}
