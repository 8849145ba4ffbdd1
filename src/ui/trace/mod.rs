//! An opened trace: another implementation's run (or an exported one of ours) as a second
//! source of the page's views. The records are read once (`sim::tracefile`), checked once over
//! the whole trace (what `raft-sim check` reports), and replayed on a model cluster to the
//! chosen position; time travel restores the nearest replay checkpoint and replays on.
//!
//! Each view asks the model for what it draws; with a trace open, the model answers from here:
//! the servers and their logs from the replayed cluster, the event list, the space-time diagram
//! and the term tape from the records turned into the simulator's own trace events. Nothing
//! the trace did not say is drawn as known (an unknown term shows as `?`).

#[cfg(target_arch = "wasm32")]
pub mod component;
mod views;

pub use self::views::*;

use crate::raft::{Index, NodeId, RoleKind, Time};
use crate::sim::Violation;
use crate::sim::network::{DropReason, Endpoint, PacketKind};
use crate::sim::trace::TraceEvent;
use crate::sim::tracefile::check::TraceViolation;
use crate::sim::tracefile::cluster::Delivery;
use crate::sim::tracefile::{Event, Format, Record, TraceChecker, TraceError, TraceReport, read_all};

/// The largest trace the page opens, in bytes (the command line streams any size).
pub const MAX_TRACE_BYTES: usize = 50 * 1024 * 1024;
/// Replay checkpoints kept for time travel; spaced so that no seek replays more than a
/// 1/`MAX_REPLAY_CHECKPOINTS` of the trace.
pub const MAX_REPLAY_CHECKPOINTS: usize = 64;
/// Records between checkpoints at least (a short trace replays from the start).
pub const MIN_CHECKPOINT_SPACING: usize = 2_000;
/// Trace events the views see behind the position (the simulator's page keeps as many).
pub const SHOWN_EVENTS: usize = crate::ui::core::model::TRACE_KEEP;

#[derive(Clone)]
pub struct OpenedTrace {
    pub name: String,
    pub format: Format,
    pub servers: Vec<String>,
    records: Vec<Record>,
    /// The records as the simulator's trace events, with the index of the first record each
    /// came from (`events_from[r]`: the first event of record `r`).
    events: Vec<(Time, TraceEvent)>,
    events_from: Vec<usize>,
    /// When each send (by its number) was received or dropped.
    arrivals: Vec<Time>,
    /// Elections, crashes and writes over the whole trace, for the term tape.
    pub marks: TapeMarks,
    /// The error that ended reading, if one did: the records before it are loaded.
    pub error: Option<TraceError>,
    /// The checks over every loaded record.
    pub report: TraceReport,
    /// The checks' violations as the page's monitor shows them (see `monitored`).
    pub monitor: Vec<Violation>,
    checkpoints: Vec<(usize, TraceChecker)>,
    spacing: usize,
    /// Records replayed: the position.
    at: usize,
    state: TraceChecker,
}

impl std::fmt::Debug for OpenedTrace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OpenedTrace({}, {} records, at {})", self.name, self.records.len(), self.at)
    }
}

impl OpenedTrace {
    /// Reads and checks `text`. Fails only when nothing at all could be read (a bad first line,
    /// an empty or oversized file); an error further on keeps the records before it.
    pub fn open(name: &str, text: &str) -> Result<OpenedTrace, String> {
        if text.len() > MAX_TRACE_BYTES {
            return Err(format!(
                "{name} is {} MB; the page opens traces up to 50 MB (raft-sim check reads any size)",
                text.len() >> 20
            ));
        }
        let (reader, records, error) = read_all(text);
        let format = match (reader.format(), &error) {
            (Some(f), _) => f,
            (None, Some(e)) => return Err(format!("{name}: {e}")),
            (None, None) => return Err(format!("{name} is empty")),
        };
        let servers = reader.servers().to_vec();
        if servers.is_empty() {
            return Err(format!("{name}: the trace names no server"));
        }
        let spacing = (records.len() / MAX_REPLAY_CHECKPOINTS + 1).max(MIN_CHECKPOINT_SPACING);
        let mut state = TraceChecker::new(servers.len());
        state.name_servers(&servers);
        let mut checkpoints = Vec::new();
        let mut events = Vec::new();
        let mut events_from = Vec::with_capacity(records.len());
        for (i, record) in records.iter().enumerate() {
            if i % spacing == 0 {
                checkpoints.push((i, state.clone()));
            }
            events_from.push(events.len());
            let delivery = state.observe(record);
            display(record, delivery, &mut events);
        }
        let arrivals = fill_arrivals(&mut events);
        let marks = tape_marks(&events);
        let report = state.finish();
        let monitor = state.violations().iter().map(monitored).collect();
        let start = checkpoints.first().map_or_else(|| TraceChecker::new(servers.len()), |(_, c)| c.clone());
        Ok(OpenedTrace {
            name: name.to_string(),
            format,
            servers,
            records,
            events,
            events_from,
            arrivals,
            marks,
            error,
            report,
            monitor,
            checkpoints,
            spacing,
            at: 0,
            state: start,
        })
    }

