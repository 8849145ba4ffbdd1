//! The settings panel, opened from the toolbar: one group per concern (the cluster, the
//! network, timing, the mechanisms past the paper's section 5, the bug switches, presets), each
//! a component that sends its actions to the reducer. The panel stays in the document while
//! closed (hidden), so scripts and tests can reach every control.

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::raft::{Bug, Bugs, ReadMode};
use crate::scenario::presets::PRESETS;
use crate::sim::Intervention;
use crate::sim::network::fmt_percent;
use crate::ui::core::state::Action;
use crate::ui::shell::app::fresh_seed;
use crate::ui::shell::dispatch::{Dispatch, on_click, use_dispatch};

fn text_value(e: &Event) -> String {
    e.target_unchecked_into::<HtmlInputElement>().value()
}

/// A field whose text, once changed, becomes `action`'s argument.
fn on_text(d: &Dispatch, action: fn(String) -> Action) -> Callback<Event> {
    d.reform(move |e: Event| action(text_value(&e)))
}

pub struct ClusterProps {
    pub nodes: u8,
    pub clients: u8,
}

fn cluster(p: &ClusterProps, d: &Dispatch) -> Html {
    html! {
        <fieldset class="group cluster-settings">
            <legend>{ "Cluster" }</legend>
            <label>{ "Servers " }<input type="number" data-control="nodes" min="1" max="15" value={p.nodes.to_string()}
                onchange={on_text(d, Action::SetNodes)} /></label>
            <label>{ "Clients " }<input type="number" data-control="clients" min="0" max="16" value={p.clients.to_string()}
                onchange={on_text(d, Action::SetClients)} /></label>
            <div class="actions">
                <button data-action="reset" onclick={d.reform(|_: MouseEvent| Action::Reset(fresh_seed()))} title="A fresh cluster with these settings">{ "New cluster" }</button>
                <button data-action="add-server" onclick={on_click(d, || Action::AddServer)}
                    title="A new server joins as a learner, catches up (by snapshot if need be) and becomes a voter">{ "Add server" }</button>
                <button data-action="restart-leader" onclick={on_click(d, || Action::RestartLeader)} title="Crash the leader and restart it (R)">{ "Restart leader" }</button>
                <button data-action="restart-all" onclick={on_click(d, || Action::RestartAll)} title="Restart every crashed server (B)">{ "Restart all" }</button>
                <button data-action="align-timers" onclick={on_click(d, || Action::Act(Intervention::AlignTimers))} title="Every election timer fires at once: a split vote (A)">{ "Align timers" }</button>
                <button data-action="spread-timers" onclick={on_click(d, || Action::Act(Intervention::SpreadTimers))} title="Fresh random election timeouts (T)">{ "Spread timers" }</button>
                <button data-action="heal" onclick={on_click(d, || Action::Act(Intervention::Heal))} title="Undo every partition and cut link (H)">{ "Heal network" }</button>
            </div>
        </fieldset>
    }
}

pub struct SplitProps {
    pub servers: u8,
    /// Bit i-1 set: server i is chosen for one side.
    pub chosen: u16,
}

/// "Split the cluster": choose the servers for one side, then split; Heal joins them again.
fn split_tool(p: &SplitProps, d: &Dispatch) -> Html {
    html! {
        <fieldset class="group split">
            <legend>{ "Split the cluster" }</legend>
            { for (1..=p.servers).map(|id| {
                let on = p.chosen & (1 << (id - 1)) != 0;
                html! {
                    <button data-split-side={id.to_string()} aria-pressed={on.to_string()}
                        onclick={d.reform(move |_: MouseEvent| Action::ToggleSplitSide(id))}>{ format!("n{id}") }</button>
                }
            }) }
            <button data-action="split" onclick={on_click(d, || Action::Split)} disabled={p.chosen == 0}
                title="The chosen servers on one side, the rest on the other">{ "Split" }</button>
        </fieldset>
    }
}

pub struct NetworkProps {
    pub latency: String,
    pub loss_pct: String,
    pub dup_pct: String,
}

fn network(p: &NetworkProps, d: &Dispatch) -> Html {
    html! {
        <fieldset class="group">
            <legend>{ "Network" }</legend>
            <label>{ "Latency (ms) " }<input type="text" data-control="latency" size="7" value={p.latency.clone()}
                onchange={on_text(d, Action::SetLatency)} /></label>
            <label>{ "Loss % " }<input type="number" data-control="loss" min="0" max="100" step="1" value={p.loss_pct.clone()}
                onchange={on_text(d, Action::SetLoss)} /></label>
            <label>{ "Duplication % " }<input type="number" data-control="dup" min="0" max="100" step="1" value={p.dup_pct.clone()}
                onchange={on_text(d, Action::SetDup)} /></label>
        </fieldset>
    }
}

pub struct TimingProps {
    pub election: String,
    pub heartbeat_ms: u64,
}

