//! The browser clock. The page does not run the simulation every frame: while the run plays
//! it sleeps until the next event is due, on one gloo-timers `Timeout` set for the wall time at
//! which that event falls due at the current speed (`Motion::wall_at`), and between events
//! the browser animates messages and timers on its own (`components::motion`). Only when
//! events come faster than the display refreshes (high speeds) does it wake at the next
//! animation frame instead, and fast-forward follows every frame. Paused or hidden, nothing
//! is scheduled at all.
//!
//! Every pending timer or frame request is owned: dropping the `Ticker` cancels it; nothing is
//! leaked or forgotten.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use gloo_render::{AnimationFrame, request_animation_frame};
use gloo_timers::callback::Timeout;
use yew::Callback;

/// The longest the page sleeps while running, even with nothing due, so the clock it shows
/// keeps moving.
pub const MAX_SLEEP_MS: f64 = 1_000.0;
/// Waits shorter than about a display refresh are left to the next animation frame.
pub const FRAME_MS: f64 = 16.0;

/// One pending wake-up (a timer or an animation frame) or a frame loop, held only to be
/// dropped: that cancels it.
pub enum Ticker {
    Timer(#[allow(dead_code)] Timeout),
    Frame(#[allow(dead_code)] AnimationFrame),
    Frames(#[allow(dead_code)] FrameLoop),
}

impl Ticker {
    /// Calls `on_tick` once, `delay_ms` from now (at the next frame if that is sooner).
    pub fn after(delay_ms: f64, on_tick: Callback<()>) -> Ticker {
        if delay_ms < FRAME_MS {
            Ticker::Frame(request_animation_frame(move |_| on_tick.emit(())))
        } else {
            let ms = delay_ms.min(MAX_SLEEP_MS).ceil() as u32;
            Ticker::Timer(Timeout::new(ms, move || on_tick.emit(())))
        }
    }

    /// Calls `on_tick` at every animation frame until dropped.
    pub fn every_frame(on_tick: Callback<()>) -> Ticker {
        Ticker::Frames(FrameLoop::start(on_tick))
    }
}

struct Inner {
    pending: Option<AnimationFrame>,
    on_frame: Callback<()>,
}

/// requestAnimationFrame in a loop; the loop owns its pending request.
pub struct FrameLoop {
    _inner: Rc<RefCell<Inner>>,
}

impl FrameLoop {
    fn start(on_frame: Callback<()>) -> FrameLoop {
        let inner = Rc::new(RefCell::new(Inner { pending: None, on_frame }));
        schedule(&inner);
        FrameLoop { _inner: inner }
    }
}

fn schedule(inner: &Rc<RefCell<Inner>>) {
    let weak: Weak<RefCell<Inner>> = Rc::downgrade(inner);
    let request = request_animation_frame(move |_| {
        let Some(inner) = weak.upgrade() else { return };
        let callback = inner.borrow().on_frame.clone();
        callback.emit(());
        schedule(&inner);
    });
    inner.borrow_mut().pending = Some(request);
}

/// The page's timeline, in milliseconds (the same clock as `document.timeline`, which the
/// animations run on).
pub fn wall_now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

/// Whether the page is visible; a hidden tab does no work.
pub fn page_visible() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_none_or(|d| d.visibility_state() == web_sys::VisibilityState::Visible)
}
