//! `prefers-reduced-motion`, followed as it changes.

use gloo_events::EventListener;
use yew::prelude::*;

/// Whether the person asks for less motion (messages then jump instead of gliding): read once
/// and then whenever the preference changes, not on every frame.
#[hook]
pub(crate) fn use_reduced_motion() -> bool {
    let reduced = use_state(|| reduced_motion_query().is_some_and(|q| q.matches()));
    {
        let reduced = reduced.clone();
        use_effect_with((), move |_| {
            let listener = reduced_motion_query().map(|query| {
                let target = query.clone();
                EventListener::new(&target, "change", move |_| reduced.set(query.matches()))
            });
            move || drop(listener)
        });
    }
    *reduced
}

fn reduced_motion_query() -> Option<web_sys::MediaQueryList> {
    web_sys::window()?.match_media("(prefers-reduced-motion: reduce)").ok().flatten()
}
