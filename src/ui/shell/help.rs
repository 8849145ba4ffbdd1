//! The help overlay: every keyboard shortcut, and how to act without a keyboard.

use yew::prelude::*;

use super::keymap::KEYMAP;
use crate::ui::core::state::Action;
use crate::ui::shell::dispatch::{on_click, use_dispatch};

#[component]
pub fn Help() -> Html {
    let close = on_click(&use_dispatch(), || Action::ToggleHelp);
    html! {
        <div class="overlay" role="dialog" aria-modal="true" aria-label="Keyboard shortcuts" data-help="">
            <div class="dialog">
                <h2>{ "Keyboard shortcuts" }</h2>
                <table>
                    { for KEYMAP.iter().map(|s| html! { <tr><th><kbd>{ s.label }</kbd></th><td>{ s.help }</td></tr> }) }
                </table>
                <p>{ "Click or tap a server to crash it, again to restart it. The ⋯ badge (or a row name in the log view) \
                      opens the inspector: time out, send a request through it, isolate or rejoin it. Click a message to \
                      inspect or drop it." }</p>
                <button onclick={close} autofocus=true>{ "Close" }</button>
            </div>
        </div>
    }
}