    pub fn records(&self) -> usize {
        self.records.len()
    }

    /// Records replayed so far.
    pub fn position(&self) -> usize {
        self.at
    }

    /// The trace's time at the position: the last replayed record's.
    pub fn now(&self) -> Time {
        self.at.checked_sub(1).map_or(0, |i| self.records[i].t)
    }

    pub fn end(&self) -> Time {
        self.records.last().map_or(0, |r| r.t)
    }

    /// The time of the next record, if any is left.
    pub fn next_t(&self) -> Option<Time> {
        self.records.get(self.at).map(|r| r.t)
    }

    /// The line the position has reached (the last replayed record's).
    pub fn line(&self) -> u64 {
        self.at.checked_sub(1).map_or(0, |i| self.records[i].line)
    }

    pub fn state(&self) -> &TraceChecker {
        &self.state
    }

    /// Replays every record up to and including time `t` (back in time from a checkpoint).
    pub fn seek(&mut self, t: Time) {
        let target = self.records.partition_point(|r| r.t <= t);
        self.go_to(target);
    }

    /// Replays one more record and every other of its time.
    pub fn step(&mut self) {
        if let Some(t) = self.next_t() {
            self.seek(t);
        }
    }

    /// Moves to just after `target` records.
    fn go_to(&mut self, target: usize) {
        let target = target.min(self.records.len());
        if target < self.at || target >= self.at + self.spacing {
            let k = (target / self.spacing).min(self.checkpoints.len().saturating_sub(1));
            if let Some((at, checker)) = self.checkpoints.get(k).filter(|(at, _)| *at > self.at || target < self.at) {
                self.at = *at;
                self.state = checker.clone();
            }
        }
        while self.at < target {
            self.state.observe(&self.records[self.at]);
            self.at += 1;
        }
    }

    /// When send number `seq` arrives (or the trace ends).
    pub fn arrival(&self, seq: u64) -> Time {
        self.arrivals.get(seq as usize).copied().unwrap_or(Time::MAX)
    }

    /// The simulator's trace events up to the position, the newest `SHOWN_EVENTS` of them.
    pub fn events(&self) -> &[(Time, TraceEvent)] {
        let end = self.events_from.get(self.at).copied().unwrap_or(self.events.len());
        &self.events[end.saturating_sub(SHOWN_EVENTS)..end]
    }

    /// Events up to the position in all (the views' refresh key).
    pub fn event_count(&self) -> u64 {
        self.events_from.get(self.at).copied().unwrap_or(self.events.len()) as u64
    }

    /// The role the position has for `id`, when the trace said.
    pub fn role(&self, id: NodeId) -> Option<RoleKind> {
        self.state.cluster.servers.get(usize::from(id).checked_sub(1)?).and_then(|s| s.role)
    }

    /// The last log index any server reached by the position.
    pub fn newest_index(&self) -> Index {
        self.state.cluster.servers.iter().map(|s| s.last_index()).max().unwrap_or(0)
    }
}

/// The run on the page so far in our open format: what "Download trace" saves. The scenario
/// replays to the same state (determinism), so the run is simulated again from the start with
/// the exporter following it.
pub fn export(m: &crate::ui::core::model::Model) -> Result<String, String> {
    if m.opened.is_some() {
        return Err("this page shows a trace already: its file is the trace".to_string());
    }
    let opts = crate::scenario::RunOptions { duration_us: m.now_us(), ..crate::scenario::RunOptions::default() };
    let mut out = Vec::new();
    let (_, world) = crate::scenario::run_exported(&m.scenario, &opts, &mut out)?;
    assert_eq!(world.trace().hash(), m.world.trace().hash(), "the export replays the page's run");
    String::from_utf8(out).map_err(|e| e.to_string())
}

