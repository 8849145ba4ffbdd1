//! etcd-io/raft's state trace (`state_trace.go`, built with `-tags with_tla`), read as it is
//! written: one zap log line per event, the payload under `event`.
//!
//! Every line carries the server's whole state (term, vote, commit, role, log length and
//! configuration), so each becomes a `state` event, after what changed in the log:
//!
//! - the log got shorter: a `truncate` from the new length + 1;
//! - a leader's log grew: `append`s in the leader's term (etcd's leader stamps every entry it
//!   appends with its term, `raft.appendEntry`);
//! - a follower's log grew after it received a `MsgApp`: `append`s whose terms are the sender's
//!   entries at those indexes, when the trace showed them (the leader's own appends), and a
//!   `truncate` first where they differ from what the follower held;
//! - otherwise the new entries exist with unknown terms.
//!
//! What the trace does not carry stays unknown: the term of entries nobody saw appended by a
//! leader, and every entry's command. Messages become `send` and `receive` (paired by from, to,
//! type, term and index, since the trace has no message ids). A second `InitState` of a server
//! is a restart. The trace's `ts` is a float of seconds from several processes; the page
//! orders by line, so a record's time is its line number (in milliseconds, `LOGICAL_LINE_US`).

use std::borrow::Cow;

use serde::Deserialize;

use super::event::{Config, Event, Msg, Record, StateChange};
use super::reader::{Name, Servers, json_error};
use super::{LOGICAL_LINE_US, MAX_TRACE_LOG, TraceError};
use crate::raft::{Index, Kind, NodeId, RoleKind, Term};

/// The event names `state_trace.go` writes, and `Bootstrap`, which etcd's own example has.
pub const NAMES: [&str; 20] = [
    "InitState",
    "Bootstrap",
    "BecomeCandidate",
    "BecomeFollower",
    "BecomeLeader",
    "Commit",
    "Replicate",
    "ChangeConf",
    "ApplyConfChange",
    "Ready",
    "SendAppendEntriesRequest",
    "ReceiveAppendEntriesRequest",
    "SendAppendEntriesResponse",
    "ReceiveAppendEntriesResponse",
    "SendRequestVoteRequest",
    "ReceiveRequestVoteRequest",
    "SendRequestVoteResponse",
    "ReceiveRequestVoteResponse",
    "SendSnapshot",
    "ReceiveSnapshot",
];

#[derive(Deserialize)]
struct Line<'a> {
    #[serde(borrow)]
    event: Payload<'a>,
}

#[derive(Deserialize)]
struct Payload<'a> {
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(borrow)]
    nid: Name<'a>,
    #[serde(borrow)]
    state: State<'a>,
    #[serde(borrow)]
    role: Cow<'a, str>,
    log: u64,
    #[serde(borrow, default)]
    conf: Option<[Vec<Name<'a>>; 2]>,
    #[serde(borrow, default)]
    msg: Option<Message<'a>>,
}

#[derive(Deserialize)]
struct State<'a> {
    term: u64,
    #[serde(borrow)]
    vote: Name<'a>,
    commit: u64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Message<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    term: u64,
    #[serde(borrow)]
    from: Name<'a>,
    #[serde(borrow)]
    to: Name<'a>,
    #[serde(default)]
    entries: u64,
    #[serde(default)]
    log_term: u64,
    #[serde(default)]
    index: u64,
    #[serde(default)]
    reject: bool,
}

/// What the reader knows of one server between lines.
#[derive(Clone, Debug, Default)]
struct Model {
    started: bool,
    log: Vec<Option<Term>>,
    conf: Option<Config>,
    /// The last append (or snapshot) it received and has not yet shown in its log: (sender,
    /// kind, message term, previous index, entries).
    received: Option<(NodeId, Kind, Term, Index, u64)>,
}

#[derive(Default)]
pub struct Decoder {
    models: Vec<Model>,
}

