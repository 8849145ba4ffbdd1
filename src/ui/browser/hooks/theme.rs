//! The colour theme on the root element, remembered across visits.

use yew::prelude::*;

use super::document;
use crate::ui::shell;

/// The theme goes on the root element (`data-theme`), where the style sheet's variables
/// follow it; "auto" leaves `prefers-color-scheme` in charge. The choice is remembered.
#[hook]
pub(crate) fn use_theme(theme: shell::Theme) {
    use_effect_with(theme, move |theme| {
        let root = document().document_element();
        if let Some(root) = root {
            let _ = root.set_attribute("data-theme", theme.name());
        }
        if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
            let _ = storage.set_item(THEME_KEY, theme.name());
        }
    });
}

const THEME_KEY: &str = "raft-playground-theme";

/// The theme chosen on an earlier visit.
pub fn remembered_theme() -> shell::Theme {
    let storage = web_sys::window().and_then(|w| w.local_storage().ok().flatten());
    storage
        .and_then(|s| s.get_item(THEME_KEY).ok().flatten())
        .and_then(|t| shell::Theme::from_name(&t))
        .unwrap_or_default()
}
