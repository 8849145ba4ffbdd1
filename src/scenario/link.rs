//! Share links: a scenario, the simulated time and the speed, packed into a URL fragment.
//!
//! Format 6 (current) is format 5 with one more field after the speed: the run is shown beside
//! a second one with one switch flipped (`scenario::compare`): 0 none, 1 PreVote,
//! 2 CheckQuorum, 3 ReadIndex reads, 4 aligned timers, 16 + n the bug whose switch is bit n.
//! Formats 1–5 decode with no comparison.
//!
//! Format 5 is format 4 with two more things, and reads the same way: the behaviour
//! field may also set bit 1, leader stickiness once the configuration has changed
//! (`raft::Config::sticky_after_change`; links made now set both bits), and one more
//! intervention, 23 restore a cut link (from, to).
//!
//! Format 4 is format 3 with one more field after the client keys: 1 when clients retry
//! carefully (`ClientConfig::careful_retries`), 0 for the old retries. Formats 1–3 decode with
//! both behaviour bits off. Links made between stops 12 and 13 carry format 5's contents under
//! version 4 (the field was widened in place then), so format 4 reads them as format 5 does;
//! both kinds are pinned in `tests/fixtures/links-v4.txt`.

//! Format 3 is format 2 with the snapshot threshold after the protocol field (entries,
//! 0 = never), a sixth bug switch (`config-change-before-term-commit`), and membership
//! interventions: 20 add a server, 21 remove a server (server), 22 replace (count, servers,
//! new servers). Server ids are checked against the servers that exist at that point of the
//! list (the cluster size plus those added before).
//!
//! Format 2 is format 1 with a protocol field after the bug bits (bit 0 PreVote,
//! bit 1 CheckQuorum, bit 2 ReadIndex reads), a fifth bug switch (`stale-read`), and two more
//! interventions: 17 transfer leadership (server), 18 set protocol (the same bits), 19 a client
//! command (server, kind 1 put / 2 append / 3 get, key byte, value varint). Format-1
//! links still decode, with every new switch off, and replay exactly as before.
//!
//! Format 1: `#s=` then base64url (no padding) of
//! `version (1 byte) · length of what follows the length, before the checksum (varint) · fields
//! as LEB128 varints · interventions · checksum (4 bytes)`; the length tells a link that was cut
//! short from one that was changed.
//! Fields, in order: cluster size, seed, election timeout min and max, heartbeat, entries per
//! AppendEntries, log limit, bug bits, latency min and max, loss ppm, duplication ppm, client
//! count, interval, timeout and keys, simulated time, speed in ppm, and the number of
//! interventions; then each intervention as (microseconds since the previous one, tag, args).
//! The checksum is FNV-1a (32 bits) of everything before it. All times are integer
//! microseconds; nothing is a float or a `usize`.
//!
//! A link is untrusted input: its length is capped before anything is decoded, every count is
//! checked against the bytes that remain before anything is allocated, every value against its
//! range, and the result against `Scenario::validate`. Nothing is decompressed. Old formats must
//! keep decoding: `tests/links.rs` replays a fixture of links of every version.

use std::fmt;

use super::compare::Switch;
use super::{Scenario, Timed};
use crate::raft::{Bug, Bugs, Config, MAX_NODES, Op, ReadMode, Time};
use crate::sim::intervention::limits;
use crate::sim::{ClientConfig, Intervention, MAX_SIM_TIME_US, NetConfig, SimConfig};

pub const VERSION: u8 = 6;
/// The oldest format this version still opens.
pub const OLDEST_VERSION: u8 = 1;
/// Longest fragment accepted, in characters.
pub const MAX_LINK_CHARS: usize = 8_192;
/// Most interventions a link may carry.
pub const MAX_LINK_INTERVENTIONS: u64 = 2_000;
pub const PREFIX: &str = "s=";

