//! The world: event queue, servers, network, clients, checker and trace (see the module essay).

use std::collections::VecDeque;

mod clients;
mod interventions;
mod membership;
mod queue;
mod snapshots;

use self::queue::{Event, EventQueue};
use super::check::Checker;
use super::client::{Client, ClientReply, HistoryOp, Output, Stage};
use super::network::{DropReason, Endpoint, Network, PacketKind, Payload, Sent};
use super::server::Server;
use super::shared::SharedVec;
use super::trace::{Trace, TraceEvent};
use super::{Intervention, SimConfig};
use crate::prng::{Prng, Stream};
use crate::raft::{ConfigChange, Entry, Index, Membership, Node, NodeEvent, NodeId, Outbox, RoleKind, Time};

/// Runs may not go past one simulated day.
pub const MAX_SIM_TIME_US: Time = 86_400_000_000;
/// Client operations recorded per run; self-driven clients stop issuing past it.
pub const MAX_HISTORY: usize = 1_000_000;
/// Elections and crashes the term tape keeps; past this a run's tape stops growing.
pub const MAX_MARKS: usize = 200_000;

/// A moment the page's term tape marks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mark {
    pub at_us: Time,
    pub what: MarkKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkKind {
    Elected { node: NodeId, term: crate::raft::Term },
    Crash { node: NodeId },
}

/// A free function rather than a method, so it can run while a server is borrowed.
fn push_mark(marks: &mut SharedVec<Mark>, at_us: Time, what: MarkKind) {
    if marks.len() < MAX_MARKS {
        marks.push(Mark { at_us, what });
    }
}

/// Counters for reports and benchmarks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Events that did something (stale timer wake-ups are not counted).
    pub events: u64,
    pub messages_sent: u64,
    pub messages_delivered: u64,
    pub messages_dropped: u64,
    pub leaders_elected: u64,
    pub client_ops_ok: u64,
    pub config_changes: u64,
    pub snapshots_taken: u64,
    pub snapshots_installed: u64,
    /// The most entries any server held in its log at once (after its snapshot).
    pub max_log_entries: u64,
}

#[derive(Clone, Debug)]
pub struct World {
    config: SimConfig,
    now_us: Time,
    queue: EventQueue,
    servers: Vec<Server>,
    network: Network,
    net_rng: Prng,
    clients: Vec<Client>,
    /// Shared between copies of the world (checkpoints), see `sim::shared`.
    history: SharedVec<HistoryOp>,
    /// Elections and crashes over the whole run, for the page's term tape (shared likewise).
    marks: SharedVec<Mark>,
    checker: Checker,
    trace: Trace,
    stats: Stats,
    /// Reused by every step (its vectors keep their capacity). Boxed and taken out for the
    /// step: moving, defaulting and dropping the whole struct around each step cost 14 % of a
    /// seek's instructions in a browser build at opt-level "z" (callgrind, closing note of
    /// issue 10).
    outbox: Option<Box<Outbox>>,
    clients_stopped: bool,
    /// Interventions that named something that did not exist when they ran.
    rejected: Vec<String>,
    /// Membership changes waiting for a leader that may start them (see `membership`).
    pending_changes: VecDeque<ConfigChange>,
    /// Whether anyone asked for a membership change in this run.
    membership_changed: bool,
    next_change_try_us: Time,
    /// Entries appended since the exporter last looked, when one asked (`tap_entries`): the
    /// trace names only their indexes, and a snapshot later in the same step may compact them.
    tapped: Option<Vec<(NodeId, Entry)>>,
}

fn slot(id: NodeId) -> usize {
    usize::from(id) - 1
}

