//! The page's commands, each list in one table: the keyboard shortcuts (the keyboard hook
//! looks keys up here and the help overlay lists this table, so the two cannot disagree) and
//! the console API's calls (the console installs this list; a test holds the README to it).

use crate::sim::Intervention;
use crate::ui::core::model::Selection;
use crate::ui::core::state::Action;

/// What a key does.
#[derive(Clone, Copy)]
pub enum KeyAction {
    /// Sends this action.
    Send(fn() -> Action),
    /// 1–9: inspect that server.
    Inspect,
    /// Handled by the focused term tape itself (`timeline::key_target`), not globally.
    OnTape,
}

pub struct Shortcut {
    /// As the help overlay names the keys.
    pub label: &'static str,
    /// The `KeyboardEvent.key` values that trigger it (empty for `Inspect` and `OnTape`).
    pub keys: &'static [&'static str],
    pub help: &'static str,
    pub action: KeyAction,
}

const fn send(label: &'static str, keys: &'static [&'static str], help: &'static str, f: fn() -> Action) -> Shortcut {
    Shortcut { label, keys, help, action: KeyAction::Send(f) }
}

pub const KEYMAP: [Shortcut; 16] = [
    send("space", &[" "], "play or pause", || Action::TogglePlay),
    send(".", &["."], "step: run the next moment that has events, then pause", || Action::Step),
    send("F", &["f", "F"], "fast-forward on or off", || Action::ToggleFastForward),
    send("C", &["c", "C"], "send a client request (through the leader)", || Action::Request(None)),
    send("R", &["r", "R"], "restart the leader (crash it; it comes back with only its disk)", || Action::RestartLeader),
    send("B", &["b", "B"], "restart every crashed server", || Action::RestartAll),
    send("T", &["t", "T"], "spread the election timers (fresh random timeouts)", || {
        Action::Act(Intervention::SpreadTimers)
    }),
    send("A", &["a", "A"], "align the election timers (a split vote)", || Action::Act(Intervention::AlignTimers)),
    send("H", &["h", "H"], "heal the network", || Action::Act(Intervention::Heal)),
    Shortcut { label: "1–9", keys: &[], help: "inspect that server", action: KeyAction::Inspect },
    send("Esc", &["Escape"], "close the inspector, this help or the guided tour", || Action::CloseOverlays),
    send("?", &["?"], "show or hide this help", || Action::ToggleHelp),
    send("+ / −", &["+", "=", "-", "_"], "faster / slower", || Action::SpeedBy(2.0)),
    send("S", &["s", "S"], "open or close the settings", || Action::ToggleSettings),
    send("L", &["l", "L"], "back to the live edge of the run", || Action::GoLive),
    Shortcut {
        label: "← → Home End",
        keys: &[],
        help: "on the term tape: move through time",
        action: KeyAction::OnTape,
    },
];

/// The action a key press sends anywhere on the page, if any.
pub fn key_action(key: &str) -> Option<Action> {
    // "−" slows down: the one shortcut whose keys send two actions.
    if matches!(key, "-" | "_") {
        return Some(Action::SpeedBy(0.5));
    }
    if let [d @ b'1'..=b'9'] = key.as_bytes() {
        return Some(Action::Select(Some(Selection::Server(d - b'0'))));
    }
    KEYMAP.iter().find(|s| s.keys.contains(&key)).and_then(|s| match s.action {
        KeyAction::Send(f) => Some(f()),
        KeyAction::Inspect | KeyAction::OnTape => None,
    })
}

/// The console API's calls that send an action (`window.raftPlayground`; `browser::console`
/// installs exactly these, besides `snapshot`, `link` and `messages`). The README lists them
/// all, and a test holds it to that.
pub const CONSOLE_ACTIONS: [&str; 26] = [
    "compare",
    "closeCompare",
    "crash",
    "transfer",
    "addServer",
    "removeServer",
    "replace",
    "restart",
    "timeout",
    "isolate",
    "rejoin",
    "heal",
    "dropMessage",
    "request",
    "partition",
    "pause",
    "play",
    "step",
    "setSpeed",
    "reset",
    "preset",
    "open",
    "seek",
    "advance",
    "openTrace",
    "closeTrace",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_key_does_what_the_help_says_and_nothing_else_is_bound() {
        for s in &KEYMAP {
            for key in s.keys {
                let Some(action) = key_action(key) else { panic!("{key:?} ({}) does nothing", s.label) };
                if let KeyAction::Send(f) = s.action
                    && !matches!(*key, "-" | "_")
                {
                    assert_eq!(action, f(), "{key:?}");
                }
            }
        }
        assert_eq!(key_action("-"), Some(Action::SpeedBy(0.5)));
        assert_eq!(key_action("7"), Some(Action::Select(Some(Selection::Server(7)))));
        for unbound in ["0", "x", "Enter", "ArrowLeft", "Tab"] {
            assert_eq!(key_action(unbound), None, "{unbound:?} is in no row of the help");
        }
        let labels: Vec<&str> = KEYMAP.iter().map(|s| s.label).collect();
        assert!(labels.contains(&"1–9") && labels.contains(&"Esc"));
    }

    #[test]
    fn the_readme_lists_every_console_call() {
        let readme = include_str!("../../../README.md");
        let section = readme.split("### Console API").nth(1).expect("the README has a console section");
        let section = section.split("\n## ").next().expect("the section ends");
        for call in CONSOLE_ACTIONS.iter().chain(&["snapshot", "link", "messages"]) {
            assert!(section.contains(&format!("{call}(")), "the README's console section does not show {call}()");
        }
    }
}
