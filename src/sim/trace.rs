//! The trace: typed events in the order they happened, a stable 64-bit hash over all of them,
//! and a one-line rendering shared by the command line and the UI.
//!
//! The hash is what "the same run" means: equal seeds and interventions must give equal hashes
//! natively and in every browser. It is computed from explicit field encodings (never `Debug`
//! text or `std::hash`, whose output may differ between targets), mixing each 64-bit word
//! FxHash-style and finishing with a SplitMix64 avalanche.

use std::fmt::Write as _;

use serde::Serialize;

use super::Intervention;
use super::client::Output;
use super::network::{DropReason, Endpoint, PacketKind};
use crate::raft::{Index, NodeId, Op, RoleKind, Term, Time};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum TraceEvent {
    /// `success` is a reply's verdict (vote granted, entries accepted), `None` for requests.
    Sent {
        id: u64,
        from: Endpoint,
        to: Endpoint,
        kind: PacketKind,
        success: Option<bool>,
        deliver_at_us: Time,
    },
    Delivered {
        id: u64,
    },
    Dropped {
        id: u64,
        reason: DropReason,
    },
    Role {
        node: NodeId,
        role: RoleKind,
        term: Term,
    },
    Voted {
        node: NodeId,
        candidate: NodeId,
        term: Term,
    },
    Appended {
        node: NodeId,
        first: Index,
        last: Index,
    },
    Truncated {
        node: NodeId,
        from: Index,
    },
    Committed {
        node: NodeId,
        index: Index,
    },
    Applied {
        node: NodeId,
        index: Index,
    },
    ClientInvoke {
        client: u32,
        seq: u64,
        op: Op,
    },
    ClientSend {
        client: u32,
        seq: u64,
        to: NodeId,
        attempt: u32,
    },
    ClientReturn {
        client: u32,
        seq: u64,
        output: Output,
    },
    Crash {
        node: NodeId,
    },
    Restart {
        node: NodeId,
    },
    Intervention(Intervention),
    /// `node` compacted its log into a snapshot up to `index`, or installed the leader's.
    Snapshot {
        node: NodeId,
        index: Index,
        installed: bool,
    },
    /// The configuration in force on `node` is now the one at log index `index` (0: initial).
    Membership {
        node: NodeId,
        index: Index,
    },
    /// A leader started (`started`) or gave up a leadership transfer to `target`.
    Transfer {
        node: NodeId,
        target: NodeId,
        started: bool,
    },
}

#[derive(Clone, Debug)]
struct Mixer(u64);

