//! Unit tests keyed to the dissertation's sections, one rule each, with nodes set up directly.
//! `tests/scripts/` shows the same mechanisms as whole interleavings.

use super::*;
use crate::prng::Stream;
use crate::raft::ReadMode;
use crate::raft::message::Kind;

const MIN_US: Time = 150_000;

fn node(id: NodeId, config: Config, setup: Setup) -> Node {
    Node::with_setup(id, 3, config, setup, 0, Prng::new(1, Stream::Node { id, incarnation: 0 })).expect("valid setup")
}

fn follower_of(leader: NodeId, term: Term) -> Setup {
    Setup { term, voted_for: Some(leader), log_terms: vec![term], commit_index: 1, ..Setup::default() }
}

fn leader(term: Term) -> Setup {
    Setup { role: Some(RoleKind::Leader), term, voted_for: Some(1), log_terms: vec![term], commit_index: 1 }
}

fn heartbeat(from: NodeId, to: NodeId, term: Term, read_round: u64) -> Envelope {
    let body = Message::AppendEntries {
        prev_log_index: 1,
        prev_log_term: term,
        entries: vec![],
        leader_commit: 1,
        read_round,
    };
    Envelope { from, to, term, body }
}

fn ack(from: NodeId, term: Term, read_round: u64) -> Envelope {
    let body = Message::AppendEntriesReply {
        success: true,
        match_index: 1,
        conflict_index: 0,
        conflict_term: None,
        read_round,
    };
    Envelope { from, to: 1, term, body }
}

fn step(n: &mut Node, now: Time, env: Envelope) -> Outbox {
    let mut out = Outbox::default();
    n.step(now, env, &mut out).expect("valid message");
    out
}

fn pre_vote(from: NodeId, to: NodeId, term: Term) -> Envelope {
    Envelope { from, to, term, body: Message::PreVote { last_log_index: 1, last_log_term: 1 } }
}

#[test]
fn pre_vote_9_6_is_granted_only_without_a_recent_leader_and_changes_nothing() {
    let config = Config { pre_vote: true, ..Config::default() };
    let mut n2 = node(2, config, follower_of(1, 1));
    let out = step(&mut n2, 1_000, heartbeat(1, 2, 1, 0));
    assert_eq!(out.messages.len(), 1);
    let refused = step(&mut n2, 1_000 + MIN_US - 1, pre_vote(3, 2, 2));
    assert_eq!(refused.messages[0].body, Message::PreVoteReply { granted: false });
    assert_eq!(refused.messages[0].term, 1, "a refusal carries our own term");
    let granted = step(&mut n2, 1_000 + MIN_US, pre_vote(3, 2, 2));
    assert_eq!(granted.messages[0].body, Message::PreVoteReply { granted: true });
    assert_eq!(granted.messages[0].term, 2, "a yes carries the asked term");
    assert_eq!((n2.term(), n2.voted_for()), (1, Some(1)), "a pre-vote changes no term and no vote");
}

#[test]
fn pre_vote_9_6_candidate_raises_its_term_only_with_a_majority() {
    let config = Config { pre_vote: true, ..Config::default() };
    let mut n3 = node(3, config, follower_of(1, 1));
    let mut out = Outbox::default();
    n3.timeout_now(500_000, &mut out);
    assert_eq!((n3.role_kind(), n3.term()), (RoleKind::PreCandidate, 1));
    assert!(out.messages.iter().all(|m| m.term == 2 && m.body.kind() == Kind::PreVote));
    let yes = Envelope { from: 2, to: 3, term: 2, body: Message::PreVoteReply { granted: true } };
    step(&mut n3, 500_001, yes);
    assert_eq!((n3.role_kind(), n3.term()), (RoleKind::Candidate, 2));
}

#[test]
fn check_quorum_6_2_leader_without_a_majority_steps_down() {
    let config = Config { check_quorum: true, ..Config::default() };
    let mut n1 = node(1, config, leader(1));
    let mut out = Outbox::default();
    step(&mut n1, 10_000, ack(2, 1, 0));
    n1.tick(MIN_US, &mut out);
    assert_eq!(n1.role_kind(), RoleKind::Leader, "n2 answered within the first round");
    n1.tick(2 * MIN_US, &mut out);
    assert_eq!(n1.role_kind(), RoleKind::Follower, "nobody answered in the second round");
    assert_eq!(n1.term(), 1);
}

