//! The messages between the page and the demo worker, as JSON text.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

use rapport_service::demo::DemoSize;
use serde::{Deserialize, Serialize};

/// Page → worker.
#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum ToWorker {
    /// Load (or seed) the demo saved under `key`; `legacy` is a save the page still had in
    /// localStorage, used when IndexedDB holds none.
    Init {
        key: String,
        #[serde(default)]
        size: Option<DemoSize>,
        #[serde(default)]
        legacy: Option<String>,
    },
    /// One request of the HTTP API; `target` is the path below `/api/v1` with its query.
    Request {
        id: u64,
        method: String,
        target: String,
        #[serde(default)]
        headers: Vec<(String, String)>,
        #[serde(default)]
        body: Option<String>,
    },
}

/// Worker → page.
#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum FromWorker {
    /// The worker listens now. Messages sent before this would be lost (the handler is set only
    /// once the wasm has loaded), so the page holds them until it comes.
    Booted,
    /// Requests are answered from now on (those sent earlier were kept and come next).
    Ready {
        notice: Option<String>,
        clock_offset_ms: i64,
        /// Whether IndexedDB holds the save now (the page may then drop its legacy copy).
        saved: bool,
    },
    Response {
        id: u64,
        status: u16,
        body: String,
    },
    /// Something the agent should know (a save that failed).
    Notice {
        text: String,
    },
}
