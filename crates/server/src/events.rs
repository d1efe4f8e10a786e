//! `GET /api/v1/events`: every accepted write as a server-sent event, resumable by id.
//!
//! No gap, no duplicate: the stream subscribes to the live broadcast *before* reading the backlog
//! from SQLite, then skips live events it already sent. A client that falls behind the broadcast
//! (or sees a jump in `seq`) re-reads the gap from SQLite.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream, StreamExt};
use tokio::sync::{broadcast, watch};

use crate::db::Change;
use crate::error::{ApiError, ApiResult};
use crate::extract::QueryMap;
use crate::state::AppState;

/// Backlog rows read from SQLite at a time.
const CHUNK: usize = 500;

pub async fn stream(
    State(state): State<AppState>,
    headers: HeaderMap,
    q: QueryMap,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let requested = resume_point(&headers, &q)?;
    let live = state.subscribe();
    let newest = state.last_seq()?;
    let mut first = None;
    let last = match requested {
        None => newest,
        Some(n) if n <= newest => n,
        Some(_) => {
            // The client saw ids this database never made (it was replaced): it must reload.
            first = Some(reset_event(newest));
            newest
        }
    };
    let feed = Feed {
        state: state.clone(),
        live,
        shutdown: state.shutdown_signal(),
        queue: VecDeque::new(),
        last,
        catching_up: last < newest,
    };
    let events = stream::iter(first.map(Ok)).chain(stream::unfold(feed, Feed::next).map(Ok));
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)).text("keep-alive")))
}

/// `Last-Event-ID` header, else `?after=` (for tools that cannot set headers); None = live only.
fn resume_point(headers: &HeaderMap, q: &QueryMap) -> ApiResult<Option<u64>> {
    let header = match headers.get("last-event-id") {
        None => None,
        Some(v) => Some(
            v.to_str()
                .map_err(|_| ApiError::invalid(Some("Last-Event-ID"), "Last-Event-ID is not valid text."))?
                .trim(),
        ),
    };
    let (raw, attr) = match header.filter(|h| !h.is_empty()) {
        Some(h) => (h, "Last-Event-ID"),
        None => match q.get("after") {
            Some(a) => (a, "after"),
            None => return Ok(None),
        },
    };
    raw.parse::<u64>()
        .map(Some)
        .map_err(|_| ApiError::invalid(Some(attr), format!("{attr} must be an event id this server sent.")))
}

fn reset_event(newest: u64) -> Event {
    Event::default()
        .id(newest.to_string())
        .event("reset")
        .data(format!("{{\"seq\":{newest}}}"))
}

fn change_event(change: &Change) -> Event {
    let data = serde_json::to_string(change).unwrap_or_else(|_| format!("{{\"seq\":{}}}", change.seq));
    Event::default().id(change.seq.to_string()).event("change").data(data)
}

struct Feed {
    state: AppState,
    live: broadcast::Receiver<Change>,
    shutdown: watch::Receiver<bool>,
    /// Backlog read from SQLite, not sent yet.
    queue: VecDeque<Change>,
    /// The last `seq` sent (or the resume point).
    last: u64,
    /// Whether SQLite may hold events after `last` that are not in `queue`.
    catching_up: bool,
}

impl Feed {
    async fn next(mut self) -> Option<(Event, Feed)> {
        loop {
            if *self.shutdown.borrow() {
                return None;
            }
            if let Some(change) = self.queue.pop_front() {
                if change.seq <= self.last {
                    continue;
                }
                self.last = change.seq;
                return Some((change_event(&change), self));
            }
            if self.catching_up {
                // On a storage error the stream ends; the client reconnects with its last id.
                let rows = self.state.changes_after(self.last, CHUNK).ok()?;
                self.catching_up = rows.len() == CHUNK;
                self.queue.extend(rows);
                continue;
            }
            tokio::select! {
                changed = self.shutdown.changed() => {
                    if changed.is_err() || *self.shutdown.borrow() {
                        return None;
                    }
                }
                received = self.live.recv() => match received {
                    Ok(change) if change.seq <= self.last => {}
                    Ok(change) if change.seq == self.last + 1 => {
                        self.last = change.seq;
                        return Some((change_event(&change), self));
                    }
                    // A jump or a lag: SQLite has everything up to the newest broadcast.
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => self.catching_up = true,
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Options;
    use rapport_core::{AgentId, Command};

    /// A subscriber that falls further behind than the broadcast holds still gets every event
    /// once, in order: the gap is re-read from SQLite.
    #[tokio::test]
    async fn a_lagging_subscriber_catches_up_from_storage() {
        // Under the prefix the integration tests sweep once this process has exited.
        let dir = std::env::temp_dir().join(format!("rapport-server-tests-{}-lag", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let db = dir.join("lag.db");
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
        let state = AppState::open(&Options {
            db,
            conversations: 20,
            token: None,
            dist: None,
        })
        .expect("opens");
        let conv = state
            .read(|s| s.conversations().next().map(|c| c.id.clone()))
            .expect("a conversation");
        let feed = Feed {
            state: state.clone(),
            live: state.subscribe(),
            shutdown: state.shutdown_signal(),
            queue: VecDeque::new(),
            last: 0,
            catching_up: false,
        };
        let writes = 1500; // more than the broadcast's capacity of 1024
        for i in 0..writes {
            let note = Command::AddNote {
                conversation_id: conv.clone(),
                agent_id: AgentId::from("ag1"),
                body: format!("note {i}"),
            };
            state.write(|_| Ok(vec![note]), |_, _| Ok(())).expect("write");
        }
        let mut feed = Some(feed);
        for expected in 1..=writes {
            let (event, next) = feed.take().expect("feed").next().await.expect("an event");
            assert_eq!(next.last, expected);
            drop(event);
            feed = Some(next);
        }
        // Then live again: the stale broadcast backlog is skipped, the next write comes next.
        let note = Command::AddNote {
            conversation_id: conv.clone(),
            agent_id: AgentId::from("ag1"),
            body: "live".into(),
        };
        state.write(|_| Ok(vec![note]), |_, _| Ok(())).expect("write");
        let (_, next) = feed.take().expect("feed").next().await.expect("the live event");
        assert_eq!(next.last, writes + 1);
        feed = Some(next);
        state.begin_shutdown();
        assert!(feed.expect("feed").next().await.is_none(), "shutdown ends the stream");
    }
}
