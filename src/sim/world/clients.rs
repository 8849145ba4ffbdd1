//! The world's side of clients: waking them, sending and retrying requests, and serving them.

use super::{Event, MAX_HISTORY, World, slot};
use crate::prng::{Prng, Stream};
use crate::raft::{Bug, Command, NodeId, Op, ProposeError, ReadMode, ReadReady, RoleKind, Time};
use crate::sim::client::{Client, ClientReply, HistoryOp, Pending, Stage};
use crate::sim::network::{Endpoint, Payload};
use crate::sim::server::MAX_SERVER_READS;
use crate::sim::trace::TraceEvent;

impl World {
    pub(super) fn add_client(&mut self, auto: bool) -> u32 {
        let id = self.clients.len() as u32 + 1;
        self.clients.push(Client::new(id, auto, Prng::new(self.config.seed, Stream::Client(id))));
        id
    }

    /// The history entry of a request its client is still waiting for.
    pub(super) fn history_of(&self, client: u32, seq: u64) -> Option<usize> {
        let pending = self.clients.get(client as usize - 1)?.pending.as_ref()?;
        (pending.seq == seq).then_some(pending.history)
    }

    pub(super) fn wake_client(&mut self, cid: u32, at: Time) {
        self.clients[cid as usize - 1].wake_at = Some(at);
        self.push(at, Event::ClientWake(cid));
    }