#[test]
fn stickiness_4_2_3_ignores_a_disruptive_request_vote_but_not_a_transfer() {
    let config = Config { check_quorum: true, ..Config::default() };
    let mut n2 = node(2, config, follower_of(1, 1));
    step(&mut n2, 1_000, heartbeat(1, 2, 1, 0));
    let vote = |transfer| Message::RequestVote { last_log_index: 1, last_log_term: 1, transfer };
    let out = step(&mut n2, 2_000, Envelope { from: 3, to: 2, term: 5, body: vote(false) });
    assert!(out.messages.is_empty() && n2.term() == 1, "ignored: no reply, no new term");
    let out = step(&mut n2, 3_000, Envelope { from: 3, to: 2, term: 5, body: vote(true) });
    assert_eq!(out.messages[0].body, Message::RequestVoteReply { granted: true });
    assert_eq!((n2.term(), n2.voted_for()), (5, Some(3)));
    let mut plain = node(2, Config::default(), follower_of(1, 1));
    step(&mut plain, 1_000, heartbeat(1, 2, 1, 0));
    step(&mut plain, 2_000, Envelope { from: 3, to: 2, term: 5, body: vote(false) });
    assert_eq!(plain.term(), 5, "without CheckQuorum the newer term is taken");
}

#[test]
fn transfer_3_10_completes_and_is_abandoned_on_timeout() {
    let config = Config { pre_vote: true, check_quorum: true, ..Config::default() };
    let mut n1 = node(1, config, leader(1));
    let mut out = Outbox::default();
    n1.transfer_leadership(0, 2, &mut out).expect("n1 leads");
    let cmd = Command { client: 1, seq: 1, op: crate::raft::Op::Get { key: 0 } };
    assert_eq!(n1.propose(cmd, &mut out), Err(ProposeError::Transferring { target: 2 }));
    let out = step(&mut n1, 1_000, ack(2, 1, 0));
    assert!(out.messages.iter().any(|m| m.to == 2 && m.body == Message::TimeoutNow), "caught up: TimeoutNow");
    let mut n2 = node(2, config, follower_of(1, 1));
    let out = step(&mut n2, 2_000, Envelope { from: 1, to: 2, term: 1, body: Message::TimeoutNow });
    assert_eq!((n2.role_kind(), n2.term()), (RoleKind::Candidate, 2), "no PreVote for a transfer");
    assert!(out.messages.iter().all(|m| matches!(m.body, Message::RequestVote { transfer: true, .. })));
    let mut out = Outbox::default();
    n1.tick(config.election_timeout_max_us, &mut out);
    assert_eq!(n1.transfer(), None, "given up after an election timeout");
    assert!(n1.propose(cmd, &mut out).is_ok(), "proposals resume");
}

#[test]
fn read_index_6_4_waits_for_its_heartbeat_round_and_for_apply() {
    let config = Config { read_mode: ReadMode::ReadIndex, ..Config::default() };
    let mut n1 = node(1, config, leader(1));
    let mut out = Outbox::default();
    n1.read_index(7, &mut out).expect("a leader takes reads");
    assert!(out.reads.is_empty(), "not before a majority confirms the round");
    let round = out.messages.iter().find_map(|m| match m.body {
        Message::AppendEntries { read_round, .. } => Some(read_round),
        _ => None,
    });
    assert_eq!(round, Some(1));
    assert!(step(&mut n1, 1_000, ack(2, 1, 0)).reads.is_empty(), "an older round does not count");
    let out = step(&mut n1, 1_000, ack(2, 1, 1));
    assert_eq!(out.reads, vec![ReadReady { ctx: 7, index: 1 }]);
    // A new leader whose no-op is not committed yet must wait for it (and apply it).
    let fresh = Setup { log_terms: vec![1, 2], commit_index: 1, ..leader(2) };
    let mut n1 = node(1, config, fresh);
    n1.read_index(8, &mut Outbox::default()).expect("a leader takes reads");
    assert!(step(&mut n1, 1_000, ack(2, 2, 1)).reads.is_empty(), "no entry of term 2 committed yet");
}

