//! The recent logs beside the cluster (RaftScope's layout): the newest `RECENT_INDEXES`
//! indexes of every server's log, so what a caption says about logs is on screen with the ring.
//! Each cell is coloured by its term, solid once committed on that server and dashed before;
//! each row carries the server's commit index and, on a leader's followers, the leader's
//! nextIndex and matchIndex (paper Figure 2, section 5.3). An entry that replaced another at
//! its index (a follower's conflicting suffix deleted, section 5.3; Figure 8 (d)) is marked
//! for `REPLACED_SHOW_US` of simulated time.

use super::{RowFacts, row_facts, window};
use crate::raft::{Index, NodeId, Term, Time};
use crate::sim::trace::TraceEvent;
use crate::ui::core::model::Model;

/// Indexes shown beside the cluster: the "newest 10–12 at least", and what fits beside
/// the ring at 1280×720.
pub const RECENT_INDEXES: Index = 12;

/// How long a replaced entry stays marked, in simulated time: long enough that the beat which
/// speaks of the overwrite (Figure 8 (d)) still shows it when it pauses.
pub const REPLACED_SHOW_US: Time = 1_000_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecentCell {
    pub index: Index,
    pub term: Term,
    /// Committed on this server (its commit index has reached it).
    pub committed: bool,
    /// When this entry's predecessor at its index was deleted, if that was recent: the entry
    /// replaced another.
    pub replaced_at_us: Option<Time>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecentRow {
    pub id: NodeId,
    pub up: bool,
    pub is_leader: bool,
    pub commit: Index,
    /// Entries up to here are compacted into a snapshot (section 7): no term to show.
    pub snapshot_index: Index,
    pub cells: Vec<RecentCell>,
    /// The leader's view of this follower.
    pub next_index: Option<Index>,
    pub match_index: Option<Index>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecentLog {
    pub first: Index,
    pub last: Index,
    pub rows: Vec<RecentRow>,
}

/// The newest `RECENT_INDEXES` indexes of every server's log, aligned by index.
pub fn recent_log(m: &Model) -> RecentLog {
    let (first, last) = window(m, RECENT_INDEXES, 0);
    if let Some(trace) = m.opened.as_deref() {
        return crate::ui::trace::recent_log(trace, first, last);
    }
    let leader = m.world.leader().and_then(|l| m.world.node(l));
    let replaced = replacements(m);
    let rows = m
        .world
        .servers()
        .iter()
        .map(|s| {
            let RowFacts { up, is_leader, commit, next_index, match_index } = row_facts(leader, s);
            // The newest deletion on this server that reached the index.
            let was = |index: Index| replaced.iter().find(|r| r.0 == s.id && r.1 <= index).map(|r| r.2);
            let cells = s
                .log()
                .slice(first, last)
                .iter()
                .map(|e| RecentCell {
                    index: e.index,
                    term: e.term,
                    committed: e.index <= commit,
                    replaced_at_us: was(e.index),
                })
                .collect();
            RecentRow {
                id: s.id,
                up,
                is_leader,
                commit,
                snapshot_index: s.log().snapshot_index(),
                cells,
                next_index,
                match_index,
            }
        })
        .collect();
    RecentLog { first, last, rows }
}

/// (server, first index) of every deletion within `REPLACED_SHOW_US`: each entry the server
/// holds from there on was appended after its predecessor at that index was deleted. (The
/// trace does not record the terms of appended entries, so the term replaced is not known
/// here; the cell shows that it replaced one, and its own term.)
fn replacements(m: &Model) -> Vec<(NodeId, Index, Time)> {
    let now = m.now_us();
    let deletions = m.events().rev().take_while(|(t, _)| t + REPLACED_SHOW_US >= now);
    deletions
        .filter_map(|(t, e)| match e {
            TraceEvent::Truncated { node, from } => Some((*node, *from, *t)),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::presets;

    fn figure8_at(ms: Time) -> RecentLog {
        let preset = presets::find("figure8").expect("preset");
        let mut m = Model::new((preset.build)(1)).expect("valid");
        m.seek(ms * 1000).unwrap();
        recent_log(&m)
    }

    fn index2(log: &RecentLog) -> Vec<(NodeId, Term, bool)> {
        let at2 =
            |r: &RecentRow| r.cells.iter().find(|c| c.index == 2).map(|c| (r.id, c.term, c.replaced_at_us.is_some()));
        log.rows.iter().filter_map(at2).collect()
    }

    /// Figure 8 (c) → (d): S5 overwrites index 2 on the others; the cells show the new term
    /// and that they replaced an entry.
    #[test]
    fn figure_8_shows_index_2_overwritten_beside_the_cluster() {
        let c = figure8_at(514);
        assert_eq!(c.first, 1);
        assert_eq!(c.rows.len(), 5);
        let before = index2(&c);
        assert!(before.iter().any(|&(id, term, _)| id == 1 && term == 2), "(c): S1 holds 2@t2: {before:?}");
        let d = figure8_at(700);
        let after = index2(&d);
        let overwritten: Vec<_> =
            after.iter().filter(|&&(id, term, replaced)| id != 5 && term == 3 && replaced).collect();
        assert!(overwritten.len() >= 2, "(d): index 2 is S5's term-3 entry, replacing term 2: {after:?}");
        assert!(d.rows.iter().all(|r| r.cells.iter().all(|c| c.committed == (c.index <= r.commit))));
        let leader = d.rows.iter().find(|r| r.is_leader).expect("S5 leads in (d)");
        assert_eq!(leader.id, 5);
        assert!(
            d.rows.iter().filter(|r| !r.is_leader && r.up).all(|r| r.next_index.is_some() && r.match_index.is_some())
        );
        let long_after = figure8_at(700 + REPLACED_SHOW_US / 1000 + 400);
        assert!(index2(&long_after).iter().all(|&(_, _, replaced)| !replaced), "the mark fades");
    }

    #[test]
    fn the_window_holds_the_newest_indexes() {
        let mut m = Model::new(crate::ui::core::model::first_visit(8)).expect("valid");
        m.seek(120_000_000).unwrap();
        let log = recent_log(&m);
        let newest = m.world.servers().iter().map(|s| s.log().last_index()).max().expect("servers");
        assert_eq!((log.first, log.last), (newest + 1 - RECENT_INDEXES, newest));
        assert!(log.rows.iter().all(|r| r.cells.len() as Index <= RECENT_INDEXES));
    }
}
