//! The header's writes: queued in order, each built with the version as it is when its turn
//! comes, with Undo offered or a rollback and the reason when refused.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use rapport_core::{cmd, Actor, Command, Conversation, ConversationState, Outcome};

use crate::api::{Api, ApiError};
use crate::components::toast::Toasts;

/// This header's writes, one at a time and in order. Each is built only when its turn comes, with
/// the version as it is then: the version the last write's answer carries, so an agent's own
/// quick succession of changes (a topic, then Close) is never mistaken for someone else's.
#[derive(Clone, Copy)]
pub(super) struct Writer {
    api: Api,
    toasts: Toasts,
    version: StoredValue<u64>,
    /// One write at a time, in the order asked (a fair lock: a queue, not a poll).
    gate: StoredValue<Arc<async_lock::Mutex<()>>>,
    /// Writes asked for and not yet answered: while any is, the optimistic state stands.
    pending: StoredValue<u32>,
}

impl Writer {
    pub(super) fn new(api: Api, toasts: Toasts, version: u64) -> Writer {
        Writer {
            api,
            toasts,
            version: StoredValue::new(version),
            gate: StoredValue::new(Arc::default()),
            pending: StoredValue::new(0),
        }
    }

    /// The version a fresh read of the conversation carries (when no write of ours is pending).
    pub(super) fn adopt_version(self, version: u64) {
        self.version.set_value(version);
    }

    /// Counts a write as pending from the moment its optimistic state shows; `run` ends it.
    pub(super) fn queue(self) {
        self.pending.try_update_value(|n| *n += 1);
    }

    /// The write (queued before), and the conversation as it left it (when the backend says).
    pub(super) async fn run(
        self,
        make: impl FnOnce(u64) -> Command,
    ) -> Result<(Outcome, Option<Conversation>), ApiError> {
        let gate = self.gate.try_get_value().unwrap_or_default();
        let turn = gate.lock().await;
        let command = make(self.version.try_get_value().unwrap_or_default());
        let result = self.api.execute_returning(command).await;
        drop(turn);
        self.pending.try_update_value(|n| *n = n.saturating_sub(1));
        match &result {
            Ok((_, Some(after))) => {
                self.version.try_set_value(after.version);
            }
            // A backend that returns no conversation: every accepted change is one version.
            Ok((_, None)) => {
                self.version.try_update_value(|v| *v += 1);
            }
            Err(_) => {}
        }
        result
    }

    /// Whether a write of this header is queued or in flight.
    pub(super) fn idle(self) -> bool {
        self.pending.try_get_value().is_some_and(|n| n == 0)
    }

    /// Runs a change; on success says `done`, with Undo when `make` names the state to go back
    /// to (the service compares it with the state this change left, so it refuses, naming who,
    /// once someone moved it on). On refusal runs `rollback` and says why; a conflict also
    /// refreshes the page to show the other change.
    pub(super) fn send(
        self,
        make: impl FnOnce(u64) -> (Command, Option<(ConversationState, Actor)>) + 'static,
        done: String,
        rollback: impl FnOnce() + 'static,
    ) {
        self.queue();
        spawn_local(async move {
            let mut restore = None;
            let result = self
                .run(|v| {
                    let (command, r) = make(v);
                    restore = r;
                    command
                })
                .await;
            match result {
                Ok((_, after)) => match (restore, after) {
                    (Some((restore, actor)), Some(after)) => {
                        let undo = Command::Undo(cmd::Undo {
                            conversation_id: after.id.clone(),
                            undone: ConversationState::of(&after),
                            restore,
                            actor,
                        });
                        self.toasts.with_undo(done, undo)
                    }
                    _ => self.toasts.info(done),
                },
                Err(e) => {
                    rollback();
                    self.toasts.error(e.to_string());
                    if e == ApiError::Conflict {
                        self.api.changed();
                    }
                }
            }
        });
    }
}
