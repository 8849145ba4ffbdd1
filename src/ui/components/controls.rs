//! The control bar: clock controls, cluster and network settings, timing, bug switches and
//! presets. Every control carries `data-action` or `data-control` for automation.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::raft::{Bug, Bugs, ReadMode};
use crate::scenario::presets::PRESETS;
use crate::ui::model::{MAX_SPEED, MIN_SPEED};
use crate::ui::state::Action;

#[derive(Properties, PartialEq)]
pub struct ControlsProps {
    pub paused: bool,
    pub speed: f64,
    pub fast_forward: bool,
    pub nodes: u8,
    pub clients: u8,
    pub latency: AttrValue,
    pub loss_pct: f64,
    pub dup_pct: f64,
    pub election: AttrValue,
    pub heartbeat_ms: u64,
    pub bugs: Bugs,
    pub pre_vote: bool,
    pub check_quorum: bool,
    pub read_mode: ReadMode,
    pub dispatch: Callback<Action>,
    pub new_seed: Callback<(), u64>,
    /// A share link per preset, in `PRESETS` order: a teacher can copy one for a class.
    pub preset_links: std::rc::Rc<Vec<String>>,
}

/// "1/50×", "1×", "10×".
pub fn speed_label(speed: f64) -> String {
    if speed >= 1.0 { format!("{}×", speed.round()) } else { format!("1/{}×", (1.0 / speed).round()) }
}

fn text_value(e: &Event) -> String {
    e.target_unchecked_into::<HtmlInputElement>().value()
}

