//! `GET /api/v1/events` streamed: every accepted write as a server-sent event, resumable by id
//! (where to resume and what an event says are the service's rules).
//!
//! No gap, no duplicate: the stream subscribes to the live broadcast *before* reading the backlog
//! from SQLite, then skips live events it already sent. A client that falls behind the broadcast
//! (or sees a jump in `seq`) re-reads the gap from SQLite.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, StreamExt};
use rapport_core::access::Principal;
use rapport_core::{ConversationId, TaskId};
use rapport_service::events::{self as rules, Frame, CHUNK};
use rapport_service::{ApiError, ApiResult, Caller, Change};
use tokio::sync::{broadcast, watch};

use crate::guard::StreamSlot;
use crate::state::AppState;
use crate::{reply, service_request};

pub async fn stream(State(state): State<AppState>, request: Request) -> Response {
    let (parts, _) = request.into_parts();
    let request = service_request(&parts, Vec::new());
    let signed = match &state.accounts {
        Some(accounts) => match crate::signin::caller(accounts, &request, false, chrono::Utc::now()) {
            Ok(Caller::Signed(p)) => Some(p),
            Ok(_) => None,
            Err(e) => return reply(e.into_response()),
        },
        None => None,
    };
    let opened = match state.authorize(&request).and_then(|()| rules::resume_point(&request)) {
        Ok(requested) => {
            // Subscribed before the newest id is read, so nothing falls between the two.
            let live = state.subscribe();
            blocking(&state, AppState::last_seq)
                .await
                .map(|last| (live, rules::start(requested, last)))
        }
        Err(e) => Err(e),
    };
    let (live, start) = match opened {
        Ok(o) => o,
        Err(e) => return reply(e.into_response()),
    };
    let Some(slot) = state.streams.take_as(signed.as_ref().map(|p| p.agent.as_str())) else {
        return crate::guard::Streams::busy();
    };
    let feed = Feed {
        who: signed.filter(|p| !p.everywhere()),
        _slot: slot,
        state: state.clone(),
        live,
        shutdown: state.shutdown_signal(),
        queue: VecDeque::new(),
        last: start.last,
        catching_up: start.catching_up,
    };
    let first = start.first.map(|f| Ok::<_, Infallible>(event(&f)));
    let events = stream::iter(first).chain(stream::unfold(feed, Feed::next).map(Ok));
    Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)).text("keep-alive"))
        .into_response()
}

/// A storage read, off the async threads (PostgreSQL's client blocks on a runtime of its own).
async fn blocking<T: Send + 'static>(
    state: &AppState,
    read: impl FnOnce(&AppState) -> ApiResult<T> + Send + 'static,
) -> ApiResult<T> {
    let state = state.clone();
    tokio::task::spawn_blocking(move || read(&state))
        .await
        .map_err(ApiError::internal)?
}

fn event(frame: &Frame) -> Event {
    Event::default()
        .id(frame.id.to_string())
        .event(frame.event)
        .data(frame.data.clone())
}

fn change_event(change: &Change) -> Event {
    event(&Frame::of(change))
}

struct Feed {
    /// A signed-in agent who sees only some inboxes: the events of the others reach them without
    /// their ids (as "something changed elsewhere"), so ids keep their order and nothing leaks.
    who: Option<Principal>,
    /// Held while the stream is open: dropped with the stream, when it ends or its client goes.
    _slot: StreamSlot,
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
    fn event(&self, change: &Change) -> Event {
        let Some(who) = &self.who else {
            return change_event(change);
        };
        let conversation = change.conversation_id.as_deref().map(ConversationId::from);
        let task = change.task_id.as_deref().map(TaskId::from);
        let seen = self
            .state
            .read(|store| who.sees_event(store, conversation.as_ref(), task.as_ref()));
        if seen {
            return change_event(change);
        }
        change_event(&Change {
            seq: change.seq,
            customer_id: None,
            conversation_id: None,
            task_id: None,
            reset: change.reset,
            directory: change.directory,
        })
    }

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
                return Some((self.event(&change), self));
            }
            if self.catching_up {
                // On a storage error the stream ends; the client reconnects with its last id.
                let after = self.last;
                let rows = blocking(&self.state, move |s| s.changes_after(after, CHUNK))
                    .await
                    .ok()?;
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
                        return Some((self.event(&change), self));
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
            ..Options::default()
        })
        .expect("opens");
        let conv = state
            .read(|s| s.conversations().next().map(|c| c.id.clone()))
            .expect("a conversation");
        let feed = Feed {
            who: None,
            _slot: state.streams.take().expect("a stream slot"),
            state: state.clone(),
            live: state.subscribe(),
            shutdown: state.shutdown_signal(),
            queue: VecDeque::new(),
            last: 0,
            catching_up: false,
        };
        let writes = 1500; // more than the broadcast's capacity of 1024
        for i in 0..writes {
            note(&state, &conv, &format!("note {i}"));
        }
        let mut feed = Some(feed);
        for expected in 1..=writes {
            let (event, next) = feed.take().expect("feed").next().await.expect("an event");
            assert_eq!(next.last, expected);
            drop(event);
            feed = Some(next);
        }
        // Then live again: the stale broadcast backlog is skipped, the next write comes next.
        note(&state, &conv, "live");
        let (_, next) = feed.take().expect("feed").next().await.expect("the live event");
        assert_eq!(next.last, writes + 1);
        feed = Some(next);
        state.begin_shutdown();
        assert!(feed.expect("feed").next().await.is_none(), "shutdown ends the stream");
    }

    fn note(state: &AppState, conv: &rapport_core::ConversationId, text: &str) {
        let path = format!("/v1/conversations/{conv}/notes");
        let request = rapport_service::Request::new(rapport_service::Method::Post, &path)
            .with_header("x-agent-id", "ag1")
            .with_json(serde_json::json!({ "body": text }).to_string());
        assert_eq!(state.handle(&request).status, 201, "the note is accepted");
    }
}
