//! The App's hooks into the browser: the clock (`use_motion`, `use_clock`), what is on
//! screen, the address bar and the clipboard, the theme, visibility, reduced motion and the
//! keyboard. Each owns what it registers (timers, listeners, observers) and lets it go when
//! the App does.

use std::rc::Rc;

use gloo_events::EventListener;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::driver::{MAX_SLEEP_MS, Ticker, page_visible, wall_now_ms};
use super::model::{Model, Selection};
use super::state::Action;
use super::view;
use crate::sim::Intervention;

pub(super) fn document() -> web_sys::Document {
    web_sys::window().and_then(|w| w.document()).expect("a browser page has a document")
}

/// Whether the element is (even partly) in the viewport, followed by an IntersectionObserver
/// the hook owns and disconnects.
#[hook]
pub(super) fn use_on_screen(node: NodeRef) -> bool {
    let shown = use_state(|| true);
    {
        let shown = shown.clone();
        use_effect_with(node, move |node| {
            let callback =
                wasm_bindgen::closure::Closure::<dyn FnMut(js_sys::Array)>::new(move |entries: js_sys::Array| {
                    let last =
                        entries.iter().last().and_then(|e| e.dyn_into::<web_sys::IntersectionObserverEntry>().ok());
                    if let Some(entry) = last {
                        shown.set(entry.is_intersecting());
                    }
                });
            let observer = web_sys::IntersectionObserver::new(callback.as_ref().unchecked_ref()).ok();
            if let (Some(observer), Some(el)) = (&observer, node.cast::<web_sys::Element>()) {
                observer.observe(&el);
            }
            move || {
                if let Some(observer) = observer {
                    observer.disconnect();
                }
                drop(callback);
            }
        });
    }
    *shown
}

/// The mapping from wall time to simulated time (`view::Motion`), fixed afresh whenever the
/// run starts or stops playing, changes speed or jumps in time.
#[hook]
pub(super) fn use_motion(m: &Model, visible: bool, reduced: bool) -> view::Motion {
    let running = !m.paused && visible;
    let (now, speed) = (m.now_us(), m.effective_speed());
    let key = (m.generation, m.jumps, running, speed.to_bits(), reduced, if running { 0 } else { now });
    *use_memo(key, move |_| {
        let paused = view::Motion::paused(now, reduced);
        if running { view::Motion { anchor_wall_ms: wall_now_ms(), speed, running, ..paused } } else { paused }
    })
}

/// While the run plays: sleep until the next event falls due (at most `MAX_SLEEP_MS`), then
/// run the simulation to where the clock has got; every frame while fast-forwarding.
#[hook]
pub(super) fn use_clock(m: &Model, motion: view::Motion, dispatch: Callback<Action>) {
    let due = m.world.next_event_us();
    let key = if m.fast_forward { (motion, true, None, 0) } else { (motion, false, due, m.now_us()) };
    use_effect_with(key, move |&(motion, fast_forward, due, _)| {
        let ticker = motion.running.then(|| {
            let wake_ms = due.map_or(MAX_SLEEP_MS, |d| motion.wall_at(d) - wall_now_ms()).max(0.0);
            // A wake-up set for an event never lands short of it (timers round to milliseconds).
            let floor = due.filter(|_| wake_ms <= MAX_SLEEP_MS && !fast_forward).unwrap_or(0);
            let on_tick = dispatch.reform(move |()| Action::Tick(motion.sim_at(wall_now_ms()).max(floor)));
            if fast_forward { Ticker::every_frame(on_tick) } else { Ticker::after(wake_ms, on_tick) }
        });
        move || drop(ticker)
    });
}

pub(super) fn location_hash() -> Option<String> {
    web_sys::window()?.location().hash().ok().filter(|h| !h.is_empty())
}

/// The whole address to share: this page without its fragment, then the link.
pub(super) fn share_url(link: &str) -> String {
    let location = web_sys::window().map(|w| w.location());
    let href = location.and_then(|l| l.href().ok()).unwrap_or_default();
    format!("{}#{link}", href.split('#').next().unwrap_or_default())
}

