//! `raft-sim check FILE|-`: streams a trace (ours or etcd-io/raft's) through the trace checks
//! and prints, per invariant, held / violated (line, servers, one sentence) / not checkable
//! (why). Exit 0 when every checkable invariant holds, 1 on a violation (or an inconsistent
//! trace), 2 when the trace cannot be read.

use std::io::{BufRead, BufReader};
use std::process::ExitCode;

use raft_playground::sim::Invariant;
use raft_playground::sim::tracefile::{
    Format, Status, TraceChecker, TraceError, TraceReader, TraceReport, display_name,
};
use serde_json::json;

use crate::args::CheckArgs;

/// Read buffer: large reads keep the parser, not the system calls, the cost.
const READ_BUFFER_BYTES: usize = 1 << 20;

pub fn cmd_check(args: CheckArgs) -> ExitCode {
    let input: Box<dyn BufRead> = if args.file == "-" {
        Box::new(BufReader::with_capacity(READ_BUFFER_BYTES, std::io::stdin().lock()))
    } else {
        match std::fs::File::open(&args.file) {
            Ok(f) => Box::new(BufReader::with_capacity(READ_BUFFER_BYTES, f)),
            Err(e) => {
                eprintln!("raft-sim: check: {}: {e}", args.file);
                return ExitCode::from(2);
            }
        }
    };
    let mut reader = TraceReader::new(input);
    let mut checker = TraceChecker::new(0);
    loop {
        match reader.next_record() {
            Ok(Some(record)) => {
                checker.name_servers(reader.servers());
                checker.observe(&record);
            }
            Ok(None) => break,
            Err(e) => return unreadable(&args, &e),
        }
    }
    let report = checker.finish();
    let format = match reader.format() {
        Some(Format::Ours(v)) => format!("raft-trace v{v}"),
        Some(Format::Etcd) => "etcd-io/raft state trace".to_string(),
        None => return unreadable(&args, &TraceError::new(reader.lines(), None, "the trace is empty")),
    };
    if args.json {
        println!("{}", report_json(&format, reader.servers(), &report));
    } else {
        print_report(&format, reader.servers(), &report);
    }
    if report.violated() { ExitCode::from(1) } else { ExitCode::SUCCESS }
}

fn unreadable(args: &CheckArgs, e: &TraceError) -> ExitCode {
    if args.json {
        println!("{}", json!({ "error": { "line": e.line, "field": e.field, "message": e.message } }));
    } else {
        eprintln!("raft-sim: check: {}: {e}", args.file);
    }
    ExitCode::from(2)
}

fn servers_text(ids: &[u8], names: &[String]) -> String {
    let name = |i: u8| names.get(usize::from(i) - 1).map_or_else(|| format!("n{i}"), |n| display_name(n));
    ids.iter().map(|&i| name(i)).collect::<Vec<_>>().join(", ")
}

fn print_report(format: &str, names: &[String], report: &TraceReport) {
    println!("{format} · {} servers · {} events", names.len(), report.events);
    for (invariant, status) in &report.checks {
        let name = invariant.name();
        match status {
            Status::Held => println!("{name:<24} held"),
            Status::NotCheckable { why } => println!("{name:<24} not checkable: {why}"),
            Status::Violated(v) => {
                let what = if *invariant == Invariant::MessageConsistency { "INCONSISTENT TRACE" } else { "VIOLATED" };
                let servers = servers_text(&v.servers, names);
                println!("{name:<24} {what} at line {} ({servers}): {}", v.line, v.detail);
            }
        }
    }
}

fn report_json(format: &str, names: &[String], report: &TraceReport) -> serde_json::Value {
    let checks: Vec<serde_json::Value> = report
        .checks
        .iter()
        .map(|(invariant, status)| {
            let mut v = serde_json::to_value(status).expect("statuses serialize");
            v["invariant"] = json!(invariant);
            v["name"] = json!(invariant.name());
            if let Status::Violated(violation) = status {
                v["servers"] =
                    json!(violation.servers.iter().map(|&i| names[usize::from(i) - 1].clone()).collect::<Vec<_>>());
            }
            v
        })
        .collect();
    json!({ "format": format, "servers": names, "events": report.events, "violated": report.violated(), "checks": checks })
}