#[component]
pub fn Controls(p: &ControlsProps) -> Html {
    let d = p.dispatch.clone();
    let on = |f: fn(String) -> Action| {
        let d = d.clone();
        Callback::from(move |e: Event| d.emit(f(text_value(&e))))
    };
    let click = |a: fn() -> Action| d.reform(move |_: MouseEvent| a());
    let speed_pos = (p.speed.log10() * 1000.0).round() as i64;
    let on_speed = d.reform(|e: InputEvent| {
        let v: f64 = e.target_unchecked_into::<HtmlInputElement>().value().parse().unwrap_or(-1700.0);
        Action::SetSpeed(10f64.powf(v / 1000.0))
    });
    let reset = {
        let (d, seed) = (d.clone(), p.new_seed.clone());
        Callback::from(move |_: MouseEvent| d.emit(Action::Reset(seed.emit(()))))
    };
    html! {
        <section class="controls" aria-label="Controls">
            <div class="group">
                <button data-action="play-pause" onclick={click(|| Action::TogglePlay)} title="Play or pause (space)">
                    { if p.paused { "▶ Play" } else { "❚❚ Pause" } }</button>
                <button data-action="step" onclick={click(|| Action::Step)} title="Run the next moment that has events (.)">{ "Step" }</button>
                <button data-action="fast-forward" aria-pressed={p.fast_forward.to_string()}
                    onclick={click(|| Action::ToggleFastForward)} title="Run at 10× real time (F)">{ "Fast ≫" }</button>
                <button data-action="reset" onclick={reset} title="A fresh cluster with these settings">{ "Reset" }</button>
                <button data-action="share" onclick={click(|| Action::Share)} title="Copy a link that replays this run">{ "Share" }</button>
                <label>{ "speed " }
                    <input type="range" data-control="speed" min={((MIN_SPEED.log10() * 1000.0) as i64).to_string()}
                        max={((MAX_SPEED.log10() * 1000.0) as i64).to_string()} step="10" value={speed_pos.to_string()}
                        oninput={on_speed} aria-valuetext={speed_label(p.speed)} />
                    <output>{ speed_label(p.speed) }</output>
                </label>
            </div>
            <div class="group">
                <label>{ "servers " }<input type="number" data-control="nodes" min="1" max="15" value={p.nodes.to_string()}
                    onchange={on(Action::SetNodes)} /></label>
                <label>{ "clients " }<input type="number" data-control="clients" min="0" max="16" value={p.clients.to_string()}
                    onchange={on(Action::SetClients)} /></label>
                <label>{ "latency ms " }<input type="text" data-control="latency" size="7" value={p.latency.clone()}
                    onchange={on(Action::SetLatency)} /></label>
                <label>{ "loss % " }<input type="number" data-control="loss" min="0" max="100" step="1" value={p.loss_pct.to_string()}
                    onchange={on(Action::SetLoss)} /></label>
                <label>{ "dup % " }<input type="number" data-control="dup" min="0" max="100" step="1" value={p.dup_pct.to_string()}
                    onchange={on(Action::SetDup)} /></label>
                <label>{ "election timeout ms " }<input type="text" data-control="election-timeout" size="8"
                    value={p.election.clone()} onchange={on(Action::SetElectionTimeout)} /></label>
                <label>{ "heartbeat ms " }<input type="number" data-control="heartbeat" min="1" value={p.heartbeat_ms.to_string()}
                    onchange={on(Action::SetHeartbeat)} /></label>
            </div>
            <div class="group">
                <button onclick={click(|| Action::RestartLeader)} title="Crash the leader and restart it (R)">{ "Restart leader" }</button>
                <button data-action="add-server" onclick={click(|| Action::AddServer)}
                    title="A new server joins as a learner, catches up (by snapshot if need be) and becomes a voter">{ "Add server" }</button>
                <button onclick={click(|| Action::RestartAll)} title="Restart every crashed server (B)">{ "Restart all" }</button>
                <button onclick={d.reform(|_: MouseEvent| Action::Act(crate::sim::Intervention::AlignTimers))}
                    title="Every election timer fires at once: a split vote (A)">{ "Align timers" }</button>
                <button onclick={d.reform(|_: MouseEvent| Action::Act(crate::sim::Intervention::SpreadTimers))}
                    title="Fresh random election timeouts (T)">{ "Spread timers" }</button>
                <button onclick={d.reform(|_: MouseEvent| Action::Act(crate::sim::Intervention::Heal))}
                    title="Undo every partition and cut link (H)">{ "Heal network" }</button>
                <nav class="presets" aria-label="Presets">{ "presets: " }
                    { for PRESETS.iter().zip(p.preset_links.iter()).map(|(pr, link)| html! {
                        <a href={format!("#{link}")} data-preset={pr.name} title={pr.summary}>{ pr.name }</a>
                    }) }
                </nav>
                <button onclick={click(|| Action::ToggleHelp)} title="Keyboard shortcuts (?)">{ "?" }</button>
            </div>
            <fieldset class="group protocol">
                <legend>{ "Past section 5" }</legend>
                <label title="Dissertation 9.6: ask for pre-votes before raising the term, so a cut-off server cannot disrupt">
                    <input type="checkbox" data-control="prevote" checked={p.pre_vote}
                        onchange={d.reform(|_: Event| Action::TogglePreVote)} />{ "PreVote" }</label>
                <label title="Dissertation 6.2 and 4.2.3: a leader without a majority steps down; followers that hear a leader ignore RequestVote">
                    <input type="checkbox" data-control="check-quorum" checked={p.check_quorum}
                        onchange={d.reform(|_: Event| Action::ToggleCheckQuorum)} />{ "CheckQuorum" }</label>
                <label title="Dissertation 6.4: reads through the log, or ReadIndex (a heartbeat round confirms leadership)">{ "reads " }
                    <select data-control="reads" onchange={d.reform(|e: Event| Action::SetReads(
                        e.target_unchecked_into::<web_sys::HtmlSelectElement>().value()))}>
                        { for ReadMode::ALL.iter().map(|m| html! {
                            <option value={m.name()} selected={*m == p.read_mode}>{ m.name() }</option>
                        }) }
                    </select></label>
            </fieldset>
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
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub struct TimelineProps {
    pub now_us: u64,
    pub horizon_us: u64,
    pub dispatch: Callback<Action>,
}

/// Simulated time you can drag: back shows the exact past, forward simulates ahead.
#[component]
pub fn Timeline(p: &TimelineProps) -> Html {
    let max_ms = (p.horizon_us.max(p.now_us) + 30_000_000) / 1000;
    let on_input = p.dispatch.reform(|e: InputEvent| {
        let ms: u64 = e.target_unchecked_into::<HtmlInputElement>().value().parse().unwrap_or(0);
        Action::Seek(ms * 1000)
    });
    html! {
        <label class="timeline">{ "time travel " }
            <input type="range" data-control="timeline" min="0" max={max_ms.to_string()} step="1"
                value={(p.now_us / 1000).to_string()} oninput={on_input}
                aria-valuetext={format!("{} ms of simulated time", p.now_us / 1000)} />
            <span class="muted">{ format!("{} ms · recorded to {} ms", p.now_us / 1000, p.horizon_us / 1000) }</span>
        </label>
    }
}
