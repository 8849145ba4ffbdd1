//! The toolbar: the actions a person uses all the time (play or pause, step, speed,
//! fast-forward, share, open or download a trace) and the switches for the settings panel, the theme and the help. Each
//! button sends its action to the reducer; the toolbar holds no state.

use crate::ui::core::num;
use crate::ui::trace::component::TraceButtons;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::ui::core::model::{MAX_SPEED, MIN_SPEED};
use crate::ui::core::state::Action;
use crate::ui::shell::dispatch::{on_click, use_dispatch};
use crate::ui::shell::{Theme, speed_label};

#[derive(Properties, PartialEq)]
pub struct ToolbarProps {
    /// The run so far as a trace, for "Download trace".
    pub export: Callback<(), Result<String, String>>,
    /// A trace is open: there is no run to share or download.
    pub trace_open: bool,
    pub paused: bool,
    pub speed: f64,
    pub fast_forward: bool,
    pub settings_open: bool,
    pub theme: Theme,
}

#[component]
pub fn Toolbar(p: &ToolbarProps) -> Html {
    let d = use_dispatch();
    let on_speed = d.reform(|e: InputEvent| {
        let v: i32 = e.target_unchecked_into::<HtmlInputElement>().value().parse().unwrap_or(-1700);
        Action::SetSpeed(num::exp10(f64::from(v) / 1000.0))
    });
    let speed_pos = (num::log10(p.speed) * 1000.0).round() as i64;
    let (play_icon, play_label) = if p.paused { ("▶", "Play") } else { ("❚❚", "Pause") };
    html! {
        <section class="toolbar" aria-label="Toolbar" data-toolbar="">
            <button data-action="play-pause" class="primary" onclick={on_click(&d, || Action::TogglePlay)} title="Play or pause (space)">
                <span aria-hidden="true">{ play_icon }</span>{ " " }{ play_label }</button>
            <button data-action="step" onclick={on_click(&d, || Action::Step)} title="Run the next moment that has events (.)">{ "Step" }</button>
            <button data-action="fast-forward" aria-pressed={p.fast_forward.to_string()}
                onclick={on_click(&d, || Action::ToggleFastForward)} title="Run at 10× real time (F)">{ "Fast ≫" }</button>
            <label class="speed">{ "Speed " }
                <input type="range" data-control="speed" min={((MIN_SPEED.log10() * 1000.0) as i64).to_string()}
                    max={((MAX_SPEED.log10() * 1000.0) as i64).to_string()} step="10" value={speed_pos.to_string()}
                    oninput={on_speed} aria-valuetext={speed_label(p.speed)} />
                <output>{ speed_label(p.speed) }</output>
            </label>
            <button data-action="share" onclick={on_click(&d, || Action::Share)} disabled={p.trace_open}
                title={if p.trace_open { "A trace lives in its file: share the file" } else { "Copy a link that replays this run" }}>{ "Share" }</button>
            <TraceButtons opened={p.trace_open} export={p.export.clone()} />
            <span class="spacer"></span>
            <button data-action="settings" aria-expanded={p.settings_open.to_string()} aria-controls="settings"
                onclick={on_click(&d, || Action::ToggleSettings)} title="Cluster, network, timing, protocol and bug settings">{ "Settings" }</button>
            <button data-action="theme" onclick={on_click(&d, || Action::CycleTheme)} title="Colour theme: follow the system, light or dark">
                { format!("Theme: {}", p.theme.name()) }</button>
            <button data-action="help" onclick={on_click(&d, || Action::ToggleHelp)} title="Keyboard shortcuts (?)">{ "Help" }</button>
        </section>
    }
}