fn kind_of(name: &str) -> Option<Kind> {
    Some(match name {
        "MsgApp" => Kind::AppendEntries,
        "MsgHeartbeat" => Kind::Heartbeat,
        "MsgSnap" => Kind::InstallSnapshot,
        "MsgAppResp" | "MsgHeartbeatResp" => Kind::AppendEntriesReply,
        "MsgVote" => Kind::RequestVote,
        "MsgVoteResp" => Kind::RequestVoteReply,
        "MsgPreVote" => Kind::PreVote,
        "MsgPreVoteResp" => Kind::PreVoteReply,
        "MsgTimeoutNow" => Kind::TimeoutNow,
        "MsgReadIndex" => Kind::ReadIndex,
        "MsgReadIndexResp" => Kind::ReadIndexReply,
        _ => return None,
    })
}

fn role_of(name: &str) -> Option<RoleKind> {
    Some(match name {
        "StateFollower" => RoleKind::Follower,
        "StateCandidate" => RoleKind::Candidate,
        "StatePreCandidate" => RoleKind::PreCandidate,
        "StateLeader" => RoleKind::Leader,
        _ => return None,
    })
}

impl Decoder {
    fn model(&mut self, id: NodeId) -> &mut Model {
        let slot = usize::from(id) - 1;
        if self.models.len() <= slot {
            self.models.resize(slot + 1, Model::default());
        }
        &mut self.models[slot]
    }

    pub fn decode(
        &mut self,
        line: u64,
        text: &str,
        cut: bool,
        servers: &mut Servers,
        out: &mut Vec<Record>,
    ) -> Result<(), TraceError> {
        let l: Line = serde_json::from_str(text).map_err(|e| json_error::<Line>(line, text, e, cut))?;
        let e = l.event;
        let role = validate(&e, line)?;
        let id = if e.name == "InitState" {
            servers.declare(&e.nid, line, "event.nid")?
        } else {
            servers.get(&e.nid, line, "event.nid")?
        };
        let conf = match &e.conf {
            Some([voters, outgoing]) => Some(Config {
                voters: declare_all(servers, voters, line)?,
                outgoing: declare_all(servers, outgoing, line)?,
                learners: Vec::new(),
            }),
            None => None,
        };
        let vote = match &e.state.vote {
            Name::Str(s) if s == "0" => None,
            Name::Num(0) => None,
            name => Some(servers.get(name, line, "event.state.vote")?),
        };
        let msg = match &e.msg {
            Some(m) => Some(message(m, line, servers)?),
            None => None,
        };
        let mut events = Vec::new();
        if e.name == "InitState" && std::mem::replace(&mut self.model(id).started, true) {
            events.push(Event::Restart { server: id });
        }
        self.log_changes(id, role, e.state.term, e.log, &mut events);
        events.push(Event::State {
            server: id,
            state: StateChange {
                role: Some(role),
                term: Some(e.state.term),
                vote: Some(vote),
                commit: Some(e.state.commit),
                last_index: Some(e.log),
                last_term: None,
            },
        });
        if let Some(c) = conf.filter(|c| !c.voters.is_empty() || !c.outgoing.is_empty())
            && self.model(id).conf.as_ref() != Some(&c)
        {
            self.model(id).conf = Some(c.clone());
            events.push(Event::Config { server: id, config: c });
        }
        if let Some(m) = msg {
            self.message_event(&e.name, id, m, &mut events);
        }
        out.extend(events.into_iter().map(|event| Record { line, t: line * LOGICAL_LINE_US, event }));
        Ok(())
    }

    fn message_event(&mut self, name: &str, id: NodeId, m: Msg, events: &mut Vec<Event>) {
        if name.starts_with("Send") && name != "SendSnapshot" {
            events.push(Event::Send(m));
        } else if name.starts_with("Receive") && name != "ReceiveSnapshot" {
            if matches!(m.kind, Kind::AppendEntries | Kind::InstallSnapshot) {
                let model = self.model(id);
                model.received =
                    Some((m.from, m.kind, m.term.unwrap_or(0), m.index.unwrap_or(0), m.entries.unwrap_or(0)));
            }
            events.push(Event::Receive(m));
        }
    }