impl Mixer {
    #[inline(always)]
    fn word(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x51_7C_C1_B7_27_22_0A_95);
    }
    fn finish(&self) -> u64 {
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

fn endpoint_code(e: Endpoint) -> u64 {
    match e {
        Endpoint::Node(n) => u64::from(n),
        Endpoint::Client(c) => (1 << 32) | u64::from(c),
    }
}

fn op_code(op: Op) -> [u64; 3] {
    match op {
        Op::Put { key, value } => [1, u64::from(key), u64::from(value)],
        Op::Append { key, value } => [2, u64::from(key), u64::from(value)],
        Op::Get { key } => [3, u64::from(key), 0],
    }
}

impl TraceEvent {
    #[inline(always)]
    fn hash_into(&self, m: &mut Mixer) {
        use TraceEvent::*;
        let words: &[u64] = match *self {
            Sent { id, from, to, kind, success, deliver_at_us } => {
                let verdict = success.map_or(0, |ok| 1 + u64::from(ok));
                &[1, id, endpoint_code(from), endpoint_code(to), kind.code(), verdict, deliver_at_us]
            }
            Delivered { id } => &[2, id],
            Dropped { id, reason } => &[3, id, reason as u64],
            Role { node, role, term } => &[4, u64::from(node), role as u64, term],
            Voted { node, candidate, term } => &[5, u64::from(node), u64::from(candidate), term],
            Appended { node, first, last } => &[6, u64::from(node), first, last],
            Truncated { node, from } => &[7, u64::from(node), from],
            Committed { node, index } => &[8, u64::from(node), index],
            Applied { node, index } => &[9, u64::from(node), index],
            ClientInvoke { client, seq, op } => {
                let [a, b, c] = op_code(op);
                &[10, u64::from(client), seq, a, b, c]
            }
            ClientSend { client, seq, to, attempt } => &[11, u64::from(client), seq, u64::from(to), u64::from(attempt)],
            ClientReturn { client, seq, ref output } => {
                m.word(12);
                m.word(u64::from(client));
                m.word(seq);
                match output {
                    Output::Written => m.word(0),
                    Output::Value(v) => v.iter().for_each(|&x| m.word(u64::from(x) + 1)),
                }
                return;
            }
            Crash { node } => &[13, u64::from(node)],
            Restart { node } => &[14, u64::from(node)],
            Intervention(ref i) => {
                m.word(15);
                i.hash_words(&mut |w| m.word(w));
                return;
            }
            Transfer { node, target, started } => &[16, u64::from(node), u64::from(target), u64::from(started)],
            Membership { node, index } => &[17, u64::from(node), index],
            Snapshot { node, index, installed } => &[18, u64::from(node), index, u64::from(installed)],
        };
        words.iter().for_each(|&w| m.word(w));
    }

    /// One line a student can read, e.g. `n1 → n3 append-entries #17 (arrives 12.5 ms)`.
    pub fn render(&self) -> String {
        use TraceEvent::*;
        let ep = |e: Endpoint| match e {
            Endpoint::Node(n) => format!("n{n}"),
            Endpoint::Client(c) => format!("c{c}"),
        };
        match self {
            Sent { id, from, to, kind, success, deliver_at_us } => {
                let verdict = match success {
                    Some(true) => " +",
                    Some(false) => " −",
                    None => "",
                };
                let arrives = fmt_time(*deliver_at_us);
                format!("{} → {} {}{verdict} #{id} (arrives {arrives})", ep(*from), ep(*to), kind.name())
            }
            Delivered { id } => format!("#{id} delivered"),
            Dropped { id, reason } => format!("#{id} dropped: {}", reason.name()),
            Role { node, role, term } => format!("n{node} is {} in term {term}", role.name()),
            Voted { node, candidate, term } => format!("n{node} votes for n{candidate} in term {term}"),
            Appended { node, first, last } if first == last => {
                format!("n{node} appends entry {first}")
            }
            Appended { node, first, last } => format!("n{node} appends entries {first}–{last}"),
            Truncated { node, from } => format!("n{node} deletes entries from {from} on"),
            Committed { node, index } => format!("n{node} commits up to {index}"),
            Applied { node, index } => format!("n{node} applies entry {index}"),
            ClientInvoke { client, seq, op } => format!("c{client} invokes #{seq}: {op}"),
            ClientSend { client, seq, to, attempt } if *attempt == 0 => format!("c{client} sends #{seq} to n{to}"),
            ClientSend { client, seq, to, attempt } => {
                format!("c{client} retries #{seq} at n{to} (attempt {})", attempt + 1)
            }
            ClientReturn { client, seq, output } => format!("c{client} learns #{seq}: {}", render_output(output)),
            Crash { node } => format!("n{node} crashes"),
            Restart { node } => format!("n{node} restarts"),
            Intervention(i) => format!("user: {i}"),
            Transfer { node, target, started: true } => format!("n{node} hands leadership to n{target}"),
            Membership { node, index: 0 } => format!("n{node} is back to the initial configuration"),
            Snapshot { node, index, installed: false } => format!("n{node} snapshots its state up to {index}"),
            Snapshot { node, index, installed: true } => {
                format!("n{node} installs the leader's snapshot up to {index}")
            }
            Membership { node, index } => format!("n{node} now uses the configuration of entry {index}"),
            Transfer { node, target, started: false } => {
                format!("n{node} gives up handing leadership to n{target}")
            }
        }
    }
}

pub fn render_output(output: &Output) -> String {
    match output {
        Output::Written => "ok".to_string(),
        Output::Value(v) if v.is_empty() => "(empty)".to_string(),
        Output::Value(v) => {
            let mut s = String::new();
            for (i, x) in v.iter().enumerate() {
                let _ = write!(s, "{}{x}", if i == 0 { "" } else { "," });
            }
            s
        }
    }
}

/// `12.345 ms`-style simulated time.
pub fn fmt_time(us: Time) -> String {
    format!("{}.{:03} ms", us / 1000, us % 1000)
}

/// The hash of every event and the most recent ones in full.
#[derive(Clone, Debug)]
pub struct Trace {
    mixer: Mixer,
    count: u64,
    recent: Recent,
}

impl Trace {
    /// Keeps the last `keep` events (0 keeps none: the command line only needs the hash).
    pub fn new(keep: usize) -> Trace {
        Trace { mixer: Mixer(0x6A09_E667_F3BC_C908), count: 0, recent: Recent::new(keep) }
    }

    /// The same trace (hash, count, capacity) keeping only its newest `n` recent events.
    pub fn tail(&self, n: usize) -> Trace {
        Trace { mixer: self.mixer.clone(), count: self.count, recent: self.recent.newest(n) }
    }

    /// Inlined into each of its callers, each of which records one kind of event: the match in
    /// `hash_into` then folds away, the words are mixed straight from registers, and a run that
    /// keeps no recent events (the command line, swarms, benchmarks) never writes the event to
    /// memory. Out of line it was 11 % of a swarm's cycles, most of it reloading the event just
    /// written to pass it (perf annotate, issue 19).
    #[inline(always)]
    pub fn record(&mut self, now: Time, event: TraceEvent) {
        self.mixer.word(now);
        event.hash_into(&mut self.mixer);
        self.count += 1;
        if self.recent.keep > 0 {
            self.recent.push((now, event));
        }
    }

    pub fn hash(&self) -> u64 {
        self.mixer.finish()
    }

    pub fn hash_hex(&self) -> String {
        format!("{:016x}", self.hash())
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn recent(&self) -> &Recent {
        &self.recent
    }
}

/// The newest `keep` events, oldest first, in a ring that overwrites its oldest event once
/// full: one write per event where a deque popped and pushed (an eighth of what recording
/// cost, 1.5 % of a time-travel seek's instructions under callgrind; closing note of issue 10).
#[derive(Clone, Debug)]
pub struct Recent {
    events: Vec<(Time, TraceEvent)>,
    /// Where the oldest event is once the ring is full (0 until then).
    start: usize,
    keep: usize,
}

impl Recent {
    fn new(keep: usize) -> Recent {
        Recent { events: Vec::new(), start: 0, keep }
    }

    /// Only for a ring that keeps events (`Trace::record` asks, so that a trace keeping none
    /// never builds the tuple).
    #[inline(never)]
    fn push(&mut self, event: (Time, TraceEvent)) {
        if self.events.len() < self.keep {
            if self.events.len() == self.events.capacity() {
                // Doubling, but never past `keep`: a full ring holds no spare room.
                let more = self.events.len().max(16).min(self.keep - self.events.len());
                self.events.reserve_exact(more);
            }
            self.events.push(event);
        } else {
            self.events[self.start] = event;
            self.start = if self.start + 1 == self.keep { 0 } else { self.start + 1 };
        }
    }

    /// A copy of the newest `n` events that goes on keeping as many as this one.
    fn newest(&self, n: usize) -> Recent {
        let skip = self.len().saturating_sub(n);
        Recent { events: self.iter().skip(skip).cloned().collect(), start: 0, keep: self.keep }
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &(Time, TraceEvent)> + Clone {
        self.into_iter()
    }
}

impl<'a> IntoIterator for &'a Recent {
    type Item = &'a (Time, TraceEvent);
    type IntoIter =
        std::iter::Chain<std::slice::Iter<'a, (Time, TraceEvent)>, std::slice::Iter<'a, (Time, TraceEvent)>>;

    fn into_iter(self) -> Self::IntoIter {
        let (newer, older) = self.events.split_at(self.start);
        older.iter().chain(newer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(trace: &Trace) -> Vec<u64> {
        trace.recent().iter().map(|(t, _)| *t).collect()
    }

    #[test]
    fn the_ring_keeps_the_newest_events_oldest_first() {
        let mut trace = Trace::new(5);
        for t in 1..=3 {
            trace.record(t, TraceEvent::Delivered { id: t });
        }
        assert_eq!(ids(&trace), [1, 2, 3]);
        for t in 4..=12 {
            trace.record(t, TraceEvent::Delivered { id: t });
        }
        assert_eq!(ids(&trace), [8, 9, 10, 11, 12]);
        assert_eq!(trace.recent().iter().rev().map(|(t, _)| *t).collect::<Vec<_>>(), [12, 11, 10, 9, 8]);
        assert_eq!(trace.recent().events.capacity(), 5, "the ring does not double past what it keeps");
        let tail = trace.tail(2);
        assert_eq!((ids(&tail), tail.count(), tail.hash()), (vec![11, 12], 12, trace.hash()));
        let mut resumed = tail;
        for t in 13..=16 {
            resumed.record(t, TraceEvent::Delivered { id: t });
        }
        assert_eq!(ids(&resumed), [12, 13, 14, 15, 16], "a tail fills up to the whole capacity again");
        let mut none = Trace::new(0);
        none.record(1, TraceEvent::Delivered { id: 1 });
        assert!(none.recent().is_empty() && none.count() == 1);
    }
}