impl World {
    /// A fresh cluster: every server a follower in term 0, self-driven clients about to start.
    /// `trace_keep` is how many recent trace events to keep in full (the hash covers all).
    pub fn new(config: SimConfig, trace_keep: usize) -> Result<World, String> {
        config.validate()?;
        let servers = (1..=config.nodes)
            .map(|id| {
                let rng = Prng::new(config.seed, Stream::Node { id, incarnation: 0 });
                Server::new(
                    id,
                    Node::new(id, Membership::initial(config.nodes), config.raft, Default::default(), 0, rng),
                )
            })
            .collect();
        let mut world = World {
            network: Network::new(config.net, config.nodes),
            net_rng: Prng::new(config.seed, Stream::Network),
            checker: Checker::new(config.nodes),
            pending_changes: VecDeque::new(),
            membership_changed: false,
            next_change_try_us: 0,
            tapped: None,
            trace: Trace::new(trace_keep),
            config,
            now_us: 0,
            queue: EventQueue::default(),
            servers,
            clients: Vec::new(),
            history: SharedVec::new(),
            marks: SharedVec::new(),
            stats: Stats::default(),
            outbox: Some(Box::default()),
            clients_stopped: false,
            rejected: Vec::new(),
        };
        for id in 1..=world.config.nodes {
            world.with_node(id, |_, _, _| ());
        }
        for _ in 0..world.config.clients.count {
            let cid = world.add_client(true);
            let start = world.clients[cid as usize - 1].rng.below(world.config.clients.interval_us);
            world.wake_client(cid, start);
        }
        Ok(world)
    }

    pub fn config(&self) -> &SimConfig {
        &self.config
    }
    pub fn now_us(&self) -> Time {
        self.now_us
    }
    pub fn servers(&self) -> &[Server] {
        &self.servers
    }
    pub fn network(&self) -> &Network {
        &self.network
    }
    pub fn clients(&self) -> &[Client] {
        &self.clients
    }
    pub fn history(&self) -> &SharedVec<HistoryOp> {
        &self.history
    }
    pub fn marks(&self) -> &SharedVec<Mark> {
        &self.marks
    }

    /// Notes an election or a crash for the term tape, up to `MAX_MARKS`.
    pub(super) fn mark(&mut self, what: MarkKind) {
        push_mark(&mut self.marks, self.now_us, what);
    }
    pub fn checker(&self) -> &Checker {
        &self.checker
    }
    pub fn trace(&self) -> &Trace {
        &self.trace
    }
    /// Interventions that could not be carried out (see `Intervention::DropMessage`).
    pub fn rejected(&self) -> &[String] {
        &self.rejected
    }

    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// A copy for time travel that keeps only the newest `recent` events of the trace (the
    /// rest is only for display, and most of a copy's size): everything that decides what
    /// happens next is copied whole, so a run resumed from it goes on exactly as this one.
    pub fn checkpoint(&mut self, recent: usize) -> World {
        // The world is cloned with an empty trace and given the tail after: the tail is copied
        // once, not twice (copying it was 5 % of a seek).
        let full = std::mem::replace(&mut self.trace, Trace::new(0));
        let mut copy = self.clone();
        copy.trace = full.tail(recent);
        self.trace = full;
        copy
    }

    /// From now on, keeps a copy of every entry a server appends until `take_tapped` (what
    /// `sim::tracefile::export` writes into a trace).
    pub fn tap_entries(&mut self) {
        self.tapped.get_or_insert_with(Vec::new);
    }

    /// The entries appended since the last call, in trace order.
    pub fn take_tapped(&mut self) -> Vec<(NodeId, Entry)> {
        self.tapped.as_mut().map(std::mem::take).unwrap_or_default()
    }

    /// Time of the next pending event, if any.
    pub fn next_event_us(&self) -> Option<Time> {
        self.queue.next_at()
    }

    /// Schedules an intervention at `at_us` (now or later). Servers may be added before it
    /// runs, so only its shape is checked here; `apply` checks it against the servers then.
    pub fn schedule(&mut self, at_us: Time, intervention: Intervention) -> Result<(), String> {
        intervention.validate_shape()?;
        if at_us < self.now_us || at_us > MAX_SIM_TIME_US {
            return Err(format!("intervention time {at_us} µs is outside {}..={MAX_SIM_TIME_US}", self.now_us));
        }
        self.push(at_us, Event::Intervene(intervention));
        Ok(())
    }

