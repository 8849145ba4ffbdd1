//! What the page shows, computed from the model as plain data: the components only draw it.
//! Everything here is derived (nothing is stored), so the picture can never disagree with the
//! world, and it is testable natively.

use super::geometry::{self, Point};
use super::model::{Model, Selection};
use crate::raft::{Index, Message, NodeId, RoleKind, Term, Time};
use crate::sim::client::{ClientReply, HistoryOp, Stage};
use crate::sim::network::{Endpoint, Packet, Payload};
use crate::sim::trace::{TraceEvent, fmt_time, render_output};

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

/// How the page's clock maps wall time onto simulated time while the run plays. It is fixed
/// from the moment the run starts playing (or changes speed, or jumps) to the next such change,
/// so between events the browser animates messages and timers by itself on this mapping, and
/// the simulation, woken at each event, lands exactly where the animations are.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Motion {
    /// `performance.now()` (the document timeline) when the mapping was fixed.
    pub anchor_wall_ms: f64,
    pub anchor_sim_us: Time,
    /// Simulated time per wall time.
    pub speed: f64,
    pub running: bool,
    /// `prefers-reduced-motion`: messages jump half way instead of gliding.
    pub reduced: bool,
}

impl Motion {
    pub fn paused(now_us: Time, reduced: bool) -> Motion {
        Motion { anchor_wall_ms: 0.0, anchor_sim_us: now_us, speed: 1.0, running: false, reduced }
    }

    /// Where simulated time has got to at this wall time (never before the anchor).
    pub fn sim_at(&self, wall_ms: f64) -> Time {
        let ran_us = ((wall_ms - self.anchor_wall_ms).max(0.0) * 1000.0 * self.speed).floor();
        self.anchor_sim_us + ran_us as Time
    }

    /// The wall time at which the clock shows `sim_us` (earlier than the anchor for the past).
    pub fn wall_at(&self, sim_us: Time) -> f64 {
        self.anchor_wall_ms + (sim_us as f64 - self.anchor_sim_us as f64) / 1000.0 / self.speed.max(1e-9)
    }

    /// How long `sim_us` of simulated time lasts on the wall, in milliseconds.
    pub fn wall_ms(&self, sim_us: Time) -> f64 {
        sim_us as f64 / 1000.0 / self.speed.max(1e-9)
    }

    /// When and how the browser turns `timer`'s arc down (see `TimerTurn`).
    pub fn timer_turn(&self, timer: TimerView) -> TimerTurn {
        let duration_ms = self.wall_ms(timer.span_us);
        let start_ms = self.wall_at(timer.deadline_us) - duration_ms;
        let step_ms = self.wall_ms(TIMER_STEP_US).min(TIMER_STEP_MAX_MS);
        if step_ms < TIMER_STEP_MIN_MS {
            return TimerTurn { start_ms, duration_ms, steps_per_half: 0 };
        }
        let steps_per_half = ((duration_ms / 2.0 / step_ms).round() as u32).max(1);
        let start_ms = (start_ms / step_ms).round() * step_ms;
        TimerTurn { start_ms, duration_ms: 2.0 * f64::from(steps_per_half) * step_ms, steps_per_half }
    }
}

/// An election timer's arc turns in steps of this much simulated time (1 % of the shortest
/// default timeout, under a pixel on the ring) ...
const TIMER_STEP_US: Time = 2_000;
/// ... but at least every tenth of a second on the wall, however slow the run ...
const TIMER_STEP_MAX_MS: f64 = 100.0;
/// ... and smoothly when the steps would come faster than every other frame anyway.
const TIMER_STEP_MIN_MS: f64 = 33.0;

