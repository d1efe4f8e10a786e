//! Live updates from an HTTP backend: reads the server's event stream, refreshes the views on each
//! change, and after a drop reconnects with the last sequence number seen, so the server replays
//! whatever happened meanwhile. The state shows in the navigation (Live / Reconnecting / Offline).

use std::time::Duration;

use gloo_timers::callback::Timeout;
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::Deserialize;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::sse::SseParser;
use super::transport::Fetch;
use super::{Api, ApiError};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Live {
    /// The demo backend: everything is local, nothing to show.
    Local,
    Connecting,
    Live,
    Reconnecting,
    /// Several attempts failed; still retrying, less often.
    Offline,
}

impl Live {
    pub fn label(self) -> &'static str {
        match self {
            Live::Local => "",
            Live::Connecting => "Connecting…",
            Live::Live => "Live",
            Live::Reconnecting => "Reconnecting…",
            Live::Offline => "Offline: retrying",
        }
    }
}

#[derive(Deserialize)]
struct Change {
    seq: u64,
}

/// No bytes for this long (the server sends a keep-alive every 15 s) means the stream is dead.
const SILENCE: Duration = Duration::from_secs(45);

pub fn start(api: Api, backend: Fetch) {
    spawn_local(async move {
        let mut last: Option<u64> = None;
        let mut failures: u32 = 0;
        loop {
            // Every end of the stream is a drop to recover from; the reason only matters to logs.
            let _dropped = follow(
                &backend,
                &mut last,
                || {
                    // Whatever happened before this connection (also between the first reads
                    // and the first connect): refresh once, then per event.
                    api.changed();
                    failures = 0;
                    api.live.set(Live::Live);
                },
                || api.changed(),
            )
            .await;
            failures += 1;
            api.live.set(if failures >= 3 {
                Live::Offline
            } else {
                Live::Reconnecting
            });
            let wait = 500 * 2u32.pow(failures.min(5));
            TimeoutFuture::new(wait.min(10_000)).await;
        }
    });
}

/// Reads the stream until it ends or fails; `last` tracks the newest sequence number seen.
async fn follow(
    backend: &Fetch,
    last: &mut Option<u64>,
    mut on_open: impl FnMut(),
    mut on_change: impl FnMut(),
) -> Result<(), ApiError> {
    let controller = web_sys::AbortController::new().map_err(|_| ApiError::Network("no AbortController".into()))?;
    let response = backend.open_stream(*last, &controller).await?;
    let body = response
        .body()
        .ok_or_else(|| ApiError::Network("the event stream has no body".into()))?;
    let reader: web_sys::ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    on_open();
    let mut parser = SseParser::default();
    loop {
        let watchdog = {
            let controller = controller.clone();
            Timeout::new(SILENCE.as_millis() as u32, move || controller.abort())
        };
        let chunk = JsFuture::from(reader.read())
            .await
            .map_err(|_| ApiError::Network("the event stream broke".into()))?;
        watchdog.cancel();
        let done = js_sys::Reflect::get(&chunk, &"done".into())
            .ok()
            .and_then(|d| d.as_bool())
            .unwrap_or(true);
        if done {
            return Err(ApiError::Network("the server closed the event stream".into()));
        }
        let Ok(value) = js_sys::Reflect::get(&chunk, &"value".into()) else {
            continue;
        };
        let bytes = js_sys::Uint8Array::new(&value).to_vec();
        for event in parser.push(&bytes) {
            // Malformed events are skipped; the next good one still moves `last` forward.
            let seq = event
                .id
                .as_deref()
                .and_then(|i| i.parse().ok())
                .or_else(|| serde_json::from_str::<Change>(&event.data).ok().map(|c| c.seq));
            if let Some(seq) = seq {
                if last.is_none_or(|l| seq > l) {
                    *last = Some(seq);
                    on_change();
                }
            }
        }
    }
}
