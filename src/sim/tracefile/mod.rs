//! # Traces from any Raft
//!
//! People writing their own Raft debug it from logs. This module reads such a log, replays it on a
//! model of the cluster and checks it against Raft's invariants (paper Figure 3; dissertation
//! 3.6 and 4.1), so the page and `raft-sim check` can show and judge *their* run as they do ours.
//!
//! **Two formats.** Our own, an open JSON Lines format (`ours`, documented with an example in the
//! README): a header line, then one event a line. And etcd-io/raft's state trace (`etcd`), as
//! its `state_trace.go` writes it for TLA+ trace validation. The [`reader::TraceReader`] tells
//! them apart by the first line and turns both into the same [`event::Event`]s.
//!
//! **Nothing but server, kind and order is mandatory.** A trace that leaves out terms, votes or
//! entries limits what can be checked; the checks ([`check::TraceChecker`]) say which
//! invariants the data allowed and why not the others, rather than guess.
//!
//! **Untrusted input.** Every error names the line, the field and what was expected
//! ([`TraceError`]); nothing panics on any input. Lines, servers, clients and keys are bounded
//! by named constants, and the reader streams: memory grows with the logs the trace describes,
//! not with its length.

pub mod check;
pub mod cluster;
mod etcd;
pub mod event;
pub mod export;
mod ours;
pub mod reader;

use std::fmt;

pub use check::{Status, TraceChecker, TraceReport};
pub use cluster::TraceCluster;
pub use event::{Event, Record};
pub use reader::{Format, TraceReader};

/// The version of our format this code writes, and the newest it reads.
pub const FORMAT_VERSION: u64 = 1;
/// What our header's `format` member says.
pub const FORMAT_NAME: &str = "raft-trace";
/// Longest line accepted, in bytes: a line is one event, so anything longer is not a trace.
pub const MAX_LINE_BYTES: usize = 1 << 20;
/// Servers a trace may declare: what the page can draw.
pub const MAX_TRACE_SERVERS: usize = crate::raft::MAX_NODES as usize;
/// Distinct clients and keys a trace may name (each gets a small number).
pub const MAX_TRACE_CLIENTS: usize = 4096;
pub const MAX_TRACE_KEYS: usize = 256;
/// A trace without times plays one line per this much time (a line is a millisecond), so the
/// page's clock and speed mean the same for it as for a timed trace.
pub const LOGICAL_LINE_US: u64 = 1_000;
/// Longest log a trace may describe: entries are modelled one by one (24 bytes each per
/// server, and as much again in the checks), so this bounds what a single line can make the
/// page allocate.
pub const MAX_TRACE_LOG: u64 = 1_000_000;

/// Why a trace could not be read: where, which field, and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceError {
    pub line: u64,
    /// The member that was wrong, when one was (`msg.term` for nested ones).
    pub field: Option<String>,
    pub message: String,
}

impl TraceError {
    pub fn new(line: u64, field: Option<&str>, message: impl Into<String>) -> TraceError {
        TraceError { line, field: field.map(str::to_string), message: message.into() }
    }
}

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "line {}: field `{field}`: {}", self.line, self.message),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

impl std::error::Error for TraceError {}

/// How sentences name a server the trace calls `name`: as it is, or `n7` for a bare number
/// (etcd's node ids), as the page labels servers.
pub fn display_name(name: &str) -> String {
    if !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit()) { format!("n{name}") } else { name.to_string() }
}

/// Reads a whole trace from text: every record, or the first error with the records before it
/// (the page keeps a trace loaded up to a bad line).
pub fn read_all(text: &str) -> (TraceReader<&[u8]>, Vec<Record>, Option<TraceError>) {
    let mut reader = TraceReader::new(text.as_bytes());
    let mut records = Vec::new();
    loop {
        match reader.next_record() {
            Ok(Some(r)) => records.push(r),
            Ok(None) => return (reader, records, None),
            Err(e) => return (reader, records, Some(e)),
        }
    }
}
