//! How an opened trace fills the page's views: the same view structs the simulator's run fills
//! (`cluster::ServerView`, `logs::LogRow`, `timeline::TapeView`, ...), from the replayed cluster.
//! An entry whose term the trace never gave shows term 0 and the label `?`.

use super::OpenedTrace;
use crate::raft::{Index, NodeId, Op, RoleKind, Time};

use crate::sim::trace::TraceEvent;
use crate::sim::tracefile::Status;
use crate::sim::tracefile::cluster::ServerView as Replayed;
use crate::sim::tracefile::event::render_config;
use crate::ui::cluster::{self, MessageView, Motion, geometry};
use crate::ui::core::model::{Model, Selection};
use crate::ui::inspector::Inspected;
use crate::ui::logs::{EntryView, LogRow, RecentCell, RecentLog, RecentRow};
use crate::ui::timeline::TapeView;

fn replayed(t: &OpenedTrace) -> &[Replayed] {
    &t.state().cluster.servers
}

/// The servers on the ring, as far as the trace has described them.
pub fn servers(m: &Model, t: &OpenedTrace) -> Vec<cluster::ServerView> {
    let n = t.servers.len();
    let implicated: Vec<NodeId> = m.shown_violation().map(|v| v.nodes.clone()).unwrap_or_default();
    replayed(t)
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let id = i as NodeId + 1;
            let config = s.config.as_ref();
            cluster::ServerView {
                id,
                up: s.up,
                role: s.role.unwrap_or(RoleKind::Follower),
                term: s.term.unwrap_or(0),
                voted_for: s.vote,
                commit: volatile_commit(s),
                last_applied: if s.up { s.applied } else { 0 },
                last_index: s.last_index(),
                timer: None,
                votes: Vec::new(),
                isolated: false,
                implicated: implicated.contains(&id),
                selected: m.selection == Some(Selection::Server(id)),
                pos: geometry::server_position(i, n),
                radius: geometry::server_radius(n),
                voter: config.is_none_or(|c| c.voters.contains(&id) || c.outgoing.contains(&id)),
                learner: config.is_some_and(|c| c.learners.contains(&id)),
                config: config.map_or(String::new(), render_config),
                snapshot_index: s.snapshot,
                highlighted: false,
            }
        })
        .collect()
}

/// Messages sent and not yet received or dropped at the position, flying until their receive.
pub fn messages(m: &Model, t: &OpenedTrace, motion: &Motion) -> Vec<MessageView> {
    let now = t.now();
    let n = t.servers.len();
    let (edge, pos) = (geometry::server_radius(n), |id: NodeId| geometry::server_position(usize::from(id) - 1, n));
    t.state()
        .cluster
        .in_flight
        .iter()
        .map(|(&seq, (sent_at, msg))| {
            let (from, to) = (pos(msg.from), pos(msg.to));
            let arrives = t.arrival(seq).max(sent_at.saturating_add(1));
            let share = geometry::progress(*sent_at, arrives, now);
            let share = if motion.reduced { geometry::jump(share) } else { share };
            let start = geometry::message_position(from, to, edge, 0.0);
            MessageView {
                id: seq,
                kind: msg.kind.name(),
                success: msg.success,
                pos: if motion.running { start } else { geometry::message_position(from, to, edge, share) },
                start,
                end: geometry::message_position(from, to, edge, 1.0),
                sent_at_us: *sent_at,
                deliver_at_us: arrives,
                selected: m.selection == Some(Selection::Message(seq)),
                vanishing: false,
            }
        })
        .collect()
}

/// commitIndex is volatile: a crashed server has none, as the simulator's views show it.
fn volatile_commit(s: &Replayed) -> Index {
    if s.up { s.commit.unwrap_or(0) } else { 0 }
}

fn leader(t: &OpenedTrace) -> Option<NodeId> {
    let servers = replayed(t);
    let leads = |s: &&Replayed| s.up && s.role == Some(RoleKind::Leader);
    let best = servers.iter().filter(leads).max_by_key(|s| s.term)?;
    servers.iter().position(|s| std::ptr::eq(s, best)).map(|i| i as NodeId + 1)
}