/// A trace's violation as the page's monitor shows it: at the trace's time, the sentence led by
/// the line.
fn monitored(v: &TraceViolation) -> Violation {
    let detail = if v.line > 0 { format!("line {}: {}", v.line, v.detail) } else { v.detail.clone() };
    Violation { invariant: v.invariant, time_us: v.t, nodes: v.servers.clone(), detail }
}

/// A record as the simulator's trace events (what the event list, the diagram and the tape
/// read). A send's id is its send number; its arrival time is filled in afterwards.
fn display(record: &Record, delivery: Delivery, out: &mut Vec<(Time, TraceEvent)>) {
    let t = record.t;
    let mut push = |e| out.push((t, e));
    match (&record.event, delivery) {
        (Event::State { server, state }, _) => {
            let node = *server;
            if let (Some(role), Some(term)) = (state.role, state.term) {
                push(TraceEvent::Role { node, role, term });
            }
            if let (Some(Some(candidate)), Some(term)) = (state.vote, state.term) {
                push(TraceEvent::Voted { node, candidate, term });
            }
            if let Some(index) = state.commit {
                push(TraceEvent::Committed { node, index });
            }
        }
        (Event::Append { server, index, .. }, _) => {
            push(TraceEvent::Appended { node: *server, first: *index, last: *index })
        }
        (Event::Truncate { server, from }, _) => push(TraceEvent::Truncated { node: *server, from: *from }),
        (Event::Apply { server, index }, _) => push(TraceEvent::Applied { node: *server, index: *index }),
        (Event::Snapshot { server, index, .. }, _) => {
            push(TraceEvent::Snapshot { node: *server, index: *index, installed: false })
        }
        (Event::Crash { server }, _) => push(TraceEvent::Crash { node: *server }),
        (Event::Restart { server }, _) => push(TraceEvent::Restart { node: *server }),
        (Event::Send(m), Delivery::Sent { seq, .. }) => push(TraceEvent::Sent {
            id: seq,
            from: Endpoint::Node(m.from),
            to: Endpoint::Node(m.to),
            kind: PacketKind::Raft(m.kind),
            success: m.success,
            // Until its receive is found (`fill_arrivals`): never.
            deliver_at_us: Time::MAX,
        }),
        (Event::Receive(_), Delivery::Arrived { seq }) => push(TraceEvent::Delivered { id: seq }),
        (Event::Drop(_), Delivery::Arrived { seq }) => push(TraceEvent::Dropped { id: seq, reason: DropReason::Loss }),
        (Event::Invoke { client, id, op }, _) => {
            push(TraceEvent::ClientInvoke { client: client + 1, seq: *id, op: *op })
        }
        (Event::Return { client, id, output }, _) => {
            push(TraceEvent::ClientReturn { client: client + 1, seq: *id, output: output.clone() })
        }
        _ => {}
    }
}

