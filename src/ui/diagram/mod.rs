//! The space-time diagram as plain data: one lane per server and one for the clients, time
//! running left to right, every message an arrow from its send to its delivery (or to a cross
//! where it was lost), each lane shaded by role and coloured by term, crashed spans marked,
//! commits ticked. This is the picture distributed-systems people draw by hand (Lamport 1978);
//! here it is read off the trace the world keeps, so it can never disagree with the run.
//!
//! The page keeps the last `model::TRACE_KEEP` trace events; the diagram and the console API's
//! `messages(fromMs, toMs)` see as far back as that, no further.

#[cfg(target_arch = "wasm32")]
pub mod component;

use std::collections::BTreeMap;

use crate::raft::{NodeId, RoleKind, Term, Time};
use crate::sim::network::Endpoint;
use crate::sim::trace::TraceEvent;
use crate::ui::core::model::Model;

/// One message as the diagram and the console API report it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageRecord {
    pub id: u64,
    pub kind: &'static str,
    pub from: Endpoint,
    pub to: Endpoint,
    pub sent_at_us: Time,
    /// When it arrived; `None` while in flight or when it was lost.
    pub delivered_at_us: Option<Time>,
    /// The delivery time it was given when sent (for messages still in flight).
    pub deliver_at_us: Time,
    pub dropped_at_us: Option<Time>,
}

