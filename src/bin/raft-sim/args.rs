//! The command line's words, parsed by clap (derive). Every value is checked against the same
//! ranges the links and the page use, and a bad one ends the program with exit status 2 and one
//! line that names the argument.

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use raft_playground::raft::{Bug, MAX_NODES, ReadMode};
use raft_playground::scenario::presets::Preset;
use raft_playground::scenario::recipe::{self, Recipe};

#[derive(Parser, Debug)]
#[command(name = "raft-sim", version, about = "Run, replay and fuzz the deterministic Raft simulator")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Simulate one scenario (or replay a share link) and report leaders, commits and violations.
    Run(RunArgs),
    /// Fuzz: run many seeds with random faults and settings; print the command that reproduces any failure.
    Swarm(SwarmArgs),
    /// Add up the JSON summaries of swarm shards; list every failure's command; exit 1 if any failed.
    Merge(MergeArgs),
    /// Check a trace (ours, or etcd-io/raft's state trace; `-` reads standard input) against Raft's invariants.
    Check(CheckArgs),
    /// List the bug switches.
    Bugs,
    /// List the preset scenarios.
    Presets,
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// Replay a share link (a URL or its `#s=…` fragment) exactly; takes no scenario options.
    #[arg(long, conflicts_with_all = ["nodes", "duration", "loss", "dup", "latency", "clients", "max_entries", "bug", "preset", "faults", "prevote", "check_quorum", "reads", "snapshot_every", "membership_faults"])]
    pub link: Option<String>,
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Print every event of the run.
    #[arg(long)]
    pub trace: bool,
    /// Write the run's trace to this file in the open trace format (README, "Traces").
    #[arg(long, value_name = "FILE")]
    pub trace_out: Option<std::path::PathBuf>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// The trace file, or `-` for standard input.
    pub file: String,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct SwarmArgs {
    /// How many seeds to run, from --seed on (1 to 1000000).
    #[arg(long, value_parser = parse_seeds)]
    pub seeds: u64,
    /// Worker threads (1 to 64).
    #[arg(long, default_value_t = 1, value_parser = parse_jobs)]
    pub jobs: u64,
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Print one JSON summary instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct MergeArgs {
    /// Summaries written by `raft-sim swarm --json`, one per shard.
    #[arg(required = true)]
    pub files: Vec<std::path::PathBuf>,
    /// Print the merged summary as JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// What a run is made of; the swarm draws whatever is not given, per seed.
#[derive(Args, Debug)]
pub struct ScenarioArgs {
    /// The seed (for swarm: the first seed of the range).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Cluster size, 1 to 15.
    #[arg(long, value_parser = parse_nodes)]
    pub nodes: Option<u8>,
    /// Simulated time of the safety phase, like 60s or 500ms.
    #[arg(long, value_parser = parse_duration, allow_hyphen_values = true)]
    pub duration: Option<u64>,
    /// Percentage of messages lost, 0 to 100.
    #[arg(long, value_parser = parse_percent, allow_hyphen_values = true)]
    pub loss: Option<u32>,
    /// Percentage of messages duplicated, 0 to 100.
    #[arg(long, value_parser = parse_percent, allow_hyphen_values = true)]
    pub dup: Option<u32>,
    /// Message latency range, like 10ms..20ms.
    #[arg(long, value_parser = parse_latency)]
    pub latency: Option<(u64, u64)>,
    /// Self-driven clients, 0 to 16.
    #[arg(long, value_parser = parse_clients)]
    pub clients: Option<u8>,
    /// Most entries per AppendEntries, 1 to 1024.
    #[arg(long = "max-entries", value_parser = parse_max_entries)]
    pub max_entries: Option<u32>,
    /// Switch on a bug (repeatable); `raft-sim bugs` lists them.
    #[arg(long, value_parser = parse_bug)]
    pub bug: Vec<Bug>,
    /// Start from a preset scenario; `raft-sim presets` lists them.
    #[arg(long, value_parser = parse_preset)]
    pub preset: Option<&'static Preset>,
    /// Add a random schedule of faults, then a liveness phase.
    #[arg(long)]
    pub faults: bool,
    /// PreVote (dissertation 9.6): `--prevote` or `--prevote on|off`.
    #[arg(long, num_args = 0..=1, default_missing_value = "on", value_parser = parse_switch)]
    pub prevote: Option<bool>,
    /// CheckQuorum and leader stickiness (6.2, 4.2.3): `--check-quorum` or `--check-quorum on|off`.
    #[arg(long = "check-quorum", num_args = 0..=1, default_missing_value = "on", value_parser = parse_switch)]
    pub check_quorum: Option<bool>,
    /// How reads are served: log or read-index (6.4).
    #[arg(long, value_parser = parse_reads)]
    pub reads: Option<ReadMode>,
    /// Snapshot the state machine every N applied entries (paper section 7); 0 never.
    #[arg(long = "snapshot-every", value_parser = parse_snapshot_every)]
    pub snapshot_every: Option<u64>,
    /// With --faults: also add, remove and replace servers: `--membership-faults [on|off]`.
    #[arg(long = "membership-faults", num_args = 0..=1, default_missing_value = "on", value_parser = parse_switch)]
    pub membership_faults: Option<bool>,
}

impl ScenarioArgs {
    pub fn recipe(&self) -> Recipe {
        Recipe {
            seed: self.seed,
            nodes: self.nodes,
            duration_us: self.duration,
            loss_ppm: self.loss,
            dup_ppm: self.dup,
            latency_us: self.latency,
            clients: self.clients,
            max_entries: self.max_entries,
            bugs: self.bug.clone(),
            pre_vote: self.prevote,
            check_quorum: self.check_quorum,
            read_mode: self.reads,
            snapshot_every: self.snapshot_every,
            membership_faults: self.membership_faults,
            faults: self.faults,
            preset: self.preset,
        }
    }
}

/// Help and version go to stdout with status 0; any other error is one line on stderr, status 2.
pub fn exit_on_clap_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = e.print();
        return if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
            ExitCode::from(2)
        } else {
            ExitCode::SUCCESS
        };
    }
    let text = e.render().to_string();
    let words: Vec<&str> = text
        .lines()
        .map(str::trim)
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .filter(|l| !l.is_empty() && !l.starts_with("tip:"))
        .collect();
    let line = words.join(" ");
    eprintln!("raft-sim: {}", line.strip_prefix("error: ").unwrap_or(&line));
    ExitCode::from(2)
}

