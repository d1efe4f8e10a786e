//! Rapport's domain: a customer has one lifelong conversation. Pure Rust, no web dependencies;
//! compiled into the browser app (the demo backend) and into the server, so every rule exists once.

pub mod access;
pub mod content_codec;
pub mod dates;
pub mod error;
pub mod invariants;
pub mod limits;
pub mod model;
pub mod query;
pub mod seed;
pub mod snapshot;
pub mod store;
pub mod views;

pub use error::{CoreError, CoreResult};
pub use model::*;
pub use store::{Actor, Command, ConversationState, Directory, NewCustomer, Outcome, Routing, Store};
pub use store::{REOPEN_WINDOW_HOURS_DEFAULT, REOPEN_WINDOW_HOURS_MAX};

/// The payload of each [`Command`] variant, named like it: `Command::SetStatus(cmd::SetStatus { .. })`.
/// A module of their own, because names like `Reply` or `Inbound` mean other things elsewhere.
pub mod cmd {
    pub use crate::store::commands::{
        AddActivity, AddNote, Assign, CommentTask, CreateAgent, CreateCustomer, CreateInbox, CreateTask, Inbound,
        Reply, SetMembership, SetStatus, SetTaskStatus, SetTopics, Undo, UpdateInbox,
    };
}