fn cell_term(s: &Replayed, index: Index) -> (u64, bool) {
    match s.log.get(index as usize - 1).and_then(|slot| slot.term) {
        Some(term) => (term, true),
        None => (0, false),
    }
}

/// The full log view's rows over `[first, newest]`.
pub fn log_rows(t: &OpenedTrace, first: Index, newest: Index) -> Vec<LogRow> {
    let leader = leader(t);
    replayed(t)
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let commit = volatile_commit(s);
            let entries = (first..=newest.min(s.last_index()))
                .map(|index| {
                    let (term, known) = cell_term(s, index);
                    EntryView {
                        index,
                        term,
                        committed: index <= commit,
                        label: if known { format!("t{term}") } else { "?".to_string() },
                    }
                })
                .collect();
            LogRow {
                id: i as NodeId + 1,
                up: s.up,
                is_leader: leader == Some(i as NodeId + 1),
                entries,
                commit,
                last_index: s.last_index(),
                next_index: None,
                match_index: None,
                snapshot_index: s.snapshot,
                kv: Vec::new(),
            }
        })
        .collect()
}

/// The logs beside the ring, over `[first, last]`.
pub fn recent_log(t: &OpenedTrace, first: Index, last: Index) -> RecentLog {
    let leader = leader(t);
    let rows = replayed(t)
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let commit = volatile_commit(s);
            let cells = (first.max(1)..=last.min(s.last_index()))
                .map(|index| RecentCell {
                    index,
                    term: cell_term(s, index).0,
                    committed: index <= commit,
                    replaced_at_us: None,
                })
                .collect();
            RecentRow {
                id: i as NodeId + 1,
                up: s.up,
                is_leader: leader == Some(i as NodeId + 1),
                commit,
                snapshot_index: s.snapshot,
                cells,
                next_index: None,
                match_index: None,
            }
        })
        .collect();
    RecentLog { first, last, rows }
}

/// A lane's state before the first kept event, for the diagram: the server as replayed.
pub fn present(t: &OpenedTrace, node: NodeId) -> (Option<RoleKind>, u64) {
    match replayed(t).get(usize::from(node).wrapping_sub(1)) {
        Some(s) if s.up => (s.role, s.term.unwrap_or(0)),
        Some(s) => (None, s.term.unwrap_or(0)),
        None => (None, 0),
    }
}

/// The term tape over the whole trace: elections and crashes from every record, the position
/// as its cursor, the trace's violations in red.
pub fn tape(t: &OpenedTrace, columns: usize) -> TapeView {
    let end_us = t.end().max(1);
    let column_us = end_us.div_ceil(columns.max(1) as Time).max(1);
    let marks = &t.marks;
    let mut writes: Vec<Time> = marks.writes.iter().map(|at| at / column_us * column_us).collect();
    writes.dedup();
    let bands = crate::ui::timeline::bands(&marks.elections, end_us);
    let violations = t.monitor.iter().map(|v| (v.time_us, v.invariant.name())).collect();
    TapeView {
        end_us,
        now_us: t.now(),
        bands,
        elections: marks.elections.clone(),
        crashes: marks.crashes.clone(),
        writes,
        violations,
    }
}

/// What the term tape marks over the whole trace, gathered once when it opens (the tape is
/// redrawn while the trace plays).
#[derive(Clone, Debug, Default)]
pub struct TapeMarks {
    pub elections: Vec<(Time, NodeId, u64)>,
    pub crashes: Vec<(Time, NodeId)>,
    /// When each client write was invoked.
    pub writes: Vec<Time>,
}

pub fn tape_marks(events: &[(Time, TraceEvent)]) -> TapeMarks {
    let mut marks = TapeMarks::default();
    for (at, e) in events {
        match e {
            TraceEvent::Role { node, role: RoleKind::Leader, term } => marks.elections.push((*at, *node, *term)),
            TraceEvent::Crash { node } => marks.crashes.push((*at, *node)),
            TraceEvent::ClientInvoke { op, .. } if !matches!(op, Op::Get { .. }) => marks.writes.push(*at),
            _ => {}
        }
    }
    marks
}

