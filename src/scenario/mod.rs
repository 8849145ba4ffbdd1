//! Scenarios: a configuration, a seed and a timed list of interventions — everything needed to
//! replay a run exactly. Presets are scenarios with a script; the fault generator writes random
//! scripts for `--faults` and the swarm.

pub mod compare;
pub mod faults;
pub mod link;
pub mod presets;
pub mod recipe;
mod run;
pub mod stories;

pub use run::{Observer, RunOptions, RunReport, run, run_exported, run_observed};

use serde::{Deserialize, Serialize};

use crate::raft::Time;
use crate::sim::{Intervention, MAX_SIM_TIME_US, SimConfig, World};

/// Interventions one scenario may hold.
pub const MAX_INTERVENTIONS: usize = 100_000;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timed {
    pub at_us: Time,
    pub what: Intervention,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scenario {
    pub config: SimConfig,
    /// In time order; equal times keep their list order.
    pub interventions: Vec<Timed>,
}

impl Scenario {
    pub fn new(config: SimConfig) -> Scenario {
        Scenario { config, interventions: Vec::new() }
    }

    pub fn at(mut self, at_ms: u64, what: Intervention) -> Scenario {
        self.interventions.push(Timed { at_us: at_ms * 1000, what });
        self
    }

    pub fn validate(&self) -> Result<(), String> {
        self.config.validate()?;
        if self.interventions.len() > MAX_INTERVENTIONS {
            return Err(format!("a scenario holds at most {MAX_INTERVENTIONS} interventions"));
        }
        let mut last = 0;
        let mut servers = self.config.nodes;
        for (i, t) in self.interventions.iter().enumerate() {
            if t.at_us < last || t.at_us > MAX_SIM_TIME_US {
                return Err(format!("intervention {} at {} µs is out of order or beyond one day", i + 1, t.at_us));
            }
            last = t.at_us;
            t.what.validate(servers).map_err(|e| format!("intervention {}: {e}", i + 1))?;
            servers = t.what.servers_after(servers);
        }
        Ok(())
    }

    /// The most servers the run will have (interventions may add some).
    pub fn max_servers(&self) -> u8 {
        let mut servers = self.config.nodes;
        let mut most = servers;
        for t in &self.interventions {
            servers = t.what.servers_after(servers);
            most = most.max(servers);
        }
        most
    }

    /// A world with every intervention scheduled, at time 0.
    pub fn build(&self, trace_keep: usize) -> Result<World, String> {
        self.validate()?;
        let mut world = World::new(self.config.clone(), trace_keep)?;
        for t in &self.interventions {
            world.schedule(t.at_us, t.what.clone())?;
        }
        Ok(world)
    }
}
