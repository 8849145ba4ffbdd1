//! `raft-sim merge FILE…`: adds up the JSON summaries of swarm shards (ranges run on other
//! hosts or CI jobs) into the summary of the whole, lists every failure's command, and exits 1
//! if any shard failed. The files are untrusted: each is checked, and a problem is reported
//! with the file's name (exit 2).

use std::path::Path;
use std::process::ExitCode;

use crate::args::MergeArgs;
use crate::summary::{MAX_MERGE_FILES, MAX_SUMMARY_BYTES, SwarmSummary, parse_hash};

pub fn cmd_merge(args: MergeArgs) -> Result<ExitCode, String> {
    if args.files.len() > MAX_MERGE_FILES {
        return Err(format!("at most {MAX_MERGE_FILES} files, got {}", args.files.len()));
    }
    let mut shards: Vec<(String, SwarmSummary)> = Vec::new();
    for path in &args.files {
        let name = path.display().to_string();
        let summary = read_summary(path).map_err(|e| format!("{name}: {e}"))?;
        shards.push((name, summary));
    }
    check_shards(&mut shards)?;
    let mut shards = shards.into_iter().map(|(_, s)| s);
    let mut merged = shards.next().ok_or("merge needs at least one summary file")?;
    shards.for_each(|s| merged.absorb(s));
    if args.json {
        println!("{}", serde_json::to_string(&merged).expect("a summary serializes"));
    } else {
        merged.print_text(None);
    }
    Ok(if merged.failed() { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn read_summary(path: &Path) -> Result<SwarmSummary, String> {
    let size = std::fs::metadata(path).map_err(|e| e.to_string())?.len();
    if size > MAX_SUMMARY_BYTES {
        return Err(format!("{size} bytes, more than a swarm summary's {MAX_SUMMARY_BYTES}"));
    }
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let summary: SwarmSummary =
        serde_json::from_str(&text).map_err(|e| format!("not a `raft-sim swarm --json` summary: {e}"))?;
    if parse_hash(&summary.trace_hash).is_none() {
        return Err(format!("trace_hash \"{}\" is not hexadecimal", summary.trace_hash));
    }
    Ok(summary)
}

/// The shards must come from one swarm (the same `--nodes`) and must not overlap: a seed
/// counted twice would make the sum a lie.
fn check_shards(shards: &mut [(String, SwarmSummary)]) -> Result<(), String> {
    shards.sort_by_key(|(_, s)| s.seed);
    if let Some(((a, sa), (b, sb))) =
        shards.iter().zip(shards.iter().skip(1)).find(|((_, x), (_, y))| x.nodes != y.nodes)
    {
        return Err(format!("{a} (--nodes {}) and {b} (--nodes {}) are not shards of one swarm", sa.nodes, sb.nodes));
    }
    let ranges: Vec<(&String, (u64, u64))> = shards.iter().filter_map(|(n, s)| Some((n, s.range()?))).collect();
    for pair in ranges.windows(2) {
        let ((a, (a0, a1)), (b, (b0, b1))) = (pair[0], pair[1]);
        if b0 <= a1 {
            return Err(format!("{a} (seeds {a0}–{a1}) overlaps {b} (seeds {b0}–{b1})"));
        }
    }
    Ok(())
}