fn timing(p: &TimingProps, d: &Dispatch) -> Html {
    html! {
        <fieldset class="group">
            <legend>{ "Timing" }</legend>
            <label>{ "Election timeout (ms) " }<input type="text" data-control="election-timeout" size="8"
                value={p.election.clone()} onchange={on_text(d, Action::SetElectionTimeout)} /></label>
            <label>{ "Heartbeat (ms) " }<input type="number" data-control="heartbeat" min="1" value={p.heartbeat_ms.to_string()}
                onchange={on_text(d, Action::SetHeartbeat)} /></label>
        </fieldset>
    }
}

pub struct ProtocolProps {
    pub pre_vote: bool,
    pub check_quorum: bool,
    pub read_mode: ReadMode,
}

fn protocol(p: &ProtocolProps, d: &Dispatch) -> Html {
    let on_reads = d.reform(|e: Event| Action::SetReads(e.target_unchecked_into::<HtmlSelectElement>().value()));
    html! {
        <fieldset class="group protocol">
            <legend>{ "Past section 5" }</legend>
            <label title="Dissertation 9.6: ask for pre-votes before raising the term, so a cut-off server cannot disrupt">
                <input type="checkbox" data-control="prevote" checked={p.pre_vote}
                    onchange={d.reform(|_: Event| Action::TogglePreVote)} />{ "PreVote" }</label>
            <label title="Dissertation 6.2 and 4.2.3: a leader without a majority steps down; followers that hear a leader ignore RequestVote">
                <input type="checkbox" data-control="check-quorum" checked={p.check_quorum}
                    onchange={d.reform(|_: Event| Action::ToggleCheckQuorum)} />{ "CheckQuorum" }</label>
            <label title="Dissertation 6.4: reads through the log, or ReadIndex (a heartbeat round confirms leadership)">{ "Reads " }
                <select data-control="reads" onchange={on_reads}>
                    { for ReadMode::ALL.iter().map(|m| html! {
                        <option value={m.name()} selected={*m == p.read_mode}>{ m.name() }</option>
                    }) }
                </select></label>
        </fieldset>
    }
}

pub struct BugProps {
    pub bugs: Bugs,
}

fn bugs(p: &BugProps, d: &Dispatch) -> Html {
    html! {
        <fieldset class="group bugs">
            <legend>{ "Bug switches " }<span class="unsafe">{ "unsafe" }</span></legend>
            { for Bug::ALL.iter().map(|&bug| {
                let on = p.bugs.has(bug);
                html! {
                    <label class={classes!("bug", on.then_some("on"))} title={bug.summary()}>
                        <input type="checkbox" data-control={format!("bug-{}", bug.name())} checked={on}
                            onchange={d.reform(move |_: Event| Action::ToggleBug(bug))} />
                        { bug.name() }
                    </label>
                }
            }) }
        </fieldset>
    }
}

/// A link per preset at time 0, so the preset menu is a list of links to share.
fn preset_links() -> Vec<String> {
    use crate::scenario::link::{Link, encode};
    let speed_ppm = (crate::ui::core::model::DEFAULT_SPEED * 1e6) as u32;
    PRESETS.iter().map(|p| encode(&Link { scenario: (p.build)(1), time_us: 0, speed_ppm, compare: None })).collect()
}

/// The scenarios, each a share link at its start: a teacher can copy one for a class.
fn presets(links: &[String]) -> Html {
    html! {
        <nav class="group presets" aria-label="Presets">
            <h2>{ "Scenarios" }</h2>
            <ul>
                { for PRESETS.iter().zip(links.iter()).map(|(pr, link)| html! {
                    <li><a href={format!("#{link}")} data-preset={pr.name} title={pr.summary}>{ pr.name }</a>
                        <span class="muted">{ format!(" — {}", pr.summary) }</span></li>
                }) }
            </ul>
        </nav>
    }
}

#[derive(Properties, PartialEq)]
pub struct SettingsProps {
    pub open: bool,
    pub servers: u8,
    pub split_side: u16,
    pub config: crate::sim::SimConfig,
}

/// The settings panel: in the document while closed (hidden), so scripts reach every control.
/// One component (it re-renders only when a setting changes), its groups plain functions:
/// each component costs the download a copy of Yew's lifecycle code.
#[component]
pub fn Settings(p: &SettingsProps) -> Html {
    let d = &use_dispatch();
    let links = use_memo((), |_| preset_links());
    let (config, net, raft) = (&p.config, p.config.net, p.config.raft);
    html! {
        <section id="settings" class="settings" data-panel="settings" aria-label="Settings" hidden={!p.open}>
            { split_tool(&SplitProps { servers: p.servers, chosen: p.split_side }, d) }
            { cluster(&ClusterProps { nodes: config.nodes, clients: config.clients.count }, d) }
            { network(&NetworkProps { latency: super::latency_text(&net), loss_pct: fmt_percent(net.loss_ppm),
                dup_pct: fmt_percent(net.dup_ppm) }, d) }
            { timing(&TimingProps { election: super::election_text(&raft), heartbeat_ms: raft.heartbeat_interval_us / 1000 }, d) }
            { protocol(&ProtocolProps { pre_vote: raft.pre_vote, check_quorum: raft.check_quorum, read_mode: raft.read_mode }, d) }
            { bugs(&BugProps { bugs: raft.bugs }, d) }
            { presets(&links) }
        </section>
    }
}
