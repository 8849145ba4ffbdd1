//! The keyboard shortcuts (the table is `shell::keymap`).

use gloo_events::EventListener;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::document;
use crate::ui::core::state::Action;
use crate::ui::shell::keymap::key_action;

#[hook]
pub(crate) fn use_keyboard(dispatch: Callback<Action>) {
    use_effect_with((), move |_| {
        let listener = EventListener::new(&document(), "keydown", move |e| {
            let Some(e) = e.dyn_ref::<web_sys::KeyboardEvent>() else { return };
            let typing = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA"));
            if typing || e.ctrl_key() || e.meta_key() || e.alt_key() {
                return;
            }
            if let Some(action) = key_action(&e.key()) {
                e.prevent_default();
                dispatch.emit(action);
            }
        });
        move || drop(listener)
    });
}