    pub(super) fn client_wake(&mut self, cid: u32, at: Time) -> bool {
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
                let target = client.choose_target(self.servers.len() as u8);
                self.client_invoke(cid, target)
            }
            None => {}
        }
        true
    }

    /// Starts a new request (a new sequence number) towards `target`.
    pub(super) fn client_invoke(&mut self, cid: u32, target: NodeId) {
        let keys = self.config.clients.keys;
        let op = self.clients[cid as usize - 1].next_op(keys);
        self.client_invoke_op(cid, target, op);
    }

    /// Starts a new request for `op` towards `target`.
    pub(super) fn client_invoke_op(&mut self, cid: u32, target: NodeId, op: Op) {
        let client = &mut self.clients[cid as usize - 1];
        client.seq += 1;
        let seq = client.seq;
        client.pending = Some(Pending { seq, op, target, attempt: 0, deadline_us: 0, history: self.history.len() });
        self.history.push(HistoryOp {
            client: cid,
            seq,
            op,
            invoke_us: self.now_us,
            returned: None,
            answered_by: None,
            stages: Vec::new(),
        });
        self.trace.record(self.now_us, TraceEvent::ClientInvoke { client: cid, seq, op });
        self.client_send(cid);
    }

    pub(super) fn client_send(&mut self, cid: u32) {
        let timeout = self.config.clients.timeout_us;
        let now = self.now_us;
        let client = &mut self.clients[cid as usize - 1];
        let p = client.pending.as_mut().expect("client_send needs a pending request");
        p.deadline_us = now + timeout;
        let (seq, op, target, attempt, h) = (p.seq, p.op, p.target, p.attempt, p.history);
        self.history[h].note(now, Stage::Sent { to: target });
        self.trace.record(now, TraceEvent::ClientSend { client: cid, seq, to: target, attempt });
        self.send(Endpoint::Client(cid), Endpoint::Node(target), Payload::Request { client: cid, seq, op });
        self.wake_client(cid, now + timeout);
    }

    /// No answer in time: the request may or may not have happened, so the client asks again
    /// with the same sequence number, at the server it was told leads or at the next one.
    pub(super) fn client_retry(&mut self, cid: u32) {
        let nodes = self.servers.len() as u8;
        let own_turn = self.config.clients.careful_retries;
        let client = &mut self.clients[cid as usize - 1];
        let hint = client.leader_hint.take();
        let p = client.pending.as_mut().expect("client_retry needs a pending request");
        p.attempt += 1;
        p.target = match hint {
            Some(h) if h != p.target => h,
            _ if own_turn => {
                client.probe = client.probe % nodes + 1;
                client.probe
            }
            _ => p.target % nodes + 1,
        };
        let h = &mut self.history[p.history];
        if !matches!(h.stages.last(), Some((_, Stage::Redirected { .. }))) {
            h.note(self.now_us, Stage::TimedOut);
        }
        self.client_send(cid);
    }

    pub(super) fn handle_reply(&mut self, cid: u32, from: NodeId, seq: u64, reply: ClientReply) {
        let interval = self.config.clients.interval_us;
        let now = self.now_us;
        // Only servers that left the cluster keep a leader hint stale for good; before any
        // membership change, clients follow every hint (as links made then expect).
        let stale_hints = self.membership_changed;
        let client = &mut self.clients[cid as usize - 1];
        let Some(p) = client.pending.as_ref().filter(|p| p.seq == seq) else {
            return;
        };
        match reply {
            ClientReply::Done(output) => {
                let h = p.history;
                self.history[h].note(now, Stage::Answered);
                client.pending = None;
                client.leader_hint = Some(from);
                client.redirected_by.clear();
                let auto = client.auto;
                self.history[h].returned = Some((now, output.clone()));
                self.history[h].answered_by = Some(from);
                self.stats.client_ops_ok += 1;
                self.trace.record(now, TraceEvent::ClientReturn { client: cid, seq, output });
                if auto {
                    self.wake_client(cid, now + interval);
                }
            }
            ClientReply::Redirect(Some(leader))
                if leader != p.target && !(stale_hints && client.redirected_by.contains(&leader)) =>
            {
                self.history[p.history].note(now, Stage::Redirected { to: Some(leader) });
                client.note_redirect(from);
                client.leader_hint = Some(leader);
                let p = client.pending.as_mut().expect("checked above");
                p.attempt += 1;
                p.target = leader;
                self.client_send(cid);
            }
            ClientReply::Redirect(_) => {
                // Nobody knows a leader yet: try the next server after a short pause.
                self.history[p.history].note(now, Stage::Redirected { to: None });
                client.note_redirect(from);
                client.leader_hint = None;
                let backoff = (self.config.clients.timeout_us / 10).max(1_000);
                let p = client.pending.as_mut().expect("checked above");
                p.deadline_us = now + backoff;
                self.wake_client(cid, now + backoff);
            }
        }
    }

    /// Whether a read skips the log: with ReadIndex (6.4), or when the stale-read bug lets a
    /// leader answer at once.
    fn read_outside_log(&self, op: Op) -> bool {
        let raft = &self.config.raft;
        matches!(op, Op::Get { .. }) && (raft.read_mode == ReadMode::ReadIndex || raft.bugs.has(Bug::StaleRead))
    }

    /// A read outside the log: the node confirms a read index (or, with the bug, does not) and
    /// `answer_reads` replies once it is ready. Followers serve reads only with ReadIndex.
    fn handle_read(&mut self, id: NodeId, client: u32, seq: u64, key: u8) -> Option<ClientReply> {
        let read_index = self.config.raft.read_mode == ReadMode::ReadIndex;
        let server = &mut self.servers[slot(id)];
        let node = server.node.as_ref().expect("requests are delivered to live servers");
        let serves = match node.role_kind() {
            RoleKind::Leader => true,
            RoleKind::Follower => read_index && node.leader_hint().is_some(),
            RoleKind::Candidate | RoleKind::PreCandidate => false,
        };
        if !serves {
            return Some(ClientReply::Redirect(node.leader_hint()));
        }
        server.next_read_ctx += 1;
        let ctx = server.next_read_ctx;
        server.reads.insert(ctx, (client, seq, key));
        if server.reads.len() > MAX_SERVER_READS {
            server.reads.pop_first();
        }
        if let Some(h) = self.history_of(client, seq) {
            self.history[h].note(self.now_us, Stage::ReadWaiting { node: id });
        }
        match self.with_node(id, |node, out, _| node.read_index(ctx, out)) {
            Some(Ok(())) => None,
            Some(Err(_)) | None => {
                self.servers[slot(id)].reads.remove(&ctx);
                Some(ClientReply::Redirect(None))
            }
        }
    }

    /// Answers the reads a step made ready, from the state machine as it now stands.
    pub(super) fn answer_reads(&mut self, id: NodeId, ready: &[ReadReady]) {
        for r in ready {
            let server = &mut self.servers[slot(id)];
            let Some((client, seq, key)) = server.reads.remove(&r.ctx) else { continue };
            let output = server.kv.read(key);
            if let Some(h) = self.history_of(client, seq) {
                self.history[h].note(self.now_us, Stage::ReadConfirmed { node: id, index: r.index });
            }
            self.reply(id, client, seq, ClientReply::Done(output));
        }
    }

    /// A server answers a client's request.
    pub(super) fn reply(&mut self, from: NodeId, client: u32, seq: u64, reply: ClientReply) {
        self.send(Endpoint::Node(from), Endpoint::Client(client), Payload::Reply { client, seq, reply });
    }

    /// A server receives a client command. A leader appends it once (a retry of a request it
    /// is already replicating just waits) and answers only after applying it.
    pub(super) fn handle_request(&mut self, id: NodeId, client: u32, seq: u64, op: Op) {
        if self.read_outside_log(op) {
            if let Some(reply) = self.handle_read(id, client, seq, op.key()) {
                self.reply(id, client, seq, reply);
            }
            return;
        }
        let server = &mut self.servers[slot(id)];
        let node = server.node.as_ref().expect("requests are delivered to live servers");
        let answer =
            if let Some(output) = server.kv.answered(client, seq).filter(|_| node.role_kind() == RoleKind::Leader) {
                Some(ClientReply::Done(output.clone()))
            } else if node.role_kind() != RoleKind::Leader {
                Some(ClientReply::Redirect(node.leader_hint()))
            } else if server.waiting.values().any(|&w| w == (client, seq)) {
                None
            } else {
                // Noted before proposing: a one-server cluster commits and applies the entry
                // within the step, and `apply_entries` answers from this.
                let index = node.log().last_index() + 1;
                server.waiting.insert(index, (client, seq));
                let command = Command { client, seq, op };
                let careful = self.config.clients.careful_retries;
                let proposed = self.with_node(id, |node, out, _| node.propose(command, out));
                if careful && !matches!(proposed, Some(Ok(_))) {
                    // Nothing was appended: a stale note would hold back this request's
                    // retries for good (they look for it) if the index later holds a no-op.
                    self.servers[slot(id)].waiting.remove(&index);
                }
                match proposed {
                    Some(Ok(index)) => {
                        if let Some(h) = self.history_of(client, seq) {
                            self.history[h].note(self.now_us, Stage::Appended { node: id, index });
                        }
                        None
                    }
                    Some(Err(ProposeError::NotLeader { hint })) => Some(ClientReply::Redirect(hint)),
                    Some(Err(ProposeError::LogFull | ProposeError::Transferring { .. })) | None => {
                        Some(ClientReply::Redirect(None))
                    }
                }
            };
        if let Some(reply) = answer {
            self.reply(id, client, seq, reply);
        }
    }
}