fn whole(value: &str, lo: u64, hi: u64) -> Result<u64, String> {
    let n: u64 = value.parse().map_err(|_| format!("must be a whole number from {lo} to {hi}"))?;
    if !(lo..=hi).contains(&n) {
        return Err(format!("must be between {lo} and {hi}, got {n}"));
    }
    Ok(n)
}

fn parse_nodes(v: &str) -> Result<u8, String> {
    whole(v, 1, u64::from(MAX_NODES)).map(|n| n as u8)
}
fn parse_clients(v: &str) -> Result<u8, String> {
    whole(v, 0, 16).map(|n| n as u8)
}
fn parse_max_entries(v: &str) -> Result<u32, String> {
    whole(v, 1, 1024).map(|n| n as u32)
}
fn parse_snapshot_every(v: &str) -> Result<u64, String> {
    whole(v, 0, 1_000_000)
}
fn parse_seeds(v: &str) -> Result<u64, String> {
    whole(v, 1, 1_000_000)
}
fn parse_jobs(v: &str) -> Result<u64, String> {
    whole(v, 1, 64)
}
fn parse_percent(v: &str) -> Result<u32, String> {
    recipe::parse_percent(v)
}
fn parse_bug(v: &str) -> Result<Bug, String> {
    recipe::find_bug(v)
}
fn parse_preset(v: &str) -> Result<&'static Preset, String> {
    recipe::find_preset(v)
}

fn parse_duration(v: &str) -> Result<u64, String> {
    match recipe::parse_duration(v)? {
        0 => Err("must be longer than zero".into()),
        d => Ok(d),
    }
}

fn parse_switch(v: &str) -> Result<bool, String> {
    match v {
        "on" | "true" | "yes" => Ok(true),
        "off" | "false" | "no" => Ok(false),
        _ => Err("must be on or off".into()),
    }
}

fn parse_reads(v: &str) -> Result<ReadMode, String> {
    ReadMode::from_name(v).ok_or_else(|| "must be log or read-index".to_string())
}

fn parse_latency(text: &str) -> Result<(u64, u64), String> {
    let (lo, hi) = text.split_once("..").ok_or_else(|| "must look like 10ms..20ms".to_string())?;
    let (lo, hi) = (recipe::parse_duration(lo)?, recipe::parse_duration(hi)?);
    if lo > hi {
        return Err("minimum must not exceed its maximum".into());
    }
    if hi > 10_000_000 {
        return Err("must be at most 10s".into());
    }
    Ok((lo, hi))
}
