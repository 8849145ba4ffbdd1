//! The time-travel track. Every control carries `data-action` or `data-control` for
//! automation.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::ui::state::Action;

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
