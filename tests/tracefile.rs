//! Traces in our open format and etcd-io/raft's: the round trip of our own runs (every preset,
//! every event), the checks on hand-written etcd fixtures, and one test per class of bad input.

#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeSet;

use raft_playground::raft::{NodeId, RoleKind};
use raft_playground::scenario::{RunOptions, presets, run_observed};
use raft_playground::sim::tracefile::export::{EXPORT_TRACE_KEEP, Exporter};
use raft_playground::sim::tracefile::{Status, TraceChecker, TraceReader, read_all};
use raft_playground::sim::{Invariant, World};

/// What the page shows of a server, as the world has it and as the trace replays it.
#[derive(Debug, PartialEq, Eq)]
struct Shown {
    up: bool,
    role: Option<RoleKind>,
    term: u64,
    vote: Option<NodeId>,
    commit: u64,
    last_index: u64,
    last_term: Option<u64>,
}

fn world_states(world: &World) -> Vec<Shown> {
    world
        .servers()
        .iter()
        .map(|s| {
            let p = s.persistent();
            Shown {
                up: s.is_up(),
                role: s.node.as_ref().map(|n| n.role_kind()),
                term: p.current_term,
                vote: p.voted_for,
                commit: s.node.as_ref().map_or(0, |n| n.commit_index()),
                last_index: s.log().last_index(),
                last_term: Some(s.log().last_term()),
            }
        })
        .collect()
}

fn trace_states(checker: &TraceChecker, servers: usize) -> Vec<Shown> {
    (1..=servers as NodeId)
        .map(|id| {
            let s = checker.cluster.server(id);
            Shown {
                up: s.up,
                role: s.role,
                term: s.term.unwrap_or(0),
                vote: s.vote,
                commit: if s.up { s.commit.unwrap_or(0) } else { 0 },
                last_index: s.last_index(),
                last_term: s.term_at(s.last_index()),
            }
        })
        .collect()
}

/// Runs a preset while exporting it, noting after every event how many lines were written and
/// what the world showed; then replays the export and compares at each of those points.
fn round_trip(name: &str, seed: u64) {
    let preset = presets::find(name).expect("preset");
    let scenario = (preset.build)(seed);
    let opts = RunOptions { duration_us: preset.duration_us, trace_keep: EXPORT_TRACE_KEEP, ..RunOptions::default() };
    let mut out: Vec<u8> = Vec::new();
    let mut points: Vec<(usize, Vec<Shown>)> = Vec::new();
    let mut exporter: Option<Exporter> = None;
    let servers = scenario.max_servers();
    let mut follow = |world: &mut World| -> Result<(), String> {
        match exporter.as_mut() {
            None => exporter = Some(Exporter::start(world, servers, &mut out).map_err(|e| e.to_string())?),
            Some(x) => x.catch_up(world, &mut out).map_err(|e| e.to_string())?,
        }
        let lines = out.iter().filter(|&&b| b == b'\n').count();
        points.push((lines, world_states(world)));
        Ok(())
    };
    let (report, world) = run_observed(&scenario, &opts, Some(&mut follow)).expect("the preset runs");
    let text = String::from_utf8(out).expect("utf-8");
    let repro = format!("preset {name}, seed {seed}: cargo test --test tracefile round_trip");

    let mut reader = TraceReader::new(text.as_bytes());
    let mut checker = TraceChecker::new(usize::from(servers));
    let mut line = 1; // the header
    let mut pending = reader.next_record().expect("readable");
    for (step, (lines, shown)) in points.iter().enumerate() {
        while let Some(rec) = pending.as_ref().filter(|r| r.line as usize <= *lines) {
            checker.observe(rec);
            line = rec.line;
            pending = reader.next_record().expect("readable");
        }
        let replayed = trace_states(&checker, shown.len());
        for (i, (w, t)) in shown.iter().zip(&replayed).enumerate() {
            assert_eq!(w, t, "{repro}: server n{} differs after step {step} (line {line})", i + 1);
        }
    }
    assert!(pending.is_none(), "{repro}: lines left after the last step");

    let live: BTreeSet<Invariant> = report.violations.iter().map(|v| v.invariant).collect();
    let verdict = checker.finish();
    let from_trace: BTreeSet<Invariant> =
        verdict.checks.iter().filter_map(|(inv, s)| matches!(s, Status::Violated(_)).then_some(*inv)).collect();
    let live: BTreeSet<Invariant> = live.into_iter().filter(|&i| i != Invariant::CommittedOnMajority).collect();
    assert_eq!(
        live,
        from_trace,
        "{repro}: the verdicts differ (live {:?}, trace {:?})",
        world.checker().violations(),
        checker.violations()
    );
}

#[test]
fn every_preset_round_trips_through_our_format() {
    for preset in &presets::PRESETS {
        for seed in 1..=3 {
            round_trip(preset.name, seed);
        }
    }
}

