//! The cluster: servers on a ring, their election timers, the messages in flight between them,
//! the clients and the network's links, computed from the model as plain data (tested
//! natively); `component` draws it and `animation` hands the motion to the browser. Everything
//! is derived (nothing is stored), so the picture can never disagree with the world.

pub mod first_frame;
pub mod geometry;
pub mod motion;

#[cfg(target_arch = "wasm32")]
pub mod animation;
#[cfg(target_arch = "wasm32")]
pub mod component;

use self::geometry::Point;
pub use self::motion::{Motion, TimerTurn};
use crate::raft::{Index, NodeId, RoleKind, Term, Time};
use crate::sim::network::Endpoint;
use crate::sim::trace::TraceEvent;
use crate::ui::core::model::{Model, Selection};

#[derive(Clone, Debug, PartialEq)]
pub struct ServerView {
    pub id: NodeId,
    pub up: bool,
    pub role: RoleKind,
    pub term: Term,
    pub voted_for: Option<NodeId>,
    pub commit: Index,
    pub last_applied: Index,
    pub last_index: Index,
    /// The election timer; `None` for leaders and crashed servers.
    pub timer: Option<TimerView>,
    pub votes: Vec<NodeId>,
    pub isolated: bool,
    /// Named in the first invariant violation.
    pub implicated: bool,
    pub selected: bool,
    pub pos: Point,
    pub radius: f64,
    /// A voter of the configuration in force on this server (4.1); a learner receives the log
    /// without voting; a server in no configuration is not a member at all.
    pub voter: bool,
    pub learner: bool,
    /// The configuration in force on this server, in words, and the last index its snapshot
    /// covers (0: none).
    pub config: String,
    pub snapshot_index: Index,
    /// Named by the guided scenario's current caption.
    pub highlighted: bool,
}

/// An election timer: it runs out at `deadline_us`, and the arc drawn round the server shows
/// the share of the longest timeout (`span_us`) still to run. Fixed until the timer is reset,
/// so the browser can animate the arc from one reset to the next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimerView {
    pub deadline_us: Time,
    pub span_us: Time,
}

