//! The consensus module alone, driven by hand the way etcd's interaction tests do: messages
//! wait in a queue until the test delivers (or drops) them, so every interleaving is chosen.

#![cfg(not(target_arch = "wasm32"))]

use raft_playground::prng::{Prng, Stream};
use raft_playground::raft::{Bug, Command, Config, Envelope, Message, Node, NodeId, Op, Outbox, RoleKind};

struct Net {
    nodes: Vec<Node>,
    queue: Vec<Envelope>,
    now: u64,
}

impl Net {
    fn new(size: u8, config: Config) -> Net {
        let nodes = (1..=size)
            .map(|id| {
                Node::new(id, size, config, Default::default(), 0, Prng::new(1, Stream::Node { id, incarnation: 0 }))
            })
            .collect();
        Net { nodes, queue: Vec::new(), now: 0 }
    }

    fn node(&mut self, id: NodeId) -> &mut Node {
        &mut self.nodes[usize::from(id) - 1]
    }

    fn run(&mut self, id: NodeId, f: impl FnOnce(&mut Node, &mut Outbox, u64)) {
        let now = self.now;
        let mut out = Outbox::default();
        f(self.node(id), &mut out, now);
        self.queue.extend(out.messages);
    }

    /// Delivers queued messages that `pick` selects, drops those `drop` selects, keeps the rest;
    /// repeats until nothing selected is left.
    fn deliver(&mut self, pick: impl Fn(&Envelope) -> bool, drop: impl Fn(&Envelope) -> bool) {
        loop {
            let queued = std::mem::take(&mut self.queue);
            let (chosen, rest): (Vec<_>, Vec<_>) = queued.into_iter().filter(|e| !drop(e)).partition(|e| pick(e));
            self.queue = rest;
            if chosen.is_empty() {
                return;
            }
            self.now += 1_000;
            for env in chosen {
                self.run(env.to, |n, out, now| n.step(now, env, out).expect("valid message"));
            }
        }
    }

    fn stabilize(&mut self) {
        self.deliver(|_| true, |_| false);
    }

    /// The node's election timer fires now.
    fn time_out(&mut self, id: NodeId) {
        self.run(id, |n, out, now| n.timeout_now(now, out));
    }

    fn propose(&mut self, id: NodeId, seq: u64) {
        let cmd = Command { client: 1, seq, op: Op::Put { key: 0, value: seq as u32 } };
        self.run(id, |n, out, _| {
            n.propose(cmd, out).expect("proposing at the leader");
        });
    }
}

#[test]
fn single_server_elects_itself_and_commits_at_once() {
    let mut net = Net::new(1, Config::default());
    net.time_out(1);
    assert_eq!(net.node(1).role_kind(), RoleKind::Leader);
    net.propose(1, 1);
    assert_eq!(net.node(1).commit_index(), 2, "the no-op and the command");
}

#[test]
fn votes_go_only_to_up_to_date_candidates() {
    let mut net = Net::new(3, Config::default());
    net.time_out(1);
    net.stabilize();
    net.propose(1, 1);
    net.deliver(|e| e.to == 2, |e| e.to == 3); // only n2 gets entry 2
    // n3 is behind: it cannot win, even with a higher term.
    net.time_out(3);
    net.stabilize();
    assert_ne!(net.node(3).role_kind(), RoleKind::Leader);
    // n2 is up to date and can.
    net.time_out(2);
    net.stabilize();
    assert_eq!(net.node(2).role_kind(), RoleKind::Leader);
    assert_eq!(net.node(1).role_kind(), RoleKind::Follower, "a newer term deposes the old leader");
}