#[test]
fn read_all_keeps_the_records_before_a_bad_line() {
    let text = "{\"format\":\"raft-trace\",\"version\":1,\"servers\":[\"n1\"]}\n{\"kind\":\"crash\",\"server\":\"n1\"}\nnope\n";
    let (_, records, error) = read_all(text);
    assert_eq!(records.len(), 1);
    assert_eq!(error.expect("an error").to_string(), "line 3: not JSON: expected ident at column 2");
}

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/traces/");

fn check_file(name: &str) -> (TraceReader<std::io::BufReader<std::fs::File>>, TraceChecker) {
    let file = std::fs::File::open(format!("{FIXTURES}{name}")).expect("fixture");
    let mut reader = TraceReader::new(std::io::BufReader::new(file));
    let mut checker = TraceChecker::new(0);
    while let Some(record) = reader.next_record().unwrap_or_else(|e| panic!("{name}: {e}")) {
        checker.observe(&record);
    }
    (reader, checker)
}

#[test]
fn a_clean_etcd_trace_checks_clean() {
    let (reader, checker) = check_file("etcd-clean.ndjson");
    assert_eq!(reader.servers(), ["1", "2", "3"]);
    let report = checker.finish();
    for (invariant, status) in &report.checks {
        let expected_unknown = matches!(invariant, Invariant::CommittedOnMajority | Invariant::Linearizability);
        match status {
            Status::Held => assert!(!expected_unknown, "{invariant:?} cannot be checked from etcd's trace"),
            Status::NotCheckable { .. } => assert!(expected_unknown, "{invariant:?} should be checkable: {status:?}"),
            Status::Violated(v) => panic!("etcd-clean.ndjson: {v:?}"),
        }
    }
    // What the inference knows: the leader's no-op and the proposal carry its term on every
    // server; the bootstrap entries' terms stay unknown.
    for id in 1..=3 {
        let s = checker.cluster.server(id);
        let terms: Vec<Option<u64>> = s.log.iter().map(|slot| slot.term).collect();
        assert_eq!(terms, [None, None, None, Some(2), Some(2)], "n{id}");
    }
}

#[test]
fn each_etcd_violation_is_reported_at_its_line() {
    let cases = [
        ("etcd-two-leaders.ndjson", Invariant::ElectionSafety, 22, vec![2, 3]),
        ("etcd-vote-changed.ndjson", Invariant::OneVotePerTerm, 19, vec![3]),
        ("etcd-term-backwards.ndjson", Invariant::TermMonotonic, 42, vec![1]),
        ("etcd-commit-backwards.ndjson", Invariant::CommitMonotonic, 42, vec![2]),
        ("etcd-commit-past-log.ndjson", Invariant::CommittedNeverLost, 42, vec![1]),
    ];
    for (name, invariant, line, servers) in cases {
        let (_, checker) = check_file(name);
        let report = checker.finish();
        let violated: Vec<_> = report
            .checks
            .iter()
            .filter_map(|(inv, s)| match s {
                Status::Violated(v) => Some((*inv, v.line, v.servers.clone())),
                _ => None,
            })
            .collect();
        assert_eq!(violated, [(invariant, line, servers)], "{name}");
    }
}

/// One trace per class of bad input, each with the message a person gets.
#[test]
fn bad_input_names_the_line_the_field_and_what_was_expected() {
    let header = "{\"format\":\"raft-trace\",\"version\":1,\"servers\":[\"n1\",\"n2\",\"n3\"]}\n";
    let etcd = std::fs::read_to_string(format!("{FIXTURES}etcd-clean.ndjson")).expect("fixture");
    let first_etcd = etcd.lines().next().expect("a line");
    let cases = [
        (format!("{header}nope\n"), "line 2: not JSON: expected ident at column 2"),
        (
            format!("{header}{{\"kind\":\"jump\",\"server\":\"n1\"}}\n"),
            "line 2: field `kind`: unknown event `jump`; expected one of state, append, truncate, apply, snapshot, config, crash, restart, send, receive, drop, invoke, return, note",
        ),
        (
            format!("{first_etcd}\n{}\n", first_etcd.replace("InitState", "Teleport")),
            "line 2: field `event.name`: unknown event `Teleport`; expected one of InitState, Bootstrap, BecomeCandidate, BecomeFollower, BecomeLeader, Commit, Replicate, ChangeConf, ApplyConfChange, Ready, SendAppendEntriesRequest, ReceiveAppendEntriesRequest, SendAppendEntriesResponse, ReceiveAppendEntriesResponse, SendRequestVoteRequest, ReceiveRequestVoteRequest, SendRequestVoteResponse, ReceiveRequestVoteResponse, SendSnapshot, ReceiveSnapshot",
        ),
        (
            format!("{header}{{\"kind\":\"state\",\"server\":\"n1\",\"term\":\"two\"}}\n"),
            "line 2: field `term`: invalid type: string \"two\", expected u64",
        ),
        (
            first_etcd.replace("\"term\":0", "\"term\":-1") + "\n",
            "line 1: field `event.state.term`: invalid value: integer `-1`, expected u64",
        ),
        (
            format!("{header}{{\"kind\":\"crash\",\"server\":\"n9\"}}\n"),
            "line 2: field `server`: server `n9` was never declared (declared: n1, n2, n3)",
        ),
        (
            format!("{header}{{\"kind\":\"state\",\"server\":\"n1\",\"te"),
            "line 2: the trace ends in the middle of this line (was the file cut short?)",
        ),
        (
            "{\"hello\":1}\n".to_string(),
            "line 1: expected a header ({\"format\":\"raft-trace\",\"version\":1,\"servers\":[…]}) or a line of etcd-io/raft's state trace (with an `event` member)",
        ),
    ];
    for (text, expected) in cases {
        let (_, _, error) = read_all(&text);
        assert_eq!(error.map(|e| e.to_string()).as_deref(), Some(expected), "for {text:?}");
    }
}

