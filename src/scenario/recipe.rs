//! A recipe is what the command line says about a run: a few explicit choices, the rest
//! defaults. The swarm fills unstated choices from each seed, and every recipe prints back as
//! the exact `raft-sim run` command that reproduces it.

use super::Scenario;
use super::faults::{random_faults, random_membership};
use super::presets::{self, Preset};
use crate::prng::{Prng, Stream};
use crate::raft::{Bug, Bugs, ReadMode, Time};
use crate::sim::{ClientConfig, NetConfig, SimConfig};

#[derive(Clone, Debug, Default)]
pub struct Recipe {
    pub seed: u64,
    pub nodes: Option<u8>,
    pub duration_us: Option<Time>,
    pub loss_ppm: Option<u32>,
    pub dup_ppm: Option<u32>,
    pub latency_us: Option<(Time, Time)>,
    pub clients: Option<u8>,
    pub max_entries: Option<u32>,
    pub bugs: Vec<Bug>,
    /// `None`: the preset's or default setting (off); the swarm draws it per seed.
    pub pre_vote: Option<bool>,
    pub check_quorum: Option<bool>,
    pub read_mode: Option<ReadMode>,
    /// Snapshot every this many applied entries (0: never); `None` keeps the default.
    pub snapshot_every: Option<u64>,
    /// With `faults`: also add, remove and replace servers (`None`: off, the swarm draws it).
    pub membership_faults: Option<bool>,
    pub faults: bool,
    pub preset: Option<&'static Preset>,
}

pub const DEFAULT_DURATION_US: Time = 10_000_000;
pub const DEFAULT_CLIENTS: u8 = 3;
/// Swarm runs are longer: the narrow interleavings need many elections to turn up.
pub const SWARM_DURATION_US: Time = 60_000_000;
/// After faults, a healed cluster must elect a leader and answer every client within this. It
/// bounds waiting, not speed: a live run stops as soon as it is live. 10 s proved too short
/// for runs that are slow but live (swarm seed 9074606 of issue 19, before the stale-deadline
/// fix: a voter 120 entries behind at one entry per AppendEntries, then clients probing 15
/// servers at 500 ms each, most of them shut down, before one found the new leader).
pub const LIVENESS_BOUND_US: Time = 20_000_000;

impl Recipe {
    pub fn duration_us(&self) -> Time {
        self.duration_us.or(self.preset.map(|p| p.duration_us)).unwrap_or(DEFAULT_DURATION_US)
    }

    /// The scenario this recipe describes.
    pub fn scenario(&self) -> Result<Scenario, String> {
        let mut scenario = match self.preset {
            Some(p) => (p.build)(self.seed),
            None => Scenario::new(SimConfig { seed: self.seed, ..SimConfig::default() }),
        };
        let c = &mut scenario.config;
        if let Some(n) = self.nodes {
            if self.preset.is_some() {
                return Err("--nodes cannot be combined with --preset (presets script their servers)".into());
            }
            c.nodes = n;
        }
        if self.preset.is_none() {
            c.clients = ClientConfig { count: self.clients.unwrap_or(DEFAULT_CLIENTS), ..c.clients };
        } else if let Some(k) = self.clients {
            c.clients.count = k;
        }
        let (min, max) = self.latency_us.unwrap_or((c.net.latency_min_us, c.net.latency_max_us));
        c.net = NetConfig {
            latency_min_us: min,
            latency_max_us: max,
            loss_ppm: self.loss_ppm.unwrap_or(c.net.loss_ppm),
            dup_ppm: self.dup_ppm.unwrap_or(c.net.dup_ppm),
        };
        if let Some(m) = self.max_entries {
            c.raft.max_entries_per_append = m;
        }
        c.raft.bugs = self.bugs.iter().fold(Bugs::none(), |b, &bug| b.with(bug));
        c.raft.pre_vote = self.pre_vote.unwrap_or(c.raft.pre_vote);
        c.raft.check_quorum = self.check_quorum.unwrap_or(c.raft.check_quorum);
        c.raft.read_mode = self.read_mode.unwrap_or(c.raft.read_mode);
        c.raft.snapshot_every = self.snapshot_every.unwrap_or(c.raft.snapshot_every);
        if self.faults {
            let mut faults = random_faults(self.seed, c, self.duration_us());
            if self.membership_faults == Some(true) {
                let (changes, spans) = random_membership(self.seed, c, self.duration_us());
                faults.retain(|f| !spans.iter().any(|s| s.contains(&f.at_us)));
                faults.extend(changes);
            }
            scenario.interventions.append(&mut faults);
            scenario.interventions.sort_by_key(|t| t.at_us);
        }
        scenario.validate()?;
        Ok(scenario)
    }