#[test]
fn stale_term_messages_are_refused_with_our_term() {
    let mut net = Net::new(3, Config::default());
    net.time_out(1);
    net.stabilize();
    net.time_out(2);
    net.time_out(2); // term 3, messages of term 2 still queued
    net.queue.retain(|e| e.term == 3);
    let stale = Envelope { from: 1, to: 2, term: 1, body: Message::RequestVoteReply { granted: true } };
    net.run(2, |n, out, now| n.step(now, stale, out).expect("valid"));
    assert_eq!(net.node(2).votes().map(|v| v.len()), Some(1), "a stale reply must not count");
    let stale_append = Envelope {
        from: 1,
        to: 2,
        term: 1,
        body: Message::AppendEntries {
            prev_log_index: 0,
            prev_log_term: 0,
            entries: vec![],
            leader_commit: 0,
            read_round: 0,
        },
    };
    net.queue.clear();
    net.run(2, |n, out, now| n.step(now, stale_append, out).expect("valid"));
    let reply = net.queue.pop().expect("a refusal");
    assert_eq!((reply.to, reply.term), (1, 3));
    assert!(matches!(reply.body, Message::AppendEntriesReply { success: false, .. }));
}

/// raft-rs's "cannot commit without new term entry", Figure 8 in miniature: an entry of an
/// older term on a majority is not committed until an entry of the current term is.
fn old_term_entry_on_majority(bugs: raft_playground::raft::Bugs) -> u64 {
    let config = Config { max_entries_per_append: 1, bugs, ..Config::default() };
    let mut net = Net::new(3, config);
    net.time_out(1);
    net.stabilize();
    net.propose(1, 1);
    net.deliver(|e| e.to == 2 && e.from == 1, |e| e.to == 3 || e.to == 1); // 2@t1 on n1, n2 only
    net.queue.clear();
    net.time_out(1); // term 2 with n3's vote
    net.deliver(|e| e.to == 1 || (e.to == 3 && matches!(e.body, Message::RequestVote { .. })), |e| e.to == 2);
    assert_eq!(net.node(1).role_kind(), RoleKind::Leader);
    // n3 refuses 3@t2 (it lacks index 2), then accepts 2@t1 alone; 3@t2 stays queued.
    let to_n3_after = |prev: u64| {
        move |e: &Envelope| {
            e.to == 3 && matches!(e.body, Message::AppendEntries { prev_log_index, .. } if prev_log_index == prev)
        }
    };
    let n3_reply = |e: &Envelope| e.to == 1 && e.from == 3;
    let none = |_: &Envelope| false;
    net.deliver(to_n3_after(2), none);
    net.deliver(n3_reply, none);
    net.deliver(to_n3_after(1), none);
    net.deliver(n3_reply, none);
    assert_eq!(net.nodes[2].log().term_at(2), Some(1), "n3 stores 2@t1");
    net.nodes[0].commit_index()
}

#[test]
fn cannot_commit_old_term_entry_without_a_new_term_entry() {
    assert_eq!(old_term_entry_on_majority(Default::default()), 1);
    let buggy = raft_playground::raft::Bugs::none().with(Bug::CommitPreviousTerm);
    assert_eq!(old_term_entry_on_majority(buggy), 2, "the bug switch commits by counting replicas");
}

#[test]
fn restart_keeps_term_vote_and_log_only() {
    let mut net = Net::new(3, Config::default());
    net.time_out(1);
    net.stabilize();
    net.propose(1, 1);
    net.stabilize();
    let before = net.node(1).persistent().clone();
    assert!(net.node(1).commit_index() >= 2);
    let rng = Prng::new(1, Stream::Node { id: 1, incarnation: 1 });
    let restarted = Node::new(1, 3, Config::default(), before.clone(), 50_000, rng);
    assert_eq!(restarted.persistent(), &before);
    assert_eq!((restarted.commit_index(), restarted.last_applied()), (0, 0));
    assert_eq!(restarted.role_kind(), RoleKind::Follower);
    let buggy =
        Config { bugs: raft_playground::raft::Bugs::none().with(Bug::ForgetVoteOnRestart), ..Config::default() };
    let forgetful = Node::new(1, 3, buggy, before, 50_000, Prng::new(1, Stream::Node { id: 1, incarnation: 2 }));
    assert_eq!(forgetful.voted_for(), None);
}