/// How the browser animates an election timer's arc: over `duration_ms` from `start_ms` on the
/// document timeline, in `steps_per_half` jumps per half ring (0: smoothly). Every timer's
/// jumps fall on one grid of wall time, so the compositor redraws all the arcs in the same
/// frame and none in the frames between (see `components::motion` for what it saved); the grid
/// moves the start by at most half a step and the end by at most a step and a half (3 ms of
/// simulated time: the arc may look empty that much before the timeout fires, or after).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TimerTurn {
    pub start_ms: f64,
    pub duration_ms: f64,
    pub steps_per_half: u32,
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

#[derive(Clone, Debug, PartialEq)]
pub struct EntryView {
    pub index: Index,
    pub term: Term,
    pub committed: bool,
    pub label: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LogRow {
    pub id: NodeId,
    pub up: bool,
    pub is_leader: bool,
    pub entries: Vec<EntryView>,
    pub commit: Index,
    pub last_index: Index,
    /// The leader's view of this follower.
    pub next_index: Option<Index>,
    pub match_index: Option<Index>,
    /// Entries up to here are compacted into a snapshot (section 7).
    pub snapshot_index: Index,
    /// The server's key-value store: what it has applied, then (pending) what its log would
    /// change once the rest is committed and applied.
    pub kv: Vec<KvCell>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KvCell {
    pub key: char,
    pub values: String,
    pub pending: bool,
}

/// A server's store as cells: applied keys, then keys its unapplied entries would change.
fn kv_cells(s: &crate::sim::server::Server) -> Vec<KvCell> {
    let Some(node) = s.node.as_ref() else { return Vec::new() };
    let applied = s.kv.data();
    let show = |v: &[u32]| match v {
        [one] => one.to_string(),
        many => format!("[{}]", many.iter().map(u32::to_string).collect::<Vec<_>>().join(",")),
    };
    let name = |k: u8| char::from(b'a' + k % 26);
    let mut cells: Vec<KvCell> =
        applied.iter().map(|(&k, v)| KvCell { key: name(k), values: show(v), pending: false }).collect();
    let mut after = applied.clone();
    let log = s.log();
    for e in log.slice(node.last_applied() + 1, log.last_index()) {
        if let Some(c) = e.command {
            crate::sim::client::execute(&mut after, c.op);
        }
    }
    for (k, v) in &after {
        if applied.get(k) != Some(v) {
            cells.push(KvCell { key: name(*k), values: show(v), pending: true });
        }
    }
    cells
}

/// The store in one line, as the `data-kv` hook carries it: `a=3 b=[1,5] | c=7` (pending after
/// the bar).
pub fn kv_text(cells: &[KvCell]) -> String {
    let part = |pending: bool| {
        cells.iter().filter(|c| c.pending == pending).map(|c| format!("{}={}", c.key, c.values)).collect::<Vec<_>>()
    };
    let (done, pending) = (part(false), part(true));
    if pending.is_empty() { done.join(" ") } else { format!("{} | {}", done.join(" "), pending.join(" ")) }
}

/// Columns shown in the log view; earlier entries are summarised, later ones scroll.
pub const LOG_WINDOW: Index = 30;

#[derive(Clone, Debug, PartialEq)]
pub struct RequestView {
    pub client: u32,
    pub seq: u64,
    pub op: String,
    pub stages: Vec<(String, &'static str)>,
    pub result: Option<String>,
}

/// Radius of a client dot.
pub const CLIENT_RADIUS: f64 = 9.0;

pub fn servers(m: &Model) -> Vec<ServerView> {
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
                votes: node.and_then(|n| n.votes()).map(|v| v.iter().copied().collect()).unwrap_or_default(),
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

/// The log view's rows, showing `LOG_WINDOW` indexes that end `back` entries before the
/// newest (0: the newest), aligned by index across servers.
pub fn log_rows(m: &Model, back: Index) -> (Index, Vec<LogRow>) {
    let leader = m.world.leader().and_then(|l| m.world.node(l));
    let newest_anywhere = m.world.servers().iter().map(|s| s.log().last_index()).max().unwrap_or(0);
    let newest = newest_anywhere.saturating_sub(back).max(LOG_WINDOW.min(newest_anywhere));
    let first = newest.saturating_sub(LOG_WINDOW - 1).max(1);
    let rows = m
        .world
        .servers()
        .iter()
        .map(|s| {
            let node = s.node.as_ref();
            let commit = node.map_or(0, |n| n.commit_index());
            let progress = leader.and_then(|l| l.progress()).and_then(|p| p.get(&s.id));
            LogRow {
                id: s.id,
                up: node.is_some(),
                is_leader: leader.is_some_and(|l| l.id() == s.id),
                entries: s
                    .log()
                    .slice(first, newest)
                    .iter()
                    .map(|e| EntryView {
                        index: e.index,
                        term: e.term,
                        committed: e.index <= commit,
                        label: match (&e.command, &e.config) {
                            (Some(c), _) => c.op.to_string(),
                            (None, Some(m)) => format!("configuration {m}"),
                            (None, None) => "no-op".to_string(),
                        },
                    })
                    .collect(),
                commit,
                last_index: s.log().last_index(),
                next_index: progress.map(|p| p.next_index),
                match_index: progress.map(|p| p.match_index),
                snapshot_index: s.log().snapshot_index(),
                kv: kv_cells(s),
            }
        })
        .collect();
    (first, rows)
}

fn stage_label(stage: &Stage) -> (String, &'static str) {
    match *stage {
        Stage::Sent { to } => (format!("sent → n{to}"), "sent"),
        Stage::Redirected { to: Some(n) } => (format!("redirected → n{n}"), "redirected"),
        Stage::Redirected { to: None } => ("no leader known".to_string(), "redirected"),
        Stage::Appended { node, index } => (format!("appended at n{node} #{index}"), "appended"),
        Stage::Committed { index, .. } => (format!("committed #{index}"), "committed"),
        Stage::TimedOut => ("timed out → retry".to_string(), "timeout"),
        Stage::ReadWaiting { node } => (format!("read at n{node}: confirming leadership"), "appended"),
        Stage::ReadConfirmed { node, index } => (format!("read index {index} confirmed at n{node}"), "committed"),
        Stage::Answered => ("answered".to_string(), "answered"),
    }
}

pub fn requests(m: &Model, count: usize) -> Vec<RequestView> {
    let history = m.world.history();
    history.iter().rev().take(count).map(request_view).collect()
}

fn request_view(h: &HistoryOp) -> RequestView {
    RequestView {
        client: h.client,
        seq: h.seq,
        op: h.op.to_string(),
        stages: h.stages.iter().map(|(_, s)| stage_label(s)).collect(),
        result: h.returned.as_ref().map(|(_, o)| render_output(o)),
    }
}

/// Search steps the page spends on the whole-history check while paused.
pub const PAGE_LINEARIZABILITY_BUDGET: u64 = 300_000;

/// The clients' history checked against the key-value model, in words; only while paused,
/// since the search is too costly to repeat every frame.
pub fn linearizability(m: &Model) -> String {
    if !m.paused {
        return "checked while paused".to_string();
    }
    match crate::sim::linearize::check(m.world.history(), PAGE_LINEARIZABILITY_BUDGET) {
        crate::sim::linearize::Verdict::Linearizable => "linearizable ✓".to_string(),
        crate::sim::linearize::Verdict::Violation { key, .. } => {
            format!(
                "NOT linearizable: no order of the operations on key {} fits what clients saw",
                char::from(b'a' + key % 26)
            )
        }
        crate::sim::linearize::Verdict::Unknown => "undecided (history too tangled for the page's budget)".to_string(),
    }
}

/// Recent trace lines, newest first, with their times, each with its number in the trace
/// (the list's key: a new line then adds one item instead of rewriting every line below it).
pub fn trace_lines(m: &Model, count: usize) -> Vec<(u64, String)> {
    let trace = m.world.trace();
    let numbered = trace.recent().iter().rev().zip((0..trace.count()).rev());
    let interesting =
        numbered.filter(|((_, e), _)| !matches!(e, TraceEvent::Delivered { .. } | TraceEvent::Sent { .. }));
    interesting.take(count).map(|((t, e), n)| (n, format!("{}  {}", fmt_time(*t), e.render()))).collect()
}

/// Details of one in-flight packet for the inspector.
pub fn describe_packet(p: &Packet) -> Vec<(String, String)> {
    let ep = |e: Endpoint| match e {
        Endpoint::Node(n) => format!("n{n}"),
        Endpoint::Client(c) => format!("client c{c}"),
    };
    let mut rows = vec![
        ("kind".to_string(), p.payload.kind().name().to_string()),
        ("from → to".to_string(), format!("{} → {}", ep(p.from), ep(p.to))),
        ("sent".to_string(), fmt_time(p.sent_at_us)),
        ("arrives".to_string(), fmt_time(p.deliver_at_us)),
    ];
    let body = match &p.payload {
        Payload::Raft(env) => {
            rows.push(("term".into(), env.term.to_string()));
            match &env.body {
                Message::RequestVote { last_log_index, last_log_term, transfer } => {
                    let why = if *transfer { " (leadership transfer)" } else { "" };
                    format!("last log {last_log_index}@t{last_log_term}{why}")
                }
                Message::PreVote { last_log_index, last_log_term } => {
                    format!("would you vote for me in term {}? last log {last_log_index}@t{last_log_term}", env.term)
                }
                Message::RequestVoteReply { granted } | Message::PreVoteReply { granted } => {
                    format!("vote {}", if *granted { "granted" } else { "refused" })
                }
                Message::AppendEntries { prev_log_index, prev_log_term, entries, leader_commit, read_round } => {
                    format!(
                        "prev {prev_log_index}@t{prev_log_term}, {} entr{}, leader commit {leader_commit}, read round {read_round}",
                        entries.len(),
                        if entries.len() == 1 { "y" } else { "ies" }
                    )
                }
                Message::TimeoutNow => "start an election now: leadership is handed to you".to_string(),
                Message::ReadIndex { ctx } => format!("read #{ctx}: what is the read index?"),
                Message::ReadIndexReply { ctx, index: Some(i) } => format!("read #{ctx}: read index {i}"),
                Message::ReadIndexReply { ctx, index: None } => format!("read #{ctx}: refused"),
                Message::InstallSnapshot { snapshot } => format!(
                    "snapshot up to {}@t{} ({} bytes of state machine), configuration {}",
                    snapshot.index,
                    snapshot.term,
                    snapshot.data.len(),
                    snapshot.membership
                ),
                Message::AppendEntriesReply { success: true, match_index, .. } => {
                    format!("accepted, match {match_index}")
                }
                Message::AppendEntriesReply { conflict_index, conflict_term, .. } => match conflict_term {
                    Some(t) => format!("refused: term {t} from index {conflict_index}"),
                    None => format!("refused: log ends before {conflict_index}"),
                },
            }
        }
        Payload::Request { seq, op, .. } => format!("#{seq}: {op}"),
        Payload::Reply { seq, reply, .. } => match reply {
            ClientReply::Done(output) => format!("#{seq}: {}", render_output(output)),
            ClientReply::Redirect(Some(leader)) => format!("#{seq}: not the leader; try n{leader}"),
            ClientReply::Redirect(None) => format!("#{seq}: not the leader, and no leader known"),
        },
    };
    rows.push(("content".into(), body));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;
    use crate::sim::Intervention;
    use crate::ui::model::default_config;

    #[test]
    fn each_server_shows_its_store_and_the_log_pages_back_by_index() {
        let mut m = Model::new(crate::ui::model::first_visit(8)).expect("valid");
        m.seek(120_000_000).unwrap();
        let (first, rows) = log_rows(&m, 0);
        let newest = rows.iter().map(|r| r.last_index).max().expect("rows");
        assert_eq!(first, newest + 1 - LOG_WINDOW);
        let leader = rows.iter().find(|r| r.is_leader).expect("a leader");
        assert!(leader.kv.iter().any(|c| !c.pending), "the leader applied writes: {:?}", leader.kv);
        let text = kv_text(&leader.kv);
        assert!(text.contains('='), "{text}");
        let (older, _) = log_rows(&m, 20);
        assert_eq!(older, first - 20, "paging back moves the window by index");
        let (oldest, _) = log_rows(&m, 1_000_000);
        assert_eq!(oldest, 1, "paging stops at the first index");
        let pending = vec![
            KvCell { key: 'a', values: "3".into(), pending: false },
            KvCell { key: 'b', values: "[1,5]".into(), pending: true },
        ];
        assert_eq!(kv_text(&pending), "a=3 | b=[1,5]");
    }

    #[test]
    fn theme_cycles_and_round_trips_by_name() {
        let mut t = Theme::default();
        for expected in ["auto", "light", "dark", "auto"] {
            assert_eq!(t.name(), expected);
            assert_eq!(Theme::from_name(t.name()), Some(t));
            t = t.next();
        }
        assert_eq!(Theme::from_name("purple"), None);
        assert_eq!(speed_label(0.02), "1/50×");
        assert_eq!(speed_label(10.0), "10×");
    }

    #[test]
    fn event_lines_are_numbered_by_their_place_in_the_trace() {
        let mut m = Model::new(crate::ui::model::first_visit(8)).expect("valid");
        m.seek(1_880_000).unwrap();
        let lines = trace_lines(&m, 12);
        assert_eq!(lines.len(), 12);
        assert!(lines.windows(2).all(|w| w[0].0 > w[1].0), "newest first, each number once: {lines:?}");
        assert!(lines[0].0 < m.world.trace().count());
        m.seek(2_000_000).unwrap();
        let later = trace_lines(&m, 12);
        let kept = lines.iter().filter(|l| later.contains(l)).count();
        assert!(later[0].0 > lines[0].0 && (1..12).contains(&kept), "new events, new numbers: {later:?}");
        assert!(later.iter().all(|l| l.0 > lines[0].0 || lines.contains(l)), "a number always names the same line");
    }

    #[test]
    fn timer_arcs_turn_in_steps_on_one_grid_and_smoothly_when_fast() {
        let at =
            |speed: f64| Motion { anchor_wall_ms: 1_234.5, anchor_sim_us: 7_777, speed, running: true, reduced: false };
        let timers = [
            TimerView { deadline_us: 160_123, span_us: 300_000 },
            TimerView { deadline_us: 290_001, span_us: 300_000 },
        ];
        for timer in timers {
            // 1/50×: 2 ms of simulated time is 100 ms on the wall.
            let turn = at(0.02).timer_turn(timer);
            assert_eq!(turn.steps_per_half, 75, "{turn:?}");
            assert_eq!(turn.start_ms % 100.0, 0.0, "jumps fall on the shared grid: {turn:?}");
            assert_eq!(turn.duration_ms, 15_000.0);
            let exact_start = at(0.02).wall_at(timer.deadline_us) - 15_000.0;
            assert!((turn.start_ms - exact_start).abs() <= 50.0, "at most half a step off: {turn:?} vs {exact_start}");
            // 1/200×: the step stays a tenth of a second.
            assert_eq!(at(0.005).timer_turn(timer).steps_per_half, 300, "60 s of wall time in 600 steps");
            // 1×: a step would be 2 ms, so the arc turns smoothly and exactly.
            let fast = at(1.0).timer_turn(timer);
            assert_eq!(fast.steps_per_half, 0);
            assert_eq!(fast.start_ms + fast.duration_ms, at(1.0).wall_at(timer.deadline_us));
        }
    }

    #[test]
    fn motion_maps_wall_time_to_simulated_time_exactly_at_every_speed() {
        let slow =
            Motion { anchor_wall_ms: 1_000.0, anchor_sim_us: 40_000, speed: 0.001, running: true, reduced: false };
        assert_eq!(slow.sim_at(1_500.0), 40_500, "half a second at 1/1000 is 500 µs, with no drift");
        assert_eq!(slow.sim_at(500.0), 40_000, "never before the anchor");
        assert_eq!(slow.sim_at(slow.wall_at(47_000)), 47_000);
        assert!((slow.wall_at(39_000) - 0.0).abs() < 1e-9, "the past lies before the anchor");
        let fast = Motion { speed: 10.0, ..slow };
        assert_eq!(fast.sim_at(1_016.0), 40_000 + 160_000);
        assert!((fast.wall_ms(20_000) - 2.0).abs() < 1e-9);
    }

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

    /// The page's monitor finds the stale read of the stale-read preset while running.
    #[test]
    fn stale_read_preset_shows_a_linearizability_violation_live() {
        use crate::raft::Bug;
        use crate::sim::{Intervention, Invariant};
        let preset = crate::scenario::presets::find("stale-read").expect("preset");
        let mut m = Model::new((preset.build)(1)).expect("valid");
        assert!(m.first_violation().is_none());
        m.intervene(Intervention::SetBug { bug: Bug::StaleRead, on: true }).unwrap();
        m.seek(1_900_000).unwrap();
        m.paused = false;
        assert!(m.first_violation().is_none(), "nothing stale was read yet");
        while m.now_us() < 2_500_000 {
            m.advance(400.0).unwrap();
        }
        let v = m.first_violation().expect("the stale read is found while running");
        assert_eq!((v.invariant, v.nodes.clone()), (Invariant::Linearizability, vec![1]));
        m.seek(1_000_000).unwrap();
        let back = m.first_violation();
        assert!(back.is_none(), "travelling back before the read clears it: {back:?} at {}", m.now_us());
    }
}

/// The colour theme: the system's choice (`prefers-color-scheme`) unless the person picked one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Theme {
    #[default]
    Auto,
    Light,
    Dark,
}

impl Theme {
    pub fn name(self) -> &'static str {
        match self {
            Theme::Auto => "auto",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    pub fn from_name(name: &str) -> Option<Theme> {
        [Theme::Auto, Theme::Light, Theme::Dark].into_iter().find(|t| t.name() == name)
    }

    /// The toolbar's switch goes round: auto, light, dark.
    pub fn next(self) -> Theme {
        match self {
            Theme::Auto => Theme::Light,
            Theme::Light => Theme::Dark,
            Theme::Dark => Theme::Auto,
        }
    }
}

/// "1/50×", "1×", "10×".
pub fn speed_label(speed: f64) -> String {
    if speed >= 1.0 { format!("{}×", speed.round() as u64) } else { format!("1/{}×", (1.0 / speed).round() as u64) }
}

/// What the polite live region says about the run (the page throttles how often it changes):
/// who leads, how far the log is committed, and the first violation.
pub fn announcement(m: &Model, violation: Option<&crate::sim::Violation>) -> String {
    let mut text = match m.world.leader().and_then(|l| m.world.node(l)) {
        Some(n) => format!("n{} is leader in term {}.", n.id(), n.term()),
        None => format!("No leader (highest term {}).", m.world.max_term()),
    };
    text += &format!(" Committed up to entry {}.", m.world.max_commit_index());
    if let Some(v) = violation {
        text += &format!(" Safety violation: {} at {}.", v.invariant.name(), fmt_time(v.time_us));
    }
    text
}

/// The latency range as the settings field shows it, in milliseconds.
pub fn latency_text(net: &crate::sim::NetConfig) -> String {
    format!("{}..{}", net.latency_min_us / 1000, net.latency_max_us / 1000)
}

/// The election timeout range as the settings field shows it, in milliseconds.
pub fn election_text(raft: &crate::raft::Config) -> String {
    format!("{}..{}", raft.election_timeout_min_us / 1000, raft.election_timeout_max_us / 1000)
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