    /// Processes every event up to and including `t_us`, then sets the clock to `t_us`.
    pub fn run_until(&mut self, t_us: Time) -> Result<(), String> {
        if t_us > MAX_SIM_TIME_US {
            return Err(format!("simulated time is limited to {MAX_SIM_TIME_US} µs (one day)"));
        }
        while self.queue.next_at().is_some_and(|at| at <= t_us) {
            self.step_event();
        }
        self.now_us = self.now_us.max(t_us);
        Ok(())
    }

    /// Processes the next event, whatever its time; returns that time.
    pub fn step_event(&mut self) -> Option<Time> {
        let (at, event) = self.queue.pop()?;
        self.now_us = at;
        let acted = match event {
            Event::Deliver(id) => self.deliver(id),
            Event::Timer(node) => self.fire_timer(node, at),
            Event::ClientWake(client) => self.client_wake(client, at),
            Event::Intervene(i) => {
                self.apply(i);
                true
            }
        };
        self.stats.events += u64::from(acted);
        if acted && !self.pending_changes.is_empty() && at >= self.next_change_try_us {
            // A waiting change is offered again at most every millisecond of simulated time.
            self.next_change_try_us = at + 1_000;
            self.start_pending_change();
        }
        Some(at)
    }

    /// Forgets scheduled interventions later than `t_us`: acting in the past forks history.
    pub fn cancel_interventions_after(&mut self, t_us: Time) {
        self.queue.cancel_interventions_after(t_us);
    }

    fn push(&mut self, at: Time, event: Event) {
        self.queue.push(at, event);
    }

    /// Runs `f` on a live node, then records, checks and carries out what it produced.
    fn with_node<R>(&mut self, id: NodeId, f: impl FnOnce(&mut Node, &mut Outbox, Time) -> R) -> Option<R> {
        let now = self.now_us;
        let node = self.servers[slot(id)].node.as_mut()?;
        let mut out = self.outbox.take().unwrap_or_default();
        let result = f(node, &mut out, now);
        self.after_step(id, &mut out);
        out.clear();
        self.outbox = Some(out);
        Some(result)
    }

    fn after_step(&mut self, id: NodeId, out: &mut Outbox) {
        let now = self.now_us;
        self.record_node_events(id, &out.events);
        let server = &self.servers[slot(id)];
        let node = server.node.as_ref().expect("after_step runs on a live node");
        self.checker.observe(now, node, &out.events, &out.apply, &self.servers);
        if let Some(snapshot) = out.install.take() {
            self.load_snapshot(id, &snapshot);
        }
        // Most steps (a heartbeat, its acknowledgement) apply nothing, and only applying more
        // can bring a snapshot due.
        let replies = if out.apply.is_empty() {
            debug_assert!(!self.snapshot_due(id), "n{id}: a snapshot came due without applying");
            Vec::new()
        } else {
            let replies = self.apply_entries(id, out);
            self.maybe_snapshot(id);
            replies
        };
        // The node's persistent state is its disk, now up to date: messages may leave.
        for env in out.messages.drain(..) {
            let (from, to) = (Endpoint::Node(env.from), Endpoint::Node(env.to));
            self.send(from, to, Payload::Raft(env));
        }
        for (client, seq, output, _) in replies {
            self.reply(id, client, seq, ClientReply::Done(output));
        }
        self.answer_reads(id, &out.reads);
        self.reschedule_timer(id);
    }