/// The inspector: what the trace has said of one server, or of one message in flight.
pub fn inspected(m: &Model, t: &OpenedTrace) -> Option<Inspected> {
    let know = |v: Option<u64>| v.map_or("not in the trace".to_string(), |v| v.to_string());
    match m.selection? {
        Selection::Server(id) => {
            let s = replayed(t).get(usize::from(id).checked_sub(1)?)?;
            let name = t.servers.get(usize::from(id) - 1).cloned().unwrap_or_default();
            let known_terms = s.log.iter().filter(|slot| slot.term.is_some()).count();
            let rows = vec![
                ("name in the trace".to_string(), name),
                (
                    "state".to_string(),
                    if s.up {
                        s.role.map_or("not in the trace".to_string(), |r| r.name().to_string())
                    } else {
                        "crashed".to_string()
                    },
                ),
                ("currentTerm".to_string(), know(s.term)),
                ("votedFor".to_string(), s.vote.map_or("—".to_string(), |v| format!("n{v}"))),
                ("log length".to_string(), s.last_index().to_string()),
                ("entries with a known term".to_string(), known_terms.to_string()),
                ("commitIndex".to_string(), know(s.commit)),
                ("lastApplied".to_string(), s.applied.to_string()),
                ("snapshot up to".to_string(), s.snapshot.to_string()),
                ("configuration".to_string(), s.config.as_ref().map_or("not in the trace".to_string(), render_config)),
                ("trace line".to_string(), t.line().to_string()),
            ];
            Some(Inspected::Server { id, up: s.up, isolated: false, can_lead: false, rows, progress: Vec::new() })
        }
        Selection::Message(seq) => {
            let (sent_at, msg) = t.state().cluster.in_flight.get(&seq)?;
            let mut rows = vec![
                ("kind".to_string(), msg.kind.name().to_string()),
                ("from → to".to_string(), format!("n{} → n{}", msg.from, msg.to)),
                ("sent at".to_string(), sent_at.to_string()),
            ];
            let optional =
                [("term", msg.term), ("index", msg.index), ("log term", msg.log_term), ("entries", msg.entries)];
            rows.extend(optional.iter().filter_map(|(k, v)| v.map(|v| (k.to_string(), v.to_string()))));
            if let Some(ok) = msg.success {
                rows.push(("success".to_string(), ok.to_string()));
            }
            Some(Inspected::Message { id: seq, rows })
        }
    }
}

/// The linearizability line of the "about this run" panel, from the check made when the trace
/// opened.
pub fn linearizability(t: &OpenedTrace) -> String {
    let status = t.report.checks.iter().find(|(inv, _)| *inv == crate::sim::Invariant::Linearizability).map(|(_, s)| s);
    match status {
        Some(Status::Held) => "linearizable ✓".to_string(),
        Some(Status::Violated(v)) => format!("NOT linearizable: {}", v.detail),
        Some(Status::NotCheckable { why }) => format!("not checkable: {why}"),
        None => String::new(),
    }
}

/// The panel of an opened trace, as plain data.
#[derive(Clone, Debug, PartialEq)]
pub struct PanelView {
    pub name: String,
    pub format: String,
    pub servers: usize,
    pub records: usize,
    /// The line the position has reached.
    pub line: u64,
    /// Why reading stopped early, if it did.
    pub error: Option<String>,
    /// (invariant's attribute name, its name, `held` / `violated` / `not-checkable`, detail).
    pub checks: Vec<(String, &'static str, &'static str, String)>,
}

pub fn panel(t: &OpenedTrace) -> PanelView {
    let format = match t.format {
        crate::sim::tracefile::Format::Ours(v) => format!("raft-trace v{v}"),
        crate::sim::tracefile::Format::Etcd => "etcd-io/raft state trace".to_string(),
    };
    let checks = t
        .report
        .checks
        .iter()
        .map(|(inv, status)| {
            let attr = serde_json::to_value(inv).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
            let (word, detail) = match status {
                Status::Held => ("held", String::new()),
                Status::Violated(v) => ("violated", format!("line {}: {}", v.line, v.detail)),
                Status::NotCheckable { why } => ("not-checkable", why.clone()),
            };
            (attr, inv.name(), word, detail)
        })
        .collect();
    PanelView {
        name: t.name.clone(),
        format,
        servers: t.servers.len(),
        records: t.records(),
        line: t.line(),
        error: t.error.as_ref().map(ToString::to_string),
        checks,
    }
}
