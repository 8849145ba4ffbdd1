//! The settings' fields as they show the configuration.

/// The latency range as the settings field shows it, in milliseconds.
pub fn latency_text(net: &crate::sim::NetConfig) -> String {
    format!("{}..{}", net.latency_min_us / 1000, net.latency_max_us / 1000)
}

/// The election timeout range as the settings field shows it, in milliseconds.
pub fn election_text(raft: &crate::raft::Config) -> String {
    format!("{}..{}", raft.election_timeout_min_us / 1000, raft.election_timeout_max_us / 1000)
}
