//! The streaming reader: one line at a time from any `BufRead`, the format told by the first
//! line, and errors that name the line and the field.
//!
//! Each line is parsed by serde_json straight into a borrowed struct (no `Value` tree). Only when
//! that fails is the line parsed again through `serde_path_to_error`, to name the member that
//! was wrong: errors are rare, so the common path pays nothing for good messages.

use std::borrow::Cow;
use std::collections::{BTreeMap, VecDeque};
use std::io::{BufRead, Read};

use serde::de::{self, Deserialize, Deserializer, Visitor};

use super::event::Record;
use super::{MAX_LINE_BYTES, MAX_TRACE_SERVERS, TraceError, etcd, ours};
use crate::raft::NodeId;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Our JSON Lines format, with its version.
    Ours(u64),
    /// etcd-io/raft's state trace (`state_trace.go`).
    Etcd,
}

/// A server or client name as a trace writes it: a string (`"n1"`) or a number (`1`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Name<'a> {
    Str(Cow<'a, str>),
    Num(u64),
}

impl std::fmt::Display for Name<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Name::Str(s) => write!(f, "{s}"),
            Name::Num(n) => write!(f, "{n}"),
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Name<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Name<'a>, D::Error> {
        struct NameVisitor;
        impl<'de> Visitor<'de> for NameVisitor {
            type Value = Name<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a name (a string or a non-negative integer)")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Name<'de>, E> {
                Ok(Name::Num(v))
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Name<'de>, E> {
                Ok(Name::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Name<'de>, E> {
                Ok(Name::Str(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_any(NameVisitor)
    }
}

/// The declared servers: server `i` (from 1) is the `i`-th declared.
#[derive(Clone, Debug, Default)]
pub struct Servers {
    names: Vec<String>,
    numbers: Vec<Option<u64>>,
}

impl Servers {
    pub fn names(&self) -> &[String] {
        &self.names
    }

    pub fn find(&self, name: &Name) -> Option<NodeId> {
        let at = match name {
            Name::Str(s) => self.names.iter().position(|n| n == s),
            Name::Num(v) => self.numbers.iter().position(|n| *n == Some(*v)),
        };
        at.map(|i| i as NodeId + 1)
    }

    /// Adds a server (or finds it); fails past `MAX_TRACE_SERVERS`.
    pub fn declare(&mut self, name: &Name, line: u64, field: &str) -> Result<NodeId, TraceError> {
        if let Some(id) = self.find(name) {
            return Ok(id);
        }
        if self.names.len() == MAX_TRACE_SERVERS {
            let why = format!(
                "server `{name}` would be server {}; a trace may have at most {MAX_TRACE_SERVERS}",
                MAX_TRACE_SERVERS + 1
            );
            return Err(TraceError::new(line, Some(field), why));
        }
        let text = name.to_string();
        self.numbers.push(text.parse().ok());
        self.names.push(text);
        Ok(self.names.len() as NodeId)
    }

    /// The id of a declared server, or an error naming the field and the servers there are.
    pub fn get(&self, name: &Name, line: u64, field: &str) -> Result<NodeId, TraceError> {
        self.find(name).ok_or_else(|| {
            let known = self.names.join(", ");
            TraceError::new(line, Some(field), format!("server `{name}` was never declared (declared: {known})"))
        })
    }
}

/// Names mapped to small numbers in the order they first appear (clients, keys).
#[derive(Clone, Debug, Default)]
pub struct Interner {
    ids: BTreeMap<String, u32>,
}

impl Interner {
    pub fn get(&mut self, name: &Name, limit: usize, what: &str, line: u64, field: &str) -> Result<u32, TraceError> {
        let text: Cow<str> = match name {
            Name::Str(s) => Cow::Borrowed(s),
            Name::Num(n) => Cow::Owned(n.to_string()),
        };
        if let Some(&id) = self.ids.get(text.as_ref()) {
            return Ok(id);
        }
        if self.ids.len() == limit {
            return Err(TraceError::new(line, Some(field), format!("a trace may name at most {limit} {what}")));
        }
        let id = self.ids.len() as u32;
        self.ids.insert(text.into_owned(), id);
        Ok(id)
    }
}

/// serde_json's message without its " at line 1 column N" (lines are ours to count).
pub fn bare(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// Turns a failed parse of `text` as `T` into an error naming the member at fault.
pub fn json_error<'a, T: Deserialize<'a>>(line: u64, text: &'a str, e: serde_json::Error, cut: bool) -> TraceError {
    if e.is_eof() && cut {
        return TraceError::new(line, None, "the trace ends in the middle of this line (was the file cut short?)");
    }
    if e.is_syntax() || e.is_eof() {
        return TraceError::new(line, None, format!("not JSON: {} at column {}", bare(&e), e.column()));
    }
    let mut de = serde_json::Deserializer::from_str(text);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(e) if e.path().iter().next().is_some() => {
            TraceError::new(line, Some(&e.path().to_string()), bare(e.inner()))
        }
        _ => TraceError::new(line, None, bare(&e)),
    }
}

enum Decoder {
    Ours(ours::Decoder),
    Etcd(etcd::Decoder),
}

/// Reads records one at a time; see the module essay.
pub struct TraceReader<R> {
    input: R,
    line: u64,
    buf: String,
    decoder: Option<Decoder>,
    servers: Servers,
    pending: VecDeque<Record>,
    scratch: Vec<Record>,
    failed: bool,
}

impl<R: BufRead> TraceReader<R> {
    pub fn new(input: R) -> TraceReader<R> {
        TraceReader {
            input,
            line: 0,
            buf: String::new(),
            decoder: None,
            servers: Servers::default(),
            pending: VecDeque::new(),
            scratch: Vec::new(),
            failed: false,
        }
    }

    pub fn format(&self) -> Option<Format> {
        match &self.decoder {
            Some(Decoder::Ours(d)) => Some(Format::Ours(d.version)),
            Some(Decoder::Etcd(_)) => Some(Format::Etcd),
            None => None,
        }
    }

    /// Server names, server `i` at position `i - 1`.
    pub fn servers(&self) -> &[String] {
        self.servers.names()
    }

    /// Lines read so far.
    pub fn lines(&self) -> u64 {
        self.line
    }

    /// The next record, `None` at the end, or the first error (after which it returns `None`).
    pub fn next_record(&mut self) -> Result<Option<Record>, TraceError> {
        while self.pending.is_empty() {
            if self.failed || !self.read_line()? {
                return Ok(None);
            }
            if let Err(e) = self.decode_line() {
                self.failed = true;
                return Err(e);
            }
        }
        Ok(self.pending.pop_front())
    }

    /// Reads the next non-blank line into `buf`; false at the end.
    fn read_line(&mut self) -> Result<bool, TraceError> {
        loop {
            self.buf.clear();
            let limit = MAX_LINE_BYTES as u64 + 1;
            let read = (&mut self.input).take(limit).read_line(&mut self.buf);
            self.line += 1;
            match read {
                Ok(0) => return Ok(false),
                Ok(_) if self.buf.len() > MAX_LINE_BYTES => {
                    self.failed = true;
                    return Err(TraceError::new(self.line, None, format!("longer than {MAX_LINE_BYTES} bytes")));
                }
                Ok(_) if self.buf.trim().is_empty() => continue,
                Ok(_) => return Ok(true),
                Err(e) => {
                    self.failed = true;
                    return Err(TraceError::new(self.line, None, format!("cannot be read: {e}")));
                }
            }
        }
    }

    fn decode_line(&mut self) -> Result<(), TraceError> {
        let cut = !self.buf.ends_with('\n');
        let text = self.buf.trim_end();
        let line = self.line;
        let decoder = match &mut self.decoder {
            Some(d) => d,
            None => {
                let (decoder, first) = detect(line, text, cut, &mut self.servers)?;
                self.decoder = Some(decoder);
                if !first {
                    return Ok(());
                }
                self.decoder.as_mut().expect("just set")
            }
        };
        self.scratch.clear();
        match decoder {
            Decoder::Ours(d) => d.decode(line, text, cut, &self.servers, &mut self.scratch)?,
            Decoder::Etcd(d) => d.decode(line, text, cut, &mut self.servers, &mut self.scratch)?,
        }
        self.pending.extend(self.scratch.drain(..));
        Ok(())
    }
}

/// Tells the format by the first line. Returns whether that line is also an event (etcd's
/// trace has no header).
fn detect(line: u64, text: &str, cut: bool, servers: &mut Servers) -> Result<(Decoder, bool), TraceError> {
    #[derive(serde::Deserialize)]
    struct Probe<'a> {
        #[serde(borrow)]
        format: Option<Cow<'a, str>>,
        event: Option<de::IgnoredAny>,
    }
    let probe: Probe = serde_json::from_str(text).map_err(|e| json_error::<Probe>(line, text, e, cut))?;
    if probe.format.is_some() {
        let decoder = ours::Decoder::header(line, text, servers)?;
        return Ok((Decoder::Ours(decoder), false));
    }
    if probe.event.is_some() {
        return Ok((Decoder::Etcd(etcd::Decoder::default()), true));
    }
    let why = format!(
        "expected a header ({{\"format\":\"{}\",\"version\":{},\"servers\":[…]}}) or a line of etcd-io/raft's state trace (with an `event` member)",
        super::FORMAT_NAME,
        super::FORMAT_VERSION
    );
    Err(TraceError::new(line, None, why))
}
