//! Whether the page is visible (a hidden tab does not run the clock).

use gloo_events::EventListener;
use yew::prelude::*;

use super::document;
use crate::ui::browser::driver::page_visible;

#[hook]
pub(crate) fn use_visibility(visible: UseStateHandle<bool>) {
    use_effect_with((), move |_| {
        let listener = EventListener::new(&document(), "visibilitychange", move |_| visible.set(page_visible()));
        move || drop(listener)
    });
}
