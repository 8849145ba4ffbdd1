//! Pure geometry for the cluster drawing: where servers sit, where a message is at a given
//! time, and the election-timer arc. Plain Rust, tested natively.

use super::num::{fixed, sin_cos};
use crate::raft::Time;

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

/// An SVG path for an arc of `fraction` of a full circle, clockwise from the top: the election
/// timer that empties as the timeout approaches.
pub fn arc_path(center: Point, radius: f64, fraction: f64) -> String {
    let f = fraction.clamp(0.0, 1.0);
    if f >= 0.9999 {
        let (x, y0, y1, r) =
            (fixed(center.x, 2), fixed(center.y - radius, 2), fixed(center.y + radius, 2), fixed(radius, 2));
        return format!("M {x} {y0} A {r} {r} 0 1 1 {x} {y1} A {r} {r} 0 1 1 {x} {y0}");
    }
    let angle = std::f64::consts::TAU * f - std::f64::consts::FRAC_PI_2;
    let (sin, cos) = sin_cos(angle);
    let (sx, sy, r) = (fixed(center.x, 2), fixed(center.y - radius, 2), fixed(radius, 2));
    let (ex, ey) = (fixed(center.x + radius * cos, 2), fixed(center.y + radius * sin, 2));
    let large = u8::from(f > 0.5);
    format!("M {sx} {sy} A {r} {r} 0 {large} 1 {ex} {ey}")
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
        assert!(arc_path(c, 10.0, 0.25).ends_with("0 0 1 60.00 50.00"));
        assert!(arc_path(c, 10.0, 0.75).contains(" 0 1 1 "));
        assert!(arc_path(c, 10.0, 1.0).matches(" A ").count() == 2);
        assert_ne!(term_hue(1), term_hue(2));
        assert!(term_hue(u64::MAX) < 360);
    }
}