/// Everything a link restores.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub scenario: Scenario,
    /// The sender's simulated time: the receiver runs to it and pauses.
    pub time_us: Time,
    /// Simulated per wall time, in parts per million (1/1000× = 1000, 1× = 1_000_000).
    pub speed_ppm: u32,
    /// Shown beside a second run with this switch flipped (format 6 on).
    pub compare: Option<Switch>,
}

/// A comparison's switch as format 6 writes it (0: none).
fn compare_code(compare: Option<Switch>) -> u64 {
    match compare {
        None => 0,
        Some(Switch::PreVote) => 1,
        Some(Switch::CheckQuorum) => 2,
        Some(Switch::ReadIndex) => 3,
        Some(Switch::AlignedTimers) => 4,
        Some(Switch::Bug(b)) => 16 + bug_bit(b),
    }
}

/// The bug's bit in the links' bug field.
fn bug_bit(b: Bug) -> u64 {
    u64::from(Bugs::none().with(b).bits().trailing_zeros())
}

fn read_compare(r: &mut Reader) -> Result<Option<Switch>, LinkError> {
    let bugs = Bug::ALL.len() as u64;
    let code = r.ranged("the comparison", 0, 15 + bugs)?;
    let bug = |n: u64| Bug::ALL.into_iter().find(|&b| bug_bit(b) == n);
    Ok(match code {
        0 => None,
        1 => Some(Switch::PreVote),
        2 => Some(Switch::CheckQuorum),
        3 => Some(Switch::ReadIndex),
        4 => Some(Switch::AlignedTimers),
        16.. => Some(Switch::Bug(bug(code - 16).ok_or(LinkError::OutOfRange {
            field: "the comparison",
            value: code,
            allowed: format!("0–4 or 16–{}", 15 + bugs),
        })?)),
        _ => {
            return Err(LinkError::OutOfRange {
                field: "the comparison",
                value: code,
                allowed: format!("0–4 or 16–{}", 15 + bugs),
            });
        }
    })
}

/// Why a link cannot be opened; each variant explains itself to a person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkError {
    Empty,
    TooLong { chars: usize },
    BadCharacter { position: usize },
    Truncated,
    Checksum,
    Version { found: u8 },
    OutOfRange { field: &'static str, value: u64, allowed: String },
    UnknownIntervention { tag: u8 },
    TooMany { count: u64 },
    TrailingData,
    Invalid(String),
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkError::Empty => write!(f, "This link holds no scenario (nothing after “#s=”)."),
            LinkError::TooLong { chars } => {
                write!(f, "This link is {chars} characters long; scenario links are at most {MAX_LINK_CHARS}.")
            }
            LinkError::BadCharacter { position } => write!(
                f,
                "This link contains a character that links never use (at position {position}); \
                 only letters, digits, “-” and “_” may follow “#s=”."
            ),
            LinkError::Truncated => {
                write!(f, "This link is cut short: it ends in the middle of the scenario. Was it copied completely?")
            }
            LinkError::Checksum => {
                write!(f, "This link is damaged: its checksum does not match, so a character was changed or lost.")
            }
            LinkError::Version { found } => write!(
                f,
                "This link uses scenario format {found}, which this version of the playground does not know (it reads formats {OLDEST_VERSION} to {VERSION})."
            ),
            LinkError::OutOfRange { field, value, allowed } => {
                write!(f, "This link sets {field} to {value}, but it must be {allowed}.")
            }
            LinkError::UnknownIntervention { tag } => {
                write!(f, "This link contains an unknown kind of intervention ({tag}).")
            }
            LinkError::TooMany { count } => {
                write!(f, "This link claims {count} interventions; a link holds at most {MAX_LINK_INTERVENTIONS}.")
            }
            LinkError::TrailingData => write!(f, "This link has extra data after the scenario."),
            LinkError::Invalid(why) => write!(f, "This link describes an impossible scenario: {why}."),
        }
    }
}

fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811C_9DC5u32, |h, &b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 4 / 3 + 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, &b)| acc | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
}