/// Gives each send the time its receive or drop came (the diagram's arrow end), and returns
/// those times by send number; a send that never arrives keeps flying to the end of the trace.
fn fill_arrivals(events: &mut [(Time, TraceEvent)]) -> Vec<Time> {
    let end = events.last().map_or(0, |(t, _)| *t).max(1);
    let sends = events.iter().filter(|(_, e)| matches!(e, TraceEvent::Sent { .. })).count();
    let mut arrival = vec![end; sends];
    for (t, e) in events.iter() {
        if let TraceEvent::Delivered { id } | TraceEvent::Dropped { id, .. } = e {
            arrival[*id as usize] = *t;
        }
    }
    for (_, e) in events.iter_mut() {
        if let TraceEvent::Sent { id, deliver_at_us, .. } = e {
            *deliver_at_us = arrival[*id as usize];
        }
    }
    arrival
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{RunOptions, presets, run_exported};
    use crate::ui::core::model::{Model, TRACE_READ_ONLY, first_visit};

    fn figure8_trace(bug: bool) -> String {
        let preset = presets::find("figure8").expect("preset");
        let mut scenario = (preset.build)(1);
        if bug {
            scenario.config.raft.bugs = crate::raft::Bugs::none().with(crate::raft::Bug::CommitPreviousTerm);
        }
        let opts = RunOptions { duration_us: preset.duration_us, ..RunOptions::default() };
        let mut out = Vec::new();
        run_exported(&scenario, &opts, &mut out).expect("runs");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn an_opened_trace_replays_to_any_time_and_refuses_changes() {
        let text = figure8_trace(false);
        let mut m = Model::new(first_visit(1)).expect("valid");
        m.open_trace("figure8.jsonl", &text).expect("opens");
        let trace = m.opened.as_deref().expect("open");
        assert_eq!((trace.servers.len(), trace.position()), (5, 0));
        let end = trace.end();
        m.seek(end / 2).unwrap();
        let middle: Vec<_> =
            crate::ui::cluster::servers(&m).iter().map(|s| (s.role, s.term, s.commit, s.last_index)).collect();
        m.seek(end).unwrap();
        m.seek(end / 2).unwrap();
        let again: Vec<_> =
            crate::ui::cluster::servers(&m).iter().map(|s| (s.role, s.term, s.commit, s.last_index)).collect();
        assert_eq!(middle, again, "a seek back lands on the same states");
        assert!(middle.iter().any(|s| s.1 > 0), "the middle of Figure 8 has terms: {middle:?}");
        assert_eq!(m.now_us(), m.opened.as_deref().unwrap().now());
        assert!(m.now_us() <= end / 2);
        assert_eq!(m.toggle_server(1), Err(TRACE_READ_ONLY.to_string()));
        assert_eq!(m.violation_count(), 0);
        m.step().unwrap();
        assert!(m.now_us() > end / 2 || m.opened.as_deref().unwrap().next_t().is_none());
    }

    #[test]
    fn a_violating_trace_shows_its_first_violation_with_the_line() {
        let mut m = Model::new(first_visit(1)).expect("valid");
        m.open_trace("figure8-bug.jsonl", &figure8_trace(true)).expect("opens");
        let v = m.shown_violation().cloned().expect("the bug breaks safety");
        assert!(v.detail.starts_with("line "), "{v:?}");
        m.seek(v.time_us).unwrap();
        let tape = crate::ui::timeline::tape(&m, 100);
        assert!(tape.violations.iter().any(|&(t, _)| t == v.time_us));
    }

    #[test]
    fn the_pages_run_downloads_as_a_trace_that_opens_with_the_same_states() {
        let mut m = Model::new(first_visit(3)).expect("valid");
        m.seek(2_000_000).unwrap();
        m.toggle_server(1).unwrap();
        m.seek(3_000_000).unwrap();
        let live: Vec<_> =
            crate::ui::cluster::servers(&m).iter().map(|s| (s.up, s.role, s.term, s.commit, s.last_index)).collect();
        let text = export(&m).expect("exports");
        m.open_trace("run.jsonl", &text).expect("opens");
        m.seek(3_000_000).unwrap();
        let replayed: Vec<_> =
            crate::ui::cluster::servers(&m).iter().map(|s| (s.up, s.role, s.term, s.commit, s.last_index)).collect();
        assert_eq!(live, replayed);
        assert!(export(&m).is_err(), "a trace is not exported again");
    }

    #[test]
    fn bad_traces_are_refused_or_kept_up_to_the_bad_line() {
        assert_eq!(OpenedTrace::open("x", "").err().as_deref(), Some("x is empty"));
        let big = " ".repeat(MAX_TRACE_BYTES + 1);
        assert_eq!(
            OpenedTrace::open("big.jsonl", &big).err().as_deref(),
            Some("big.jsonl is 50 MB; the page opens traces up to 50 MB (raft-sim check reads any size)")
        );
        let cut = "{\"format\":\"raft-trace\",\"version\":1,\"servers\":[\"a\",\"b\"]}\n{\"kind\":\"crash\",\"server\":\"a\"}\n{\"kind\"";
        let t = OpenedTrace::open("cut", cut).expect("the good lines load");
        assert_eq!(t.records(), 1);
        assert_eq!(t.error.as_ref().map(|e| e.line), Some(3));
    }
}
