//! The `raft-sim` command line: exit codes, messages for bad arguments, JSON fields, and the
//! same trace hash run after run.

#![cfg(not(target_arch = "wasm32"))]

use std::process::Command;

fn raft_sim(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_raft-sim")).args(args).output().expect("raft-sim runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn bad_arguments_exit_2_with_a_clear_message() {
    let cases: &[(&[&str], &str)] = &[
        (&["run", "--nodes", "0"], "'--nodes <NODES>': must be between 1 and 15"),
        (&["run", "--nodes", "1000"], "'--nodes <NODES>': must be between 1 and 15"),
        (&["run", "--duration", "-5s"], "'--duration <DURATION>': '-5s' must be a positive duration"),
        (&["run", "--loss", "150"], "'--loss <LOSS>': must be between 0 and 100"),
        (&["run", "--dup", "-1"], "'--dup <DUP>': must be between 0 and 100"),
        (&["run", "--latency", "20ms..10ms"], "'--latency <LATENCY>': minimum must not exceed its maximum"),
        (&["run", "--bug", "nonsense"], "unknown bug 'nonsense'"),
        (&["run", "--preset", "nonsense"], "unknown preset 'nonsense'"),
        (&["run", "--reads", "lease"], "'--reads <READS>': must be log or read-index"),
        (&["run", "--prevote", "maybe"], "must be on or off"),
        (&["run", "--frobnicate"], "unexpected argument '--frobnicate'"),
        (&["run", "--nodes"], "a value is required for '--nodes <NODES>'"),
        (&["run", "--link", "#s=AAAA", "--nodes", "3"], "'--link <LINK>' cannot be used with '--nodes <NODES>'"),
        (&["swarm"], "required arguments were not provided: --seeds"),
        (&["swarm", "--seeds", "0"], "'--seeds <SEEDS>': must be between 1 and 1000000"),
        (&["swarm", "--seeds", "5", "--preset", "figure8"], "--preset cannot be combined with swarm"),
        (&["launch"], "unrecognized subcommand 'launch'"),
    ];
    for (args, expected) in cases {
        let (code, _, err) = raft_sim(args);
        assert_eq!(code, 2, "{args:?} should exit 2, stderr: {err}");
        assert!(err.contains(expected), "{args:?}: expected '{expected}' in: {err}");
        assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: one line, got {err}");
    }
}

#[test]
fn lists_bugs_and_presets_name_first() {
    let (code, out, _) = raft_sim(&["bugs"]);
    assert_eq!(code, 0);
    let names: Vec<&str> = out.lines().map(|l| l.split('\t').next().unwrap_or("")).collect();
    assert_eq!(
        names,
        [
            "commit-previous-term",
            "vote-ignores-log",
            "forget-vote-on-restart",
            "truncate-on-heartbeat",
            "stale-read",
            "config-change-before-term-commit"
        ]
    );
    let (code, out, _) = raft_sim(&["presets"]);
    assert_eq!(code, 0);
    let names: Vec<&str> = out.lines().map(|l| l.split('\t').next().unwrap_or("")).collect();
    assert_eq!(
        names,
        [
            "figure8",
            "split-vote",
            "leader-isolated",
            "figure7",
            "disruptive-server",
            "stale-read",
            "transfer",
            "membership-bug",
            "add-server",
            "remove-leader",
            "joint-consensus"
        ]
    );
}

#[test]
fn json_has_every_field_and_hash_is_stable() {
    let args = ["run", "--seed", "5", "--duration", "3s", "--faults", "--json"];
    let (code, out, err) = raft_sim(&args);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("one JSON object");
    for field in [
        "seed",
        "nodes",
        "sim_time_us",
        "trace_hash",
        "leaders_elected",
        "max_term",
        "commit_index",
        "client_ops_ok",
        "messages_delivered",
        "events",
        "wall_ms",
        "events_per_sec",
        "violations",
    ] {
        assert!(v.get(field).is_some(), "missing {field} in {out}");
    }
    let (_, again, _) = raft_sim(&args);
    let w: serde_json::Value = serde_json::from_str(&again).expect("one JSON object");
    assert_eq!(v["trace_hash"], w["trace_hash"], "same arguments, different trace");
}

#[test]
fn figure8_with_and_without_its_bug() {
    let (code, out, _) = raft_sim(&["run", "--preset", "figure8", "--bug", "commit-previous-term", "--json"]);
    assert_eq!(code, 1, "the bug must be reported: {out}");
    assert!(out.contains("state-machine-safety"), "{out}");
    let (code, out, _) = raft_sim(&["run", "--preset", "figure8", "--json"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("\"violations\":[]"), "{out}");
}

#[test]
fn swarm_json_reports_runs_and_liveness() {
    let (code, out, err) = raft_sim(&["swarm", "--seeds", "20", "--jobs", "2", "--json"]);
    assert_eq!(code, 0, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("one JSON object");
    assert_eq!(v["runs"], 20);
    assert_eq!(v["liveness_failures"], 0);
    let args = ["swarm", "--seeds", "50", "--bug", "truncate-on-heartbeat", "--membership-faults", "off"];
    let (code, out, _) = raft_sim(&args);
    assert_eq!(code, 1);
    assert!(out.contains("reproduce: raft-sim run --seed"), "{out}");
}

/// Seeds are independent, so a swarm split into ranges merges into exactly the whole swarm's
/// summary (all but the timings), failures and their commands included; `merge` exits 1 when
/// a shard failed, and 2 naming the file when shards overlap or a file is not a summary.
#[test]
fn merge_of_two_shards_equals_the_whole_swarm() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("merge-test");
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    let base = ["--duration", "5s", "--bug", "vote-ignores-log", "--json"];
    let shard = |name: &str, seed: &str, seeds: &str| -> (std::path::PathBuf, serde_json::Value) {
        let args = [&["swarm", "--seed", seed, "--seeds", seeds][..], &base[..]].concat();
        let (code, out, err) = raft_sim(&args);
        assert!(code == 0 || code == 1, "{args:?}: {err}");
        let path = dir.join(name);
        std::fs::write(&path, &out).expect("written");
        (path, serde_json::from_str(&out).expect("one JSON object"))
    };
    let (_, mut whole) = shard("whole.json", "100", "24");
    let (a, _) = shard("a.json", "100", "10");
    let (b, _) = shard("b.json", "110", "14");
    let (a, b) = (a.to_str().expect("utf-8"), b.to_str().expect("utf-8"));
    let (code, out, err) = raft_sim(&["merge", b, a, "--json"]);
    assert!(whole["failures"].as_array().is_some_and(|f| !f.is_empty()), "the bug should fail some seeds");
    assert_eq!(code, 1, "a failing shard makes merge exit 1: {err}");
    let mut merged: serde_json::Value = serde_json::from_str(&out).expect("one JSON object");
    for timing in ["wall_ms", "events_per_sec"] {
        whole.as_object_mut().expect("an object").remove(timing);
        merged.as_object_mut().expect("an object").remove(timing);
    }
    assert_eq!(merged, whole);
    let (code, out, _) = raft_sim(&["merge", a, b]);
    assert_eq!(code, 1);
    assert!(out.contains("reproduce: raft-sim run --seed"), "{out}");
    let (code, _, err) = raft_sim(&["merge", a, a]);
    assert_eq!(code, 2);
    assert!(err.contains("a.json (seeds 100–109) overlaps"), "{err}");
    let (code, _, err) = raft_sim(&["merge", "Cargo.toml"]);
    assert_eq!(code, 2);
    assert!(err.contains("Cargo.toml: not a `raft-sim swarm --json` summary"), "{err}");
}

fn raft_sim_stdin(args: &[&str], input: &[u8]) -> (i32, String, String) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_raft-sim"))
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("raft-sim runs");
    child.stdin.take().expect("stdin").write_all(input).expect("written");
    let out = child.wait_with_output().expect("raft-sim ends");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

const TRACES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/traces/");

#[test]
fn check_exits_0_clean_1_violated_2_unreadable() {
    let clean = format!("{TRACES}etcd-clean.ndjson");
    let (code, out, err) = raft_sim(&["check", &clean]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Election Safety          held"), "{out}");
    assert!(out.contains("Linearizability          not checkable: the trace has no client operations"), "{out}");

    for name in ["two-leaders", "vote-changed", "term-backwards", "commit-backwards", "commit-past-log"] {
        let (code, out, _) = raft_sim(&["check", &format!("{TRACES}etcd-{name}.ndjson")]);
        assert_eq!(code, 1, "etcd-{name}.ndjson: {out}");
        assert_eq!(out.matches("VIOLATED").count(), 1, "etcd-{name}.ndjson: one invariant, {out}");
    }
    let two = format!("{TRACES}etcd-two-leaders.ndjson");
    let (code, out, _) = raft_sim(&["check", &two]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(
            "Election Safety          VIOLATED at line 22 (n2, n3): n2 and n3 were both elected leader in term 2"
        ),
        "{out}"
    );

    let (code, out, _) = raft_sim(&["check", &two, "--json"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).expect("one JSON object");
    assert_eq!(v["violated"], true);
    assert_eq!(v["format"], "etcd-io/raft state trace");
    let first = &v["checks"][0];
    assert_eq!(
        (first["invariant"].as_str(), first["status"].as_str(), first["line"].as_u64()),
        (Some("election-safety"), Some("violated"), Some(22))
    );

    let (code, _, err) = raft_sim_stdin(
        &["check", "-"],
        b"{\"format\":\"raft-trace\",\"version\":1,\"servers\":[\"a\"]}\n{\"kind\":\"crash\",\"server\":\"b\"}\n",
    );
    assert_eq!(code, 2);
    assert_eq!(
        err.trim_end(),
        "raft-sim: check: -: line 2: field `server`: server `b` was never declared (declared: a)"
    );
    let (code, out, _) = raft_sim_stdin(&["check", "-", "--json"], b"not json\n");
    assert_eq!(code, 2);
    assert_eq!(out.trim_end(), r#"{"error":{"field":null,"line":1,"message":"not JSON: expected ident at column 2"}}"#);
    let (code, _, err) = raft_sim(&["check", "/nonexistent/trace"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn a_run_exported_with_trace_out_checks_with_the_runs_verdicts() {
    let dir = std::env::temp_dir().join(format!("raft-sim-trace-out-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("figure8-bug.jsonl");
    let path = file.to_str().expect("utf-8 path");
    let (code, out, _) =
        raft_sim(&["run", "--preset", "figure8", "--bug", "commit-previous-term", "--trace-out", path]);
    assert_eq!(code, 1, "the bug breaks safety: {out}");
    assert!(out.contains("VIOLATION State Machine Safety"), "{out}");
    let (code, out, _) = raft_sim(&["check", path]);
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("raft-trace v1 · 5 servers"), "{out}");
    assert!(out.contains("State Machine Safety     VIOLATED at line"), "{out}");
    std::fs::remove_dir_all(&dir).ok();
}
