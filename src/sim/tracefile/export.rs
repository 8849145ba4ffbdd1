//! Our own runs in our open format: what `raft-sim run --trace-out` and the page's "Download
//! trace" write. Reading the export back gives the same cluster states at every event and the
//! same verdicts as the live run (`tests/tracefile.rs` holds both for every preset).
//!
//! The exporter follows the world step by step: after each step it turns the trace events the
//! step recorded into lines, reading what the events only point at (an entry's term and command,
//! a configuration) from the world as the step left it, and appended entries from the world's
//! tap, since a snapshot in the same step may already have compacted them.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::{FORMAT_NAME, FORMAT_VERSION};
use crate::raft::{Entry, Kind, NodeId, NodeSet, Op, Time};
use crate::sim::World;
use crate::sim::client::Output;
use crate::sim::network::{Endpoint, PacketKind};
use crate::sim::trace::TraceEvent;

/// One line; members left `None` are not written.
#[derive(Default, Serialize)]
struct Out<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    t: Option<Time>,
    kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    server: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    term: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vote: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    commit: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    index: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    command: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    msg: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    success: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    voters: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    outgoing: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    learners: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    op: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    output: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<String>,
}

fn n(id: NodeId) -> String {
    format!("n{id}")
}

fn names(ids: impl IntoIterator<Item = NodeId>) -> Vec<String> {
    ids.into_iter().map(n).collect()
}

/// How a command reads in the trace: equal commands, equal text.
pub fn command_text(e: &Entry) -> String {
    match (&e.command, &e.config) {
        (Some(c), _) => format!("c{}#{} {}", c.client, c.seq, c.op),
        (None, Some(m)) => format!("config {m}"),
        (None, None) => "no-op".to_string(),
    }
}

/// Follows one world; see the module essay.
#[derive(Debug, Default)]
pub struct Exporter {
    /// Trace events already written.
    seen: u64,
    /// Messages between servers sent and not yet arrived: id → (from, to, kind).
    in_flight: BTreeMap<u64, (NodeId, NodeId, Kind)>,
    /// Servers whose starting state has been written.
    servers: usize,
}

/// Trace events the world must keep for the exporter to see every event of one step.
pub const EXPORT_TRACE_KEEP: usize = 4096;

impl Exporter {
    /// Writes the header and starts following `world`, which must be fresh (no events yet) and
    /// keep at least `EXPORT_TRACE_KEEP` trace events. `servers` is how many servers the run
    /// will ever have.
    pub fn start(world: &mut World, servers: u8, out: &mut dyn Write) -> io::Result<Exporter> {
        assert_eq!(world.trace().count(), 0, "the exporter starts with the run");
        world.tap_entries();
        let voters: Vec<String> = names(1..=world.config().nodes);
        let header = serde_json::json!({
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "servers": names(1..=servers),
            "voters": voters,
            "clock": "us",
        });
        writeln!(out, "{header}")?;
        let mut exporter = Exporter::default();
        exporter.new_servers(world, out)?;
        Ok(exporter)
    }

    /// Where each server that joined the world starts: the format leaves a server's role
    /// unknown until a line says it.
    fn new_servers(&mut self, world: &World, out: &mut dyn Write) -> io::Result<()> {
        for s in &world.servers()[self.servers..] {
            let node = s.node.as_ref().expect("a server starts running");
            let start = Out {
                t: Some(world.now_us()),
                kind: "state",
                server: Some(n(s.id)),
                role: Some(node.role_kind().name()),
                term: Some(node.term()),
                commit: Some(node.commit_index()),
                ..Out::default()
            };
            serde_json::to_writer(&mut *out, &start)?;
            out.write_all(b"\n")?;
        }
        self.servers = world.servers().len();
        Ok(())
    }

    /// Writes the lines for every trace event since the last call.
    pub fn catch_up(&mut self, world: &mut World, out: &mut dyn Write) -> io::Result<()> {
        let count = world.trace().count();
        let new = (count - self.seen) as usize;
        let recent = world.trace().recent();
        assert!(new <= recent.len(), "a step recorded {new} events, more than the {} the trace keeps", recent.len());
        let mut events: Vec<(Time, TraceEvent)> = recent.iter().skip(recent.len() - new).cloned().collect();
        // A server that installs a leader's snapshot commits up to it before the world records
        // the snapshot; the trace says the snapshot first, so that no line has a commit index
        // past the log it describes.
        events.sort_by_key(|(_, e)| !matches!(e, TraceEvent::Snapshot { installed: true, .. }));
        let mut tapped = world.take_tapped().into_iter();
        self.new_servers(world, out)?;
        for (t, event) in &events {
            for line in self.lines(world, *t, event, &mut tapped) {
                serde_json::to_writer(&mut *out, &line)?;
                out.write_all(b"\n")?;
            }
        }
        self.seen = count;
        Ok(())
    }