    /// The swarm's choices for one seed: whatever the user did not fix is drawn from the seed.
    pub fn for_swarm_seed(&self, seed: u64) -> Recipe {
        let mut rng = Prng::new(seed, Stream::Faults);
        let mut r = self.clone();
        r.seed = seed;
        r.faults = true;
        r.duration_us = Some(self.duration_us.unwrap_or(SWARM_DURATION_US));
        r.nodes = Some(self.nodes.unwrap_or_else(|| rng.range(1, 9) as u8));
        r.loss_ppm = Some(self.loss_ppm.unwrap_or_else(|| (rng.below(11) * 10_000) as u32));
        r.dup_ppm = Some(self.dup_ppm.unwrap_or_else(|| (rng.below(6) * 10_000) as u32));
        r.latency_us = Some(self.latency_us.unwrap_or_else(|| {
            let min = rng.range(1, 20) * 1000;
            (min, min + rng.range(0, 30) * 1000)
        }));
        r.clients = Some(self.clients.unwrap_or_else(|| rng.range(1, 4) as u8));
        r.max_entries =
            Some(self.max_entries.unwrap_or_else(|| *[1, 2, 4, 64].get(rng.below(4) as usize).unwrap_or(&64)));
        r.pre_vote = Some(self.pre_vote.unwrap_or_else(|| rng.below(2) == 1));
        r.check_quorum = Some(self.check_quorum.unwrap_or_else(|| rng.below(2) == 1));
        r.read_mode = Some(self.read_mode.unwrap_or_else(|| ReadMode::ALL[rng.below(2) as usize]));
        r.membership_faults = Some(self.membership_faults.unwrap_or_else(|| rng.below(2) == 1));
        r.snapshot_every = Some(self.snapshot_every.unwrap_or_else(|| [0, 0, 20, 200][rng.below(4) as usize]));
        r
    }

    /// The `raft-sim run` command line that reproduces this recipe.
    pub fn command(&self) -> String {
        let mut cmd = format!("raft-sim run --seed {}", self.seed);
        if let Some(p) = self.preset {
            cmd += &format!(" --preset {}", p.name);
        }
        if let Some(n) = self.nodes {
            cmd += &format!(" --nodes {n}");
        }
        cmd += &format!(" --duration {}", fmt_duration(self.duration_us()));
        if let Some((a, b)) = self.latency_us {
            cmd += &format!(" --latency {}..{}", fmt_duration(a), fmt_duration(b));
        }
        if let Some(l) = self.loss_ppm {
            cmd += &format!(" --loss {}", fmt_percent(l));
        }
        if let Some(d) = self.dup_ppm {
            cmd += &format!(" --dup {}", fmt_percent(d));
        }
        if let Some(k) = self.clients {
            cmd += &format!(" --clients {k}");
        }
        if let Some(m) = self.max_entries {
            cmd += &format!(" --max-entries {m}");
        }
        for b in &self.bugs {
            cmd += &format!(" --bug {}", b.name());
        }
        let on = |b: bool| if b { "on" } else { "off" };
        if let Some(p) = self.pre_vote {
            cmd += &format!(" --prevote {}", on(p));
        }
        if let Some(q) = self.check_quorum {
            cmd += &format!(" --check-quorum {}", on(q));
        }
        if let Some(m) = self.read_mode {
            cmd += &format!(" --reads {}", m.name());
        }
        if let Some(n) = self.snapshot_every {
            cmd += &format!(" --snapshot-every {n}");
        }
        if let Some(m) = self.membership_faults {
            cmd += &format!(" --membership-faults {}", on(m));
        }
        if self.faults {
            cmd += " --faults";
        }
        cmd
    }
}

pub fn fmt_duration(us: Time) -> String {
    if us.is_multiple_of(1_000_000) {
        format!("{}s", us / 1_000_000)
    } else if us.is_multiple_of(1000) {
        format!("{}ms", us / 1000)
    } else {
        format!("{us}us")
    }
}

pub use crate::sim::network::fmt_percent;

