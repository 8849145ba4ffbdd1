//! `raft-sim`: run, fuzz and measure the simulator without a browser.
//!
//! Exit status: 0 when nothing was violated, 1 when something was (or a liveness check failed),
//! 2 on bad arguments or an unreadable trace, with one line naming the argument and what is allowed; 130 when Ctrl-C
//! ended a swarm that had found nothing so far.

#[cfg(not(target_arch = "wasm32"))]
mod args;
#[cfg(not(target_arch = "wasm32"))]
mod check;
#[cfg(not(target_arch = "wasm32"))]
mod merge;
#[cfg(not(target_arch = "wasm32"))]
mod run;
#[cfg(not(target_arch = "wasm32"))]
mod summary;
#[cfg(not(target_arch = "wasm32"))]
mod swarm;

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    use clap::Parser;
    use raft_playground::raft::Bug;
    use raft_playground::scenario::presets::PRESETS;

    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return args::exit_on_clap_error(e),
    };
    let result = match cli.command {
        args::Command::Run(a) => run::cmd_run(a),
        args::Command::Swarm(a) => swarm::cmd_swarm(a),
        args::Command::Merge(a) => merge::cmd_merge(a),
        args::Command::Check(a) => Ok(check::cmd_check(a)),
        args::Command::Bugs => {
            Bug::ALL.iter().for_each(|b| println!("{}\t{}", b.name(), b.summary()));
            Ok(std::process::ExitCode::SUCCESS)
        }
        args::Command::Presets => {
            PRESETS.iter().for_each(|p| println!("{}\t{}", p.name, p.summary));
            Ok(std::process::ExitCode::SUCCESS)
        }
    };
    result.unwrap_or_else(|message| {
        eprintln!("raft-sim: {message}");
        std::process::ExitCode::from(2)
    })
}

/// The command line is native only; the wasm32 build of every target (clippy) gets a stub.
#[cfg(target_arch = "wasm32")]
fn main() {}
