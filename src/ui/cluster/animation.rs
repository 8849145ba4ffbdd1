//! Motion the browser runs by itself: each message in flight and each election timer is one
//! Web Animation on `transform`, timed on the page's clock (`cluster::Motion`), so between events
//! the main thread does nothing at all. Measured in headless Chromium (the numbers are in the
//! closing note of issue 10): sixty SVG groups gliding on `transform` cost 0.3 % of the main
//! thread, the same as HTML elements over the SVG, against 21 % for moving them from script
//! every frame, and an arc emptied by animating `stroke-dashoffset` costs 9 % for five servers
//! where two half rings turned by `rotate` inside a clip cost 0.3 %. So everything moves by
//! `transform` and stays in the SVG.
//!
//! Moving on the compositor is not free where it draws in software (headless Chromium without
//! a GPU): with fifteen servers its display compositor was busy 68 % of the time, 40 points of
//! that for thirty half rings turning every frame. So an arc turns in steps
//! (`cluster::Motion::timer_turn`): 2 ms of simulated time each, a tenth of a second at the
//! default speed, on one grid of wall time shared by every timer, so the compositor redraws
//! all of them in one frame and none in the frames between; at speeds where a step would be
//! shorter than two frames they turn smoothly. And the arcs are drawn above the servers:
//! Chromium composites whatever is painted after an animated element and overlaps it, and the
//! servers' labels and badges made a dozen extra layers that way. With both (and the log's
//! cells keyed), the compositor was busy 24–39 %, and late frames at the default speed fell
//! from 8–9 to 0–3 in eight seconds, where a paused page shows 0–2.
//!
//! An animation starts where the clock says the thing is now (its `startTime` on the document
//! timeline is when the flight began, or the timer was last full), and is cancelled when its
//! owner drops it: on delivery, reset, pause, a speed change or time travel (all of which
//! change the `Motion` the effects are keyed on).

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::raft::Time;
use crate::ui::cluster::geometry::Point;
use crate::ui::cluster::{Motion, TimerView};
use crate::ui::core::num::px;

#[wasm_bindgen]
extern "C" {
    /// An element, seen through the Animatable interface: web-sys offers `Element.animate`
    /// only behind its unstable-APIs switch.
    type Animatable;
    #[wasm_bindgen(method)]
    fn animate(this: &Animatable, keyframes: &JsValue, options: &JsValue) -> web_sys::Animation;
}

/// A running animation, cancelled when dropped.
pub struct Owned(web_sys::Animation);

impl Drop for Owned {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

/// Starts `keyframes` (a JSON array; easing per keyframe) on `el`, lasting `duration_ms` and
/// begun at `start_ms` on the document timeline.
fn start(el: &web_sys::Element, keyframes: &str, duration_ms: f64, start_ms: f64) -> Option<Owned> {
    let frames = js_sys::JSON::parse(keyframes).ok()?;
    let options = js_sys::JSON::parse(&format!(
        r#"{{"duration":{},"fill":"both"}}"#,
        crate::ui::core::num::fixed(duration_ms.max(0.0), 3)
    ))
    .ok()?;
    let animation = el.unchecked_ref::<Animatable>().animate(&frames, &options);
    animation.set_start_time(Some(start_ms));
    Some(Owned(animation))
}

fn translate(p: Point) -> String {
    format!("translate({}px,{}px)", px(p.x), px(p.y))
}

/// Past its arrival a message's animation holds still this long: the page removes the message
/// at its delivery (at most `driver::MIN_SLEEP_MS` late), and an animation that finished
/// before that would cost the main thread a frame of its own (measured with fifteen servers:
/// 34 style passes a second against 12).
const HOLD_MS: f64 = 250.0;

/// A message gliding from `from` to `to` between `sent_us` and `deliver_us` (jumping half way
/// with reduced motion), then holding at `to`.
pub fn fly(
    el: &web_sys::Element,
    motion: &Motion,
    (from, to): (Point, Point),
    (sent_us, deliver_us): (Time, Time),
) -> Option<Owned> {
    if !motion.running || deliver_us <= sent_us {
        return None;
    }
    let easing = if motion.reduced { "steps(2, jump-none)" } else { "linear" };
    let flight_ms = motion.wall_ms(deliver_us - sent_us);
    let arrives = crate::ui::core::num::fixed(flight_ms / (flight_ms + HOLD_MS), 4);
    let (from, to) = (translate(from), translate(to));
    let frames = format!(
        r#"[{{"transform":"{from}","easing":"{easing}"}},{{"transform":"{to}","offset":{arrives}}},{{"transform":"{to}"}}]"#
    );
    start(el, &frames, flight_ms + HOLD_MS, motion.wall_at(sent_us))
}

/// The two halves of an election timer's arc (see `half_turns`), each turned from a whole
/// longest timeout down to nothing, in the steps `Motion::timer_turn` gives.
pub fn run_down(halves: [&web_sys::Element; 2], motion: &Motion, timer: TimerView) -> Vec<Owned> {
    if !motion.running {
        return Vec::new();
    }
    let turn = motion.timer_turn(timer);
    let easing = match turn.steps_per_half {
        0 => "linear".to_string(),
        n => format!("steps({n}, end)"),
    };
    let frames = |deg: [u32; 3]| {
        format!(
            r#"[{{"transform":"rotate({}deg)","offset":0,"easing":"{easing}"}},{{"transform":"rotate({}deg)","offset":0.5,"easing":"{easing}"}},{{"transform":"rotate({}deg)","offset":1}}]"#,
            deg[0], deg[1], deg[2]
        )
    };
    let (right, left) = (frames([180, 180, 0]), frames([180, 0, 0]));
    [(halves[0], right), (halves[1], left)]
        .into_iter()
        .filter_map(|(el, frames)| start(el, &frames, turn.duration_ms, turn.start_ms))
        .collect()
}
