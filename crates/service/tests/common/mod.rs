//! What the service's test files share: a fixed time, a small seed, a conversation to act on.
#![allow(dead_code)] // each test binary uses a different part of this module

use chrono::{DateTime, Utc};
use rapport_core::seed::{Origin, SeedConfig};
use rapport_core::{Status, Store};

/// Every test's wall clock, and the seed's anchor.
pub fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-30T12:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

/// A small organisation: enough customers for every routing case, quick to seed.
pub fn origin() -> Origin {
    Origin {
        config: SeedConfig {
            seed: 2026,
            conversations: 60,
            anchor: now(),
        },
        heavy_customer_items: None,
        snapshot: None,
    }
}

/// An open conversation of the seed, to write to.
pub fn open_conversation(store: &Store) -> String {
    store
        .conversations()
        .find(|c| c.status == Status::Open)
        .map(|c| c.id.to_string())
        .expect("the seed has an open conversation")
}