fn base64_decode(text: &str) -> Result<Vec<u8>, LinkError> {
    let mut bits = 0u32;
    let mut nbits = 0;
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for (i, c) in text.bytes().enumerate() {
        let v = ALPHABET.iter().position(|&a| a == c).ok_or(LinkError::BadCharacter { position: i + 1 })? as u32;
        bits = bits << 6 | v;
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            out.push((bits >> nbits) as u8);
            bits &= (1 << nbits) - 1;
        }
    }
    if text.len() % 4 == 1 {
        return Err(LinkError::Truncated);
    }
    Ok(out)
}

struct Writer(Vec<u8>);

impl Writer {
    fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.0.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }
    fn byte(&mut self, b: u8) {
        self.0.push(b);
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> Result<u8, LinkError> {
        let b = *self.bytes.get(self.at).ok_or(LinkError::Truncated)?;
        self.at += 1;
        Ok(b)
    }
    fn varint(&mut self) -> Result<u64, LinkError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            if shift == 63 && b > 1 {
                break;
            }
            v |= u64::from(b & 0x7F) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(LinkError::Invalid("a number in it is too large".into()))
    }
    fn ranged(&mut self, field: &'static str, lo: u64, hi: u64) -> Result<u64, LinkError> {
        let value = self.varint()?;
        if (lo..=hi).contains(&value) {
            Ok(value)
        } else {
            Err(LinkError::OutOfRange { field, value, allowed: format!("between {lo} and {hi}") })
        }
    }
    fn ranged_byte(&mut self, field: &'static str, lo: u8, hi: u8) -> Result<u8, LinkError> {
        let value = self.byte()?;
        if (lo..=hi).contains(&value) {
            Ok(value)
        } else {
            Err(LinkError::OutOfRange { field, value: u64::from(value), allowed: format!("between {lo} and {hi}") })
        }
    }
    fn remaining(&self) -> usize {
        self.bytes.len() - self.at
    }
}

/// The fragment (without `#`) for a link.
pub fn encode(link: &Link) -> String {
    encode_as(link, VERSION)
}

/// The fragment as format `version` (5 or later) writes it: the page recognises a preset's
/// links of the previous format too (`ui::story::preset_of_link`).
pub fn encode_as(link: &Link, version: u8) -> String {
    assert!((5..=VERSION).contains(&version), "links are written as format 5 or later");
    assert!(version >= 6 || link.compare.is_none(), "format 5 carries no comparison");
    let mut w = Writer(vec![version]);
    let c = &link.scenario.config;
    let r = &c.raft;
    for v in [
        u64::from(c.nodes),
        c.seed,
        r.election_timeout_min_us,
        r.election_timeout_max_us,
        r.heartbeat_interval_us,
        u64::from(r.max_entries_per_append),
        r.max_log_len,
        u64::from(r.bugs.bits()),
        protocol_bits(r.pre_vote, r.check_quorum, r.read_mode),
        r.snapshot_every,
        c.net.latency_min_us,
        c.net.latency_max_us,
        u64::from(c.net.loss_ppm),
        u64::from(c.net.dup_ppm),
        u64::from(c.clients.count),
        c.clients.interval_us,
        c.clients.timeout_us,
        u64::from(c.clients.keys),
        u64::from(c.clients.careful_retries) | u64::from(r.sticky_after_change) << 1,
        link.time_us,
        u64::from(link.speed_ppm),
    ] {
        w.varint(v);
    }
    if version >= 6 {
        w.varint(compare_code(link.compare));
    }
    w.varint(link.scenario.interventions.len() as u64);
    let mut last = 0;
    for t in &link.scenario.interventions {
        w.varint(t.at_us - last);
        last = t.at_us;
        write_intervention(&mut w, &t.what);
    }
    let body = w.0.split_off(1);
    w.varint(body.len() as u64);
    w.0.extend_from_slice(&body);
    let sum = fnv1a(&w.0);
    w.0.extend_from_slice(&sum.to_be_bytes());
    format!("{PREFIX}{}", base64_encode(&w.0))
}

