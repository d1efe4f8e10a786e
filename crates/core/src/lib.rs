//! Rapport's domain: a customer has one lifelong conversation. Pure Rust, no web dependencies;
//! compiled into the browser app (the demo backend) and into the server, so every rule exists once.

pub mod content_codec;
pub mod dates;
pub mod error;
pub mod invariants;
pub mod model;
pub mod query;
pub mod seed;
pub mod snapshot;
pub mod store;
pub mod views;

pub use error::{CoreError, CoreResult};
pub use model::*;
pub use store::{Actor, Command, ConversationState, Directory, NewCustomer, Outcome, Routing, Store};
