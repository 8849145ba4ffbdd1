//! Scenario tests ported from well-known suites (MIT 6.5840's Raft tests, etcd and raft-rs),
//! written as builder chains over the deterministic world. Each loops over a few seeds; a
//! failure names the seed and the command that reruns it.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::Sim;
use raft_playground::prng::{Prng, Stream};
use raft_playground::raft::{Bug, NodeId, RoleKind};
use raft_playground::scenario::presets;
use raft_playground::scenario::{RunOptions, run};
use raft_playground::sim::network::Endpoint;
use raft_playground::sim::trace::TraceEvent;
use raft_playground::sim::{Intervention::*, Invariant, NetConfig, SimConfig};

const SEEDS: std::ops::RangeInclusive<u64> = 1..=8;

#[test]
fn initial_election() {
    for seed in SEEDS {
        let mut s = Sim::new("initial_election", 3, seed);
        let all = s.all();
        let leader = s.await_leader(&all, 900);
        let term = s.term(leader);
        s.run_ms(2_000);
        s.check(s.leader_among(&all) == Some(leader), "leadership changed without failures");
        s.check(s.term(leader) == term, "term changed without failures");
        s.assert_safe();
    }
}

#[test]
fn re_election() {
    for seed in SEEDS {
        let mut s = Sim::new("re_election", 3, seed);
        let all = s.all();
        let first = s.await_leader(&all, 900);
        s.act(Isolate(first));
        let rest: Vec<NodeId> = all.iter().copied().filter(|&n| n != first).collect();
        let second = s.await_leader(&rest, 1_500);
        s.check(second != first, "the isolated leader cannot lead the majority");
        s.act(Rejoin(first)).run_ms(500);
        s.check(s.leader_among(&all) == Some(second), "the old leader must rejoin as a follower");
        // Cut two of three: the one left cannot win an election.
        let follower = *rest.iter().find(|&&n| n != second).expect("three servers");
        s.act(Isolate(second)).act(Isolate(follower)).run_ms(2_000);
        let lonely = all.iter().copied().find(|&n| n != second && n != follower).expect("three servers");
        s.check(s.world.node(lonely).map(|n| n.role_kind()) != Some(RoleKind::Leader), "a minority elected a leader");
        s.act(Rejoin(follower));
        s.await_leader(&[lonely, follower], 1_500);
        s.assert_safe();
    }
}

#[test]
fn many_elections_under_churn() {
    for seed in SEEDS {
        let mut s = Sim::new("many_elections_under_churn", 7, seed);
        let mut rng = Prng::new(seed, Stream::Faults);
        let all = s.all();
        s.await_leader(&all, 900);
        for _ in 0..10 {
            let mut cut: Vec<NodeId> = Vec::new();
            while cut.len() < 3 {
                let n = rng.range(1, 7) as NodeId;
                if !cut.contains(&n) {
                    cut.push(n);
                }
            }
            cut.iter().for_each(|&n| {
                s.act(Isolate(n));
            });
            let rest: Vec<NodeId> = all.iter().copied().filter(|n| !cut.contains(n)).collect();
            s.await_leader(&rest, 2_000);
            cut.iter().for_each(|&n| {
                s.act(Rejoin(n));
            });
        }
        s.await_leader(&all, 2_000);
        s.assert_safe();
    }
}

#[test]
fn basic_agreement() {
    for seed in SEEDS {
        let mut s = Sim::new("basic_agreement", 5, seed);
        let all = s.all();
        let leader = s.await_leader(&all, 900);
        for round in 1..=3u64 {
            s.act(Request(leader)).run_ms(300);
            let expected = 1 + round; // the leader's no-op, then one entry per request
            for &n in &all {
                s.check(s.commit(n) >= expected, &format!("n{n} has not committed entry {expected}"));
            }
            let done = s.world.history().iter().filter(|h| h.returned.is_some()).count() as u64;
            s.check(done == round, "the client was not answered after its entry committed");
        }
        s.assert_safe();
    }
}

#[test]
fn no_commit_in_a_minority() {
    for seed in SEEDS {
        let mut s = Sim::new("no_commit_in_a_minority", 5, seed);
        let all = s.all();
        let leader = s.await_leader(&all, 900);
        s.run_ms(200);
        let before = s.commit(leader);
        let followers: Vec<NodeId> = all.iter().copied().filter(|&n| n != leader).take(3).collect();
        followers.iter().for_each(|&n| {
            s.act(Isolate(n));
        });
        s.act(Request(leader)).run_ms(1_000);
        s.check(s.commit(leader) == before, "a leader with a minority committed an entry");
        let appended = s.world.node(leader).map_or(0, |n| n.log().last_index());
        s.check(appended > before, "the leader should still append the request");
        s.check(s.world.history()[0].returned.is_none(), "a client was told about an uncommitted entry");
        followers.iter().for_each(|&n| {
            s.act(Rejoin(n));
        });
        s.run_ms(2_000);
        s.check(s.world.history()[0].returned.is_some(), "after healing the client's retry must succeed");
        s.assert_safe();
    }
}

