//! Why the module refused something: a proposal, a transfer, or a message no correct peer sends.

use std::fmt;

use crate::raft::NodeId;

/// Why a proposal was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProposeError {
    NotLeader {
        hint: Option<NodeId>,
    },
    LogFull,
    /// Leadership is being handed to `target`; proposals wait for the new leader (3.10).
    Transferring {
        target: NodeId,
    },
}

/// Why a leadership transfer could not start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransferError {
    NotLeader,
    ToSelf,
    UnknownTarget { target: NodeId },
}

impl fmt::Display for TransferError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransferError::NotLeader => write!(f, "only the leader can hand over leadership"),
            TransferError::ToSelf => write!(f, "the leader cannot transfer leadership to itself"),
            TransferError::UnknownTarget { target } => write!(f, "server {target} is not a voter of the cluster"),
        }
    }
}

/// A message the module refuses to take: the host handed it something no correct peer sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepError {
    WrongRecipient { to: NodeId, me: NodeId },
    UnknownSender { from: NodeId },
    BadEntries { why: String },
}

impl fmt::Display for StepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StepError::WrongRecipient { to, me } => write!(f, "message addressed to n{to} was handed to n{me}"),
            StepError::UnknownSender { from } => write!(f, "message from n{from}, which cannot be a peer"),
            StepError::BadEntries { why } => write!(f, "AppendEntries with malformed entries: {why}"),
        }
    }
}

impl std::error::Error for StepError {}