#[test]
fn the_readme_example_is_the_fixture_and_checks_clean() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    let fixture = std::fs::read_to_string(format!("{FIXTURES}ours-example.jsonl")).expect("fixture");
    let start =
        readme.find("```json\n{\"format\":\"raft-trace\"").expect("the README shows the example") + "```json\n".len();
    let end = start + readme[start..].find("```").expect("closed");
    assert_eq!(
        &readme[start..end],
        fixture,
        "the README's example and tests/fixtures/traces/ours-example.jsonl differ"
    );
    let (_, checker) = check_file("ours-example.jsonl");
    let report = checker.finish();
    for (invariant, status) in &report.checks {
        let ok = match status {
            Status::Held => true,
            Status::NotCheckable { .. } => *invariant == Invariant::CommittedOnMajority,
            Status::Violated(_) => false,
        };
        assert!(ok, "{invariant:?}: {status:?}");
    }
}

#[test]
fn sentences_name_servers_as_the_trace_does() {
    let text = concat!(
        "{\"format\":\"raft-trace\",\"version\":1,\"servers\":[\"alpha\",\"beta\"]}\n",
        "{\"kind\":\"state\",\"server\":\"alpha\",\"role\":\"leader\",\"term\":1}\n",
        "{\"kind\":\"state\",\"server\":\"beta\",\"role\":\"leader\",\"term\":1}\n",
    );
    let (reader, records, error) = read_all(text);
    assert!(error.is_none());
    let mut checker = TraceChecker::new(0);
    checker.name_servers(reader.servers());
    records.iter().for_each(|r| {
        checker.observe(r);
    });
    let v = &checker.violations()[0];
    assert_eq!((v.line, v.detail.as_str()), (3, "alpha and beta were both elected leader in term 1"));
}

/// One random change to a trace's text: a few bytes deleted, a JSON-ish byte inserted, a line
/// repeated or two lines swapped.
fn mutate(text: &str, rng: &mut raft_playground::prng::Prng) -> String {
    let mut bytes = text.as_bytes().to_vec();
    let at = rng.below(bytes.len() as u64 + 1) as usize;
    match rng.below(4) {
        0 => {
            let end = (at + 1 + rng.below(20) as usize).min(bytes.len());
            bytes.drain(at.min(end)..end);
        }
        1 => {
            let alphabet = b"{}[]\":,-0123456789aelnrstu \n";
            bytes.insert(at, alphabet[rng.below(alphabet.len() as u64) as usize]);
        }
        _ => {
            let mut lines: Vec<&[u8]> = text.as_bytes().split(|&b| b == b'\n').collect();
            let (i, j) = (rng.below(lines.len() as u64) as usize, rng.below(lines.len() as u64) as usize);
            if rng.below(2) == 0 {
                lines.swap(i, j)
            } else {
                lines.insert(i, lines[j])
            }
            bytes = lines.join(&b'\n');
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Nothing panics on any input: every fixture, changed at random a few times over, is read,
/// checked and opened in the page's model (then seeked about), or refused with an error.
#[test]
fn mangled_traces_never_panic() {
    use raft_playground::prng::{Prng, Stream};
    use raft_playground::ui::trace::OpenedTrace;
    let names = ["ours-example.jsonl", "etcd-clean.ndjson", "etcd-two-leaders.ndjson", "etcd-commit-past-log.ndjson"];
    for name in names {
        let text = std::fs::read_to_string(format!("{FIXTURES}{name}")).expect("fixture");
        for seed in 1..=300 {
            let mut rng = Prng::new(seed, Stream::Faults);
            let mut mangled = text.clone();
            for _ in 0..=rng.below(3) {
                mangled = mutate(&mangled, &mut rng);
            }
            let run = std::panic::catch_unwind(|| {
                let (reader, records, _) = read_all(&mangled);
                let mut checker = TraceChecker::new(0);
                checker.name_servers(reader.servers());
                records.iter().for_each(|r| {
                    checker.observe(r);
                });
                checker.finish();
                if let Ok(mut opened) = OpenedTrace::open(name, &mangled) {
                    let end = opened.end();
                    opened.seek(end / 2);
                    opened.seek(end);
                    opened.seek(0);
                }
            });
            if run.is_err() {
                panic!(
                    "{name} mangled with seed {seed} panicked: cargo test --test tracefile mangled_traces_never_panic\n{mangled}"
                );
            }
        }
    }
}