impl TimerView {
    /// The share still to run at `now_us` (1 = a whole longest timeout, 0 = run out).
    pub fn left(&self, now_us: Time) -> f64 {
        (self.deadline_us.saturating_sub(now_us) as f64 / self.span_us.max(1) as f64).min(1.0)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct MessageView {
    pub id: u64,
    /// `data-msg`: request-vote, vote-reply, append-entries, heartbeat, append-reply,
    /// client-request, client-reply.
    pub kind: &'static str,
    pub success: Option<bool>,
    /// Where it is drawn without animation: where it is now when paused, its flight's start
    /// while running (the browser animates it from there, on `Motion`).
    pub pos: Point,
    pub start: Point,
    pub end: Point,
    pub sent_at_us: Time,
    pub deliver_at_us: Time,
    pub selected: bool,
    /// A recently dropped message, shown vanishing where it was lost.
    pub vanishing: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ClientDot {
    pub id: u32,
    pub pos: Point,
    pub waiting: bool,
}

/// Radius of a client dot.
pub const CLIENT_RADIUS: f64 = 9.0;

pub fn servers(m: &Model) -> Vec<ServerView> {
    if let Some(trace) = m.opened.as_deref() {
        return crate::ui::trace::servers(m, trace);
    }
    let n = m.world.servers().len();
    let now = m.now_us();
    let span_us = m.world.config().raft.election_timeout_max_us.max(1);
    let implicated: Vec<NodeId> = m.shown_violation().map(|v| v.nodes.clone()).unwrap_or_default();
    m.world
        .servers()
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let node = s.node.as_ref();
            let p = s.persistent();
            let role = node.map_or(RoleKind::Follower, |n| n.role_kind());
            let timer = node
                .filter(|n| n.role_kind() != RoleKind::Leader)
                .map(|n| TimerView { deadline_us: n.election_deadline_us().max(now), span_us });
            ServerView {
                id: s.id,
                up: node.is_some(),
                role,
                term: p.current_term,
                voted_for: p.voted_for,
                commit: node.map_or(0, |n| n.commit_index()),
                last_applied: node.map_or(0, |n| n.last_applied()),
                last_index: p.log.last_index(),
                timer,
                votes: node.and_then(|n| n.votes()).map(|v| v.iter().collect()).unwrap_or_default(),
                isolated: m.is_isolated(s.id),
                implicated: implicated.contains(&s.id),
                selected: m.selection == Some(Selection::Server(s.id)),
                pos: geometry::server_position(i, n),
                radius: geometry::server_radius(n),
                voter: node.is_some_and(|n| n.membership().0.is_voter(s.id)),
                learner: node.is_some_and(|n| n.membership().0.learners.contains(&s.id)),
                config: node.map_or(String::new(), |n| n.membership().0.to_string()),
                snapshot_index: p.log.snapshot_index(),
                highlighted: false,
            }
        })
        .collect()
}

fn endpoint_pos(m: &Model, e: Endpoint, clients: &[ClientDot]) -> (Point, f64) {
    let n = m.world.servers().len();
    match e {
        Endpoint::Node(id) => (geometry::server_position(usize::from(id) - 1, n), geometry::server_radius(n)),
        Endpoint::Client(c) => {
            let pos = clients.iter().find(|d| d.id == c).map_or(geometry::client_position(0, 1), |d| d.pos);
            (pos, CLIENT_RADIUS)
        }
    }
}

/// Clients worth drawing: the self-driven ones and any one-shot client still waiting.
pub fn clients(m: &Model) -> Vec<ClientDot> {
    let shown: Vec<_> = m.world.clients().iter().filter(|c| c.auto || c.pending.is_some()).collect();
    shown
        .iter()
        .enumerate()
        .map(|(i, c)| ClientDot {
            id: c.id,
            pos: geometry::client_position(i, shown.len()),
            waiting: c.pending.is_some(),
        })
        .collect()
}

/// How long a dropped message stays on screen, in simulated time.
const VANISH_US: Time = 6_000;

/// Messages in flight: where each flies from and to, and where it is now (see `MessageView`);
/// with reduced motion a message sits at its sender for the first half of its flight and at
/// its receiver for the second (it jumps, not glides).
pub fn messages(m: &Model, clients: &[ClientDot], motion: &Motion) -> Vec<MessageView> {
    if let Some(trace) = m.opened.as_deref() {
        return crate::ui::trace::messages(m, trace, motion);
    }
    let now = m.now_us();
    let selected = |id| m.selection == Some(Selection::Message(id));
    let mut out: Vec<MessageView> = m
        .world
        .network()
        .in_flight()
        .filter(|p| p.sent_at_us <= now)
        .map(|p| {
            let (from, edge) = endpoint_pos(m, p.from, clients);
            let (to, _) = endpoint_pos(m, p.to, clients);
            let t = geometry::progress(p.sent_at_us, p.deliver_at_us, now);
            let t = if motion.reduced { geometry::jump(t) } else { t };
            let start = geometry::message_position(from, to, edge, 0.0);
            let pos = if motion.running { start } else { geometry::message_position(from, to, edge, t) };
            MessageView {
                id: p.id,
                kind: p.payload.kind().name(),
                success: p.payload.success(),
                pos,
                start,
                end: geometry::message_position(from, to, edge, 1.0),
                sent_at_us: p.sent_at_us,
                deliver_at_us: p.deliver_at_us,
                selected: selected(p.id),
                vanishing: false,
            }
        })
        .collect();
    out.extend(vanishing(m, clients));
    out
}

/// Messages dropped in the last moments, drawn where they were lost so the loss is visible.
fn vanishing(m: &Model, clients: &[ClientDot]) -> Vec<MessageView> {
    let now = m.now_us();
    let recent = m.world.trace().recent();
    let dropped = recent.iter().rev().take_while(|(t, _)| *t + VANISH_US >= now).filter_map(|(t, e)| match e {
        TraceEvent::Dropped { id, .. } => Some((*t, *id)),
        _ => None,
    });
    dropped
        .filter_map(|(dropped_at, id)| {
            let sent = recent.iter().rev().find_map(|(sent_at, e)| match e {
                TraceEvent::Sent { id: sid, from, to, kind, success, deliver_at_us } if *sid == id => {
                    Some((*sent_at, *deliver_at_us, *from, *to, *kind, *success))
                }
                _ => None,
            })?;
            let (sent_at, deliver_at, from, to, kind, success) = sent;
            let (from, edge) = endpoint_pos(m, from, clients);
            let (to, _) = endpoint_pos(m, to, clients);
            let t = geometry::progress(sent_at, deliver_at, dropped_at);
            let pos = geometry::message_position(from, to, edge, t);
            let (sent_at_us, deliver_at_us) = (sent_at, deliver_at);
            Some(MessageView {
                id,
                kind: kind.name(),
                success,
                pos,
                start: pos,
                end: pos,
                sent_at_us,
                deliver_at_us,
                selected: false,
                vanishing: true,
            })
        })
        .collect()
}

/// The network link between two servers, as the cluster drawing shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkView {
    pub a: NodeId,
    pub b: NodeId,
    pub from: Point,
    pub to: Point,
    /// `a → b` and `b → a` cut link by link.
    pub cut_ab: bool,
    pub cut_ba: bool,
    /// On different sides of a partition (only Heal joins them).
    pub partitioned: bool,
}

