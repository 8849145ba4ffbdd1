//! Our JSON Lines format, version 1: a header line, then one event a line (the README shows
//! a complete example). Members a line does not use are ignored, so a writer may add its own.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Deserialize;

use super::cluster::MAX_TRACE_IN_FLIGHT;
use super::event::{Config, Event, Msg, Record, StateChange};
use super::reader::{Interner, Name, Servers, json_error};
use super::{
    FORMAT_NAME, FORMAT_VERSION, LOGICAL_LINE_US, MAX_TRACE_CLIENTS, MAX_TRACE_KEYS, MAX_TRACE_LOG, TraceError,
};
use crate::raft::{Kind, NodeId, Op, RoleKind};
use crate::sim::client::Output;

/// The event kinds, in the order the README lists them.
pub const KINDS: [&str; 14] = [
    "state", "append", "truncate", "apply", "snapshot", "config", "crash", "restart", "send", "receive", "drop",
    "invoke", "return", "note",
];

#[derive(Deserialize)]
struct Header<'a> {
    #[serde(borrow)]
    format: Cow<'a, str>,
    version: u64,
    #[serde(borrow)]
    servers: Vec<Name<'a>>,
    #[serde(borrow, default)]
    voters: Option<Vec<Name<'a>>>,
    #[serde(borrow, default)]
    learners: Option<Vec<Name<'a>>>,
}

/// Every member any event may have: one flat struct parses fastest (serde's internally tagged
/// enums buffer the whole line first).
#[derive(Deserialize)]
struct Line<'a> {
    #[serde(borrow)]
    kind: Option<Cow<'a, str>>,
    t: Option<u64>,
    #[serde(borrow)]
    server: Option<Name<'a>>,
    #[serde(borrow)]
    role: Option<Cow<'a, str>>,
    term: Option<u64>,
    #[serde(borrow, default, deserialize_with = "present")]
    vote: Option<Option<Name<'a>>>,
    commit: Option<u64>,
    last_index: Option<u64>,
    last_term: Option<u64>,
    index: Option<u64>,
    #[serde(borrow)]
    command: Option<Cow<'a, str>>,
    id: Option<u64>,
    #[serde(borrow)]
    from: Option<Name<'a>>,
    #[serde(borrow)]
    to: Option<Name<'a>>,
    #[serde(borrow)]
    msg: Option<Cow<'a, str>>,
    log_term: Option<u64>,
    entries: Option<u64>,
    success: Option<bool>,
    #[serde(borrow)]
    voters: Option<Vec<Name<'a>>>,
    #[serde(borrow)]
    outgoing: Option<Vec<Name<'a>>>,
    #[serde(borrow)]
    learners: Option<Vec<Name<'a>>>,
    #[serde(borrow)]
    client: Option<Name<'a>>,
    #[serde(borrow)]
    op: Option<Cow<'a, str>>,
    #[serde(borrow)]
    key: Option<Name<'a>>,
    value: Option<u32>,
    output: Option<OutputField>,
    #[serde(borrow)]
    text: Option<Cow<'a, str>>,
}

/// `"vote": null` is an answer (no vote), unlike a missing `vote`.
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OutputField {
    Values(Vec<u32>),
    Word(String),
}

pub struct Decoder {
    pub version: u64,
    /// Sends not yet received or dropped, by message id: a receive or drop that gives the id
    /// may leave out from, to and msg.
    sent: BTreeMap<u64, (NodeId, NodeId, Kind)>,
    clients: Interner,
    keys: Interner,
    last_t: u64,
}

fn need<T>(value: Option<T>, line: u64, field: &str, why: &str) -> Result<T, TraceError> {
    value.ok_or_else(|| TraceError::new(line, Some(field), format!("missing; {why}")))
}

