//! The browser clock. The page does not run the simulation every frame: while the run plays
//! it sleeps until the next event is due, on one gloo-timers `Timeout` set for the wall time at
//! which that event falls due at the current speed (`Motion::wall_at`), and between events
//! the browser animates messages and timers on its own (`cluster::animation`). Events closer
//! together than `MIN_SLEEP_MS` run together (fifteen servers at full speed would otherwise
//! wake the page more often than the screen refreshes); only fast-forward follows every
//! animation frame. Paused or hidden, nothing is scheduled at all.
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
/// The shortest sleep: events closer together than this are run together, as one screen
/// update (the browser animates what moves in between, and a delivered message holds at its
/// receiver for longer than this). At most ten wake-ups a second: with fifteen servers each one
/// costs the browser about 10 ms of style, layout, paint and layerizing, and at twenty a second
/// a third of the main thread went on it (closing note of issue 10).
pub const MIN_SLEEP_MS: f64 = 100.0;

/// One pending wake-up or a frame loop, held only to be dropped: that cancels it.
pub enum Ticker {
    Timer(#[allow(dead_code)] Timeout),
    Frames(#[allow(dead_code)] FrameLoop),
}

impl Ticker {
    /// Calls `on_tick` once, `delay_ms` from now (within `MIN_SLEEP_MS..=MAX_SLEEP_MS`).
    pub fn after(delay_ms: f64, on_tick: Callback<()>) -> Ticker {
        let ms = delay_ms.clamp(MIN_SLEEP_MS, MAX_SLEEP_MS).ceil() as u32;
        Ticker::Timer(Timeout::new(ms, move || on_tick.emit(())))
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

/// Background work in slices: `slice` runs every `gap_ms` until it returns false or the
/// `Slices` is dropped (which cancels the pending timeout).
pub struct Slices {
    _pending: Rc<RefCell<Option<Timeout>>>,
}

impl Slices {
    pub fn start(first_ms: u32, gap_ms: u32, slice: impl FnMut() -> bool + 'static) -> Slices {
        let pending = Rc::new(RefCell::new(None));
        let slice = Rc::new(RefCell::new(slice));
        schedule_slice(Rc::downgrade(&pending), first_ms, gap_ms, slice);
        Slices { _pending: pending }
    }
}

type SliceFn = Rc<RefCell<dyn FnMut() -> bool>>;

fn schedule_slice(pending: Weak<RefCell<Option<Timeout>>>, delay_ms: u32, gap_ms: u32, slice: SliceFn) {
    let Some(cell) = pending.upgrade() else { return };
    let timeout = Timeout::new(delay_ms, move || {
        if (slice.borrow_mut())() {
            schedule_slice(pending, gap_ms, gap_ms, slice);
        }
    });
    *cell.borrow_mut() = Some(timeout);
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
