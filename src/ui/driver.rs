//! The browser clock: requestAnimationFrame while the simulation runs, nothing at all while it
//! is paused or the tab is hidden. The loop owns its pending frame request, so dropping the
//! `FrameLoop` cancels it; nothing is leaked or forgotten.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use gloo_render::{AnimationFrame, request_animation_frame};
use yew::Callback;

struct Inner {
    pending: Option<AnimationFrame>,
    last_ms: Option<f64>,
    on_frame: Callback<f64>,
}

/// Calls `on_frame` with the wall milliseconds since the previous frame (0 for the first).
pub struct FrameLoop {
    _inner: Rc<RefCell<Inner>>,
}

impl FrameLoop {
    pub fn start(on_frame: Callback<f64>) -> FrameLoop {
        let inner = Rc::new(RefCell::new(Inner { pending: None, last_ms: None, on_frame }));
        schedule(&inner);
        FrameLoop { _inner: inner }
    }
}

fn schedule(inner: &Rc<RefCell<Inner>>) {
    let weak: Weak<RefCell<Inner>> = Rc::downgrade(inner);
    let request = request_animation_frame(move |timestamp_ms| {
        let Some(inner) = weak.upgrade() else { return };
        let (elapsed, callback) = {
            let mut state = inner.borrow_mut();
            let elapsed = state.last_ms.map_or(0.0, |last| timestamp_ms - last);
            state.last_ms = Some(timestamp_ms);
            (elapsed, state.on_frame.clone())
        };
        callback.emit(elapsed);
        schedule(&inner);
    });
    inner.borrow_mut().pending = Some(request);
}

/// Whether the page is visible; a hidden tab does no work.
pub fn page_visible() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_none_or(|d| d.visibility_state() == web_sys::VisibilityState::Visible)
}
