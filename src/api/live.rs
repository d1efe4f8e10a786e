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
use super::{Account, Api, ApiError};

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
    /// The directory changed: it is read again.
    #[serde(default)]
    directory: bool,
}

/// No bytes for this long (the server sends a keep-alive every 15 s) means the stream is dead.
const SILENCE: Duration = Duration::from_secs(45);

pub fn start(api: Api, backend: Fetch) {
    spawn_local(async move {
        let mut last: Option<u64> = None;
        let mut failures: u32 = 0;
        loop {
            // Every end of the stream is a drop to recover from; only a wait the server asked
            // for (429 or 503 with Retry-After) changes when to try again.
            let dropped = follow(
                &backend,
                &mut last,
                || {
                    // Whatever happened before this connection (also between the first reads
                    // and the first connect): refresh once, then per event.
                    api.changed();
                    failures = 0;
                    api.live.set(Live::Live);
                },
                |directory| {
                    api.changed();
                    if directory {
                        api.directory.update(|d| *d += 1);
                    }
                },
            )
            .await;
            failures += 1;
            api.live.set(if failures >= 3 {
                Live::Offline
            } else {
                Live::Reconnecting
            });
            let asked = dropped.err().and_then(|d| {
                if let Some(e) = &d.refused {
                    api.backend().check_session(e);
                }
                d.wait_ms
            });
            let signed_out = || api.account.with_untracked(|a| *a == Account::SignedOut);
            if signed_out() {
                // No stream without a session: it waits for the sign-in, then connects at once.
                while signed_out() {
                    TimeoutFuture::new(500).await;
                }
            } else {
                TimeoutFuture::new(next_wait(failures, asked)).await;
            }
        }
    });
}

/// How long the server asked to wait: `Retry-After` in seconds (its date form is not used by
/// Rapport's server and is read as no request), at most 5 minutes.
pub fn retry_after_ms(value: &str) -> Option<u32> {
    let secs: u32 = value.trim().parse().ok()?;
    Some(secs.min(300) * 1000)
}

/// The pause before reconnect attempt `failures`: doubling from 1 s to 10 s, and never shorter
/// than what the server asked for.
fn next_wait(failures: u32, asked_ms: Option<u32>) -> u32 {
    let backoff = (500 * 2u32.pow(failures.min(5))).min(10_000);
    backoff.max(asked_ms.unwrap_or(0))
}

/// A stream ended, and the wait the server asked for, if it did; a refusal to open it may say
/// the session is over.
struct Dropped {
    wait_ms: Option<u32>,
    refused: Option<ApiError>,
}

impl From<ApiError> for Dropped {
    fn from(_: ApiError) -> Self {
        Dropped {
            wait_ms: None,
            refused: None,
        }
    }
}

/// Reads the stream until it ends or fails; `last` tracks the newest sequence number seen.
async fn follow(
    backend: &Fetch,
    last: &mut Option<u64>,
    mut on_open: impl FnMut(),
    mut on_change: impl FnMut(bool),
) -> Result<(), Dropped> {
    let controller = web_sys::AbortController::new().map_err(|_| ApiError::Network("no AbortController".into()))?;
    let response = backend
        .open_stream(*last, &controller)
        .await
        .map_err(|(e, wait_ms)| Dropped {
            wait_ms,
            refused: Some(e),
        })?;
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
            return Err(ApiError::Network("the server closed the event stream".into()).into());
        }
        let Ok(value) = js_sys::Reflect::get(&chunk, &"value".into()) else {
            continue;
        };
        let bytes = js_sys::Uint8Array::new(&value).to_vec();
        for event in parser.push(&bytes) {
            // Malformed events are skipped; the next good one still moves `last` forward.
            let change = serde_json::from_str::<Change>(&event.data).ok();
            let seq = event
                .id
                .as_deref()
                .and_then(|i| i.parse().ok())
                .or(change.as_ref().map(|c| c.seq));
            if let Some(seq) = seq {
                if last.is_none_or(|l| seq > l) {
                    *last = Some(seq);
                    on_change(change.is_some_and(|c| c.directory));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reconnect_waits_as_long_as_the_server_asked() {
        assert_eq!(retry_after_ms("3"), Some(3000));
        assert_eq!(retry_after_ms(" 30 "), Some(30_000));
        assert_eq!(retry_after_ms("100000"), Some(300_000), "at most 5 minutes");
        assert_eq!(retry_after_ms("Wed, 21 Oct 2026 07:28:00 GMT"), None);
        assert_eq!(retry_after_ms("-1"), None);
        assert_eq!(next_wait(1, None), 1000);
        assert_eq!(next_wait(9, None), 10_000);
        assert_eq!(
            next_wait(1, Some(3000)),
            3000,
            "the server's wait wins over a shorter backoff"
        );
        assert_eq!(next_wait(9, Some(3000)), 10_000);
    }
}