    fn lines<'a>(
        &mut self,
        world: &World,
        t: Time,
        event: &'a TraceEvent,
        tapped: &mut impl Iterator<Item = (NodeId, Entry)>,
    ) -> Vec<Out<'a>> {
        let at = |kind| Out { t: Some(t), kind, ..Out::default() };
        let one = |o| vec![o];
        match event {
            TraceEvent::Sent {
                id,
                from: Endpoint::Node(a),
                to: Endpoint::Node(b),
                kind: PacketKind::Raft(k),
                success,
                ..
            } => {
                self.in_flight.insert(*id, (*a, *b, *k));
                one(Out { id: Some(*id), success: *success, ..self.message(at("send"), *a, *b, *k) })
            }
            TraceEvent::Delivered { id } | TraceEvent::Dropped { id, .. } => match self.in_flight.remove(id) {
                Some((a, b, k)) => {
                    let kind = if matches!(event, TraceEvent::Delivered { .. }) { "receive" } else { "drop" };
                    one(Out { id: Some(*id), ..self.message(at(kind), a, b, k) })
                }
                None => Vec::new(),
            },
            TraceEvent::Sent { .. } | TraceEvent::ClientSend { .. } => Vec::new(),
            TraceEvent::ClientInvoke { client, seq, op } => one(client_call(at("invoke"), *client, *seq, *op)),
            TraceEvent::ClientReturn { client, seq, output } => {
                let output = match output {
                    Output::Written => serde_json::json!("ok"),
                    Output::Value(v) => serde_json::json!(v),
                };
                one(Out { client: Some(format!("c{client}")), id: Some(*seq), output: Some(output), ..at("return") })
            }
            TraceEvent::Intervention(i) => one(Out { text: Some(format!("user: {i}")), ..at("note") }),
            _ => server_lines(world, t, event, tapped),
        }
    }

    fn message<'a>(&self, base: Out<'a>, from: NodeId, to: NodeId, kind: Kind) -> Out<'a> {
        Out { from: Some(n(from)), to: Some(n(to)), msg: Some(kind.name()), ..base }
    }
}

/// The lines of what happened on one server, reading what the event only points at from the
/// world as the step left it (and appended entries from the tap).
fn server_lines<'a>(
    world: &World,
    t: Time,
    event: &'a TraceEvent,
    tapped: &mut impl Iterator<Item = (NodeId, Entry)>,
) -> Vec<Out<'a>> {
    let on = |kind, id| Out { t: Some(t), kind, server: Some(n(id)), ..Out::default() };
    let one = |o| vec![o];
    match event {
        TraceEvent::Role { node, role, term } => {
            one(Out { role: Some(role.name()), term: Some(*term), ..on("state", *node) })
        }
        TraceEvent::Voted { node, candidate, term } => {
            one(Out { term: Some(*term), vote: Some(n(*candidate)), ..on("state", *node) })
        }
        TraceEvent::Appended { node, first, last } => (*first..=*last)
            .map(|index| {
                let (id, e) = tapped.next().expect("every appended entry was tapped");
                assert_eq!((id, e.index), (*node, index), "the tap follows the trace");
                Out { index: Some(index), term: Some(e.term), command: Some(command_text(&e)), ..on("append", *node) }
            })
            .collect(),
        TraceEvent::Truncated { node, from } => one(Out { index: Some(*from), ..on("truncate", *node) }),
        TraceEvent::Committed { node, index } => one(Out { commit: Some(*index), ..on("state", *node) }),
        TraceEvent::Applied { node, index } => one(Out { index: Some(*index), ..on("apply", *node) }),
        TraceEvent::Crash { node } => one(on("crash", *node)),
        TraceEvent::Restart { node } => {
            let commit = world.node(*node).map(|s| s.commit_index());
            vec![on("restart", *node), Out { commit, ..on("state", *node) }]
        }
        TraceEvent::Transfer { node, .. } => one(Out { text: Some(event.render()), ..on("note", *node) }),
        TraceEvent::Snapshot { node, index, .. } => {
            let term = world.servers()[usize::from(*node) - 1].log().snapshot_term();
            one(Out { index: Some(*index), term: Some(term), ..on("snapshot", *node) })
        }
        TraceEvent::Membership { node, .. } => {
            let Some(s) = world.node(*node) else { return Vec::new() };
            let m = s.membership().0;
            let list = |set: &NodeSet| Some(names(set.iter()));
            one(Out {
                voters: list(&m.voters),
                outgoing: list(&m.outgoing),
                learners: list(&m.learners),
                ..on("config", *node)
            })
        }
        _ => unreachable!("messages, clients and notes are written by `Exporter::lines`"),
    }
}

fn client_call(base: Out<'_>, client: u32, seq: u64, op: Op) -> Out<'_> {
    let (name, value) = match op {
        Op::Put { value, .. } => ("put", Some(value)),
        Op::Append { value, .. } => ("append", Some(value)),
        Op::Get { .. } => ("get", None),
    };
    let key = crate::raft::log::key_letter(op.key()).to_string();
    Out { client: Some(format!("c{client}")), id: Some(seq), op: Some(name), key: Some(key), value, ..base }
}
