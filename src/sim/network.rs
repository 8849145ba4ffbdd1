//! The simulated network: every packet has a stable id, a send time and a delivery time drawn
//! from the latency range, so packets reorder. Loss, duplication and partitions are decided by
//! the world's one generator; a packet that will not arrive still travels and is dropped at the
//! receiver's door, so the UI can show it vanish and the trace says why.

use std::collections::{BTreeSet, VecDeque};

use serde::{Deserialize, Serialize};

use super::client::ClientReply;
use crate::prng::Prng;
use crate::raft::{Envelope, Kind, NodeId, Op, Time};

/// Link behaviour. Probabilities are integer parts per million.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetConfig {
    pub latency_min_us: Time,
    pub latency_max_us: Time,
    pub loss_ppm: u32,
    pub dup_ppm: u32,
}

impl Default for NetConfig {
    fn default() -> NetConfig {
        NetConfig { latency_min_us: 10_000, latency_max_us: 20_000, loss_ppm: 0, dup_ppm: 0 }
    }
}

/// Parts per million as a percentage without floating point: 25 000 → "2.5".
pub fn fmt_percent(ppm: u32) -> String {
    let whole = ppm / 10_000;
    let frac = ppm % 10_000;
    if frac == 0 { format!("{whole}") } else { format!("{whole}.{:04}", frac).trim_end_matches('0').to_string() }
}

/// Packets in flight beyond this are dropped as `Overflow`, like a full router queue.
pub const MAX_IN_FLIGHT: usize = 20_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Endpoint {
    Node(NodeId),
    Client(u32),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Payload {
    Raft(Envelope),
    Request { client: u32, seq: u64, op: Op },
    Reply { client: u32, seq: u64, reply: ClientReply },
}

/// What a packet is, for traces, statistics and the UI (`data-msg`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum PacketKind {
    Raft(Kind),
    ClientRequest,
    ClientReply,
}

impl PacketKind {
    pub fn name(self) -> &'static str {
        match self {
            PacketKind::Raft(k) => k.name(),
            PacketKind::ClientRequest => "client-request",
            PacketKind::ClientReply => "client-reply",
        }
    }

    /// Stable code for the trace hash.
    pub fn code(self) -> u64 {
        match self {
            PacketKind::Raft(k) => k as u64,
            PacketKind::ClientRequest => 100,
            PacketKind::ClientReply => 101,
        }
    }
}

impl Payload {
    pub fn kind(&self) -> PacketKind {
        match self {
            Payload::Raft(env) => PacketKind::Raft(env.body.kind()),
            Payload::Request { .. } => PacketKind::ClientRequest,
            Payload::Reply { .. } => PacketKind::ClientReply,
        }
    }