#[test]
fn learner_4_2_3_is_not_disrupted_while_it_hears_a_leader() {
    // n4 is a learner whose configuration still lists n3 as a voter (n3 was removed in an
    // entry n4 has not received yet). n3 campaigns: n4 must not take its term, or its next
    // reply would carry that term to the leader and depose it.
    let membership = Membership { voters: [1, 2, 3].into(), learners: [4].into(), outgoing: NodeSet::new() };
    let state = Persistent { current_term: 1, voted_for: None, log: Log::default(), snapshot: None };
    let rng = Prng::new(1, Stream::Node { id: 4, incarnation: 0 });
    let mut n4 = Node::new(4, membership, Config::default(), state, 0, rng);
    let heartbeat = Message::AppendEntries {
        prev_log_index: 0,
        prev_log_term: 0,
        entries: vec![],
        leader_commit: 0,
        read_round: 0,
    };
    step(&mut n4, 1_000, Envelope { from: 1, to: 4, term: 1, body: heartbeat.clone() });
    let vote = Message::RequestVote { last_log_index: 5, last_log_term: 1, transfer: false };
    let out = step(&mut n4, 2_000, Envelope { from: 3, to: 4, term: 7, body: vote.clone() });
    assert!(out.messages.is_empty() && n4.term() == 1, "ignored while the leader is heard");
    let out = step(&mut n4, 2_000 + MIN_US, Envelope { from: 3, to: 4, term: 7, body: vote });
    assert_eq!((n4.term(), out.messages.len()), (7, 1), "answered once the leader has gone quiet");
}

#[test]
fn stickiness_4_2_3_holds_without_check_quorum_once_the_configuration_changed() {
    // n2's configuration came from a log entry (n4 was added as a learner): a campaign by n3
    // while n2 hears from leader n1 is ignored; before any change the newer term is taken.
    let membership = Membership { voters: [1, 2, 3].into(), learners: [4].into(), outgoing: NodeSet::new() };
    let mut log = Log::default();
    log.push_config(1, membership);
    let state = Persistent { current_term: 1, voted_for: None, log, snapshot: None };
    let rng = Prng::new(1, Stream::Node { id: 2, incarnation: 0 });
    let mut n2 = Node::new(2, Membership::initial(3), Config::default(), state, 0, rng);
    let beat = Message::AppendEntries {
        prev_log_index: 1,
        prev_log_term: 1,
        entries: vec![],
        leader_commit: 1,
        read_round: 0,
    };
    step(&mut n2, 1_000, Envelope { from: 1, to: 2, term: 1, body: beat });
    let vote = Message::RequestVote { last_log_index: 1, last_log_term: 1, transfer: false };
    let out = step(&mut n2, 2_000, Envelope { from: 3, to: 2, term: 5, body: vote.clone() });
    assert!(out.messages.is_empty() && n2.term() == 1, "ignored while the leader is heard");
    let old_style = Config { sticky_after_change: false, ..Config::default() };
    let mut plain = node(2, old_style, follower_of(1, 1));
    step(&mut plain, 1_000, heartbeat(1, 2, 1, 0));
    step(&mut plain, 2_000, Envelope { from: 3, to: 2, term: 5, body: vote });
    assert_eq!(plain.term(), 5, "formats 1-3: the newer term is taken");
}

#[test]
fn removed_4_2_2_server_with_an_uncommitted_change_asks_for_pre_votes_first() {
    // n3 holds a configuration without itself that it does not know is committed: it may
    // campaign (it could be the only one holding the entry), but only through PreVote, so it
    // cannot raise the others' terms when they have moved on.
    let mut log = Log::default();
    log.push(1, None);
    log.push_config(1, Membership { voters: [1, 2].into(), learners: NodeSet::new(), outgoing: NodeSet::new() });
    let state = Persistent { current_term: 1, voted_for: None, log, snapshot: None };
    let rng = Prng::new(1, Stream::Node { id: 3, incarnation: 0 });
    let mut n3 = Node::new(3, Membership::initial(3), Config::default(), state, 0, rng);
    let mut out = Outbox::default();
    n3.tick(Config::default().election_timeout_max_us + 1, &mut out);
    assert_eq!((n3.role_kind(), n3.term()), (RoleKind::PreCandidate, 1), "a pre-vote round, no new term");
    assert!(out.messages.iter().all(|m| matches!(m.body, Message::PreVote { .. })) && !out.messages.is_empty());
}

/// Leader-only code reached in another role is a bug of this module: it panics at once.
#[test]
#[should_panic(expected = "leader-only code reached as a follower")]
fn leader_only_code_panics_in_another_role() {
    let mut n = node(2, Config::default(), follower_of(1, 1));
    n.maybe_commit(&mut Outbox::default());
}