/// Parses `60s`, `500ms`, `250us`, `2m`, `1.5s`. Returns microseconds (fractions of one
/// round to the nearest).
pub fn parse_duration(text: &str) -> Result<Time, String> {
    let t = text.trim();
    let (number, unit_us) = if let Some(n) = t.strip_suffix("us") {
        (n, 1)
    } else if let Some(n) = t.strip_suffix("ms") {
        (n, 1_000)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1_000_000)
    } else if let Some(n) = t.strip_suffix('m') {
        (n, 60_000_000)
    } else if let Some(n) = t.strip_suffix('h') {
        (n, 3_600_000_000)
    } else {
        return Err(format!("'{text}' needs a unit: us, ms, s, m or h (like 500ms or 60s)"));
    };
    if number.trim_start().starts_with('-') {
        return Err(format!("'{text}' must be a positive duration"));
    }
    let millionths = parse_decimal(number, 6).ok_or_else(|| format!("'{text}' is not a duration like 500ms or 60s"))?;
    let us = (u128::from(millionths) * unit_us + 500_000) / 1_000_000;
    if us > 86_400_000_000 {
        return Err(format!("'{text}' is longer than one day"));
    }
    Ok(us as Time)
}

/// Parses a percentage 0–100 into parts per million.
pub fn parse_percent(text: &str) -> Result<u32, String> {
    let number = text.trim().trim_end_matches('%');
    let out_of_range = || format!("must be between 0 and 100 (percent), got {text}");
    if number.starts_with('-') {
        return Err(out_of_range());
    }
    let ppm = parse_decimal(number, 4).ok_or_else(|| format!("'{text}' is not a number"))?;
    if ppm > 1_000_000 {
        return Err(out_of_range());
    }
    Ok(ppm as u32)
}

/// A non-negative decimal like `12`, `1.5` or `.25`, times 10^`places`, rounded half up; `None`
/// for anything else (signs, exponents, more than 12 whole digits). Integer arithmetic only:
/// typed settings never pass through a float.
pub fn parse_decimal(text: &str, places: u32) -> Option<u64> {
    let (whole, fraction) = text.trim().split_once('.').unwrap_or((text.trim(), ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !digits(whole) || !digits(fraction) || whole.len() > 12 {
        return None;
    }
    let mut value = if whole.is_empty() { 0 } else { whole.parse::<u64>().ok()? };
    for i in 0..places as usize {
        value = value * 10 + fraction.as_bytes().get(i).map_or(0, |b| u64::from(b - b'0'));
    }
    let round_up = fraction.as_bytes().get(places as usize).is_some_and(|&b| b >= b'5');
    Some(value + u64::from(round_up))
}

pub fn find_preset(name: &str) -> Result<&'static Preset, String> {
    presets::find(name).ok_or_else(|| {
        let known: Vec<&str> = presets::PRESETS.iter().map(|p| p.name).collect();
        format!("unknown preset '{name}'; known presets: {}", known.join(", "))
    })
}

pub fn find_bug(name: &str) -> Result<Bug, String> {
    Bug::from_name(name).ok_or_else(|| {
        let known: Vec<&str> = Bug::ALL.iter().map(|b| b.name()).collect();
        format!("unknown bug '{name}'; known bugs: {}", known.join(", "))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_percentages() {
        assert_eq!(parse_duration("60s"), Ok(60_000_000));
        assert_eq!(parse_duration("1.5ms"), Ok(1_500));
        assert!(parse_duration("-5s").is_err());
        assert!(parse_duration("5").is_err());
        assert_eq!(parse_percent("2.5"), Ok(25_000));
        assert_eq!(parse_percent("12.34567%"), Ok(123_457));
        assert_eq!(parse_percent("100"), Ok(1_000_000));
        assert!(parse_percent("-1").is_err_and(|e| e.contains("between 0 and 100")));
        assert!(parse_percent("1e2").is_err() && parse_percent("").is_err());
        assert_eq!(parse_duration("1.5s"), Ok(1_500_000));
        assert_eq!(parse_duration(".25ms"), Ok(250));
        assert_eq!(parse_duration("0.0004ms"), Ok(0), "rounds to the nearest microsecond");
        assert_eq!(parse_duration("24h"), Ok(86_400_000_000));
        assert!(parse_duration("25h").is_err() && parse_duration("999999999999999h").is_err());
        assert!(parse_duration("1.2.3s").is_err() && parse_duration("s").is_err() && parse_duration("NaNs").is_err());
        assert!(parse_percent("150").is_err());
        assert_eq!(fmt_percent(25_000), "2.5");
        assert_eq!(fmt_duration(10_000), "10ms");
    }

    #[test]
    fn swarm_recipe_round_trips_through_its_command() {
        let r = Recipe::default().for_swarm_seed(17);
        let cmd = r.command();
        assert!(cmd.contains("--seed 17") && cmd.contains("--faults") && cmd.contains("--nodes"), "{cmd}");
    }
}
