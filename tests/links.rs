//! Share links: old links keep replaying the same run (a fixture per format version), the
//! command line agrees with the page, and the decoder survives a million hostile inputs.

#![cfg(not(target_arch = "wasm32"))]

use std::process::Command;

use raft_playground::prng::{Prng, Stream};
use raft_playground::scenario::link::{self, Link};
use raft_playground::scenario::presets::PRESETS;
use raft_playground::scenario::{Scenario, Timed};
use raft_playground::sim::{Intervention, NetConfig};
use raft_playground::ui::model::{Model, default_config};

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
fn every_version_1_link_still_replays_the_same_run() {
    let links = fixture(1);
    assert!(links.len() >= 5);
    for (text, hash, what) in links {
        let model = Model::from_link(&text).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(model.world.trace().hash_hex(), hash, "{what}: the link now replays differently");
    }
}

#[test]
fn the_command_line_agrees_with_the_page() {
    for (text, hash, what) in fixture(1).into_iter().take(3) {
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
                Link { scenario: (p.build)(1), time_us: p.duration_us, speed_ppm },
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
        Link { scenario: busy, time_us: 6_000_000, speed_ppm },
    ));
    out
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

#[test]
fn fixture_scenarios_encode_as_pinned() {
    let pinned = fixture(1);
    for ((what, link), (text, _, _)) in fixture_scenarios().iter().zip(&pinned) {
        assert_eq!(&link::encode(link), text, "{what}: format 1 encoding changed");
    }
}

/// A million hostile inputs: random text, damaged real links, and random bytes wrapped with a
/// valid length and checksum so they reach the field decoders. Decoding may fail, never panic.
#[test]
fn decoder_survives_a_million_hostile_inputs() {
    let seeds: Vec<String> = fixture(1).into_iter().map(|(t, _, _)| t).collect();
    let mut rng = Prng::new(2026, Stream::Faults);
    let mut alphabet: Vec<char> =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=#s<>&é😀 %".chars().collect();
    alphabet.extend(['"', '\\', '\n']);
    let mut decoded = 0;
    for i in 0..1_000_000u32 {
        let input = match i % 3 {
            0 => (0..rng.below(120)).map(|_| alphabet[rng.below(alphabet.len() as u64) as usize]).collect::<String>(),
            1 => mutate(&seeds[i as usize % seeds.len()], &mut rng, &alphabet),
            _ => forge(&mut rng),
        };
        if link::decode(&input).is_ok() {
            decoded += 1;
        }
    }
    assert!(decoded < 1_000_000, "most hostile inputs must be refused");
}

fn mutate(text: &str, rng: &mut Prng, alphabet: &[char]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..=rng.below(3) {
        let at = rng.below(chars.len() as u64 + 1) as usize;
        match rng.below(4) {
            0 if at < chars.len() => chars[at] = alphabet[rng.below(alphabet.len() as u64) as usize],
            1 => chars.truncate(at),
            2 => chars.insert(at, alphabet[rng.below(alphabet.len() as u64) as usize]),
            _ if at < chars.len() => {
                chars.remove(at);
            }
            _ => {}
        }
    }
    chars.into_iter().collect()
}

/// Random field bytes under a correct header and checksum.
fn forge(rng: &mut Prng) -> String {
    let fields: Vec<u8> = (0..rng.below(60)).map(|_| rng.below(256) as u8).collect();
    link::wrap_payload(&fields)
}
