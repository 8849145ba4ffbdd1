//! Pure geometry for the cluster drawing: where servers sit, where a message is at a given
//! time, and the election-timer arc. Plain Rust, tested natively.

use crate::raft::Time;
use crate::ui::core::num::{fixed, sin_cos};

/// The SVG canvas is `SIZE` × `SIZE` user units.
pub const SIZE: f64 = 600.0;
const CENTER: f64 = SIZE / 2.0;
const RING_RADIUS: f64 = 225.0;
const CLIENT_RING_RADIUS: f64 = 70.0;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

/// Server `index` (0-based) of `count`, clockwise from the top.
pub fn server_position(index: usize, count: usize) -> Point {
    ring_point(index, count, RING_RADIUS)
}

/// Clients sit on a small ring in the middle: requests visibly travel outwards to a server.
pub fn client_position(index: usize, count: usize) -> Point {
    if count <= 1 {
        return Point { x: CENTER, y: CENTER };
    }
    ring_point(index, count, CLIENT_RING_RADIUS)
}

fn ring_point(index: usize, count: usize, radius: f64) -> Point {
    let angle = std::f64::consts::TAU * index as f64 / count.max(1) as f64 - std::f64::consts::FRAC_PI_2;
    let (sin, cos) = sin_cos(angle);
    Point { x: CENTER + radius * cos, y: CENTER + radius * sin }
}

/// Server circles shrink as the ring fills so neighbours never overlap.
pub fn server_radius(count: usize) -> f64 {
    let gap = std::f64::consts::PI * RING_RADIUS / count.max(1) as f64;
    (gap * 0.7).clamp(16.0, 42.0)
}

/// How far along its path a message is at `now`, in `0.0..=1.0`.
pub fn progress(sent_at_us: Time, deliver_at_us: Time, now_us: Time) -> f64 {
    if deliver_at_us <= sent_at_us {
        return 1.0;
    }
    let done = now_us.saturating_sub(sent_at_us) as f64 / (deliver_at_us - sent_at_us) as f64;
    done.clamp(0.0, 1.0)
}

/// A message's position: along the straight line between the two circles' edges, shifted a
/// little to the right of its direction so a request and its reply do not overlap.
pub fn message_position(from: Point, to: Point, edge: f64, t: f64) -> Point {
    let (dx, dy) = (to.x - from.x, to.y - from.y);
    let len = (dx * dx + dy * dy).sqrt();
    if len < 1e-9 {
        return from;
    }
    let (ux, uy) = (dx / len, dy / len);
    let travel = (len - 2.0 * edge).max(0.0);
    let along = edge.min(len / 2.0) + travel * t;
    let side = 7.0;
    Point { x: from.x + ux * along - uy * side, y: from.y + uy * along + ux * side }
}

/// An SVG path for half a ring round `center`, from the top to the bottom through the left
/// side (`left`) or the right: one half of an election timer's arc (see `half_turns`).
pub fn half_ring_path(center: Point, radius: f64, left: bool) -> String {
    let (x, y0, y1, r) =
        (fixed(center.x, 1), fixed(center.y - radius, 1), fixed(center.y + radius, 1), fixed(radius, 1));
    format!("M {x} {y0} A {r} {r} 0 0 {} {x} {y1}", u8::from(!left))
}

/// An election timer's arc drawn as two half rings, each clipped to one half of the server and
/// turned (degrees, clockwise) so that together they cover `360 · left` degrees clockwise from
/// the top. The right half's ring starts on the left and turns into view; the left half's
/// starts on the right. Turning is all the browser animates (on the compositor), where
/// redrawing an arc would repaint every frame.
pub fn half_turns(left: f64) -> (f64, f64) {
    let deg = 360.0 * left.clamp(0.0, 1.0);
    (deg.min(180.0), (deg - 180.0).max(0.0))
}

/// A distinct, stable colour per term (golden-angle hues), for servers and log entries.
pub fn term_hue(term: u64) -> u32 {
    ((term % 360 * 137 + 200) % 360) as u32
}

/// Reduced motion: near the sender for the first half of a flight, near the receiver after.
pub fn jump(t: f64) -> f64 {
    if t < 0.5 { 0.0 } else { 1.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_rings_cover_the_share_left_clockwise_from_the_top() {
        assert_eq!(half_turns(1.0), (180.0, 180.0), "full: both halves shown");
        assert_eq!(half_turns(0.75), (180.0, 90.0), "the left half shows 180°..270°");
        assert_eq!(half_turns(0.5), (180.0, 0.0));
        assert_eq!(half_turns(0.25), (90.0, 0.0), "the right half shows 0°..90°");
        assert_eq!(half_turns(0.0), (0.0, 0.0));
        assert_eq!(half_turns(7.0), (180.0, 180.0));
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6
    }

    #[test]
    fn ring_starts_at_the_top_and_is_symmetric() {
        let top = server_position(0, 5);
        assert!(close(top.x, CENTER) && close(top.y, CENTER - RING_RADIUS));
        let a = server_position(1, 4);
        assert!(close(a.x, CENTER + RING_RADIUS) && close(a.y, CENTER));
        for n in 1..=15 {
            let r = server_radius(n);
            if n > 1 {
                let (p, q) = (server_position(0, n), server_position(1, n));
                let d = ((p.x - q.x).powi(2) + (p.y - q.y).powi(2)).sqrt();
                assert!(d > 2.0 * r, "servers overlap at n={n}");
            }
        }
    }

    #[test]
    fn messages_move_from_edge_to_edge() {
        assert_eq!(progress(100, 200, 50), 0.0);
        assert_eq!(progress(100, 200, 150), 0.5);
        assert_eq!(progress(100, 200, 900), 1.0);
        let from = Point { x: 0.0, y: 0.0 };
        let to = Point { x: 100.0, y: 0.0 };
        let start = message_position(from, to, 10.0, 0.0);
        let end = message_position(from, to, 10.0, 1.0);
        assert!(close(start.x, 10.0) && close(end.x, 90.0));
        assert!(close(start.y, 7.0), "shifted to the right of the direction of travel");
        let back = message_position(to, from, 10.0, 0.0);
        assert!(close(back.y, -7.0), "the reply travels on the other side");
    }

    #[test]
    fn arcs_and_hues() {
        let c = Point { x: 50.0, y: 50.0 };
        assert_eq!(
            half_ring_path(c, 10.0, true),
            "M 50.0 40.0 A 10.0 10.0 0 0 0 50.0 60.0",
            "counter-clockwise: the left"
        );
        assert_eq!(half_ring_path(c, 10.0, false), "M 50.0 40.0 A 10.0 10.0 0 0 1 50.0 60.0");
        assert_ne!(term_hue(1), term_hue(2));
        assert!(term_hue(u64::MAX) < 360);
    }
}
