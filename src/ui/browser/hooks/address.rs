//! The address bar: the fragment holds the current scenario as a share link, and a
//! fragment someone edits or follows opens.

use std::rc::Rc;

use gloo_events::EventListener;
use yew::prelude::*;

use crate::ui::core::model::Model;
use crate::ui::core::state::Action;

pub(crate) fn location_hash() -> Option<String> {
    web_sys::window()?.location().hash().ok().filter(|h| !h.is_empty())
}

/// The whole address to share: this page without its fragment, then the link.
pub(crate) fn share_url(link: &str) -> String {
    let location = web_sys::window().map(|w| w.location());
    let href = location.and_then(|l| l.href().ok()).unwrap_or_default();
    format!("{}#{link}", href.split('#').next().unwrap_or_default())
}

/// Someone edited the fragment or followed a preset link: open it.
#[hook]
pub(crate) fn use_hash_change(dispatch: Callback<Action>, written: Written) {
    use_effect_with((), move |_| {
        let window = web_sys::window().expect("a browser window");
        let listener = EventListener::new(&window, "hashchange", move |_| {
            // A hashchange that arrives late can find our own replaceState in the address bar:
            // that is not a new link.
            if let Some(hash) = location_hash().filter(|h| *h != *written.borrow()) {
                dispatch.emit(Action::OpenLink(hash));
            }
        });
        move || drop(listener)
    });
}

/// Keeps the fragment equal to the current scenario, rewritten when the person acts or
/// pauses (never per frame), and never over a bad link the person has not acted on yet.
#[hook]
pub(crate) fn use_address_bar(model: Rc<std::cell::RefCell<Model>>, keep_fragment: bool, written: Written) {
    let key = {
        let m = model.borrow();
        let paused_at = if m.paused { m.now_us() } else { 0 };
        (m.generation, m.revision, m.paused, paused_at, keep_fragment, m.speed.to_bits())
    };
    use_effect_with(key, move |_| {
        // An opened trace has no link (it lives in its file): the address keeps the last run's.
        let link = (!keep_fragment && model.borrow().opened.is_none()).then(|| model.borrow().link());
        if let Some(link) = link {
            write_fragment(&written, &link);
        }
    });
}

/// The fragment this page last wrote itself.
pub(crate) type Written = Rc<std::cell::RefCell<String>>;

/// Puts `#link` in the address bar without a history entry (and without a hashchange).
pub(crate) fn write_fragment(written: &Written, link: &str) {
    let fragment = format!("#{link}");
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&fragment));
    }
    *written.borrow_mut() = fragment;
}
