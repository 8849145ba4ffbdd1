//! The help overlay: every keyboard shortcut, and how to act without a keyboard.

use yew::prelude::*;

pub const SHORTCUTS: [(&str, &str); 16] = [
    ("space", "play or pause"),
    (".", "step: run the next moment that has events, then pause"),
    ("F", "fast-forward on or off"),
    ("C", "send a client request (through the leader)"),
    ("R", "restart the leader (crash it; it comes back with only its disk)"),
    ("B", "restart every crashed server"),
    ("T", "spread the election timers (fresh random timeouts)"),
    ("A", "align the election timers (a split vote)"),
    ("H", "heal the network"),
    ("1–9", "inspect that server"),
    ("Esc", "close the inspector or this help"),
    ("?", "show or hide this help"),
    ("+ / −", "faster / slower"),
    ("S", "open or close the settings"),
    ("L", "back to the live edge of the run"),
    ("← → Home End", "on the term tape: move through time"),
];

#[derive(Properties, PartialEq)]
pub struct HelpProps {
    pub on_close: Callback<()>,
}

#[component]
pub fn Help(props: &HelpProps) -> Html {
    let close = props.on_close.reform(|_: MouseEvent| ());
    html! {
        <div class="overlay" role="dialog" aria-modal="true" aria-label="Keyboard shortcuts" data-help="">
            <div class="dialog">
                <h2>{ "Keyboard shortcuts" }</h2>
                <table>
                    { for SHORTCUTS.iter().map(|(k, what)| html! { <tr><th><kbd>{ *k }</kbd></th><td>{ *what }</td></tr> }) }
                </table>
                <p>{ "Click or tap a server to crash it, again to restart it. The ⋯ badge (or a row name in the log view) \
                      opens the inspector: time out, send a request through it, isolate or rejoin it. Click a message to \
                      inspect or drop it." }</p>
                <button onclick={close} autofocus=true>{ "Close" }</button>
            </div>
        </div>
    }
}
