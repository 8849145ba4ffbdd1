//! The page's state: the model (the world, its clock, time travel, checkpoints) and the one
//! reducer that every action of the page goes through, with the number formatting they share.
//! Plain Rust, tested natively.

pub mod model;
pub mod num;
pub mod state;