fn write_intervention(w: &mut Writer, what: &Intervention) {
    use Intervention::*;
    let node = |w: &mut Writer, tag: u8, n: u8| {
        w.byte(tag);
        w.byte(n);
    };
    match what {
        Crash(n) => node(w, 1, *n),
        Restart(n) => node(w, 2, *n),
        Timeout(n) => node(w, 3, *n),
        Request(n) => node(w, 4, *n),
        DropMessage(id) => {
            w.byte(5);
            w.varint(*id);
        }
        Isolate(n) => node(w, 6, *n),
        Rejoin(n) => node(w, 7, *n),
        Cut { from, to } => {
            node(w, 8, *from);
            w.byte(*to);
        }
        Mend { from, to } => {
            node(w, 23, *from);
            w.byte(*to);
        }
        Partition(groups) => {
            w.byte(9);
            groups.iter().for_each(|&g| w.byte(g));
        }
        Heal => w.byte(10),
        AlignTimers => w.byte(11),
        SpreadTimers => w.byte(12),
        SetNetwork(n) => {
            w.byte(13);
            [n.latency_min_us, n.latency_max_us, u64::from(n.loss_ppm), u64::from(n.dup_ppm)]
                .into_iter()
                .for_each(|v| w.varint(v));
        }
        SetTiming { election_timeout_min_us, election_timeout_max_us, heartbeat_interval_us } => {
            w.byte(14);
            [*election_timeout_min_us, *election_timeout_max_us, *heartbeat_interval_us]
                .into_iter()
                .for_each(|v| w.varint(v));
        }
        SetBug { bug, on } => {
            w.byte(15);
            w.byte(*bug as u8);
            w.byte(u8::from(*on));
        }
        StopClients => w.byte(16),
        Transfer(n) => node(w, 17, *n),
        SetProtocol { pre_vote, check_quorum, read_mode } => {
            w.byte(18);
            w.varint(protocol_bits(*pre_vote, *check_quorum, *read_mode));
        }
        AddServer => w.byte(20),
        RemoveServer(n) => node(w, 21, *n),
        Replace { remove, add } => {
            w.byte(22);
            w.byte(remove.len() as u8);
            remove.iter().for_each(|&n| w.byte(n));
            w.byte(*add);
        }
        ClientOp { node: n, op } => {
            node(w, 19, *n);
            let (kind, key, value) = op.code();
            w.byte(kind);
            w.byte(key);
            w.varint(u64::from(value));
        }
    }
}

/// A client command: kind (1 put, 2 append, 3 get), key (0–25), value.
fn read_op(r: &mut Reader) -> Result<Op, LinkError> {
    let kind = r.byte()?;
    let key = r.ranged_byte("a key", 0, 25)?;
    let value = r.ranged("a value", 0, u64::from(u32::MAX))? as u32;
    match kind {
        1 => Ok(Op::Put { key, value }),
        2 => Ok(Op::Append { key, value }),
        3 => Ok(Op::Get { key }),
        other => {
            Err(LinkError::OutOfRange { field: "a command kind", value: u64::from(other), allowed: "1, 2 or 3".into() })
        }
    }
}

fn protocol_bits(pre_vote: bool, check_quorum: bool, read_mode: ReadMode) -> u64 {
    u64::from(pre_vote) | u64::from(check_quorum) << 1 | u64::from(read_mode == ReadMode::ReadIndex) << 2
}

/// PreVote, CheckQuorum and the read mode from their bits.
fn read_protocol(r: &mut Reader) -> Result<(bool, bool, ReadMode), LinkError> {
    let bits = r.ranged("the protocol switches", 0, 7)?;
    let mode = if bits & 4 != 0 { ReadMode::ReadIndex } else { ReadMode::Log };
    Ok((bits & 1 != 0, bits & 2 != 0, mode))
}

