//! The log view: a row per server, entries coloured by term, committed entries solid and
//! uncommitted ones dashed, and the leader's nextIndex (▲) and matchIndex (●) per follower.

use std::rc::Rc;

use yew::prelude::*;

use crate::raft::{Index, NodeId};
use crate::ui::geometry::term_hue;
use crate::ui::view::{EntryView, LogRow};

#[derive(Properties, PartialEq)]
pub struct LogsProps {
    pub first: Index,
    pub rows: Rc<Vec<LogRow>>,
    pub on_inspect: Callback<NodeId>,
}

#[component]
pub fn Logs(props: &LogsProps) -> Html {
    let last = props.rows.iter().map(|r| r.last_index).max().unwrap_or(0);
    let hidden = props.first.saturating_sub(1);
    html! {
        <section class="logs" aria-label="Logs">
            <h2>{ "Logs" }
                if hidden > 0 { <span class="muted">{ format!(" · entries 1–{hidden} not shown") }</span> }
            </h2>
            <div class="log-grid" role="table">
                <div class="log-row head" role="row">
                    <span class="who" role="columnheader">{ "index" }</span>
                    { for (props.first..=last.max(props.first)).map(|i| html! { <span class="idx" role="columnheader">{ i }</span> }) }
                </div>
                { for props.rows.iter().map(|r| row(r, props.first, &props.on_inspect)) }
            </div>
            <p class="legend muted">{ "solid: committed · dashed: not yet committed · ▦ compacted into a snapshot · ▲ leader's nextIndex · ● leader's matchIndex" }</p>
        </section>
    }
}

fn row(r: &LogRow, first: Index, on_inspect: &Callback<NodeId>) -> Html {
    let id = r.id;
    let class = classes!("log-row", (!r.up).then_some("down"), r.is_leader.then_some("leader"));
    let onclick = on_inspect.reform(move |_: MouseEvent| id);
    html! {
        <div class={class} role="row" data-log={id.to_string()}>
            <button class="who" onclick={onclick} aria-label={format!("Inspect server {id}")}>
                { format!("n{id}") }{ if r.is_leader { " ★" } else { "" } }
            </button>
            { for (first..=r.snapshot_index).map(|i| html! {
                <span class="entry snapshot" role="cell" data-index={i.to_string()}
                    title={format!("index {i}: compacted into n{id}'s snapshot (up to {})", r.snapshot_index)}>{ "▦" }</span>
            }) }
            { for r.entries.iter().map(|e| entry(e, r)) }
            if r.next_index == Some(shown_end(first, r)) { { marker_only(shown_end(first, r), r) } }
        </div>
    }
}

/// The index one past the last cell of a row (snapshot cells and entries).
fn shown_end(first: Index, r: &LogRow) -> Index {
    first + (r.snapshot_index + 1).saturating_sub(first) + r.entries.len() as Index
}

fn marks(index: Index, r: &LogRow) -> Html {
    let next = r.next_index == Some(index);
    let matched = r.match_index == Some(index);
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
        <span class={class} style={style} title={title} role="cell" data-index={e.index.to_string()} data-entry-term={e.term.to_string()}>
            { e.term }
            { marks(e.index, r) }
        </span>
    }
}

/// nextIndex one past the end of the follower's log still gets its ▲.
fn marker_only(index: Index, r: &LogRow) -> Html {
    html! { <span class="entry empty" role="cell">{ marks(index, r) }</span> }
}
