//! Share links: old links keep replaying the same run (a fixture per format version), the
//! command line agrees with the page, and the decoder survives a million hostile inputs.

#![cfg(not(target_arch = "wasm32"))]

use std::process::Command;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use raft_playground::raft::{Bug, Bugs, Op, ReadMode};
use raft_playground::scenario::compare::Switch;
use raft_playground::scenario::link::{self, Link};
use raft_playground::scenario::presets::PRESETS;
use raft_playground::scenario::{Scenario, Timed};
use raft_playground::sim::{Intervention, NetConfig};
use raft_playground::ui::core::model::{Model, default_config};

/// `link<TAB>trace hash<TAB>description` per line; `#` starts a comment.
fn fixture(version: u8) -> Vec<(String, String, String)> {
    let path = format!("{}/tests/fixtures/links-v{version}.txt", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let mut parts = l.splitn(3, '\t');
            let mut next = || parts.next().unwrap_or_default().to_string();
            (next(), next(), next())
        })
        .collect()
}

#[test]
fn every_link_of_every_version_still_replays_the_same_run() {
    for version in 1..=link::VERSION {
        let links = fixture(version);
        assert!(links.len() >= 5);
        for (text, hash, what) in links {
            let model = Model::from_link(&text).unwrap_or_else(|e| panic!("format {version}, {what}: {e}"));
            assert_eq!(
                model.world.trace().hash_hex(),
                hash,
                "format {version}, {what}: the link now replays differently"
            );
        }
    }
}