/// How many bug switches a format knows.
fn bug_count(version: u8) -> usize {
    match version {
        1 => Bug::FORMAT1_COUNT,
        2 => Bug::FORMAT2_COUNT,
        _ => Bug::ALL.len(),
    }
}

/// Wraps raw bytes as the fields of a format-1 link, with a correct length and checksum, so
/// tests and fuzzers can reach the field decoders with arbitrary content.
pub fn wrap_payload(fields: &[u8]) -> String {
    wrap_payload_version(VERSION, fields)
}

/// `wrap_payload` for a given format version.
pub fn wrap_payload_version(version: u8, fields: &[u8]) -> String {
    let mut w = Writer(vec![version]);
    w.varint(fields.len() as u64);
    w.0.extend_from_slice(fields);
    let sum = fnv1a(&w.0);
    w.0.extend_from_slice(&sum.to_be_bytes());
    format!("{PREFIX}{}", base64_encode(&w.0))
}

/// LEB128 varints, as the link format writes numbers (for building test links).
pub fn varints(values: &[u64]) -> Vec<u8> {
    let mut w = Writer(Vec::new());
    values.iter().for_each(|&v| w.varint(v));
    w.0
}

/// Accepts a whole URL, a fragment with or without `#`, or just the `s=…` part.
pub fn decode(input: &str) -> Result<Link, LinkError> {
    if input.len() > MAX_LINK_CHARS + 2048 {
        return Err(LinkError::TooLong { chars: input.chars().count() });
    }
    let fragment = input.rsplit_once('#').map_or(input, |(_, f)| f).trim();
    let body = fragment.strip_prefix(PREFIX).unwrap_or(fragment);
    if body.is_empty() {
        return Err(LinkError::Empty);
    }
    if body.len() > MAX_LINK_CHARS {
        return Err(LinkError::TooLong { chars: body.chars().count() });
    }
    let bytes = base64_decode(body)?;
    let mut header = Reader { bytes: &bytes, at: 0 };
    let version = header.byte()?;
    if !(OLDEST_VERSION..=VERSION).contains(&version) {
        return Err(LinkError::Version { found: version });
    }
    let declared = header.varint()?;
    let expected = (header.at as u64).saturating_add(declared).saturating_add(4);
    if (bytes.len() as u64) < expected {
        return Err(LinkError::Truncated);
    }
    if bytes.len() as u64 > expected {
        return Err(LinkError::TrailingData);
    }
    let (payload, sum) = bytes.split_at(bytes.len() - 4);
    if fnv1a(payload).to_be_bytes() != sum {
        return Err(LinkError::Checksum);
    }
    let mut r = Reader { bytes: payload, at: header.at };
    let link = read_link(&mut r, version)?;
    if r.remaining() > 0 {
        return Err(LinkError::TrailingData);
    }
    link.scenario.validate().map_err(LinkError::Invalid)?;
    Ok(link)
}

