//! The first visit's tour is shown until it is dismissed, then never again: the browser
//! remembers the dismissal.

use yew::prelude::*;

const TOUR_DISMISSED_KEY: &str = "raft-playground-tour-dismissed";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

/// Whether the tour was dismissed on an earlier visit.
pub fn remembered_tour_dismissed() -> bool {
    storage().and_then(|s| s.get_item(TOUR_DISMISSED_KEY).ok().flatten()).is_some()
}

/// Remembers the dismissal once it happens.
#[hook]
pub(crate) fn use_tour_memory(dismissed: bool) {
    use_effect_with(dismissed, |&dismissed| {
        if let (true, Some(storage)) = (dismissed, storage()) {
            let _ = storage.set_item(TOUR_DISMISSED_KEY, "1");
        }
    });
}
