//! The help overlay: every keyboard shortcut, and how to act without a keyboard.

use yew::prelude::*;

use super::keymap::KEYMAP;
use crate::ui::core::state::Action;
use crate::ui::shell::dispatch::{Dispatch, on_click};

/// A plain function (shown only while open): a component would cost the download a copy of
/// Yew's lifecycle code.
pub fn help(dispatch: &Dispatch) -> Html {
    let close = on_click(dispatch, || Action::ToggleHelp);
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
