//! Settings typed or dragged in the page. Form input is untrusted: each problem comes back as a
//! specific message (the page shows it in the alert banner), and the world is left as it was.

mod text;

#[cfg(target_arch = "wasm32")]
pub mod component;

pub use self::text::{election_text, latency_text};

use crate::raft::Time;
use crate::scenario::recipe::{parse_duration, parse_percent};
use crate::sim::{Intervention, NetConfig};
use crate::ui::core::model::Model;

/// A whole number in `lo..=hi`, or the alert naming `what` and the range.
fn count(text: &str, what: &str, lo: u8, hi: u8) -> Result<u8, String> {
    text.trim()
        .parse::<u8>()
        .ok()
        .filter(|n| (lo..=hi).contains(n))
        .ok_or_else(|| format!("{what} must be a whole number from {lo} to {hi}, got '{text}'"))
}

pub fn set_nodes(m: &mut Model, text: &str) -> Result<(), String> {
    match count(text, "cluster size", 1, crate::raft::MAX_NODES) {
        Ok(n) => m.reset_with(|c| c.nodes = n),
        Err(e) => Err(e),
    }
}

/// Milliseconds, as `15` or `10..20` (`ms` units optional).
fn parse_ms_range(text: &str, what: &str) -> Result<(Time, Time), String> {
    let one = |s: &str| {
        let s = s.trim();
        let with_unit =
            if s.ends_with("ms") || s.ends_with("us") || s.ends_with('s') { s.to_string() } else { format!("{s}ms") };
        parse_duration(&with_unit).map_err(|e| format!("{what}: {e}"))
    };
    match text.split_once("..") {
        Some((a, b)) => Ok((one(a)?, one(b)?)),
        None => one(text).map(|v| (v, v)),
    }
}

pub fn set_latency(m: &mut Model, text: &str) -> Result<(), String> {
    match parse_ms_range(text, "latency") {
        Ok((min, max)) => {
            let net = NetConfig { latency_min_us: min, latency_max_us: max, ..m.world.config().net };
            m.intervene(Intervention::SetNetwork(net))
        }
        Err(e) => Err(e),
    }
}

fn set_ppm(m: &mut Model, text: &str, what: &str, set: fn(&mut NetConfig, u32)) -> Result<(), String> {
    match parse_percent(text) {
        Ok(ppm) => {
            let mut net = m.world.config().net;
            set(&mut net, ppm);
            m.intervene(Intervention::SetNetwork(net))
        }
        Err(e) => Err(format!("{what} {e}")),
    }
}

pub fn set_election(m: &mut Model, text: &str) -> Result<(), String> {
    let raft = m.world.config().raft;
    match parse_ms_range(text, "election timeout") {
        Ok((min, max)) => m.intervene(Intervention::SetTiming {
            election_timeout_min_us: min,
            election_timeout_max_us: max,
            heartbeat_interval_us: raft.heartbeat_interval_us,
        }),
        Err(e) => Err(e),
    }
}

pub fn set_heartbeat(m: &mut Model, text: &str) -> Result<(), String> {
    let raft = m.world.config().raft;
    match parse_ms_range(text, "heartbeat") {
        Ok((hb, _)) => m.intervene(Intervention::SetTiming {
            election_timeout_min_us: raft.election_timeout_min_us,
            election_timeout_max_us: raft.election_timeout_max_us,
            heartbeat_interval_us: hb,
        }),
        Err(e) => Err(e),
    }
}

/// Self-driven clients (0–16); like the cluster size, a new number starts a new run.
pub fn set_clients(m: &mut Model, text: &str) -> Result<(), String> {
    match count(text, "clients", 0, 16) {
        Ok(n) => m.reset_with(|c| c.clients.count = n),
        Err(e) => Err(e),
    }
}

pub fn set_loss(m: &mut Model, text: &str) -> Result<(), String> {
    set_ppm(m, text, "loss", |net, ppm| net.loss_ppm = ppm)
}

pub fn set_dup(m: &mut Model, text: &str) -> Result<(), String> {
    set_ppm(m, text, "duplication", |net, ppm| net.dup_ppm = ppm)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;
    use crate::ui::core::model::default_config;

    fn model() -> Model {
        Model::new(Scenario::new(default_config(1))).expect("valid")
    }

    #[test]
    fn good_input_changes_settings() {
        let mut m = model();
        set_latency(&mut m, "5..40").unwrap();
        set_loss(&mut m, "12.5").unwrap();
        set_election(&mut m, "300ms..600ms").unwrap();
        set_heartbeat(&mut m, "80").unwrap();
        set_nodes(&mut m, "7").unwrap();
        let c = m.world.config();
        assert_eq!((c.net.latency_min_us, c.net.latency_max_us, c.net.loss_ppm), (5_000, 40_000, 125_000));
        assert_eq!((c.raft.election_timeout_min_us, c.raft.heartbeat_interval_us), (300_000, 80_000));
        assert_eq!(c.nodes, 7, "the new size re-creates the cluster");
    }

    #[test]
    fn bad_input_is_explained_and_changes_nothing() {
        for (apply, text, expected) in [
            (set_latency as fn(&mut Model, &str) -> Result<(), String>, "20..10", "latency minimum"),
            (set_latency, "fast", "latency"),
            (set_loss, "150", "loss must be between 0 and 100"),
            (set_nodes, "0", "cluster size must be a whole number from 1 to 15"),
            (set_nodes, "<b>9</b>", "cluster size"),
            (set_clients, "17", "clients must be a whole number from 0 to 16"),
            (set_election, "10s..1ms", "election timeout minimum"),
            (set_heartbeat, "0", "heartbeat interval"),
        ] {
            let mut m = model();
            let before = m.world.config().clone();
            let alert = apply(&mut m, text).err().unwrap_or_default();
            assert!(alert.contains(expected), "'{text}': expected '{expected}' in '{alert}'");
            assert_eq!(m.world.config(), &before, "'{text}' must change nothing");
        }
    }
}
