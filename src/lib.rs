//! # Raft Playground
//!
//! A Raft consensus module ([`raft`]) driven by a deterministic simulator ([`sim`]) that runs
//! the same way natively (the `raft-sim` command, the tests) and in the browser. Scenarios and
//! presets ([`scenario`]) describe runs; one seed and one list of interventions replay a run
//! exactly. Data flows one way: an intervention enters the world, the world advances simulated
//! time, and the trace and a state snapshot come out for whoever is watching.

pub mod prng;
pub mod raft;
pub mod scenario;
pub mod sim;
pub mod ui;