#[test]
#[should_panic(expected = "candidate-only code reached as a pre-candidate")]
fn a_candidates_count_panics_in_another_role() {
    let setup = Setup { role: Some(RoleKind::PreCandidate), term: 1, ..Setup::default() };
    let n = node(2, Config::default(), setup);
    n.role.tally(RoleKind::Candidate);
}

/// A reply that legitimately finds us in another role is ignored: a leader that stepped down
/// within its term still receives its followers' acknowledgements.
#[test]
fn a_late_acknowledgement_to_a_deposed_leader_is_ignored() {
    let mut n = node(1, Config::default(), leader(1));
    n.become_follower(0, 1, None, &mut Outbox::default());
    let reply = Message::AppendEntriesReply {
        success: true,
        match_index: 1,
        conflict_index: 0,
        conflict_term: None,
        read_round: 0,
    };
    let mut out = Outbox::default();
    n.step(0, Envelope { from: 2, to: 1, term: 1, body: reply }, &mut out).expect("valid");
    assert_eq!(n.role_kind(), RoleKind::Follower);
    assert!(out.messages.is_empty() && out.events.is_empty());
}

/// 4.2.2: a leader that commits a configuration without itself steps down, and its election
/// timer restarts from the time of that step (it once restarted from its stale deadline).
#[test]
fn a_leader_that_removed_itself_restarts_its_timer_from_now() {
    let mut n = node(1, Config::default(), leader(1));
    n.change_membership(ConfigChange::Remove(1), &mut Outbox::default()).expect("a leader may change");
    let now = 5_000_000;
    for from in [2, 3] {
        let body = Message::AppendEntriesReply {
            success: true,
            match_index: 2,
            conflict_index: 0,
            conflict_term: None,
            read_round: 0,
        };
        n.step(now, Envelope { from, to: 1, term: 1, body }, &mut Outbox::default()).expect("valid");
    }
    assert_eq!((n.role_kind(), n.commit_index()), (RoleKind::Follower, 2));
    assert!(n.election_deadline_us() >= now + MIN_US, "deadline {} µs", n.election_deadline_us());
}

/// The host's clock only moves forward; a node handed an earlier time stops at once.
#[test]
#[should_panic(expected = "time went back")]
fn time_going_back_is_a_bug() {
    let mut n = node(2, Config::default(), follower_of(1, 1));
    n.tick(1_000, &mut Outbox::default());
    n.tick(999, &mut Outbox::default());
}

#[test]
fn an_outbox_reused_for_every_step_recycles_entry_vectors() {
    let config = Config::default();
    let (mut n1, mut n2) = (node(1, config, leader(1)), node(2, config, follower_of(1, 1)));
    let cmd = |seq| Command { client: 1, seq, op: crate::raft::Op::Get { key: 0 } };
    let mut out = Outbox::default();
    n1.propose(cmd(1), &mut out).expect("n1 leads");
    let env = out.messages.swap_remove(out.messages.iter().position(|m| m.to == 2).expect("sent to n2"));
    assert!(matches!(&env.body, Message::AppendEntries { entries, .. } if entries.len() == 1));
    out.clear();
    n2.step(1_000, env, &mut out).expect("valid message");
    assert_eq!(n2.log().last_index(), 2, "the entry moved into n2's log");
    assert_eq!(out.spare_entries.len(), 1, "its emptied vector is kept");
    let reply = out.messages.pop().expect("n2 answers");
    out.clear();
    n1.step(2_000, reply, &mut out).expect("valid message");
    out.clear();
    n1.propose(cmd(2), &mut out).expect("n1 leads");
    assert!(out.spare_entries.is_empty(), "and holds the next message's entries");
    let sent: Vec<usize> = out
        .messages
        .iter()
        .map(|m| match &m.body {
            Message::AppendEntries { entries, .. } => entries.len(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(sent, [1], "n2 is caught up; n3's message is still on its way");
    for _ in 0..MAX_SPARE_ENTRY_VECS + 1 {
        out.recycle_entries(Vec::with_capacity(1));
    }
    assert_eq!(out.spare_entries.len(), MAX_SPARE_ENTRY_VECS, "the spares are bounded");
    out.recycle_entries(Vec::new());
    assert_eq!(out.spare_entries.len(), MAX_SPARE_ENTRY_VECS);
}