fn read_config(r: &mut Reader, version: u8) -> Result<SimConfig, LinkError> {
    use limits::*;
    let nodes = r.ranged("the cluster size", 1, u64::from(MAX_NODES))? as u8;
    let seed = r.varint()?;
    let mut raft = Config {
        election_timeout_min_us: r.ranged("the minimum election timeout (µs)", TIMEOUT_MIN_US, TIMEOUT_MAX_US)?,
        election_timeout_max_us: r.ranged("the maximum election timeout (µs)", TIMEOUT_MIN_US, TIMEOUT_MAX_US)?,
        heartbeat_interval_us: r.ranged("the heartbeat interval (µs)", TIMEOUT_MIN_US, TIMEOUT_MAX_US)?,
        max_entries_per_append: r.ranged("entries per AppendEntries", 1, 1024)? as u32,
        max_log_len: r.ranged("the log limit", 1, 1_000_000)?,
        bugs: Bugs::from_bits(r.ranged("the bug switches", 0, (1 << bug_count(version)) - 1)? as u8)
            .unwrap_or_default(),
        ..Config::default()
    };
    if version >= 2 {
        (raft.pre_vote, raft.check_quorum, raft.read_mode) = read_protocol(r)?;
    }
    raft.snapshot_every = match version {
        1 | 2 => 0,
        _ => r.ranged("the snapshot threshold (entries)", 0, 1_000_000)?,
    };
    let net = NetConfig {
        latency_min_us: r.ranged("the minimum latency (µs)", 0, LATENCY_MAX_US)?,
        latency_max_us: r.ranged("the maximum latency (µs)", 0, LATENCY_MAX_US)?,
        loss_ppm: r.ranged("the loss (parts per million)", 0, u64::from(PPM_MAX))? as u32,
        dup_ppm: r.ranged("the duplication (parts per million)", 0, u64::from(PPM_MAX))? as u32,
    };
    let mut clients = ClientConfig {
        count: r.ranged("the number of clients", 0, 16)? as u8,
        interval_us: r.ranged("the client interval (µs)", TIMEOUT_MIN_US, TIMEOUT_MAX_US)?,
        timeout_us: r.ranged("the client timeout (µs)", TIMEOUT_MIN_US, TIMEOUT_MAX_US)?,
        keys: r.ranged("the number of keys", 1, 26)? as u8,
        careful_retries: false,
    };
    if version >= 4 {
        let fixes = r.ranged("the behaviour fixes", 0, 3)?;
        clients.careful_retries = fixes & 1 != 0;
        raft.sticky_after_change = fixes & 2 != 0;
    } else {
        raft.sticky_after_change = false;
    }
    Ok(SimConfig { nodes, seed, raft, net, clients })
}

fn read_link(r: &mut Reader, version: u8) -> Result<Link, LinkError> {
    let config = read_config(r, version)?;
    let time_us = r.ranged("the simulated time (µs)", 0, MAX_SIM_TIME_US)?;
    let speed_ppm = r.ranged("the speed (ppm)", 1_000, 10_000_000)? as u32;
    let compare = if version >= 6 { read_compare(r)? } else { None };
    let count = r.varint()?;
    // Every intervention takes at least two bytes: refuse counts the data cannot hold before
    // allocating anything for them.
    if count > MAX_LINK_INTERVENTIONS || count > r.remaining() as u64 / 2 {
        return Err(LinkError::TooMany { count });
    }
    let mut interventions = Vec::with_capacity(count as usize);
    let mut at_us: Time = 0;
    let mut servers = config.nodes;
    for _ in 0..count {
        let delta = r.varint()?;
        at_us = at_us.checked_add(delta).filter(|&t| t <= MAX_SIM_TIME_US).ok_or(LinkError::OutOfRange {
            field: "an intervention's time (µs)",
            value: at_us.saturating_add(delta),
            allowed: format!("at most {MAX_SIM_TIME_US} (one day)"),
        })?;
        let what = read_intervention(r, servers, version)?;
        servers = what.servers_after(servers);
        interventions.push(Timed { at_us, what });
    }
    if interventions.last().is_some_and(|t| t.at_us > time_us) {
        return Err(LinkError::Invalid("an intervention happens after the link's own time".into()));
    }
    Ok(Link { scenario: Scenario { config, interventions }, time_us, speed_ppm, compare })
}

