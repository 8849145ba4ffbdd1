//! The recent logs beside the cluster (see `logs::recent`): a row per server with its commit
//! index and the newest indexes of its log. Cells are keyed by index and term, so an entry that
//! replaces another is a new element and its mark plays.

use std::rc::Rc;

use yew::prelude::*;

use crate::raft::Index;
use crate::sim::trace::fmt_time;
use crate::ui::cluster::geometry::term_hue;
use crate::ui::core::model::Selection;
use crate::ui::core::state::Action;
use crate::ui::logs::component::marks;
use crate::ui::logs::{RECENT_INDEXES, RecentCell, RecentLog, RecentRow};
use crate::ui::shell::dispatch::{Dispatch, use_dispatch};

#[derive(Properties, PartialEq)]
pub struct RecentLogsProps {
    pub log: Rc<RecentLog>,
}

#[component]
pub fn RecentLogs(p: &RecentLogsProps) -> Html {
    let dispatch = use_dispatch();
    let log = &p.log;
    // Always RECENT_INDEXES slots (RaftScope draws its ten), so a short log does not stretch.
    let columns = format!("--cols: {RECENT_INDEXES}");
    html! {
        <section class="recent-logs" aria-label="Recent log entries" data-recent-logs="" style={columns}>
            <h2>{ "Logs" }<span class="muted small">{ format!("indexes {}–{}", log.first, log.last.max(log.first)) }</span></h2>
            <div class="recent-grid" role="table">
                <div class="recent-row head" role="row">
                    <span class="who" role="columnheader">{ "server" }</span>
                    <span class="commit" role="columnheader" title="commit index">{ "commit" }</span>
                    { for (log.first..log.first + RECENT_INDEXES).map(|i| html! {
                        <span key={i} class="idx" role="columnheader">{ i }</span>
                    }) }
                </div>
                { for log.rows.iter().map(|r| row(r, log.first, &dispatch)) }
            </div>
            <p class="legend muted">{ "solid: committed · dashed: not yet · ▲ nextIndex · ● matchIndex (the leader's) · ↺ replaced an entry" }</p>
        </section>
    }
}

fn row(r: &RecentRow, first: Index, dispatch: &Dispatch) -> Html {
    let id = r.id;
    let inspect = dispatch.reform(move |_: MouseEvent| Action::Select(Some(Selection::Server(id))));
    let compacted = (first..=r.snapshot_index).map(|i| {
        html! { <span key={format!("s{i}")} class="cell snapshot" role="cell" title={format!("index {i}: in n{id}'s snapshot")}>{ "▦" }</span> }
    });
    let end = r.cells.last().map_or(r.snapshot_index.max(first - 1), |c| c.index) + 1;
    html! {
        <div key={id} class={classes!("recent-row", (!r.up).then_some("down"), r.is_leader.then_some("leader"))} role="row"
            data-log-row={id.to_string()} data-commit={r.commit.to_string()}>
            <span class="who" role="rowheader">
                <button onclick={inspect} title={format!("Inspect server {id}")}>
                    { format!("n{id}") }{ if r.is_leader { " ★" } else { "" } }</button>
            </span>
            <span class="commit" role="cell" title={format!("n{id}'s commit index")}>{ r.commit }</span>
            { for compacted }
            { for r.cells.iter().map(|c| cell(c, r)) }
            if r.next_index == Some(end) && end < first + RECENT_INDEXES {
                <span key="next" class="cell empty" role="cell">{ marks(end, r.next_index, r.match_index) }</span>
            }
        </div>
    }
}

fn cell(c: &RecentCell, r: &RecentRow) -> Html {
    let state = if c.committed { "committed" } else { "uncommitted" };
    // One line for the cell; the legend explains the marks.
    let replaced = c.replaced_at_us.map(|at| format!("; replaced an entry deleted at {}", fmt_time(at)));
    let title = format!("n{}, index {}, term {}: {state}{}", r.id, c.index, c.term, replaced.unwrap_or_default());
    html! {
        <span key={format!("{}-{}", c.index, c.term)} role="cell" title={title}
            class={classes!("cell", state, c.replaced_at_us.map(|_| "replaced"))} style={format!("--hue: {}", term_hue(c.term))}
            data-log-cell="" data-index={c.index.to_string()} data-term={c.term.to_string()} data-committed={c.committed.to_string()}>
            { c.term }
            if c.replaced_at_us.is_some() { <span class="was" aria-hidden="true">{ "↺" }</span> }
            { marks(c.index, r.next_index, r.match_index) }
        </span>
    }
}
