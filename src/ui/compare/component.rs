//! Two runs side by side: each a cluster with its own recent logs and its own invariant
//! monitor, under the name of what its switch is. Clicks on either act on both runs.

use std::rc::Rc;

use yew::prelude::*;

use crate::ui::cluster::component::Cluster;
use crate::ui::cluster::{ClientDot, LinkView, MessageView, Motion, ServerView};
use crate::ui::core::state::Action;
use crate::ui::logs::RecentLog;
use crate::ui::logs::recent_component::RecentLogs;
use crate::ui::shell::dispatch::{Dispatch, on_click};

/// One run of the two, as drawn.
pub struct Side {
    pub label: String,
    /// The first violation this run's monitor reports, in words.
    pub violation: Option<String>,
    pub servers: Rc<Vec<ServerView>>,
    pub messages: Rc<Vec<MessageView>>,
    pub clients: Rc<Vec<ClientDot>>,
    pub links: Rc<Vec<LinkView>>,
    pub recent: Rc<RecentLog>,
}

pub fn panes(sides: [Side; 2], motion: Motion, dispatch: &Dispatch) -> Html {
    let [a, b] = sides;
    html! {
        <section class="compare" aria-label="Two runs side by side" data-compare="">
            <div class="compare-head">
                <span class="muted small">{ "Same seed, same interventions; only the switch differs. Your clicks act on both." }</span>
                <button data-action="compare-close" onclick={on_click(dispatch, || Action::CloseCompare)}>{ "Close comparison" }</button>
            </div>
            <div class="compare-sides">{ side("a", a, motion) }{ side("b", b, motion) }</div>
        </section>
    }
}

fn side(name: &'static str, s: Side, motion: Motion) -> Html {
    let (class, state, words) = match &s.violation {
        None => ("side-monitor ok", "ok", "✓ all invariants hold".to_string()),
        Some(v) => ("side-monitor violated", "violated", format!("✗ {v}")),
    };
    html! {
        <section class="side" data-side={name} aria-label={s.label.clone()}>
            <h3>{ s.label }</h3>
            <p class={class} data-invariants={state}>{ words }</p>
            <Cluster servers={s.servers} messages={s.messages} clients={s.clients} links={s.links} motion={motion} />
            <RecentLogs log={s.recent} />
        </section>
    }
}