fn read_intervention(r: &mut Reader, nodes: u8, version: u8) -> Result<Intervention, LinkError> {
    use Intervention::*;
    let node = |r: &mut Reader| -> Result<u8, LinkError> {
        let n = r.byte()?;
        if (1..=nodes).contains(&n) {
            Ok(n)
        } else {
            Err(LinkError::OutOfRange {
                field: "a server id",
                value: u64::from(n),
                allowed: format!("between 1 and {nodes}"),
            })
        }
    };
    let tag = r.byte()?;
    Ok(match tag {
        1 => Crash(node(r)?),
        2 => Restart(node(r)?),
        3 => Timeout(node(r)?),
        4 => Request(node(r)?),
        5 => DropMessage(r.varint()?),
        6 => Isolate(node(r)?),
        7 => Rejoin(node(r)?),
        8 => Cut { from: node(r)?, to: node(r)? },
        9 => Partition((0..nodes).map(|_| r.byte()).collect::<Result<_, _>>()?),
        10 => Heal,
        11 => AlignTimers,
        12 => SpreadTimers,
        13 => SetNetwork(NetConfig {
            latency_min_us: r.ranged("a latency (µs)", 0, limits::LATENCY_MAX_US)?,
            latency_max_us: r.ranged("a latency (µs)", 0, limits::LATENCY_MAX_US)?,
            loss_ppm: r.ranged("a loss (ppm)", 0, u64::from(limits::PPM_MAX))? as u32,
            dup_ppm: r.ranged("a duplication (ppm)", 0, u64::from(limits::PPM_MAX))? as u32,
        }),
        14 => SetTiming {
            election_timeout_min_us: r.ranged(
                "an election timeout (µs)",
                limits::TIMEOUT_MIN_US,
                limits::TIMEOUT_MAX_US,
            )?,
            election_timeout_max_us: r.ranged(
                "an election timeout (µs)",
                limits::TIMEOUT_MIN_US,
                limits::TIMEOUT_MAX_US,
            )?,
            heartbeat_interval_us: r.ranged(
                "a heartbeat interval (µs)",
                limits::TIMEOUT_MIN_US,
                limits::TIMEOUT_MAX_US,
            )?,
        },
        15 => {
            let bug = r.byte()?;
            let known = &Bug::ALL[..bug_count(version)];
            let bug = *known.get(usize::from(bug)).ok_or(LinkError::OutOfRange {
                field: "a bug switch",
                value: u64::from(bug),
                allowed: format!("below {}", known.len()),
            })?;
            SetBug { bug, on: r.byte()? != 0 }
        }
        16 => StopClients,
        17 if version >= 2 => Transfer(node(r)?),
        18 if version >= 2 => {
            let (pre_vote, check_quorum, read_mode) = read_protocol(r)?;
            SetProtocol { pre_vote, check_quorum, read_mode }
        }
        19 if version >= 2 => ClientOp { node: node(r)?, op: read_op(r)? },
        20 if version >= 3 => AddServer,
        21 if version >= 3 => RemoveServer(node(r)?),
        22 if version >= 3 => {
            let count = r.ranged_byte("the servers a replacement removes", 0, MAX_NODES)?;
            let remove = (0..count).map(|_| node(r)).collect::<Result<_, _>>()?;
            Replace { remove, add: r.ranged_byte("the servers a replacement adds", 0, MAX_NODES)? }
        }
        23 if version >= 4 => Mend { from: node(r)?, to: node(r)? },
        tag => return Err(LinkError::UnknownIntervention { tag }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::presets::PRESETS;

    fn sample() -> Link {
        let mut scenario = (PRESETS[0].build)(99);
        scenario.interventions.push(Timed { at_us: 1_000_000, what: Intervention::DropMessage(12_345) });
        scenario.interventions.push(Timed {
            at_us: 1_200_000,
            what: Intervention::SetNetwork(NetConfig {
                latency_min_us: 1,
                latency_max_us: 9_000,
                loss_ppm: 5,
                dup_ppm: 0,
            }),
        });
        scenario
            .interventions
            .push(Timed { at_us: 1_300_000, what: Intervention::SetBug { bug: Bug::VoteIgnoresLog, on: true } });
        Link { scenario, time_us: 1_400_000, speed_ppm: 20_000, compare: None }
    }

    #[test]
    fn round_trip() {
        let link = sample();
        let text = encode(&link);
        assert!(text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b's' || b == b'='));
        assert_eq!(decode(&text), Ok(link.clone()));
        assert_eq!(decode(&format!("https://example.org/raft/#{text}")), Ok(link));
    }

    #[test]
    fn twenty_interventions_fit_well_under_a_thousand_characters() {
        let mut link = sample();
        link.scenario.interventions.truncate(0);
        for i in 0..20u64 {
            let what = if i % 2 == 0 {
                Intervention::Crash(1 + (i % 5) as u8)
            } else {
                Intervention::Restart(1 + (i % 5) as u8)
            };
            link.scenario.interventions.push(Timed { at_us: 10_000 + i * 123_457, what });
        }
        link.time_us = 5_000_000;
        let text = encode(&link);
        assert!(text.len() < 300, "{} characters", text.len());
    }

    #[test]
    fn each_kind_of_damage_has_its_own_message() {
        let good = encode(&sample());
        let body = &good[2..];
        let cases: Vec<(String, &str)> = vec![
            (String::new(), "no scenario"),
            ("s=".to_string(), "no scenario"),
            (format!("s={}", &body[..body.len() / 2]), "cut short"),
            (format!("s={body}AAAA"), "extra data"),
            (format!("s={}", &body[..3]), "cut short"),
            (format!("s=<script>alert(1)</script>{body}"), "character that links never use"),
            (format!("s={}", "A".repeat(MAX_LINK_CHARS + 10)), "characters long"),
            (flip(body, 10), "checksum"),
        ];
        for (input, expected) in cases {
            let err = decode(&input).expect_err(&input).to_string();
            assert!(err.contains(expected), "{input:.40}: expected '{expected}' in '{err}'");
        }
    }

    fn flip(body: &str, at: usize) -> String {
        let mut chars: Vec<char> = body.chars().collect();
        chars[at] = if chars[at] == 'A' { 'B' } else { 'A' };
        format!("s={}", chars.into_iter().collect::<String>())
    }

    #[test]
    fn forged_links_are_checked_field_by_field() {
        let header = |interventions: u64| {
            let mut h = varints(&[
                5, 1, 150_000, 300_000, 50_000, 64, 1000, 0, 0, 0, 10_000, 20_000, 0, 0, 0, 300_000, 500_000, 3, 3,
            ]);
            h.extend(varints(&[900_000, 20_000, 0, interventions]));
            h
        };
        let with = |extra: &[u8], count: u64| [header(count), extra.to_vec()].concat();
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (vec![40], "cluster size to 40"),
            (vec![3, 1, 0x80, 0x80], "cut short"),
            (vec![3, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F], "too large"),
            (with(&[], 1_000_000), "claims 1000000 interventions"),
            (with(&[10, 1, 9], 1), "sets a server id to 9"),
            (with(&[10, 77, 1], 1), "unknown kind of intervention"),
            (with(&[0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 1, 1], 1), "an intervention's time"),
            (with(&[10, 1, 1, 10, 1, 2], 2), ""),
            (with(&[0x80, 0xE2, 0x3C, 1, 1], 1), "after the link's own time"),
            (
                [varints(&[
                    5, 1, 150_000, 300_000, 50_000, 64, 1000, 0, 0, 0, 10_000, 20_000, 0, 0, 0, 300_000, 500_000, 3, 4,
                ])]
                .concat(),
                "the behaviour fixes",
            ),
        ];
        for (fields, expected) in cases {
            match (expected, decode(&wrap_payload(&fields))) {
                ("", Ok(_)) => {}
                ("", Err(e)) => panic!("{fields:?} should decode: {e}"),
                (_, Ok(_)) => panic!("{fields:?} should be refused with '{expected}'"),
                (_, Err(e)) => assert!(e.to_string().contains(expected), "{fields:?}: expected '{expected}' in '{e}'"),
            }
        }
        let mut newer = base64_decode(&wrap_payload(&[1])[2..]).expect("valid base64");
        newer[0] = 9;
        let err = decode(&format!("s={}", base64_encode(&newer))).expect_err("version").to_string();
        assert!(err.contains("format 9"), "{err}");
    }
}