    fn record_node_events(&mut self, id: NodeId, events: &[NodeEvent]) {
        let server = &mut self.servers[slot(id)];
        for event in events {
            let traced = match *event {
                NodeEvent::RoleChanged { role, term } => {
                    if role == RoleKind::Leader {
                        self.stats.leaders_elected += 1;
                        push_mark(&mut self.marks, self.now_us, MarkKind::Elected { node: id, term });
                    } else {
                        server.waiting.clear();
                    }
                    TraceEvent::Role { node: id, role, term }
                }
                NodeEvent::Voted { candidate, term } => TraceEvent::Voted { node: id, candidate, term },
                NodeEvent::Appended { first, last } => {
                    if let Some(node) = &server.node {
                        // Only an append lengthens a log (a snapshot later in the step shortens it).
                        let entries = node.log().last_index() - node.log().snapshot_index();
                        self.stats.max_log_entries = self.stats.max_log_entries.max(entries);
                        if let Some(tap) = &mut self.tapped {
                            tap.extend(node.log().slice(first, last).iter().map(|e| (id, e.clone())));
                        }
                    }
                    TraceEvent::Appended { node: id, first, last }
                }
                NodeEvent::Truncated { from, .. } => {
                    server.waiting.split_off(&from);
                    TraceEvent::Truncated { node: id, from }
                }
                NodeEvent::Committed { index } => TraceEvent::Committed { node: id, index },
                NodeEvent::Transfer { target, started } => TraceEvent::Transfer { node: id, target, started },
                NodeEvent::MembershipChanged { index } => {
                    // A leader changes configuration only by appending a configuration entry.
                    let leads = server.node.as_ref().is_some_and(|n| n.role_kind() == RoleKind::Leader);
                    self.stats.config_changes += u64::from(leads && index > 0);
                    TraceEvent::Membership { node: id, index }
                }
            };
            self.trace.record(self.now_us, traced);
        }
    }

    /// Applies committed entries to the state machine; a leader answers the clients it owes.
    fn apply_entries(&mut self, id: NodeId, out: &Outbox) -> Vec<(u32, u64, Output, Index)> {
        let server = &mut self.servers[slot(id)];
        let is_leader = server.node.as_ref().is_some_and(|n| n.role_kind() == RoleKind::Leader);
        let careful = self.config.clients.careful_retries;
        let mut replies = Vec::new();
        for entry in &out.apply {
            self.trace.record(self.now_us, TraceEvent::Applied { node: id, index: entry.index });
            // A no-op or configuration entry ends any note at its index, since format 4.
            let waiting = if careful || entry.command.is_some() { server.waiting.remove(&entry.index) } else { None };
            let Some(cmd) = entry.command else { continue };
            let output = server.kv.apply(&cmd);
            if waiting == Some((cmd.client, cmd.seq)) && is_leader {
                replies.push((cmd.client, cmd.seq, output, entry.index));
            }
        }
        for &(client, seq, _, index) in &replies {
            if let Some(h) = self.history_of(client, seq) {
                self.history[h].note(self.now_us, Stage::Committed { node: id, index });
            }
        }
        replies
    }

    /// Lazy timers: a server has at most one live timer event, at its earliest deadline. When a
    /// deadline moves later, the early event fires harmlessly and reschedules.
    fn reschedule_timer(&mut self, id: NodeId) {
        let now = self.now_us;
        let server = &mut self.servers[slot(id)];
        let Some(node) = &server.node else { return };
        let due = node.next_deadline_us().max(now);
        if server.timer_at.is_none_or(|t| due < t) {
            server.timer_at = Some(due);
            self.push(due, Event::Timer(id));
        }
    }

    fn fire_timer(&mut self, id: NodeId, at: Time) -> bool {
        let server = &mut self.servers[slot(id)];
        if server.timer_at != Some(at) {
            return false;
        }
        server.timer_at = None;
        self.with_node(id, |node, out, now| node.tick(now, out)).is_some()
    }

    fn send(&mut self, from: Endpoint, to: Endpoint, payload: Payload) {
        let now = self.now_us;
        let (kind, success) = (payload.kind(), payload.success());
        // A copy that overflows comes after any that got through (the queue only fills up).
        let (duplicate, last) = self.network.send(now, from, to, payload, &mut self.net_rng);
        if let Some(sent) = duplicate {
            self.note_sent(sent, (from, to), kind, success);
        }
        self.note_sent(last, (from, to), kind, success);
    }