#[test]
fn stale_leader_rejoins_and_is_overwritten() {
    for seed in SEEDS {
        let mut s = Sim::new("stale_leader_rejoins_and_is_overwritten", 3, seed);
        let all = s.all();
        let old = s.await_leader(&all, 900);
        s.run_ms(100);
        let committed = s.commit(old);
        s.act(Isolate(old)).act(Request(old)).act(Request(old)).act(Request(old)).run_ms(50);
        let stale_len = s.world.node(old).map_or(0, |n| n.log().last_index());
        s.check(stale_len == committed + 3, "the isolated leader should append the requests");
        let rest: Vec<NodeId> = all.iter().copied().filter(|&n| n != old).collect();
        let new = s.await_leader(&rest, 1_500);
        s.act(Request(new)).run_ms(300);
        s.act(Rejoin(old)).run_ms(3_000);
        let old_log = s.world.node(old).expect("up").log().clone();
        let new_log = s.world.node(new).expect("up").log().clone();
        s.check(old_log == new_log, "the rejoined server's log must equal the leader's");
        let old_term = s.world.servers()[usize::from(old) - 1].log().term_at(committed + 1);
        s.check(old_term != Some(1) || new_log.last_index() > 0, "stale tail must be replaced");
        s.check(s.world.clients_idle(), "every client's retry must eventually succeed");
        s.assert_safe();
    }
}

/// MIT's TestBackup: a follower with 50 divergent entries is repaired in a few round trips.
#[test]
fn fast_backup_over_fifty_divergent_entries() {
    for seed in SEEDS {
        let mut s = Sim::new("fast_backup_over_fifty_divergent_entries", 5, seed);
        let all = s.all();
        let leader = s.await_leader(&all, 900);
        s.run_ms(100);
        let others: Vec<NodeId> = all.iter().copied().filter(|&n| n != leader).collect();
        let partner = others[0];
        let majority = [others[1], others[2], others[3]];
        let mut groups = vec![1u8; 5];
        groups[usize::from(leader) - 1] = 0;
        groups[usize::from(partner) - 1] = 0;
        s.act(Partition(groups));
        for _ in 0..50 {
            s.act(Request(leader));
        }
        s.run_ms(300);
        s.check(s.world.node(partner).expect("up").log().last_index() >= 50, "the partner should store the 50 entries");
        let mut groups = vec![2u8; 5];
        groups[usize::from(leader) - 1] = 0;
        groups[usize::from(partner) - 1] = 1;
        s.act(Partition(groups));
        let new = s.await_leader(&majority, 2_000);
        for _ in 0..50 {
            s.act(Request(new));
        }
        s.run_ms(500);
        // The partner rejoins the majority: its 50 divergent entries must be replaced quickly.
        let mut groups = vec![2u8; 5];
        groups[usize::from(leader) - 1] = 0;
        s.act(Partition(groups));
        let rejoined_at = s.world.now_us();
        let group = [partner, majority[0], majority[1], majority[2]];
        let mut repaired = false;
        for _ in 0..150 {
            s.run_ms(10);
            let Some(l) = s.leader_among(&group) else {
                continue;
            };
            let (p, n) = (s.world.node(partner).expect("up").log(), s.world.node(l).expect("up").log());
            if p.last_index() >= 100 && p == n {
                repaired = true;
                break;
            }
        }
        s.check(repaired, "the partner was not repaired within 1.5 s");
        // Backing up one entry per round trip would take 50 refusals; the hint needs a few.
        let refusals = s.world.trace().recent().iter().filter(|(t, e)| {
            *t >= rejoined_at
                && matches!(e, TraceEvent::Sent { from: Endpoint::Node(n), kind, success: Some(false), .. }
                    if *n == partner && kind.name() == "append-reply")
        });
        let count = refusals.count();
        s.check(count <= 5, &format!("repair took {count} refused AppendEntries (limit 5)"));
        s.assert_safe();
    }
}

/// MIT's TestCount: an election takes few messages, and so do ten commands.
#[test]
fn message_counts_stay_small() {
    for seed in SEEDS {
        let mut s = Sim::new("message_counts_stay_small", 3, seed);
        let all = s.all();
        let leader = s.await_leader(&all, 900);
        let election = s.raft_messages_since(0, false);
        s.check(election <= 30, &format!("the election took {election} messages (limit 30)"));
        s.run_ms(200);
        let start = s.world.now_us();
        for _ in 0..10 {
            s.act(Request(leader));
        }
        for _ in 0..100 {
            if s.world.clients_idle() {
                break;
            }
            s.run_ms(5);
        }
        s.check(s.world.clients_idle(), "ten commands did not complete");
        let requests = s.raft_messages_since(start, true);
        s.check(requests <= (10 + 1 + 3) * 3, &format!("ten commands took {requests} RPCs (limit 42)"));
        s.assert_safe();
    }
}