fn ids(servers: &Servers, names: &[Name], line: u64, field: &str) -> Result<Vec<NodeId>, TraceError> {
    let mut out: Vec<NodeId> = names.iter().map(|n| servers.get(n, line, field)).collect::<Result<_, _>>()?;
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

pub fn role_named(name: &str) -> Option<RoleKind> {
    [RoleKind::Follower, RoleKind::Candidate, RoleKind::PreCandidate, RoleKind::Leader]
        .into_iter()
        .find(|r| r.name() == name)
}

impl Decoder {
    /// Reads the header: the servers, in order (the first is server 1).
    pub fn header(line: u64, text: &str, servers: &mut Servers) -> Result<Decoder, TraceError> {
        let h: Header = serde_json::from_str(text).map_err(|e| json_error::<Header>(line, text, e, false))?;
        if h.format != FORMAT_NAME {
            return Err(TraceError::new(line, Some("format"), format!("`{}`; expected `{FORMAT_NAME}`", h.format)));
        }
        if h.version == 0 || h.version > FORMAT_VERSION {
            let why = format!("{}; this reader knows versions 1 to {FORMAT_VERSION}", h.version);
            return Err(TraceError::new(line, Some("version"), why));
        }
        if h.servers.is_empty() {
            return Err(TraceError::new(line, Some("servers"), "empty; a trace declares at least one server"));
        }
        for (i, name) in h.servers.iter().enumerate() {
            if servers.find(name).is_some() {
                return Err(TraceError::new(
                    line,
                    Some(&format!("servers[{i}]")),
                    format!("`{name}` is declared twice"),
                ));
            }
            servers.declare(name, line, &format!("servers[{i}]"))?;
        }
        // The initial configuration must name declared servers; the replay learns each
        // server's configuration from its `config` lines.
        ids(servers, h.voters.as_deref().unwrap_or(&[]), line, "voters")?;
        ids(servers, h.learners.as_deref().unwrap_or(&[]), line, "learners")?;
        Ok(Decoder {
            version: h.version,
            sent: BTreeMap::new(),
            clients: Interner::default(),
            keys: Interner::default(),
            last_t: 0,
        })
    }

    pub fn decode(
        &mut self,
        line: u64,
        text: &str,
        cut: bool,
        servers: &Servers,
        out: &mut Vec<Record>,
    ) -> Result<(), TraceError> {
        let l: Line = serde_json::from_str(text).map_err(|e| json_error::<Line>(line, text, e, cut))?;
        let t = l.t.unwrap_or(line * LOGICAL_LINE_US);
        if t < self.last_t {
            let why = format!("{t} is earlier than the line before ({}); lines are in time order", self.last_t);
            return Err(TraceError::new(line, Some("t"), why));
        }
        self.last_t = t;
        let kind = need(l.kind.as_deref(), line, "kind", &format!("expected one of {}", KINDS.join(", ")))?;
        let event = match kind {
            "send" | "receive" | "drop" => {
                let msg = self.message(kind, &l, line, servers)?;
                match kind {
                    "send" => Event::Send(msg),
                    "receive" => Event::Receive(msg),
                    _ => Event::Drop(msg),
                }
            }
            "invoke" | "return" => self.client_event(kind, &l, line)?,
            "note" => {
                let server = l.server.as_ref().map(|s| servers.get(s, line, "server")).transpose()?;
                Event::Note { server, text: l.text.as_deref().unwrap_or("").into() }
            }
            _ => {
                let name = need(l.server.as_ref(), line, "server", &format!("a `{kind}` event happens on a server"))?;
                let server = servers.get(name, line, "server")?;
                server_event(kind, server, &l, line, servers)?
            }
        };
        out.push(Record { line, t, event });
        Ok(())
    }

    fn client_event(&mut self, kind: &str, l: &Line, line: u64) -> Result<Event, TraceError> {
        let name = need(l.client.as_ref(), line, "client", "invoke and return name their client")?;
        let client = self.clients.get(name, MAX_TRACE_CLIENTS, "clients", line, "client")?;
        let id = need(l.id, line, "id", "invoke and return carry the operation's id (unique per client)")?;
        if kind == "return" {
            let output = match &l.output {
                Some(OutputField::Values(v)) => Output::Value(v.clone()),
                Some(OutputField::Word(w)) if w == "ok" => Output::Written,
                _ => return Err(TraceError::new(line, Some("output"), "expected \"ok\" or a list of values")),
            };
            return Ok(Event::Return { client, id, output });
        }
        let key_name = need(l.key.as_ref(), line, "key", "an operation names its key")?;
        let key = self.keys.get(key_name, MAX_TRACE_KEYS, "keys", line, "key")? as u8;
        let op = match need(l.op.as_deref(), line, "op", "expected put, append or get")? {
            "put" => Op::Put { key, value: need(l.value, line, "value", "a put has a value")? },
            "append" => Op::Append { key, value: need(l.value, line, "value", "an append has a value")? },
            "get" => Op::Get { key },
            other => return Err(TraceError::new(line, Some("op"), format!("`{other}`; expected put, append or get"))),
        };
        Ok(Event::Invoke { client, id, op })
    }
}

impl Decoder {
    /// A message line. A receive or drop that gives the `id` of an earlier send takes from, to
    /// and msg from it where it leaves them out.
    fn message(&mut self, kind: &str, l: &Line, line: u64, servers: &Servers) -> Result<Msg, TraceError> {
        let earlier = match (kind, l.id) {
            ("send", _) | (_, None) => None,
            (_, Some(id)) => self.sent.remove(&id),
        };
        let why = "a message names it (or a receive or drop gives the id of an earlier send)";
        let from = match (&l.from, earlier) {
            (Some(name), _) => servers.get(name, line, "from")?,
            (None, Some((from, _, _))) => from,
            (None, None) => return Err(TraceError::new(line, Some("from"), format!("missing; {why}"))),
        };
        let to = match (&l.to, earlier) {
            (Some(name), _) => servers.get(name, line, "to")?,
            (None, Some((_, to, _))) => to,
            (None, None) => return Err(TraceError::new(line, Some("to"), format!("missing; {why}"))),
        };
        let names = || Kind::ALL.iter().map(|k| k.name()).collect::<Vec<_>>().join(", ");
        let kind_of = match (l.msg.as_deref(), earlier) {
            (Some(name), _) => Kind::from_name(name).ok_or_else(|| {
                TraceError::new(line, Some("msg"), format!("unknown message `{name}`; expected one of {}", names()))
            })?,
            (None, Some((_, _, k))) => k,
            (None, None) => {
                return Err(TraceError::new(line, Some("msg"), format!("missing; expected one of {}", names())));
            }
        };
        let msg = Msg {
            id: l.id,
            from,
            to,
            kind: kind_of,
            term: l.term,
            index: l.index,
            log_term: l.log_term,
            entries: l.entries,
            success: l.success,
        };
        if let ("send", Some(id)) = (kind, l.id) {
            if self.sent.len() == MAX_TRACE_IN_FLIGHT {
                self.sent.pop_first();
            }
            self.sent.insert(id, (msg.from, msg.to, msg.kind));
        }
        Ok(msg)
    }
}

fn server_event(kind: &str, server: NodeId, l: &Line, line: u64, servers: &Servers) -> Result<Event, TraceError> {
    let index = |why: &str| {
        let i = need(l.index, line, "index", why)?;
        if i == 0 || i > MAX_TRACE_LOG {
            return Err(TraceError::new(line, Some("index"), format!("{i}; log indexes go from 1 to {MAX_TRACE_LOG}")));
        }
        Ok(i)
    };
    Ok(match kind {
        "state" => Event::State { server, state: state(l, line, servers)? },
        "append" => Event::Append {
            server,
            index: index("an append names the entry's index")?,
            term: l.term,
            command: l.command.as_deref().map(Into::into),
        },
        "truncate" => Event::Truncate { server, from: index("a truncate names the first index it deletes")? },
        "apply" => Event::Apply { server, index: index("an apply names the entry's index")? },
        "snapshot" => {
            Event::Snapshot { server, index: index("a snapshot names the last index it covers")?, term: l.term }
        }
        "config" => Event::Config {
            server,
            config: Config {
                voters: ids(
                    servers,
                    need(l.voters.as_deref(), line, "voters", "a configuration lists its voters")?,
                    line,
                    "voters",
                )?,
                outgoing: ids(servers, l.outgoing.as_deref().unwrap_or(&[]), line, "outgoing")?,
                learners: ids(servers, l.learners.as_deref().unwrap_or(&[]), line, "learners")?,
            },
        },
        "crash" => Event::Crash { server },
        "restart" => Event::Restart { server },
        other => {
            return Err(TraceError::new(
                line,
                Some("kind"),
                format!("unknown event `{other}`; expected one of {}", KINDS.join(", ")),
            ));
        }
    })
}

fn state(l: &Line, line: u64, servers: &Servers) -> Result<StateChange, TraceError> {
    let role = match l.role.as_deref() {
        Some(name) => Some(role_named(name).ok_or_else(|| {
            TraceError::new(
                line,
                Some("role"),
                format!("`{name}`; expected follower, candidate, pre-candidate or leader"),
            )
        })?),
        None => None,
    };
    let vote = match &l.vote {
        Some(Some(name)) => Some(Some(servers.get(name, line, "vote")?)),
        Some(None) => Some(None),
        None => None,
    };
    for (value, field) in [(l.last_index, "last_index"), (l.commit, "commit")] {
        if value.is_some_and(|v| v > MAX_TRACE_LOG) {
            return Err(TraceError::new(
                line,
                Some(field),
                format!("past the longest log a trace may describe ({MAX_TRACE_LOG})"),
            ));
        }
    }
    Ok(StateChange { role, term: l.term, vote, commit: l.commit, last_index: l.last_index, last_term: l.last_term })
}
