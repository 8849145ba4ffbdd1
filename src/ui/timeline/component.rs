//! The time-travel track and the term tape painted above it. Every control carries `data-action` or `data-control` for
//! automation.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use wasm_bindgen::JsCast;

use crate::ui::cluster::geometry::term_hue;
use crate::ui::core::state::Action;
use crate::ui::shell::dispatch::use_dispatch;
use crate::ui::timeline::{TapeView, key_target};

#[derive(Properties, PartialEq)]
pub struct TimelineProps {
    pub now_us: u64,
    pub horizon_us: u64,
}

/// Simulated time you can drag: back shows the exact past, forward simulates ahead.
#[component]
pub fn Timeline(p: &TimelineProps) -> Html {
    let max_ms = (p.horizon_us.max(p.now_us) + 30_000_000) / 1000;
    let on_input = use_dispatch().reform(|e: InputEvent| {
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

#[derive(Properties, PartialEq)]
pub struct TermTapeProps {
    pub view: std::rc::Rc<TapeView>,
    /// Comparing two runs: where they first differ.
    #[prop_or_default]
    pub divergence_us: Option<u64>,
}

const TAPE_W: f64 = 1000.0;
const TAPE_H: f64 = 30.0;

/// The time-travel track painted with the run: terms, elections, crashes, writes, violations.
/// Click travels there; with focus, ← → Home End move through time (and L, anywhere, returns
/// to the live edge).
#[component]
pub fn TermTape(p: &TermTapeProps) -> Html {
    let t = &p.view;
    let seek = use_dispatch().reform(Action::Seek);
    let x = |us: u64| us as f64 / t.end_us.max(1) as f64 * TAPE_W;
    let f = crate::ui::core::num::px;
    let on_click = {
        let (end, seek) = (t.end_us, seek.clone());
        Callback::from(move |e: MouseEvent| {
            let Some(el) = e.current_target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return };
            let rect = el.get_bounding_client_rect();
            let share = ((f64::from(e.client_x()) - rect.left()) / rect.width().max(1.0)).clamp(0.0, 1.0);
            seek.emit((share * end as f64).round() as u64);
        })
    };
    let on_key = {
        let (now, end, seek) = (t.now_us, t.end_us, seek.clone());
        Callback::from(move |e: KeyboardEvent| {
            if let Some(target) = key_target(&e.key(), now, end) {
                e.prevent_default();
                e.stop_propagation();
                seek.emit(target);
            }
        })
    };
    let jump = |at: u64| {
        let seek = seek.clone();
        Callback::from(move |e: MouseEvent| {
            e.stop_propagation();
            seek.emit(at);
        })
    };
    html! {
        <svg class="tape" data-term-tape="" viewBox={format!("0 0 {} {}", TAPE_W as u32, TAPE_H as u32)} preserveAspectRatio="none"
            tabindex="0" role="slider" aria-label="Term tape: the whole run; click or use the arrow keys to travel"
            aria-valuemin="0" aria-valuemax={(t.end_us / 1000).to_string()} aria-valuenow={(t.now_us / 1000).to_string()}
            aria-valuetext={format!("{} ms of {} ms", t.now_us / 1000, t.end_us / 1000)}
            data-end-us={t.end_us.to_string()} onclick={on_click} onkeydown={on_key}>
            { for t.bands.iter().map(|b| html! {
                <rect class="band" x={f(x(b.from_us))} y="0" width={f((x(b.to_us) - x(b.from_us)).max(0.3))} height={f(TAPE_H)}
                    style={format!("fill: hsl({} 60% 60% / 0.35)", term_hue(b.term))} data-band-term={b.term.to_string()}>
                    <title>{ format!("term {}", b.term) }</title></rect>
            }) }
            { for t.writes.iter().map(|&w| html! { <line class="write" x1={f(x(w))} x2={f(x(w))} y1="22" y2={f(TAPE_H)} /> }) }
            { for t.elections.iter().map(|&(at, node, term)| html! {
                <line class="election" x1={f(x(at))} x2={f(x(at))} y1="0" y2="14" data-election={term.to_string()}>
                    <title>{ format!("n{node} elected in term {term}") }</title></line>
            }) }
            { for t.crashes.iter().map(|&(at, node)| html! {
                <rect class="crash" x={f(x(at) - 1.5)} y="12" width="3" height="18" data-crash={node.to_string()}>
                    <title>{ format!("n{node} crashed") }</title></rect>
            }) }
            { for t.violations.iter().map(|&(at, name)| html! {
                <rect class="violation" x={f(x(at) - 2.0)} y="0" width="4" height={f(TAPE_H)} data-violation-us={at.to_string()}
                    onclick={jump(at)}><title>{ format!("{name}: click to go there") }</title></rect>
            }) }
            if let Some(at) = p.divergence_us {
                <g class="divergence" data-divergence-us={at.to_string()} onclick={jump(at)}>
                    <path d={format!("M {} 0 l -5 -0.01 l 5 8 l 5 -8 z", f(x(at)))} />
                    <line x1={f(x(at))} x2={f(x(at))} y1="0" y2={f(TAPE_H)} />
                    <title>{ "the two runs part here: click to go there" }</title></g>
            }
            <line class="now" x1={f(x(t.now_us))} x2={f(x(t.now_us))} y1="0" y2={f(TAPE_H)} />
        </svg>
    }
}