/// Crash every server: nothing committed is lost, and the cluster carries on.
#[test]
fn persistence_across_crashes_of_every_server() {
    for seed in SEEDS {
        let mut s = Sim::with_clients("persistence_across_crashes_of_every_server", 5, seed, 2);
        let all = s.all();
        s.await_leader(&all, 900);
        s.run_ms(2_000);
        let committed = s.world.checker().committed_len();
        s.check(committed > 3, "clients should have committed entries");
        for &n in &all {
            s.act(Crash(n));
        }
        s.run_ms(100);
        for &n in &all {
            s.act(Restart(n));
        }
        s.await_leader(&all, 1_500);
        s.run_ms(1_000);
        let max_commit = all.iter().map(|&n| s.commit(n)).max().unwrap_or(0);
        s.check(max_commit >= committed, "the restarted cluster must commit at least what it had");
        s.assert_safe();
    }
}

fn figure8(bug: bool) -> raft_playground::sim::World {
    let preset = presets::find("figure8").expect("preset");
    let mut scenario = (preset.build)(1);
    if bug {
        scenario.config.raft.bugs = scenario.config.raft.bugs.with(Bug::CommitPreviousTerm);
    }
    let mut world = scenario.build(0).expect("valid preset");
    world.run_until(514_000).expect("in range");
    world
}

#[test]
fn figure8_correct_leader_does_not_commit_old_term_entry() {
    let mut world = figure8(false);
    let s1 = world.node(1).expect("S1 is up at (c)");
    assert_eq!((s1.term(), s1.role_kind()), (4, RoleKind::Leader), "S1 leads term 4 at (c)");
    assert_eq!(s1.log().term_at(2), Some(2));
    // S1 restarted, so it relearns commitIndex; it must not reach 2, which is on a majority
    // but not of S1's term.
    assert!(s1.commit_index() < 2, "S1 committed 2@t2 at (c)");
    let holders = world.servers().iter().filter(|s| s.log().term_at(2) == Some(2)).count();
    assert!(holders >= 3, "2@t2 should be on a majority at (c), is on {holders}");
    world.run_until(1_500_000).expect("in range");
    assert!(world.checker().violations().is_empty(), "{:?}", world.checker().violations());
    assert!(world.servers().iter().all(|s| s.log().term_at(2) == Some(3)), "(d): 2@t3 everywhere");
}

#[test]
fn figure8_with_bug_breaks_state_machine_safety() {
    let mut world = figure8(true);
    assert_eq!(world.node(1).expect("up").commit_index(), 2, "the bug commits 2@t2 at (c)");
    world.run_until(1_500_000).expect("in range");
    let kinds: Vec<Invariant> = world.checker().violations().iter().map(|v| v.invariant).collect();
    assert!(kinds.contains(&Invariant::StateMachineSafety), "expected State Machine Safety, got {kinds:?}");
}

#[test]
fn unreliable_network_with_reordering() {
    for seed in 1..=4 {
        let net = NetConfig { latency_min_us: 1_000, latency_max_us: 100_000, loss_ppm: 100_000, dup_ppm: 50_000 };
        let clients = raft_playground::sim::ClientConfig { count: 3, ..Default::default() };
        let config = SimConfig { nodes: 5, seed, net, clients, ..SimConfig::default() };
        let scenario = raft_playground::scenario::Scenario::new(config);
        let opts = RunOptions { duration_us: 20_000_000, liveness_us: Some(10_000_000), ..RunOptions::default() };
        let (report, _) = run(&scenario, &opts).expect("valid");
        assert!(report.violations.is_empty(), "seed {seed}: {:?}", report.violations);
        assert_eq!(report.linearizability, "linearizable", "seed {seed}");
        assert_eq!(report.liveness_ok, Some(true), "seed {seed}");
        assert!(report.client_ops_ok > 20, "seed {seed}: only {} operations completed", report.client_ops_ok);
    }
}

#[test]
fn a_client_is_only_answered_after_commit() {
    let mut s = Sim::with_clients("a_client_is_only_answered_after_commit", 5, 3, 3);
    s.run_ms(5_000);
    let trace = s.world.trace().recent();
    // Every answer's entry was applied by the answering leader before the reply left it.
    let replies = trace
        .iter()
        .filter(|(_, e)| matches!(e, TraceEvent::Sent { from: Endpoint::Node(_), to: Endpoint::Client(_), .. }));
    s.check(replies.count() > 10, "clients should be answered");
    for h in s.world.history() {
        if let Some((t, _)) = h.returned {
            let applied_before = trace.iter().any(|(at, e)| *at <= t && matches!(e, TraceEvent::Applied { .. }));
            s.check(applied_before, "a reply came before any entry was applied");
        }
    }
    s.assert_safe();
}
