//! The guided scenario's caption: the words of the current beat, where the story is, and the
//! way on (Previous, Next, replay with the bug, close).

use yew::prelude::*;

use super::Tour;
use crate::scenario::compare::Switch;
use crate::ui::core::state::Action;
use crate::ui::shell::dispatch::{Dispatch, on_click};

/// `challenge`: at the last beat, whether the reader has done what it asks. A plain function,
/// not a component: the caption changes with every beat anyway, and each component costs the
/// download a copy of Yew's lifecycle code.
/// `compare`: the story's switches, each with whether the run as told has it on; empty while
/// a comparison is open.
pub fn caption(t: Tour, challenge: Option<bool>, compare: &[(Switch, bool)], dispatch: &Dispatch) -> Html {
    let story = t.story();
    html! {
        <section class="caption" data-caption="" data-story={story.preset} data-beat={t.beat.to_string()}
            data-beats={story.beats.len().to_string()} aria-label="Guided scenario">
            <p aria-live="polite">{ t.caption() }</p>
            if let Some(done) = challenge {
                <p class={classes!("challenge", done.then_some("done"))} data-challenge={if done { "done" } else { "open" }}
                    role="status">
                    { if done { "✓ Done: you made it happen. Close the story to explore on your own." }
                      else { "Waiting for you: the page checks the run as you act." } }</p>
            }
            <div class="caption-tools">
                <span class="muted small">{ format!("{} · {} of {}", if t.is_first_visit() { "what Raft promises" } else { story.preset },
                    t.beat + 1, story.beats.len()) }
                    { if t.bug { " · with the bug" } else { "" } }</span>
                <button data-action="tour-prev" onclick={on_click(dispatch, || Action::TourPrev)} disabled={t.beat == 0}>{ "◀ Previous" }</button>
                <button data-action="tour-next" class="primary" onclick={on_click(dispatch, || Action::TourNext)}
                    disabled={t.is_last() || t.heading}>
                    { if t.heading { "Playing…" } else { "Next ▶" } }</button>
                { for compare.iter().map(|&(switch, on)| html! {
                    <button data-action="compare" data-switch={switch.name()}
                        onclick={dispatch.reform(move |_: MouseEvent| Action::Compare(switch))}
                        title="Both runs side by side, the same seed and interventions">
                        { format!("Replay {} {}", if on { "without" } else { "with" }, switch.label()) }</button>
                }) }
                if story.with_bug.is_some() && !t.bug {
                    <button data-action="tour-bug" onclick={on_click(dispatch, || Action::TourWithBug)}>{ "Replay with the bug" }</button>
                }
                <button data-action="tour-close" onclick={on_click(dispatch, || Action::TourClose)}
                    aria-label={if t.is_first_visit() { "Close the tour (it will not show again)" } else { "Close the guided scenario" }}>{ "×" }</button>
            </div>
        </section>
    }
}