    /// Turns a change of the log's length into truncations and appends (see the module essay).
    fn log_changes(&mut self, id: NodeId, role: RoleKind, term: Term, new_len: Index, events: &mut Vec<Event>) {
        let old_len = self.model(id).log.len() as Index;
        if new_len == old_len {
            return; // what it received (if anything) shows in a later line
        }
        let received = self.model(id).received.take();
        if let Some((_, Kind::InstallSnapshot, _, _, index)) = received
            && new_len == index
            && index > 0
        {
            events.push(Event::Snapshot { server: id, index, term: None });
            let model = self.model(id);
            model.log.resize(index as usize, None);
            return;
        }
        // What the sender held at the new indexes, when this growth came from its append.
        // What the sender held at the new indexes, when this growth came from its append. An
        // entry newer than the append's term shows the sender's log changed since it sent
        // (it lost leadership and was overwritten): unknown then, not guessed.
        let source: Vec<Option<Term>> = match received {
            Some((from, Kind::AppendEntries, sent_in, prev, n))
                if role != RoleKind::Leader && prev + n >= new_len && prev <= old_len =>
            {
                let sender = &self.model(from).log;
                let held = |i: Index| sender.get(i as usize - 1).copied().flatten().filter(|&t| t <= sent_in);
                (prev + 1..=new_len).map(held).collect()
            }
            _ => Vec::new(),
        };
        let first_new = new_len + 1 - source.len() as Index;
        let model = self.model(id);
        let mut keep = new_len.min(old_len);
        for (k, term) in source.iter().enumerate() {
            let i = first_new + k as Index;
            if i <= keep && term.is_some() && model.log[i as usize - 1].is_some_and(|held| Some(held) != *term) {
                keep = i - 1;
                break;
            }
        }
        if keep < old_len {
            events.push(Event::Truncate { server: id, from: keep + 1 });
            model.log.truncate(keep as usize);
        }
        for i in keep + 1..=new_len {
            let known = if role == RoleKind::Leader {
                Some(term)
            } else if i >= first_new {
                source[(i - first_new) as usize]
            } else {
                None
            };
            model.log.push(known);
            events.push(Event::Append { server: id, index: i, term: known, command: None });
        }
    }
}

/// The checks on a line's own values: a known event name and role, a log within bounds.
fn validate(e: &Payload, line: u64) -> Result<RoleKind, TraceError> {
    if !NAMES.contains(&e.name.as_ref()) {
        let why = format!("unknown event `{}`; expected one of {}", e.name, NAMES.join(", "));
        return Err(TraceError::new(line, Some("event.name"), why));
    }
    if e.log > MAX_TRACE_LOG || e.state.commit > MAX_TRACE_LOG {
        let why = format!("past the longest log a trace may describe ({MAX_TRACE_LOG})");
        return Err(TraceError::new(line, Some("event.log"), why));
    }
    role_of(&e.role).ok_or_else(|| {
        let why = format!("`{}`; expected StateFollower, StateCandidate, StatePreCandidate or StateLeader", e.role);
        TraceError::new(line, Some("event.role"), why)
    })
}

fn declare_all(servers: &mut Servers, names: &[Name], line: u64) -> Result<Vec<NodeId>, TraceError> {
    let mut ids: Vec<NodeId> =
        names.iter().map(|n| servers.declare(n, line, "event.conf")).collect::<Result<_, _>>()?;
    ids.sort_unstable();
    Ok(ids)
}

fn message(m: &Message, line: u64, servers: &Servers) -> Result<Msg, TraceError> {
    let kind = kind_of(&m.kind)
        .ok_or_else(|| TraceError::new(line, Some("event.msg.type"), format!("unknown message type `{}`", m.kind)))?;
    let reply =
        matches!(kind, Kind::AppendEntriesReply | Kind::RequestVoteReply | Kind::PreVoteReply | Kind::ReadIndexReply);
    Ok(Msg {
        id: None,
        from: servers.get(&m.from, line, "event.msg.from")?,
        to: servers.get(&m.to, line, "event.msg.to")?,
        kind,
        term: Some(m.term),
        index: Some(m.index),
        log_term: Some(m.log_term),
        entries: Some(m.entries),
        success: reply.then_some(!m.reject),
    })
}
