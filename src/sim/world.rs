//! The world: event queue, servers, network, clients, checker and trace (see the module essay).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::check::Checker;
use super::client::{Client, ClientReply, HistoryOp, MAX_CLIENTS, Output, Pending};
use super::network::{DropReason, Endpoint, Network, Payload};
use super::server::Server;
use super::trace::{Trace, TraceEvent};
use super::{Intervention, SimConfig};
use crate::prng::{Prng, Stream};
use crate::raft::{Command, Node, NodeEvent, NodeId, Op, Outbox, ProposeError, RoleKind, Time};

/// Runs may not go past one simulated day.
pub const MAX_SIM_TIME_US: Time = 86_400_000_000;
/// Client operations recorded per run; self-driven clients stop issuing past it.
pub const MAX_HISTORY: usize = 1_000_000;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Event {
    Deliver(u64),
    Timer(NodeId),
    ClientWake(u32),
    Intervene(Intervention),
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Scheduled {
    at: Time,
    seq: u64,
    event: Event,
}

impl Ord for Scheduled {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
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
}

#[derive(Clone, Debug)]
pub struct World {
    config: SimConfig,
    now_us: Time,
    seq: u64,
    queue: BinaryHeap<Reverse<Scheduled>>,
    servers: Vec<Server>,
    network: Network,
    net_rng: Prng,
    clients: Vec<Client>,
    history: Vec<HistoryOp>,
    checker: Checker,
    trace: Trace,
    stats: Stats,
    outbox: Outbox,
    clients_stopped: bool,
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
                    Node::new(id, config.nodes, config.raft, Default::default(), 0, rng),
                )
            })
            .collect();
        let mut world = World {
            network: Network::new(config.net, config.nodes),
            net_rng: Prng::new(config.seed, Stream::Network),
            checker: Checker::new(config.nodes),
            trace: Trace::new(trace_keep),
            config,
            now_us: 0,
            seq: 0,
            queue: BinaryHeap::new(),
            servers,
            clients: Vec::new(),
            history: Vec::new(),
            stats: Stats::default(),
            outbox: Outbox::default(),
            clients_stopped: false,
        };
        for id in 1..=world.config.nodes {
            world.with_node(id, |_, _, _| ());
        }
        for _ in 0..world.config.clients.count {
            let cid = world.add_client(true);
            let start = world.clients[cid as usize - 1]
                .rng
                .below(world.config.clients.interval_us);
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
    pub fn history(&self) -> &[HistoryOp] {
        &self.history
    }
    pub fn checker(&self) -> &Checker {
        &self.checker
    }
    pub fn trace(&self) -> &Trace {
        &self.trace
    }
    pub fn trace_mut(&mut self) -> &mut Trace {
        &mut self.trace
    }
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Time of the next pending event, if any.
    pub fn next_event_us(&self) -> Option<Time> {
        self.queue.peek().map(|Reverse(s)| s.at)
    }

    /// Schedules an intervention at `at_us` (now or later).
    pub fn schedule(&mut self, at_us: Time, intervention: Intervention) -> Result<(), String> {
        intervention.validate(self.config.nodes)?;
        if at_us < self.now_us || at_us > MAX_SIM_TIME_US {
            return Err(format!(
                "intervention time {at_us} µs is outside {}..={MAX_SIM_TIME_US}",
                self.now_us
            ));
        }
        self.push(at_us, Event::Intervene(intervention));
        Ok(())
    }

    /// Processes every event up to and including `t_us`, then sets the clock to `t_us`.
    pub fn run_until(&mut self, t_us: Time) -> Result<(), String> {
        if t_us > MAX_SIM_TIME_US {
            return Err(format!(
                "simulated time is limited to {MAX_SIM_TIME_US} µs (one day)"
            ));
        }
        while self.queue.peek().is_some_and(|Reverse(s)| s.at <= t_us) {
            self.step_event();
        }
        self.now_us = self.now_us.max(t_us);
        Ok(())
    }

    /// Processes the next event, whatever its time; returns that time.
    pub fn step_event(&mut self) -> Option<Time> {
        let Reverse(Scheduled { at, event, .. }) = self.queue.pop()?;
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
        Some(at)
    }

    fn push(&mut self, at: Time, event: Event) {
        self.seq += 1;
        self.queue.push(Reverse(Scheduled {
            at,
            seq: self.seq,
            event,
        }));
    }

    /// Runs `f` on a live node, then records, checks and carries out what it produced.
    fn with_node<R>(
        &mut self,
        id: NodeId,
        f: impl FnOnce(&mut Node, &mut Outbox, Time) -> R,
    ) -> Option<R> {
        let now = self.now_us;
        let node = self.servers[slot(id)].node.as_mut()?;
        let mut out = std::mem::take(&mut self.outbox);
        let result = f(node, &mut out, now);
        self.after_step(id, &mut out);
        out.clear();
        self.outbox = out;
        Some(result)
    }

    fn after_step(&mut self, id: NodeId, out: &mut Outbox) {
        let now = self.now_us;
        self.record_node_events(id, &out.events);
        let server = &self.servers[slot(id)];
        let node = server
            .node
            .as_ref()
            .expect("after_step runs on a live node");
        self.checker
            .observe(now, node, &out.events, &out.apply, &self.servers);
        let replies = self.apply_entries(id, out);
        // The node's persistent state is its disk, now up to date: messages may leave.
        for env in out.messages.drain(..) {
            let (from, to) = (Endpoint::Node(env.from), Endpoint::Node(env.to));
            self.send(from, to, Payload::Raft(env));
        }
        for (client, seq, output) in replies {
            self.send(
                Endpoint::Node(id),
                Endpoint::Client(client),
                Payload::Reply {
                    client,
                    seq,
                    reply: ClientReply::Done(output),
                },
            );
        }
        self.reschedule_timer(id);
    }

    fn record_node_events(&mut self, id: NodeId, events: &[NodeEvent]) {
        let server = &mut self.servers[slot(id)];
        for event in events {
            let traced = match *event {
                NodeEvent::RoleChanged { role, term } => {
                    if role == RoleKind::Leader {
                        self.stats.leaders_elected += 1;
                    } else {
                        server.waiting.clear();
                    }
                    TraceEvent::Role {
                        node: id,
                        role,
                        term,
                    }
                }
                NodeEvent::Voted { candidate, term } => TraceEvent::Voted {
                    node: id,
                    candidate,
                    term,
                },
                NodeEvent::Appended { first, last } => TraceEvent::Appended {
                    node: id,
                    first,
                    last,
                },
                NodeEvent::Truncated { from, .. } => {
                    server.waiting.split_off(&from);
                    TraceEvent::Truncated { node: id, from }
                }
                NodeEvent::Committed { index } => TraceEvent::Committed { node: id, index },
            };
            self.trace.record(self.now_us, traced);
        }
    }

    /// Applies committed entries to the state machine; a leader answers the clients it owes.
    fn apply_entries(&mut self, id: NodeId, out: &Outbox) -> Vec<(u32, u64, Output)> {
        let server = &mut self.servers[slot(id)];
        let is_leader = server
            .node
            .as_ref()
            .is_some_and(|n| n.role_kind() == RoleKind::Leader);
        let mut replies = Vec::new();
        for entry in &out.apply {
            self.trace.record(
                self.now_us,
                TraceEvent::Applied {
                    node: id,
                    index: entry.index,
                },
            );
            let Some(cmd) = entry.command else { continue };
            let output = server.kv.apply(&cmd);
            if server.waiting.remove(&entry.index) == Some((cmd.client, cmd.seq)) && is_leader {
                replies.push((cmd.client, cmd.seq, output));
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
        self.with_node(id, |node, out, now| node.tick(now, out))
            .is_some()
    }

    fn send(&mut self, from: Endpoint, to: Endpoint, payload: Payload) {
        let now = self.now_us;
        let (kind, success) = (payload.kind(), payload.success());
        let result = self.network.send(now, from, to, payload, &mut self.net_rng);
        for (id, deliver_at_us) in result.scheduled {
            self.trace.record(
                now,
                TraceEvent::Sent {
                    id,
                    from,
                    to,
                    kind,
                    success,
                    deliver_at_us,
                },
            );
            self.stats.messages_sent += 1;
            self.push(deliver_at_us, Event::Deliver(id));
        }
        for id in result.overflowed {
            self.trace.record(
                now,
                TraceEvent::Dropped {
                    id,
                    reason: DropReason::Overflow,
                },
            );
            self.stats.messages_dropped += 1;
        }
    }

    fn deliver(&mut self, id: u64) -> bool {
        let Some(packet) = self.network.take(id) else {
            return false;
        };
        let receiver_down =
            matches!(packet.to, Endpoint::Node(n) if !self.servers[slot(n)].is_up());
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
            self.trace
                .record(self.now_us, TraceEvent::Dropped { id, reason });
            self.stats.messages_dropped += 1;
            return true;
        }
        self.trace.record(self.now_us, TraceEvent::Delivered { id });
        self.stats.messages_delivered += 1;
        match (packet.to, packet.payload) {
            (Endpoint::Node(n), Payload::Raft(env)) => {
                self.with_node(n, |node, out, now| node.step(now, env, out));
            }
            (Endpoint::Node(n), Payload::Request { client, seq, op }) => {
                self.handle_request(n, client, seq, op)
            }
            (Endpoint::Client(c), Payload::Reply { seq, reply, .. }) => {
                let Endpoint::Node(from) = packet.from else {
                    unreachable!("replies come from servers")
                };
                self.handle_reply(c, from, seq, reply)
            }
            (to, payload) => panic!("packet {payload:?} cannot be delivered to {to:?}"),
        }
        true
    }
}

// Clients.
impl World {
    fn add_client(&mut self, auto: bool) -> u32 {
        let id = self.clients.len() as u32 + 1;
        self.clients.push(Client::new(
            id,
            auto,
            Prng::new(self.config.seed, Stream::Client(id)),
        ));
        id
    }

    fn wake_client(&mut self, cid: u32, at: Time) {
        self.clients[cid as usize - 1].wake_at = Some(at);
        self.push(at, Event::ClientWake(cid));
    }

    fn client_wake(&mut self, cid: u32, at: Time) -> bool {
        let client = &mut self.clients[cid as usize - 1];
        if client.wake_at != Some(at) {
            return false;
        }
        client.wake_at = None;
        match &client.pending {
            Some(p) if at >= p.deadline_us => self.client_retry(cid),
            Some(p) => {
                let deadline = p.deadline_us;
                self.wake_client(cid, deadline)
            }
            None if client.auto && !self.clients_stopped && self.history.len() < MAX_HISTORY => {
                let target = client.choose_target(self.config.nodes);
                self.client_invoke(cid, target)
            }
            None => {}
        }
        true
    }

    /// Starts a new request (a new sequence number) towards `target`.
    fn client_invoke(&mut self, cid: u32, target: NodeId) {
        let keys = self.config.clients.keys;
        let client = &mut self.clients[cid as usize - 1];
        client.seq += 1;
        let op = client.next_op(keys);
        let seq = client.seq;
        client.pending = Some(Pending {
            seq,
            op,
            target,
            attempt: 0,
            deadline_us: 0,
            history: self.history.len(),
        });
        self.history.push(HistoryOp {
            client: cid,
            seq,
            op,
            invoke_us: self.now_us,
            returned: None,
            attempts: 0,
        });
        self.trace.record(
            self.now_us,
            TraceEvent::ClientInvoke {
                client: cid,
                seq,
                op,
            },
        );
        self.client_send(cid);
    }

    fn client_send(&mut self, cid: u32) {
        let timeout = self.config.clients.timeout_us;
        let now = self.now_us;
        let client = &mut self.clients[cid as usize - 1];
        let p = client
            .pending
            .as_mut()
            .expect("client_send needs a pending request");
        p.deadline_us = now + timeout;
        let (seq, op, target, attempt, h) = (p.seq, p.op, p.target, p.attempt, p.history);
        self.history[h].attempts = attempt + 1;
        self.trace.record(
            now,
            TraceEvent::ClientSend {
                client: cid,
                seq,
                to: target,
                attempt,
            },
        );
        self.send(
            Endpoint::Client(cid),
            Endpoint::Node(target),
            Payload::Request {
                client: cid,
                seq,
                op,
            },
        );
        self.wake_client(cid, now + timeout);
    }

    /// No answer in time: the request may or may not have happened, so the client asks again
    /// with the same sequence number, at the server it was told leads or at the next one.
    fn client_retry(&mut self, cid: u32) {
        let nodes = self.config.nodes;
        let client = &mut self.clients[cid as usize - 1];
        let hint = client.leader_hint.take();
        let p = client
            .pending
            .as_mut()
            .expect("client_retry needs a pending request");
        p.attempt += 1;
        p.target = match hint {
            Some(h) if h != p.target => h,
            _ => p.target % nodes + 1,
        };
        self.client_send(cid);
    }

    fn handle_reply(&mut self, cid: u32, from: NodeId, seq: u64, reply: ClientReply) {
        let interval = self.config.clients.interval_us;
        let now = self.now_us;
        let client = &mut self.clients[cid as usize - 1];
        let Some(p) = client.pending.as_ref().filter(|p| p.seq == seq) else {
            return;
        };
        match reply {
            ClientReply::Done(output) => {
                let h = p.history;
                client.pending = None;
                client.leader_hint = Some(from);
                let auto = client.auto;
                self.history[h].returned = Some((now, output.clone()));
                self.stats.client_ops_ok += 1;
                self.trace.record(
                    now,
                    TraceEvent::ClientReturn {
                        client: cid,
                        seq,
                        output,
                    },
                );
                if auto {
                    self.wake_client(cid, now + interval);
                }
            }
            ClientReply::Redirect(Some(leader)) if leader != p.target => {
                client.leader_hint = Some(leader);
                let p = client.pending.as_mut().expect("checked above");
                p.attempt += 1;
                p.target = leader;
                self.client_send(cid);
            }
            ClientReply::Redirect(_) => {
                // Nobody knows a leader yet: try the next server after a short pause.
                client.leader_hint = None;
                let backoff = (self.config.clients.timeout_us / 10).max(1_000);
                let p = client.pending.as_mut().expect("checked above");
                p.deadline_us = now + backoff;
                self.wake_client(cid, now + backoff);
            }
        }
    }

    /// A server receives a client command. A leader appends it once (a retry of a request it
    /// is already replicating just waits) and answers only after applying it.
    fn handle_request(&mut self, id: NodeId, client: u32, seq: u64, op: Op) {
        let server = &mut self.servers[slot(id)];
        let node = server
            .node
            .as_ref()
            .expect("requests are delivered to live servers");
        let answer = if let Some(output) = server
            .kv
            .answered(client, seq)
            .filter(|_| node.role_kind() == RoleKind::Leader)
        {
            Some(ClientReply::Done(output.clone()))
        } else if node.role_kind() != RoleKind::Leader {
            Some(ClientReply::Redirect(node.leader_hint()))
        } else if server.waiting.values().any(|&w| w == (client, seq)) {
            None
        } else {
            let index = node.log().last_index() + 1;
            server.waiting.insert(index, (client, seq));
            let command = Command { client, seq, op };
            match self.with_node(id, |node, out, _| node.propose(command, out)) {
                Some(Ok(_)) => None,
                Some(Err(ProposeError::NotLeader { hint })) => Some(ClientReply::Redirect(hint)),
                Some(Err(ProposeError::LogFull)) | None => Some(ClientReply::Redirect(None)),
            }
        };
        if let Some(reply) = answer {
            self.send(
                Endpoint::Node(id),
                Endpoint::Client(client),
                Payload::Reply { client, seq, reply },
            );
        }
    }
}

// Interventions.
impl World {
    /// Carries out an intervention now.
    pub fn apply(&mut self, intervention: Intervention) {
        if let Err(e) = intervention.validate(self.config.nodes) {
            panic!("interventions are validated when scheduled: {e}");
        }
        self.trace
            .record(self.now_us, TraceEvent::Intervention(intervention.clone()));
        match intervention {
            Intervention::Crash(n) => self.crash(n),
            Intervention::Restart(n) => self.restart(n),
            Intervention::Timeout(n) => {
                self.with_node(n, |node, out, now| node.timeout_now(now, out));
            }
            Intervention::Request(n) => {
                if self.clients.len() < MAX_CLIENTS {
                    let cid = self.add_client(false);
                    self.client_invoke(cid, n);
                }
            }
            Intervention::DropMessage(id) => {
                if self.network.take(id).is_some() {
                    self.trace.record(
                        self.now_us,
                        TraceEvent::Dropped {
                            id,
                            reason: DropReason::User,
                        },
                    );
                    self.stats.messages_dropped += 1;
                }
            }
            Intervention::Isolate(n) => self.network.isolate(n),
            Intervention::Rejoin(n) => self.network.rejoin(n),
            Intervention::Cut { from, to } => self.network.cut(from, to),
            Intervention::Partition(groups) => self.network.partition(&groups),
            Intervention::Heal => self.network.heal(),
            Intervention::AlignTimers => self.align_timers(),
            Intervention::SpreadTimers => {
                self.for_each_node(|node, now| node.restart_election_timer(now))
            }
            Intervention::SetNetwork(net) => {
                self.config.net = net;
                self.network.config = net;
            }
            Intervention::SetTiming {
                election_timeout_min_us,
                election_timeout_max_us,
                heartbeat_interval_us,
            } => {
                self.config.raft.election_timeout_min_us = election_timeout_min_us;
                self.config.raft.election_timeout_max_us = election_timeout_max_us;
                self.config.raft.heartbeat_interval_us = heartbeat_interval_us;
                let raft = self.config.raft;
                self.for_each_node(|node, _| node.set_config(raft));
            }
            Intervention::SetBug { bug, on } => {
                self.config.raft.bugs.set(bug, on);
                let raft = self.config.raft;
                self.for_each_node(|node, _| node.set_config(raft));
            }
            Intervention::StopClients => self.clients_stopped = true,
        }
    }

    fn for_each_node(&mut self, f: impl Fn(&mut Node, Time)) {
        for id in 1..=self.config.nodes {
            self.with_node(id, |node, _, now| f(node, now));
        }
    }

    /// RaftScope's "align timers": every follower and candidate times out at the same moment.
    fn align_timers(&mut self) {
        let deadline = self.now_us + self.config.raft.election_timeout_min_us / 2;
        self.for_each_node(|node, _| node.set_election_deadline(deadline));
    }

    fn crash(&mut self, id: NodeId) {
        let server = &mut self.servers[slot(id)];
        let Some(node) = server.node.take() else {
            return;
        };
        server.disk = node.into_persistent();
        server.kv = Default::default();
        server.waiting.clear();
        server.timer_at = None;
        self.trace
            .record(self.now_us, TraceEvent::Crash { node: id });
    }

    fn restart(&mut self, id: NodeId) {
        let (nodes, seed, raft, now) = (
            self.config.nodes,
            self.config.seed,
            self.config.raft,
            self.now_us,
        );
        let server = &mut self.servers[slot(id)];
        if server.node.is_some() {
            return;
        }
        server.incarnation += 1;
        let rng = Prng::new(
            seed,
            Stream::Node {
                id,
                incarnation: server.incarnation,
            },
        );
        let node = Node::new(id, nodes, raft, std::mem::take(&mut server.disk), now, rng);
        let term = node.term();
        server.node = Some(node);
        self.checker.on_restart(id);
        self.trace.record(now, TraceEvent::Restart { node: id });
        self.trace.record(
            now,
            TraceEvent::Role {
                node: id,
                role: RoleKind::Follower,
                term,
            },
        );
        self.with_node(id, |_, _, _| ());
    }
}

// Questions tests and reports ask.
impl World {
    /// The leader of the highest term among live servers, if that server is a leader.
    pub fn leader(&self) -> Option<NodeId> {
        let live = self.servers.iter().filter_map(|s| s.node.as_ref());
        let top = live.clone().map(|n| n.term()).max()?;
        live.filter(|n| n.term() == top && n.role_kind() == RoleKind::Leader)
            .map(|n| n.id())
            .next()
    }

    /// Whether no client is waiting for an answer.
    pub fn clients_idle(&self) -> bool {
        self.clients.iter().all(|c| c.pending.is_none())
    }

    pub fn max_term(&self) -> u64 {
        self.servers
            .iter()
            .map(|s| s.persistent().current_term)
            .max()
            .unwrap_or(0)
    }

    pub fn max_commit_index(&self) -> u64 {
        self.servers
            .iter()
            .filter_map(|s| s.node.as_ref())
            .map(|n| n.commit_index())
            .max()
            .unwrap_or(0)
    }

    pub fn node(&self, id: NodeId) -> Option<&Node> {
        self.servers.get(slot(id))?.node.as_ref()
    }
}
