//! The settings panel, opened from the toolbar: one group per concern (the cluster, the
//! network, timing, the mechanisms past the paper's section 5, the bug switches, presets), each
//! a component with the narrow callbacks it needs. The panel stays in the document while
//! closed (hidden), so scripts and tests can reach every control.

use std::rc::Rc;

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::raft::{Bug, Bugs, NodeId, ReadMode};
use crate::scenario::presets::PRESETS;

fn text_value(e: &Event) -> String {
    e.target_unchecked_into::<HtmlInputElement>().value()
}

fn on_text(cb: &Callback<String>) -> Callback<Event> {
    cb.reform(|e: Event| text_value(&e))
}

fn on_click(cb: &Callback<()>) -> Callback<MouseEvent> {
    cb.reform(|_: MouseEvent| ())
}

#[derive(Properties, PartialEq)]
pub struct ClusterProps {
    pub nodes: u8,
    pub clients: u8,
    pub on_nodes: Callback<String>,
    pub on_clients: Callback<String>,
    pub on_reset: Callback<()>,
    pub on_add_server: Callback<()>,
    pub on_restart_leader: Callback<()>,
    pub on_restart_all: Callback<()>,
    pub on_align_timers: Callback<()>,
    pub on_spread_timers: Callback<()>,
    pub on_heal: Callback<()>,
}

#[component]
pub fn ClusterSettings(p: &ClusterProps) -> Html {
    html! {
        <fieldset class="group cluster-settings">
            <legend>{ "Cluster" }</legend>
            <label>{ "Servers " }<input type="number" data-control="nodes" min="1" max="15" value={p.nodes.to_string()}
                onchange={on_text(&p.on_nodes)} /></label>
            <label>{ "Clients " }<input type="number" data-control="clients" min="0" max="16" value={p.clients.to_string()}
                onchange={on_text(&p.on_clients)} /></label>
            <div class="actions">
                <button data-action="reset" onclick={on_click(&p.on_reset)} title="A fresh cluster with these settings">{ "New cluster" }</button>
                <button data-action="add-server" onclick={on_click(&p.on_add_server)}
                    title="A new server joins as a learner, catches up (by snapshot if need be) and becomes a voter">{ "Add server" }</button>
                <button data-action="restart-leader" onclick={on_click(&p.on_restart_leader)} title="Crash the leader and restart it (R)">{ "Restart leader" }</button>
                <button data-action="restart-all" onclick={on_click(&p.on_restart_all)} title="Restart every crashed server (B)">{ "Restart all" }</button>
                <button data-action="align-timers" onclick={on_click(&p.on_align_timers)} title="Every election timer fires at once: a split vote (A)">{ "Align timers" }</button>
                <button data-action="spread-timers" onclick={on_click(&p.on_spread_timers)} title="Fresh random election timeouts (T)">{ "Spread timers" }</button>
                <button data-action="heal" onclick={on_click(&p.on_heal)} title="Undo every partition and cut link (H)">{ "Heal network" }</button>
            </div>
        </fieldset>
    }
}

#[derive(Properties, PartialEq)]
pub struct SplitProps {
    pub servers: u8,
    /// Bit i-1 set: server i is chosen for one side.
    pub chosen: u16,
    pub on_choose: Callback<NodeId>,
    pub on_split: Callback<()>,
}

/// "Split the cluster": choose the servers for one side, then split; Heal joins them again.
#[component]
pub fn SplitTool(p: &SplitProps) -> Html {
    html! {
        <fieldset class="group split">
            <legend>{ "Split the cluster" }</legend>
            { for (1..=p.servers).map(|id| {
                let on = p.chosen & (1 << (id - 1)) != 0;
                html! {
                    <button data-split-side={id.to_string()} aria-pressed={on.to_string()}
                        onclick={p.on_choose.reform(move |_: MouseEvent| id)}>{ format!("n{id}") }</button>
                }
            }) }
            <button data-action="split" onclick={on_click(&p.on_split)} disabled={p.chosen == 0}
                title="The chosen servers on one side, the rest on the other">{ "Split" }</button>
        </fieldset>
    }
}

#[derive(Properties, PartialEq)]
pub struct NetworkProps {
    pub latency: AttrValue,
    pub loss_pct: String,
    pub dup_pct: String,
    pub on_latency: Callback<String>,
    pub on_loss: Callback<String>,
    pub on_dup: Callback<String>,
}