/// A stretch of one server's lane: its role and term, or down.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    pub node: NodeId,
    pub from_us: Time,
    pub to_us: Time,
    /// `None` while crashed.
    pub role: Option<RoleKind>,
    pub term: Term,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Commit {
    pub node: NodeId,
    pub at_us: Time,
    pub index: u64,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct DiagramView {
    pub from_us: Time,
    pub to_us: Time,
    /// Server ids, top to bottom; the clients' lane comes after them.
    pub lanes: Vec<NodeId>,
    pub spans: Vec<Span>,
    /// The newest `MAX_ARROWS` messages of the window, in send order.
    pub messages: Vec<MessageRecord>,
    /// How many the window holds in all (more than are drawn when it is crowded).
    pub message_count: usize,
    pub commits: Vec<Commit>,
}

/// The most arrows the diagram draws: a second of a fifteen-server cluster at full speed holds
/// thousands, more than anyone can read and more SVG than a frame can redraw. The newest are
/// kept; zooming in shows the rest (the console's `messages()` always reports them all).
pub const MAX_ARROWS: usize = 600;

/// Every message sent in `[from_us, to_us]` that the kept trace still holds, in send order.
pub fn messages_between(m: &Model, from_us: Time, to_us: Time) -> Vec<MessageRecord> {
    let mut by_id: BTreeMap<u64, MessageRecord> = BTreeMap::new();
    for (t, e) in m.events() {
        match e {
            TraceEvent::Sent { id, from, to, kind, deliver_at_us, .. } if (from_us..=to_us).contains(t) => {
                let record = MessageRecord {
                    id: *id,
                    kind: kind.name(),
                    from: *from,
                    to: *to,
                    sent_at_us: *t,
                    delivered_at_us: None,
                    deliver_at_us: *deliver_at_us,
                    dropped_at_us: None,
                };
                by_id.insert(*id, record);
            }
            TraceEvent::Delivered { id } => {
                if let Some(r) = by_id.get_mut(id) {
                    r.delivered_at_us.get_or_insert(*t);
                }
            }
            TraceEvent::Dropped { id, .. } => {
                if let Some(r) = by_id.get_mut(id) {
                    r.dropped_at_us.get_or_insert(*t);
                }
            }
            _ => {}
        }
    }
    by_id.into_values().collect()
}

/// The diagram of `[from_us, to_us]` (clamped to the present).
pub fn diagram(m: &Model, from_us: Time, to_us: Time) -> DiagramView {
    let to_us = to_us.min(m.now_us());
    let lanes: Vec<NodeId> = m.world.servers().iter().map(|s| s.id).collect();
    let mut messages = messages_between(m, from_us, to_us);
    let message_count = messages.len();
    messages.drain(..message_count.saturating_sub(MAX_ARROWS));
    let commits = m
        .events()
        .filter(|(t, _)| (from_us..=to_us).contains(t))
        .filter_map(|(t, e)| match e {
            TraceEvent::Committed { node, index } => Some(Commit { node: *node, at_us: *t, index: *index }),
            _ => None,
        })
        .collect();
    DiagramView { from_us, to_us, spans: spans(m, &lanes, from_us, to_us), lanes, messages, message_count, commits }
}

/// Each lane's stretches of role and term, from the role and crash events of the kept trace.
/// Before its first such event a lane takes the state the earliest kept event implies: the
/// server's present state if nothing changed it since.
fn spans(m: &Model, lanes: &[NodeId], from_us: Time, to_us: Time) -> Vec<Span> {
    let mut state: BTreeMap<NodeId, (Time, Option<RoleKind>, Term)> = BTreeMap::new();
    let mut out = Vec::new();
    let close = |node: NodeId, start: Time, role: Option<RoleKind>, term: Term, end: Time, out: &mut Vec<Span>| {
        let (a, b) = (start.max(from_us), end.min(to_us));
        if a < b {
            out.push(Span { node, from_us: a, to_us: b, role, term });
        }
    };
    for (t, e) in m.events() {
        let (node, role, term) = match e {
            TraceEvent::Role { node, role, term } => (*node, Some(*role), *term),
            TraceEvent::Crash { node } => (*node, None, state.get(node).map_or(0, |s| s.2)),
            TraceEvent::Restart { node } => (*node, Some(RoleKind::Follower), state.get(node).map_or(0, |s| s.2)),
            _ => continue,
        };
        let start = state.get(&node).map_or(0, |s| s.0);
        let (prev_role, prev_term) = state.get(&node).map_or_else(|| first_state(m, node, role), |s| (s.1, s.2));
        close(node, start, prev_role, prev_term, *t, &mut out);
        state.insert(node, (*t, role, term));
    }
    for &node in lanes {
        let (start, role, term) = state.get(&node).copied().unwrap_or_else(|| {
            let (role, term) = present(m, node);
            (0, role, term)
        });
        close(node, start, role, term, to_us, &mut out);
    }
    out
}

/// The state a lane had before its first kept role event: a follower of the term before, or
/// down if the event is a restart.
fn first_state(m: &Model, node: NodeId, next: Option<RoleKind>) -> (Option<RoleKind>, Term) {
    match next {
        None => (Some(RoleKind::Follower), present(m, node).1),
        Some(_) => (Some(RoleKind::Follower), 0),
    }
}

fn present(m: &Model, node: NodeId) -> (Option<RoleKind>, Term) {
    if let Some(trace) = m.opened.as_deref() {
        return crate::ui::trace::present(trace, node);
    }
    match m.world.node(node) {
        Some(n) => (Some(n.role_kind()), n.term()),
        None => (None, m.world.servers().get(usize::from(node) - 1).map_or(0, |s| s.persistent().current_term)),
    }
}

/// A message's end as the page reports it: delivered (or due, while in flight), or lost.
pub fn ends(m: &MessageRecord) -> (Option<Time>, Option<Time>) {
    match m.dropped_at_us {
        Some(t) => (None, Some(t)),
        None => (Some(m.delivered_at_us.unwrap_or(m.deliver_at_us)), None),
    }
}

/// An endpoint as hooks and the console API name it: "3" for n3, "c1" for client 1.
pub fn endpoint_attr(e: Endpoint) -> String {
    match e {
        Endpoint::Node(n) => n.to_string(),
        Endpoint::Client(c) => format!("c{c}"),
    }
}

/// The diagram's horizontal scale: simulated time to x in `[0, width]`.
// `max`/`min`, not `clamp`: a float clamp with a run-time bound carries a panic message that
// links all of core's float formatting into the download.
pub fn x_of(d: &DiagramView, t: Time, width: f64) -> f64 {
    let span = d.to_us.saturating_sub(d.from_us).max(1) as f64;
    (t.saturating_sub(d.from_us) as f64 / span * width).max(0.0).min(width)
}

/// The simulated time under x (a click on the diagram travels there).
pub fn time_at(d: &DiagramView, x: f64, width: f64) -> Time {
    let span = d.to_us.saturating_sub(d.from_us) as f64;
    d.from_us + (x.max(0.0).min(width) / width * span).round() as Time
}

/// The window the diagram shows: `width_us` of simulated time ending `back_us` before now.
pub fn window(now_us: Time, width_us: Time, back_us: Time) -> (Time, Time) {
    let end = now_us.saturating_sub(back_us);
    (end.saturating_sub(width_us), end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;
    use crate::sim::Intervention;
    use crate::ui::core::model::first_visit;

    #[test]
    fn arrows_match_the_messages_sent_in_the_window() {
        let mut m = Model::new(first_visit(3)).expect("valid");
        m.seek(2_000_000).unwrap();
        let d = diagram(&m, 0, 2_000_000);
        assert_eq!(d.lanes, vec![1, 2, 3, 4, 5]);
        assert!(d.messages.len() > 50, "two seconds of heartbeats: {}", d.messages.len());
        assert!(d.messages.iter().all(|r| r.sent_at_us <= 2_000_000));
        assert!(d.messages.iter().all(|r| r.delivered_at_us.is_none() || r.dropped_at_us.is_none()));
        assert!(d.messages.windows(2).all(|w| w[0].id < w[1].id));
        assert!(d.messages[0].id <= 5, "the window reaches back to the first message");
        assert_eq!(d.message_count, d.messages.len(), "two quiet seconds are drawn whole");
        let leaders = d.spans.iter().filter(|s| s.role == Some(RoleKind::Leader)).count();
        assert!(leaders >= 1, "the first election shows as a leader span");
        assert!(!d.commits.is_empty(), "the leader's no-op commits");
        // Every lane is covered from the start of the window to its end, without overlap.
        for node in 1..=5 {
            let mut lane: Vec<&Span> = d.spans.iter().filter(|s| s.node == node).collect();
            lane.sort_by_key(|s| s.from_us);
            assert_eq!(lane.first().map(|s| s.from_us), Some(0), "lane n{node} starts at 0");
            assert_eq!(lane.last().map(|s| s.to_us), Some(2_000_000), "lane n{node} ends now");
            assert!(lane.windows(2).all(|w| w[0].to_us == w[1].from_us), "lane n{node} is contiguous");
        }
    }

    #[test]
    fn a_crash_is_a_down_span_and_lost_messages_have_a_drop_time() {
        let mut s = Scenario::new(crate::ui::core::model::default_config(5));
        s.config.net.loss_ppm = 200_000;
        let mut m = Model::new(s.at(10, Intervention::Timeout(1)).at(400, Intervention::Crash(2))).expect("valid");
        m.seek(900_000).unwrap();
        let d = diagram(&m, 0, 900_000);
        let down: Vec<&Span> = d.spans.iter().filter(|s| s.node == 2 && s.role.is_none()).collect();
        assert_eq!(down.len(), 1);
        assert_eq!((down[0].from_us, down[0].to_us), (400_000, 900_000));
        assert!(d.messages.iter().any(|r| r.dropped_at_us.is_some()), "a fifth of the messages are lost");
        let t = time_at(&d, x_of(&d, 450_000, 1000.0), 1000.0);
        assert_eq!(t, 450_000);
        assert_eq!(window(2_000_000, 500_000, 100_000), (1_400_000, 1_900_000));
    }

    #[test]
    fn a_crowded_window_draws_only_its_newest_arrows() {
        let mut s = Scenario::new(crate::ui::core::model::default_config(8));
        s.config.nodes = 15;
        let mut m = Model::new(s).expect("valid");
        m.seek(8_000_000).unwrap();
        let d = diagram(&m, 0, 8_000_000);
        let all = messages_between(&m, 0, 8_000_000);
        assert!(d.message_count > MAX_ARROWS, "fifteen servers for eight seconds: {}", d.message_count);
        assert_eq!((d.messages.len(), d.message_count), (MAX_ARROWS, all.len()));
        assert_eq!(d.messages.last(), all.last(), "the newest are the ones drawn");
    }
}