/// A new share link goes to the clipboard (where the browser allows it) and the address bar.
#[hook]
pub(super) fn use_clipboard(shares: u64, share: Option<Rc<str>>, written: Written) {
    use_effect_with((shares, share), move |(_, share)| {
        if let (Some(link), Some(window)) = (share, web_sys::window()) {
            let url = share_url(link);
            // The promise settles on its own; a refusal leaves the visible field to copy from.
            let _ = window.navigator().clipboard().write_text(&url);
            write_fragment(&written, link);
        }
    });
}

/// Someone edited the fragment or followed a preset link: open it.
#[hook]
pub(super) fn use_hash_change(dispatch: Callback<Action>, written: Written) {
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
pub(super) fn use_address_bar(model: Rc<std::cell::RefCell<Model>>, keep_fragment: bool, written: Written) {
    let key = {
        let m = model.borrow();
        let paused_at = if m.paused { m.now_us() } else { 0 };
        (m.generation, m.revision, m.paused, paused_at, keep_fragment, m.speed.to_bits())
    };
    use_effect_with(key, move |_| {
        let link = (!keep_fragment).then(|| model.borrow().link());
        if let Some(link) = link {
            write_fragment(&written, &link);
        }
    });
}

/// The fragment this page last wrote itself.
pub(super) type Written = Rc<std::cell::RefCell<String>>;

/// Puts `#link` in the address bar without a history entry (and without a hashchange).
pub(super) fn write_fragment(written: &Written, link: &str) {
    let fragment = format!("#{link}");
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&fragment));
    }
    *written.borrow_mut() = fragment;
}

/// The theme goes on the root element (`data-theme`), where the style sheet's variables
/// follow it; "auto" leaves `prefers-color-scheme` in charge. The choice is remembered.
#[hook]
pub(super) fn use_theme(theme: view::Theme) {
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
pub fn remembered_theme() -> view::Theme {
    let storage = web_sys::window().and_then(|w| w.local_storage().ok().flatten());
    storage
        .and_then(|s| s.get_item(THEME_KEY).ok().flatten())
        .and_then(|t| view::Theme::from_name(&t))
        .unwrap_or_default()
}

#[hook]
pub(super) fn use_visibility(visible: UseStateHandle<bool>) {
    use_effect_with((), move |_| {
        let listener = EventListener::new(&document(), "visibilitychange", move |_| visible.set(page_visible()));
        move || drop(listener)
    });
}

#[hook]
pub(super) fn use_keyboard(dispatch: Callback<Action>) {
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

fn key_action(key: &str) -> Option<Action> {
    Some(match key {
        " " => Action::TogglePlay,
        "." => Action::Step,
        "c" | "C" => Action::Request(None),
        "r" | "R" => Action::RestartLeader,
        "b" | "B" => Action::RestartAll,
        "t" | "T" => Action::Act(Intervention::SpreadTimers),
        "a" | "A" => Action::Act(Intervention::AlignTimers),
        "h" | "H" => Action::Act(Intervention::Heal),
        "f" | "F" => Action::ToggleFastForward,
        "?" => Action::ToggleHelp,
        "s" | "S" => Action::ToggleSettings,
        "l" | "L" => Action::GoLive,
        "Escape" => Action::CloseOverlays,
        "+" | "=" => Action::SpeedBy(2.0),
        "-" | "_" => Action::SpeedBy(0.5),
        d if d.len() == 1 && d.as_bytes()[0].is_ascii_digit() && d != "0" => {
            Action::Select(Some(Selection::Server(d.as_bytes()[0] - b'0')))
        }
        _ => return None,
    })
}

/// Whether the person asks for less motion (messages then jump instead of gliding): read once
/// and then whenever the preference changes, not on every frame.
#[hook]
pub(super) fn use_reduced_motion() -> bool {
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