#[test]
fn the_command_line_agrees_with_the_page() {
    for (text, hash, what) in fixture(1).into_iter().take(3).chain(fixture(link::VERSION).into_iter().skip(4)) {
        let out = Command::new(env!("CARGO_BIN_EXE_raft-sim"))
            .args(["run", "--link", &format!("https://example.org/#{text}"), "--json"])
            .output()
            .expect("raft-sim runs");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{what}: {out:?}"));
        assert_eq!(v["trace_hash"], hash.as_str(), "{what}");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_raft-sim")).args(["run", "--link", "#s=AAAA"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--link:"), "{out:?}");
}

/// The scenarios the fixture holds; run with `cargo test --test links -- --ignored --nocapture`
/// to print fixture lines for a new format version.
fn fixture_scenarios() -> Vec<(String, Link)> {
    let speed_ppm = 20_000;
    let mut out: Vec<(String, Link)> = PRESETS
        .iter()
        .map(|p| {
            (
                format!("preset {} at its end", p.name),
                Link { scenario: (p.build)(1), time_us: p.duration_us, speed_ppm, compare: None },
            )
        })
        .collect();
    let mut busy = Scenario::new(default_config(77));
    busy.config.clients.count = 3;
    busy.config.net = NetConfig { latency_min_us: 3_000, latency_max_us: 40_000, loss_ppm: 50_000, dup_ppm: 20_000 };
    for (i, what) in [
        Intervention::Crash(2),
        Intervention::Request(3),
        Intervention::Isolate(4),
        Intervention::Timeout(5),
        Intervention::Restart(2),
        Intervention::Partition(vec![0, 0, 1, 1, 1]),
        Intervention::Heal,
        Intervention::AlignTimers,
        Intervention::SetTiming {
            election_timeout_min_us: 200_000,
            election_timeout_max_us: 400_000,
            heartbeat_interval_us: 60_000,
        },
        Intervention::SpreadTimers,
        Intervention::Cut { from: 1, to: 3 },
        Intervention::Rejoin(4),
    ]
    .into_iter()
    .enumerate()
    {
        busy.interventions.push(Timed { at_us: 400_000 + i as u64 * 350_000, what });
    }
    out.push((
        "five servers, three clients, lossy network, twelve interventions".into(),
        Link { scenario: busy, time_us: 6_000_000, speed_ppm, compare: None },
    ));
    out.push(("format 2: every protocol switch and the new interventions".into(), protocol_scenario(speed_ppm)));
    out.push(("format 3: servers added, removed and replaced".into(), membership_scenario(speed_ppm)));
    out.push(("format 4: clients retry past removed servers; a cut link restored".into(), retry_scenario(speed_ppm)));
    for (preset, switch) in [
        ("disruptive-server", Switch::PreVote),
        ("figure8", Switch::Bug(Bug::CommitPreviousTerm)),
        ("split-vote", Switch::AlignedTimers),
    ] {
        let p = raft_playground::scenario::presets::find(preset).expect("preset");
        let link = Link { scenario: (p.build)(1), time_us: p.duration_us, speed_ppm, compare: Some(switch) };
        out.push((format!("format 6: {preset} beside {}", switch.name()), link));
    }
    out
}

/// Format 6 carries the comparison; the older formats carry none.
#[test]
fn a_comparison_rides_in_the_link() {
    let (_, with) = fixture_scenarios().into_iter().find(|(w, _)| w.starts_with("format 6")).expect("a compare link");
    let decoded = link::decode(&link::encode(&with)).expect("decodes");
    assert_eq!(decoded.compare, with.compare);
    assert!(with.compare.is_some());
    for version in 1..link::VERSION {
        for (text, _, what) in fixture(version) {
            assert_eq!(link::decode(&text).expect("old links decode").compare, None, "format {version}, {what}");
        }
    }
}

/// Format 4's careful retries: two servers leave for good while three clients write, and the
/// leader is crashed, so clients hear stale hints and find nobody to follow; then a link is
/// cut by hand and restored (format 4's new intervention).
fn retry_scenario(speed_ppm: u32) -> Link {
    let mut s = Scenario::new(default_config(44));
    s.config.clients.count = 3;
    for (i, what) in [
        Intervention::RemoveServer(1),
        Intervention::RemoveServer(2),
        Intervention::Crash(3),
        Intervention::Restart(3),
        Intervention::Crash(4),
        Intervention::Restart(4),
        Intervention::Cut { from: 4, to: 5 },
        Intervention::Mend { from: 4, to: 5 },
    ]
    .into_iter()
    .enumerate()
    {
        s.interventions.push(Timed { at_us: 600_000 + i as u64 * 500_000, what });
    }
    Link { scenario: s, time_us: 6_000_000, speed_ppm, compare: None }
}

/// Format 3's membership interventions: a server added (learner, then voter), one removed, two
/// replaced through joint consensus, with clients writing throughout.
fn membership_scenario(speed_ppm: u32) -> Link {
    let mut s = Scenario::new(default_config(23));
    s.config.clients.count = 2;
    for (i, what) in [
        Intervention::AddServer,
        Intervention::RemoveServer(2),
        Intervention::Replace { remove: vec![1, 3], add: 2 },
        Intervention::Crash(6),
        Intervention::Restart(6),
    ]
    .into_iter()
    .enumerate()
    {
        s.interventions.push(Timed { at_us: 600_000 + i as u64 * 700_000, what });
    }
    Link { scenario: s, time_us: 6_000_000, speed_ppm, compare: None }
}

/// Format 2's additions in one run: PreVote, CheckQuorum and ReadIndex from the start, the
/// stale-read bug, transfers, scripted client commands and switching the protocol mid-run.
fn protocol_scenario(speed_ppm: u32) -> Link {
    let mut s = Scenario::new(default_config(91));
    s.config.clients.count = 2;
    s.config.raft.pre_vote = true;
    s.config.raft.check_quorum = true;
    s.config.raft.read_mode = ReadMode::ReadIndex;
    s.config.raft.bugs = Bugs::none().with(Bug::StaleRead);
    for (i, what) in [
        Intervention::Transfer(3),
        Intervention::ClientOp { node: 2, op: Op::Put { key: 4, value: 9 } },
        Intervention::ClientOp { node: 4, op: Op::Get { key: 4 } },
        Intervention::Isolate(3),
        Intervention::Rejoin(3),
        Intervention::SetProtocol { pre_vote: false, check_quorum: true, read_mode: ReadMode::Log },
        Intervention::SetBug { bug: Bug::StaleRead, on: false },
        Intervention::Transfer(1),
    ]
    .into_iter()
    .enumerate()
    {
        s.interventions.push(Timed { at_us: 500_000 + i as u64 * 400_000, what });
    }
    Link { scenario: s, time_us: 5_000_000, speed_ppm, compare: None }
}

#[test]
#[ignore = "prints fixture lines for a new format version"]
fn print_fixture() {
    for (what, link) in fixture_scenarios() {
        let text = link::encode(&link);
        let model = Model::from_link(&text).expect("valid");
        println!("{text}\t{}\t{what}", model.world.trace().hash_hex());
    }
}

/// Each pinned line of the current format, matched by its description, still encodes the same
/// (scenarios added since, like new presets, have no line yet and are not compared).
#[test]
fn fixture_scenarios_encode_as_pinned() {
    let scenarios = fixture_scenarios();
    for (text, _, what) in fixture(link::VERSION) {
        let (_, link) = scenarios.iter().find(|(w, _)| *w == what).unwrap_or_else(|| panic!("no scenario '{what}'"));
        assert_eq!(link::encode(link), text, "{what}: the current format's encoding changed");
    }
}

/// A million hostile inputs through proptest (deterministic RNG): arbitrary text, base64-alphabet
/// soup, real links with random edits, and random field bytes wrapped in a valid length and
/// checksum so they reach the field decoders. Decoding may fail, never panic.
#[test]
fn decoder_survives_a_million_hostile_inputs() {
    let links: Vec<String> = (1..=link::VERSION).flat_map(fixture).map(|(t, _, _)| t).collect();
    let edit = (0usize..400, any::<char>(), 0u8..3);
    let mutated = (0..links.len(), prop::collection::vec(edit, 1..4)).prop_map(move |(i, edits)| {
        let mut chars: Vec<char> = links[i].chars().collect();
        for (at, c, kind) in edits {
            let at = at % (chars.len() + 1);
            match kind {
                0 if at < chars.len() => chars[at] = c,
                1 => chars.truncate(at),
                _ => chars.insert(at, c),
            }
        }
        chars.into_iter().collect::<String>()
    });
    let hostile = prop_oneof![
        ".{0,120}",
        "[A-Za-z0-9_=#s<>&%-]{0,300}".prop_map(|b| format!("s={b}")),
        mutated,
        prop::collection::vec(any::<u8>(), 0..80).prop_map(|f| link::wrap_payload(&f)),
        prop::collection::vec(any::<u8>(), 0..80).prop_map(|f| link::wrap_payload_version(1, &f)),
    ];
    let config = Config { cases: 1_000_000, failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let refused = std::cell::Cell::new(0u64);
    runner
        .run(&hostile, |input| {
            if link::decode(&input).is_err() {
                refused.set(refused.get() + 1);
            }
            Ok(())
        })
        .expect("the decoder never panics");
    assert!(refused.get() > 500_000, "most hostile inputs must be refused, {} were", refused.get());
}