    pub fn success(&self) -> Option<bool> {
        match self {
            Payload::Raft(env) => env.body.success(),
            Payload::Request { .. } => None,
            Payload::Reply { reply, .. } => Some(matches!(reply, ClientReply::Done(_))),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Packet {
    pub id: u64,
    pub from: Endpoint,
    pub to: Endpoint,
    pub sent_at_us: Time,
    pub deliver_at_us: Time,
    /// Decided at send time; the packet is dropped when it would have arrived.
    pub lost: bool,
    pub payload: Payload,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DropReason {
    Loss,
    Partition,
    NodeDown,
    Overflow,
    User,
    /// The receiver refused it as malformed; only a switched-on bug can make servers send such.
    Refused,
}

impl DropReason {
    pub fn name(self) -> &'static str {
        match self {
            DropReason::Loss => "lost",
            DropReason::Partition => "partition",
            DropReason::NodeDown => "node down",
            DropReason::Overflow => "queue full",
            DropReason::User => "dropped by user",
            DropReason::Refused => "refused as malformed",
        }
    }
}

/// The packets in flight, by id. Ids rise by one per packet, and every packet leaves at its
/// delivery time (or earlier, dropped by hand), at most `latency_max_us` after it was sent: the
/// live ids lie in a short window. A ring of slots indexed by `id - first`, with holes where a
/// packet left early, finds, adds and removes in constant time on the simulator's hottest path
/// (a search tree here was an eighth of a long time-travel seek), and iterates in id order.
/// The window spans the packets sent since the oldest one still in flight, and up to
/// `HOLES_KEPT` holes before it: with latencies drawn uniformly from zero up, about twice as
/// many slots as packets, and never more than were sent in `latency_max_us` (at most 10 s).
#[derive(Clone, Debug, Default)]
struct InFlight {
    first: u64,
    slots: VecDeque<Option<Packet>>,
    len: usize,
    /// How many slots at the front are holes (at most `HOLES_KEPT`).
    front_holes: usize,
}

/// Holes left at the front of the window until they are drained together.
const HOLES_KEPT: usize = 32;

// `#[inline(always)]` on the way a packet goes in and out: at opt-level "z" (what the page was
// built with until this crate moved to "s") these calls are not inlined, and each copies the
// 120-byte packet once more (3 % of a seek's instructions under callgrind).
impl InFlight {
    /// `packet.id` is above every id inserted before.
    #[inline(always)]
    fn insert(&mut self, packet: Packet) {
        if self.slots.is_empty() {
            self.first = packet.id;
        }
        let at = usize::try_from(packet.id - self.first).expect("the window fits in memory");
        debug_assert!(at >= self.slots.len(), "packet ids only rise");
        // Holes only where copies overflowed; the call itself was 1 % of a run when asked to
        // add none.
        if at > self.slots.len() {
            self.slots.resize_with(at, || None);
        }
        self.slots.push_back(Some(packet));
        self.len += 1;
    }

    fn slot(&self, id: u64) -> Option<usize> {
        usize::try_from(id.checked_sub(self.first)?).ok()
    }

    #[inline(always)]
    fn remove(&mut self, id: u64) -> Option<Packet> {
        let at = self.slot(id)?;
        let packet = self.slots.get_mut(at)?.take()?;
        self.len -= 1;
        if at == self.front_holes {
            self.front_holes += 1 + self.slots.range(at + 1..).take_while(|s| s.is_none()).count();
        }
        // Draining the front after every delivery was 3 % of a seek: holes go in batches.
        if self.front_holes > HOLES_KEPT || self.front_holes == self.slots.len() {
            self.slots.drain(..self.front_holes);
            self.first += self.front_holes as u64;
            self.front_holes = 0;
        }
        Some(packet)
    }

    fn get(&self, id: u64) -> Option<&Packet> {
        self.slots.get(self.slot(id)?)?.as_ref()
    }
}

#[derive(Clone, Debug)]
pub struct Network {
    pub config: NetConfig,
    in_flight: InFlight,
    next_id: u64,
    /// Partition group of each server (index = id); servers talk only within a group.
    groups: Vec<u8>,
    /// Directed links cut by the user: (from, to).
    cuts: BTreeSet<(NodeId, NodeId)>,
}

impl Network {
    pub fn new(config: NetConfig, nodes: u8) -> Network {
        Network {
            config,
            in_flight: InFlight::default(),
            next_id: 1,
            groups: vec![0; usize::from(nodes) + 1],
            cuts: BTreeSet::new(),
        }
    }

    /// Queues a packet (and maybe a duplicate); says what became of each copy: the duplicate's
    /// (if one was made) was decided first, then the packet's.
    pub fn send(
        &mut self,
        now: Time,
        from: Endpoint,
        to: Endpoint,
        payload: Payload,
        prng: &mut Prng,
    ) -> (Option<Sent>, Sent) {
        // A duplicate goes first, as a clone; the last copy moves the payload itself.
        let duplicate = prng.chance_ppm(self.config.dup_ppm);
        let first = duplicate.then(|| self.send_copy(now, (from, to), payload.clone(), prng));
        (first, self.send_copy(now, (from, to), payload, prng))
    }

    /// One copy of a packet: queued (its latency and loss drawn), or overflowed.
    #[inline(always)]
    fn send_copy(&mut self, now: Time, (from, to): (Endpoint, Endpoint), payload: Payload, prng: &mut Prng) -> Sent {
        let id = self.next_id;
        self.next_id += 1;
        if self.in_flight.len >= MAX_IN_FLIGHT {
            return Sent::Overflowed(id);
        }
        let latency = prng.range(self.config.latency_min_us, self.config.latency_max_us);
        let lost = prng.chance_ppm(self.config.loss_ppm);
        let packet = Packet { id, from, to, sent_at_us: now, deliver_at_us: now + latency, lost, payload };
        let sent = Sent::Scheduled(id, packet.deliver_at_us);
        self.in_flight.insert(packet);
        sent
    }

    /// Removes a packet that is due; `None` if it was already dropped.
    #[inline(always)]
    pub fn take(&mut self, id: u64) -> Option<Packet> {
        self.in_flight.remove(id)
    }

    pub fn get(&self, id: u64) -> Option<&Packet> {
        self.in_flight.get(id)
    }

    pub fn in_flight(&self) -> impl Iterator<Item = &Packet> {
        self.in_flight.slots.iter().flatten()
    }

    pub fn in_flight_len(&self) -> usize {
        self.in_flight.len
    }

    /// Whether a packet between these endpoints gets through now. Clients stand outside the
    /// partitioned server network: they can always reach any server (the isolated-leader
    /// lesson depends on clients still talking to a cut-off leader).
    pub fn link_up(&self, from: Endpoint, to: Endpoint) -> bool {
        match (from, to) {
            (Endpoint::Node(a), Endpoint::Node(b)) => {
                self.groups[usize::from(a)] == self.groups[usize::from(b)] && !self.cuts.contains(&(a, b))
            }
            _ => true,
        }
    }

    /// A server joins the network (in the main group).
    pub fn add_server(&mut self) {
        self.groups.push(0);
    }

    /// Groups for the first servers; any server after them joins group 0.
    pub fn partition(&mut self, groups: &[u8]) {
        for (i, slot) in self.groups[1..].iter_mut().enumerate() {
            *slot = groups.get(i).copied().unwrap_or(0);
        }
    }

    /// Puts one server in a group of its own.
    pub fn isolate(&mut self, node: NodeId) {
        let fresh = self.groups.iter().copied().max().unwrap_or(0).wrapping_add(1);
        self.groups[usize::from(node)] = fresh;
    }

    /// Brings one server back into the main group (group 0) and restores its links.
    pub fn rejoin(&mut self, node: NodeId) {
        self.groups[usize::from(node)] = 0;
        self.cuts.retain(|&(a, b)| a != node && b != node);
    }

    pub fn cut(&mut self, from: NodeId, to: NodeId) {
        self.cuts.insert((from, to));
    }

    pub fn mend(&mut self, from: NodeId, to: NodeId) {
        self.cuts.remove(&(from, to));
    }

    /// Everything that decides which links are up: the partition groups and the cut links.
    pub fn shape(&self) -> (Vec<u8>, Vec<(NodeId, NodeId)>) {
        (self.groups.clone(), self.cuts.iter().copied().collect())
    }

    /// Whether `from → to` is cut link by link (not by a partition).
    pub fn is_cut(&self, from: NodeId, to: NodeId) -> bool {
        self.cuts.contains(&(from, to))
    }

    /// Whether the two servers are on different sides of a partition.
    pub fn partitioned(&self, a: NodeId, b: NodeId) -> bool {
        self.groups[usize::from(a)] != self.groups[usize::from(b)]
    }

    pub fn heal(&mut self) {
        self.groups.iter_mut().for_each(|g| *g = 0);
        self.cuts.clear();
    }

    pub fn is_isolated(&self, node: NodeId) -> bool {
        let g = self.groups[usize::from(node)];
        self.groups[1..].iter().enumerate().all(|(i, &o)| i + 1 == usize::from(node) || o != g)
    }
}

/// What became of one copy of a sent packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sent {
    /// In flight under this id, due at this time.
    Scheduled(u64, Time),
    /// Dropped at once: `MAX_IN_FLIGHT` packets were already in flight.
    Overflowed(u64),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packet(id: u64) -> Packet {
        let payload = Payload::Request { client: 1, seq: id, op: Op::Get { key: 0 } };
        let (from, to) = (Endpoint::Client(1), Endpoint::Node(1));
        Packet { id, from, to, sent_at_us: 0, deliver_at_us: 10, lost: false, payload }
    }

    #[test]
    fn the_window_finds_removes_and_lists_in_id_order() {
        let mut w = InFlight::default();
        for id in [3, 4, 7, 8] {
            w.insert(packet(id)); // 5 and 6 overflowed: holes
        }
        assert_eq!(w.len, 4);
        assert!(w.get(5).is_none() && w.get(2).is_none() && w.get(9).is_none());
        assert_eq!(w.remove(7).map(|p| p.id), Some(7));
        assert!(w.remove(7).is_none(), "a packet leaves once");
        assert_eq!(w.remove(3).map(|p| p.id), Some(3));
        assert_eq!(w.remove(4).map(|p| p.id), Some(4));
        assert_eq!(w.front_holes, 5, "3 to 7 have left");
        assert_eq!(w.get(8).map(|p| p.id), Some(8), "holes before the oldest packet may wait");
        w.insert(packet(12));
        assert_eq!(w.slots.iter().flatten().map(|p| p.id).collect::<Vec<_>>(), [8, 12]);
        assert_eq!(w.remove(8).and(w.remove(12)).map(|p| p.id), Some(12));
        assert!(w.slots.is_empty() && w.len == 0);
        w.insert(packet(40));
        assert_eq!((w.first, w.get(40).map(|p| p.id)), (40, Some(40)), "an empty window starts afresh");
        for id in 41..400 {
            w.insert(packet(id));
            assert_eq!(w.remove(id - 1).map(|p| p.id), Some(id - 1));
            assert!(w.slots.len() <= HOLES_KEPT + 2, "holes at the front are drained in batches");
            assert_eq!(w.front_holes, w.slots.iter().take_while(|s| s.is_none()).count());
        }
    }
}
