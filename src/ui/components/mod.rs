//! The page's parts. Each takes plain view data and callbacks; none owns state.

pub mod cluster;
pub mod controls;
pub mod diagram;
pub mod help;
pub mod inspector;
pub mod logs;
pub mod motion;
pub mod panels;
pub mod settings;
pub mod toolbar;
