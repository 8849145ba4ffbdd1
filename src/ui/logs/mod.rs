//! The logs: a row per server with its entries coloured by term, committed or not, the
//! leader's nextIndex and matchIndex for it, its snapshot and its key-value store, as plain
//! data (tested natively); `component` draws the full, pageable view.

#[cfg(target_arch = "wasm32")]
pub mod component;
mod recent;
#[cfg(target_arch = "wasm32")]
pub mod recent_component;

pub use self::recent::{RECENT_INDEXES, REPLACED_SHOW_US, RecentCell, RecentLog, RecentRow, recent_log};

use crate::raft::{Index, NodeId, Term};
use crate::ui::core::model::Model;

#[derive(Clone, Debug, PartialEq)]
pub struct EntryView {
    pub index: Index,
    pub term: Term,
    pub committed: bool,
    pub label: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LogRow {
    pub id: NodeId,
    pub up: bool,
    pub is_leader: bool,
    pub entries: Vec<EntryView>,
    pub commit: Index,
    pub last_index: Index,
    /// The leader's view of this follower.
    pub next_index: Option<Index>,
    pub match_index: Option<Index>,
    /// Entries up to here are compacted into a snapshot (section 7).
    pub snapshot_index: Index,
    /// The server's key-value store: what it has applied, then (pending) what its log would
    /// change once the rest is committed and applied.
    pub kv: Vec<KvCell>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KvCell {
    pub key: char,
    pub values: String,
    pub pending: bool,
}

/// A server's store as cells: applied keys, then keys its unapplied entries would change.
fn kv_cells(s: &crate::sim::server::Server) -> Vec<KvCell> {
    let Some(node) = s.node.as_ref() else { return Vec::new() };
    let applied = s.kv.data();
    let show = |v: &[u32]| match v {
        [one] => one.to_string(),
        many => format!("[{}]", many.iter().map(u32::to_string).collect::<Vec<_>>().join(",")),
    };
    let name = crate::raft::log::key_letter;
    let mut cells: Vec<KvCell> =
        applied.iter().map(|(&k, v)| KvCell { key: name(k), values: show(v), pending: false }).collect();
    let mut after = applied.clone();
    let log = s.log();
    for e in log.slice(node.last_applied() + 1, log.last_index()) {
        if let Some(c) = e.command {
            crate::sim::client::execute(&mut after, c.op);
        }
    }
    for (k, v) in &after {
        if applied.get(k) != Some(v) {
            cells.push(KvCell { key: name(*k), values: show(v), pending: true });
        }
    }
    cells
}

/// The store in one line, as the `data-kv` hook carries it: `a=3 b=[1,5] | c=7` (pending after
/// the bar).
pub fn kv_text(cells: &[KvCell]) -> String {
    let part = |pending: bool| {
        cells.iter().filter(|c| c.pending == pending).map(|c| format!("{}={}", c.key, c.values)).collect::<Vec<_>>()
    };
    let (done, pending) = (part(false), part(true));
    if pending.is_empty() { done.join(" ") } else { format!("{} | {}", done.join(" "), pending.join(" ")) }
}

/// Columns shown in the log view; earlier entries are summarised, later ones scroll.
pub const LOG_WINDOW: Index = 30;

/// The first and last index of a window of `width` indexes ending `back` entries before the
/// newest index any server holds (0: the newest), never before index 1.
pub fn window(m: &Model, width: Index, back: Index) -> (Index, Index) {
    assert!(width > 0, "a log window shows at least one index");
    let newest_anywhere = match m.opened.as_deref() {
        Some(trace) => trace.newest_index(),
        None => m.world.servers().iter().map(|s| s.log().last_index()).max().unwrap_or(0),
    };
    let newest = newest_anywhere.saturating_sub(back).max(width.min(newest_anywhere));
    (newest.saturating_sub(width - 1).max(1), newest)
}

/// What both log views show of a server beside its entries.
pub(crate) struct RowFacts {
    pub up: bool,
    pub is_leader: bool,
    pub commit: Index,
    /// The leader's nextIndex and matchIndex for this server, if there is a leader.
    pub next_index: Option<Index>,
    pub match_index: Option<Index>,
}

pub(crate) fn row_facts(leader: Option<&crate::raft::Node>, s: &crate::sim::server::Server) -> RowFacts {
    let node = s.node.as_ref();
    let progress = leader.and_then(|l| l.progress()).and_then(|p| p.get(s.id));
    RowFacts {
        up: node.is_some(),
        is_leader: leader.is_some_and(|l| l.id() == s.id),
        commit: node.map_or(0, |n| n.commit_index()),
        next_index: progress.map(|p| p.next_index()),
        match_index: progress.map(|p| p.match_index()),
    }
}

/// The log view's rows, showing `LOG_WINDOW` indexes that end `back` entries before the
/// newest (0: the newest), aligned by index across servers.
pub fn log_rows(m: &Model, back: Index) -> (Index, Vec<LogRow>) {
    let (first, newest) = window(m, LOG_WINDOW, back);
    if let Some(trace) = m.opened.as_deref() {
        return (first, crate::ui::trace::log_rows(trace, first, newest));
    }
    let leader = m.world.leader().and_then(|l| m.world.node(l));
    let rows = m
        .world
        .servers()
        .iter()
        .map(|s| {
            let RowFacts { up, is_leader, commit, next_index, match_index } = row_facts(leader, s);
            LogRow {
                id: s.id,
                up,
                is_leader,
                entries: s
                    .log()
                    .slice(first, newest)
                    .iter()
                    .map(|e| EntryView {
                        index: e.index,
                        term: e.term,
                        committed: e.index <= commit,
                        label: match (&e.command, &e.config) {
                            (Some(c), _) => c.op.to_string(),
                            (None, Some(m)) => format!("configuration {m}"),
                            (None, None) => "no-op".to_string(),
                        },
                    })
                    .collect(),
                commit,
                last_index: s.log().last_index(),
                next_index,
                match_index,
                snapshot_index: s.log().snapshot_index(),
                kv: kv_cells(s),
            }
        })
        .collect();
    (first, rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_server_shows_its_store_and_the_log_pages_back_by_index() {
        let mut m = Model::new(crate::ui::core::model::first_visit(8)).expect("valid");
        m.seek(120_000_000).unwrap();
        let (first, rows) = log_rows(&m, 0);
        let newest = rows.iter().map(|r| r.last_index).max().expect("rows");
        assert_eq!(first, newest + 1 - LOG_WINDOW);
        let leader = rows.iter().find(|r| r.is_leader).expect("a leader");
        assert!(leader.kv.iter().any(|c| !c.pending), "the leader applied writes: {:?}", leader.kv);
        let text = kv_text(&leader.kv);
        assert!(text.contains('='), "{text}");
        let (older, _) = log_rows(&m, 20);
        assert_eq!(older, first - 20, "paging back moves the window by index");
        let (oldest, _) = log_rows(&m, 1_000_000);
        assert_eq!(oldest, 1, "paging stops at the first index");
        let pending = vec![
            KvCell { key: 'a', values: "3".into(), pending: false },
            KvCell { key: 'b', values: "[1,5]".into(), pending: true },
        ];
        assert_eq!(kv_text(&pending), "a=3 | b=[1,5]");
    }
}