#[component]
pub fn NetworkSettings(p: &NetworkProps) -> Html {
    html! {
        <fieldset class="group">
            <legend>{ "Network" }</legend>
            <label>{ "Latency (ms) " }<input type="text" data-control="latency" size="7" value={p.latency.clone()}
                onchange={on_text(&p.on_latency)} /></label>
            <label>{ "Loss % " }<input type="number" data-control="loss" min="0" max="100" step="1" value={p.loss_pct.clone()}
                onchange={on_text(&p.on_loss)} /></label>
            <label>{ "Duplication % " }<input type="number" data-control="dup" min="0" max="100" step="1" value={p.dup_pct.clone()}
                onchange={on_text(&p.on_dup)} /></label>
        </fieldset>
    }
}

#[derive(Properties, PartialEq)]
pub struct TimingProps {
    pub election: AttrValue,
    pub heartbeat_ms: u64,
    pub on_election: Callback<String>,
    pub on_heartbeat: Callback<String>,
}

#[component]
pub fn TimingSettings(p: &TimingProps) -> Html {
    html! {
        <fieldset class="group">
            <legend>{ "Timing" }</legend>
            <label>{ "Election timeout (ms) " }<input type="text" data-control="election-timeout" size="8"
                value={p.election.clone()} onchange={on_text(&p.on_election)} /></label>
            <label>{ "Heartbeat (ms) " }<input type="number" data-control="heartbeat" min="1" value={p.heartbeat_ms.to_string()}
                onchange={on_text(&p.on_heartbeat)} /></label>
        </fieldset>
    }
}

#[derive(Properties, PartialEq)]
pub struct ProtocolProps {
    pub pre_vote: bool,
    pub check_quorum: bool,
    pub read_mode: ReadMode,
    pub on_pre_vote: Callback<()>,
    pub on_check_quorum: Callback<()>,
    pub on_reads: Callback<String>,
}

#[component]
pub fn ProtocolSettings(p: &ProtocolProps) -> Html {
    let on_reads = p.on_reads.reform(|e: Event| e.target_unchecked_into::<HtmlSelectElement>().value());
    html! {
        <fieldset class="group protocol">
            <legend>{ "Past section 5" }</legend>
            <label title="Dissertation 9.6: ask for pre-votes before raising the term, so a cut-off server cannot disrupt">
                <input type="checkbox" data-control="prevote" checked={p.pre_vote}
                    onchange={p.on_pre_vote.reform(|_: Event| ())} />{ "PreVote" }</label>
            <label title="Dissertation 6.2 and 4.2.3: a leader without a majority steps down; followers that hear a leader ignore RequestVote">
                <input type="checkbox" data-control="check-quorum" checked={p.check_quorum}
                    onchange={p.on_check_quorum.reform(|_: Event| ())} />{ "CheckQuorum" }</label>
            <label title="Dissertation 6.4: reads through the log, or ReadIndex (a heartbeat round confirms leadership)">{ "Reads " }
                <select data-control="reads" onchange={on_reads}>
                    { for ReadMode::ALL.iter().map(|m| html! {
                        <option value={m.name()} selected={*m == p.read_mode}>{ m.name() }</option>
                    }) }
                </select></label>
        </fieldset>
    }
}

#[derive(Properties, PartialEq)]
pub struct BugProps {
    pub bugs: Bugs,
    pub on_toggle: Callback<Bug>,
}

#[component]
pub fn BugSettings(p: &BugProps) -> Html {
    html! {
        <fieldset class="group bugs">
            <legend>{ "Bug switches " }<span class="unsafe">{ "unsafe" }</span></legend>
            { for Bug::ALL.iter().map(|&bug| {
                let on = p.bugs.has(bug);
                html! {
                    <label class={classes!("bug", on.then_some("on"))} title={bug.summary()}>
                        <input type="checkbox" data-control={format!("bug-{}", bug.name())} checked={on}
                            onchange={p.on_toggle.reform(move |_: Event| bug)} />
                        { bug.name() }
                    </label>
                }
            }) }
        </fieldset>
    }
}

#[derive(Properties, PartialEq)]
pub struct PresetsProps {
    /// A share link per preset, in `PRESETS` order: a teacher can copy one for a class.
    pub links: Rc<Vec<String>>,
}

#[component]
pub fn Presets(p: &PresetsProps) -> Html {
    html! {
        <nav class="group presets" aria-label="Presets">
            <h2>{ "Scenarios" }</h2>
            <ul>
                { for PRESETS.iter().zip(p.links.iter()).map(|(pr, link)| html! {
                    <li><a href={format!("#{link}")} data-preset={pr.name} title={pr.summary}>{ pr.name }</a>
                        <span class="muted">{ format!(" — {}", pr.summary) }</span></li>
                }) }
            </ul>
        </nav>
    }
}
