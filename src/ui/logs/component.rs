//! The log view: a row per server with its key-value store (what it applied, and greyed what
//! its log would add), entries coloured by term, committed entries solid and uncommitted ones
//! dashed, and the leader's nextIndex (▲) and matchIndex (●) per follower. It pages back
//! through the whole log, rows aligned by index. Every cell is keyed by its log index, so when
//! the window of indexes slides by one, one cell leaves and one arrives instead of every
//! cell's text, class and title being rewritten.

use std::rc::Rc;

use yew::prelude::*;

use crate::raft::Index;
use crate::ui::cluster::geometry::term_hue;
use crate::ui::core::model::Selection;
use crate::ui::core::state::Action;
use crate::ui::logs::{EntryView, LogRow, kv_text};
use crate::ui::shell::dispatch::{Dispatch, use_dispatch};

#[derive(Properties, PartialEq)]
pub struct LogsProps {
    pub first: Index,
    pub rows: Rc<Vec<LogRow>>,
}

#[component]
pub fn Logs(props: &LogsProps) -> Html {
    let last = props.rows.iter().map(|r| r.last_index).max().unwrap_or(0);
    let hidden = props.first.saturating_sub(1);
    let d = use_dispatch();
    // Page through the log: -1 older, +1 newer, 0 back to the newest entries.
    let page = |step: i8| d.reform(move |_: MouseEvent| Action::LogPage(step));
    html! {
        <section class="logs" aria-label="Logs">
            <h2>{ "Logs and state machines" }
                <span class="muted small">{ format!("indexes {}–{}", props.first, last.max(props.first)) }</span>
                <span class="log-tools">
                    <button data-action="log-older" onclick={page(-1)} disabled={hidden == 0}>{ "◀ Older" }</button>
                    <button data-action="log-newer" onclick={page(1)}>{ "Newer ▶" }</button>
                    <button data-action="log-newest" onclick={page(0)}>{ "Newest" }</button>
                </span>
            </h2>
            <div class="log-grid" role="table">
                <div key="head" class="log-row head" role="row">
                    <span key="who" class="who" role="columnheader">{ "index" }</span>
                    <span key="kv" class="kv" role="columnheader">{ "key-value store" }</span>
                    { for (props.first..=last.max(props.first)).map(|i| html! { <span key={i} class="idx" role="columnheader">{ i }</span> }) }
                </div>
                { for props.rows.iter().map(|r| row(r, props.first, &d)) }
            </div>
            <p class="legend muted">{ "solid: committed · dashed: not yet committed · ▦ compacted into a snapshot · ▲ leader's nextIndex · ● leader's matchIndex" }</p>
        </section>
    }
}

fn row(r: &LogRow, first: Index, d: &Dispatch) -> Html {
    let id = r.id;
    let class = classes!("log-row", (!r.up).then_some("down"), r.is_leader.then_some("leader"));
    let onclick = d.reform(move |_: MouseEvent| Action::Select(Some(Selection::Server(id))));
    html! {
        <div key={format!("n{id}")} class={class} role="row" data-log={id.to_string()}>
            <span key="who" class="who" role="rowheader">
                <button onclick={onclick} title={format!("Inspect server {id}")}>
                    { format!("n{id}") }{ if r.is_leader { " ★" } else { "" } }
                </button>
            </span>
            <span key="kv" class="kv" role="cell" data-kv={kv_text(&r.kv)}>
                { for r.kv.iter().map(|c| html! {
                    <span class={classes!("kv-cell", c.pending.then_some("pending"))}
                        title={if c.pending { "applied once its entries commit" } else { "applied" }}>
                        { format!("{}={}", c.key, c.values) }</span>
                }) }
            </span>
            { for (first..=r.snapshot_index).map(|i| html! {
                <span key={i} class="entry snapshot" role="cell" data-index={i.to_string()}
                    title={format!("index {i}: compacted into n{id}'s snapshot (up to {})", r.snapshot_index)}>{ "▦" }</span>
            }) }
            { for r.entries.iter().map(|e| entry(e, r)) }
            { for (r.next_index == Some(shown_end(first, r))).then(|| marker_only(shown_end(first, r), r)) }
        </div>
    }
}

/// The index one past the last cell of a row (snapshot cells and entries).
fn shown_end(first: Index, r: &LogRow) -> Index {
    first + (r.snapshot_index + 1).saturating_sub(first) + r.entries.len() as Index
}

/// The leader's nextIndex (▲) and matchIndex (●) for a follower, on the cell at `index`.
pub fn marks(index: Index, next_index: Option<Index>, match_index: Option<Index>) -> Html {
    let next = next_index == Some(index);
    let matched = match_index == Some(index);
    html! {
        <span class="marks">
            if next { <span class="next" title="leader's nextIndex for this server">{ "▲" }</span> }
            if matched { <span class="match" title="leader's matchIndex for this server">{ "●" }</span> }
        </span>
    }
}

fn entry(e: &EntryView, r: &LogRow) -> Html {
    let style = format!("--hue: {}", term_hue(e.term));
    let class = classes!("entry", if e.committed { "committed" } else { "uncommitted" });
    let title =
        format!("index {}, term {}: {}{}", e.index, e.term, e.label, if e.committed { " (committed)" } else { "" });
    html! {
        <span key={e.index} class={class} style={style} title={title} role="cell" data-index={e.index.to_string()} data-entry-term={e.term.to_string()}>
            { e.term }
            { marks(e.index, r.next_index, r.match_index) }
        </span>
    }
}

/// nextIndex one past the end of the follower's log still gets its ▲.
fn marker_only(index: Index, r: &LogRow) -> Html {
    html! { <span key="next" class="entry empty" role="cell">{ marks(index, r.next_index, r.match_index) }</span> }
}