    /// Records what became of one copy of a packet, and schedules its delivery.
    #[inline(always)]
    fn note_sent(&mut self, sent: Sent, (from, to): (Endpoint, Endpoint), kind: PacketKind, success: Option<bool>) {
        let now = self.now_us;
        match sent {
            Sent::Scheduled(id, deliver_at_us) => {
                self.trace.record(now, TraceEvent::Sent { id, from, to, kind, success, deliver_at_us });
                self.stats.messages_sent += 1;
                self.queue.push_delivery(deliver_at_us, id);
            }
            Sent::Overflowed(id) => {
                self.trace.record(now, TraceEvent::Dropped { id, reason: DropReason::Overflow });
                self.stats.messages_dropped += 1;
            }
        }
    }

    fn deliver(&mut self, id: u64) -> bool {
        let Some(packet) = self.network.take(id) else {
            return false;
        };
        let receiver_down = matches!(packet.to, Endpoint::Node(n) if !self.servers[slot(n)].is_up());
        let reason = if packet.lost {
            Some(DropReason::Loss)
        } else if !self.network.link_up(packet.from, packet.to) {
            Some(DropReason::Partition)
        } else if receiver_down {
            Some(DropReason::NodeDown)
        } else {
            None
        };
        if let Some(reason) = reason {
            self.trace.record(self.now_us, TraceEvent::Dropped { id, reason });
            self.stats.messages_dropped += 1;
            return true;
        }
        self.trace.record(self.now_us, TraceEvent::Delivered { id });
        self.stats.messages_delivered += 1;
        match (packet.to, packet.payload) {
            (Endpoint::Node(n), Payload::Raft(env)) => {
                let stepped = self.with_node(n, |node, out, now| node.step(now, env, out));
                if let Some(Err(e)) = stepped {
                    // Correct servers never send what a server refuses; with a bug switched on,
                    // the broken safety the checker has reported can lead them to.
                    assert!(
                        self.config.raft.bugs.any(),
                        "the world delivered a message its own servers could not have sent: {e}"
                    );
                    self.trace.record(self.now_us, TraceEvent::Dropped { id, reason: DropReason::Refused });
                }
            }
            (Endpoint::Node(n), Payload::Request { client, seq, op }) => self.handle_request(n, client, seq, op),
            (Endpoint::Client(c), Payload::Reply { seq, reply, .. }) => {
                let Endpoint::Node(from) = packet.from else { unreachable!("replies come from servers") };
                self.handle_reply(c, from, seq, reply)
            }
            // Named by kind, not `Debug`: that would carry the formatting of every message type
            // into the page's download for a line that never runs.
            (to, payload) => panic!("a {} packet cannot be delivered to {to:?}", payload.kind().name()),
        }
        true
    }
}

// Questions tests and reports ask.
impl World {
    /// The live leader of the highest term, unless a live member of its configuration has
    /// moved to a newer term (then an election is under way). Servers outside its
    /// configuration (removed ones still campaigning) do not count.
    pub fn leader(&self) -> Option<NodeId> {
        let live = self.servers.iter().filter_map(|s| s.node.as_ref());
        let leader = live.clone().filter(|n| n.role_kind() == RoleKind::Leader).max_by_key(|n| (n.term(), n.id()))?;
        // Asked once a millisecond while membership changes wait: no set is built.
        let members = leader.membership().0;
        let newer = live.filter(|n| members.contains(n.id())).any(|n| n.term() > leader.term());
        (!newer).then_some(leader.id())
    }

    /// Whether no client is waiting for an answer.
    pub fn clients_idle(&self) -> bool {
        self.clients.iter().all(|c| c.pending.is_none())
    }

    pub fn max_term(&self) -> u64 {
        self.servers.iter().map(|s| s.persistent().current_term).max().unwrap_or(0)
    }

    pub fn max_commit_index(&self) -> u64 {
        self.servers.iter().filter_map(|s| s.node.as_ref()).map(|n| n.commit_index()).max().unwrap_or(0)
    }

    pub fn node(&self, id: NodeId) -> Option<&Node> {
        self.servers.get(slot(id))?.node.as_ref()
    }
}