impl LinkView {
    pub fn cut(&self) -> bool {
        self.cut_ab || self.cut_ba || self.partitioned
    }
}

/// Every pair of servers, lower id first.
pub fn links(m: &Model) -> Vec<LinkView> {
    let n = m.world.servers().len();
    let net = m.world.network();
    let mut out = Vec::new();
    for i in 0..n {
        for j in i + 1..n {
            let (a, b) = (i as NodeId + 1, j as NodeId + 1);
            out.push(LinkView {
                a,
                b,
                from: geometry::server_position(i, n),
                to: geometry::server_position(j, n),
                cut_ab: net.is_cut(a, b),
                cut_ba: net.is_cut(b, a),
                partitioned: net.partitioned(a, b),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raft::RoleKind;
    use crate::scenario::Scenario;
    use crate::sim::Intervention;
    use crate::ui::core::model::{Model, default_config};
    use crate::ui::logs::log_rows;
    use crate::ui::shell::{announcement, linearizability, requests};

    #[test]
    fn snapshot_follows_the_world() {
        let mut m = Model::new(Scenario::new(default_config(11))).expect("valid");
        m.set_speed(1.0);
        while m.world.leader().is_none() {
            m.advance(10.0).unwrap();
        }
        let leader = m.world.leader().expect("elected");
        let s = servers(&m);
        assert_eq!(s.len(), 5);
        assert_eq!(s.iter().filter(|v| v.role == RoleKind::Leader).count(), 1);
        assert!(s.iter().filter(|v| v.role != RoleKind::Leader).all(|v| v.timer.is_some()));
        m.request(None).unwrap();
        m.advance(5.0).unwrap();
        let dots = clients(&m);
        let msgs = messages(&m, &dots, &Motion::paused(m.now_us(), false));
        assert!(!msgs.is_empty(), "a leader always has something in flight");
        // Reduced motion: every message sits at one end of its flight, never between.
        let jumped = messages(&m, &dots, &Motion::paused(m.now_us(), true));
        assert_eq!(jumped.len(), msgs.len());
        assert!(jumped.iter().zip(&msgs).any(|(j, g)| j.pos != g.pos), "gliding and jumping differ mid-flight");
        assert!(jumped.iter().all(|j| j.pos == j.start || j.pos == j.end));
        let running = Motion { running: true, ..Motion::paused(m.now_us(), false) };
        assert!(messages(&m, &dots, &running).iter().all(|g| g.pos == g.start), "running: the browser animates");
        let timers: Vec<TimerView> = s.iter().filter_map(|v| v.timer).collect();
        assert!(timers.iter().all(|t| t.left(m.now_us()) > 0.0 && t.left(t.deadline_us) == 0.0));
        let text = announcement(&m, None);
        assert!(text.starts_with(&format!("n{leader} is leader in term")), "{text}");
        let (first, rows) = log_rows(&m, 0);
        assert_eq!(first, 1);
        assert!(rows.iter().any(|r| r.is_leader && r.id == leader));
        assert!(!requests(&m, 5).is_empty());
        m.intervene(Intervention::Crash(leader)).unwrap();
        let s = servers(&m);
        assert!(!s[usize::from(leader) - 1].up);
        assert_eq!(linearizability(&m), "checked while paused");
        m.seek(m.now_us() + 2_000_000).unwrap();
        assert_eq!(linearizability(&m), "linearizable ✓");
    }
}
