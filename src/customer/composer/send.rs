//! Sending: a reply on the chosen channel or a note, once. A send that fails waits in the
//! timeline with Retry (see `outbox`), and sending the same text again is that send again.

use leptos::prelude::*;
use leptos::task::spawn_local;
use rapport_core::{cmd, Channel, Command, ConversationId};

use super::draft::{draft_key, keep_draft, not_ready, typed_after, Mode};
use crate::api::{new_key, storage, Api};
use crate::components::toast::Toasts;
use crate::customer::outbox::{Outbox, Unsent};
use crate::session::Session;

/// A send of this composer that failed: sending the same again reuses its key.
#[derive(Clone)]
pub(super) struct Failed {
    pub(super) unsent: u64,
    command: Command,
    key: String,
    pub(super) text: String,
}

/// The composer's state, in one `Copy` value its parts share.
#[derive(Clone, Copy)]
pub(super) struct Draft {
    pub(super) conv: StoredValue<ConversationId>,
    pub(super) mode: RwSignal<Mode>,
    pub(super) channel: RwSignal<Channel>,
    pub(super) text: RwSignal<String>,
    pub(super) subject: RwSignal<String>,
    pub(super) error: RwSignal<Option<String>>,
    pub(super) sending: RwSignal<bool>,
    /// This composer's last send that failed, while it waits in the outbox.
    pub(super) failed: RwSignal<Option<Failed>>,
    // Read from context when the composer is built: an event handler has no owner to ask.
    pub(super) api: Api,
    pub(super) toasts: Toasts,
    pub(super) outbox: Outbox,
    pub(super) session: Session,
}

impl Draft {
    /// Where the text of the chosen mode and channel is kept (tracked: it follows them).
    pub(super) fn key(self) -> String {
        let (mode, channel) = (self.mode.get(), self.channel.get());
        self.conv.with_value(|c| draft_key(c, mode, channel))
    }

    /// The agent typed: kept as the draft at once.
    pub(super) fn input(self, value: String) {
        // "Write something first." and "Fill in …" answer the text as it was: it changed.
        if self
            .error
            .with_untracked(|e| e.as_deref().is_some_and(|t| !t.starts_with("Not sent")))
        {
            self.error.set(None);
        }
        let key = self.key_untracked().unwrap_or_default();
        if value.is_empty() {
            storage::remove(&key);
        } else if storage::set(&key, &value).is_err() {
            self.error.set(Some(
                "This browser's storage is full: the draft is not being saved.".into(),
            ));
        }
        self.text.set(value);
    }

    fn command(self, me: rapport_core::AgentId, body: String) -> Command {
        let conversation_id = self.conv.get_value();
        match self.mode.get_untracked() {
            Mode::Note => Command::AddNote(cmd::AddNote {
                conversation_id,
                agent_id: me,
                body,
            }),
            Mode::Reply => {
                let channel = self.channel.get_untracked();
                Command::Reply(cmd::Reply {
                    conversation_id,
                    expected_version: None,
                    agent_id: me,
                    channel,
                    text: body,
                    subject: (channel == Channel::Email)
                        .then(|| self.subject.get_untracked())
                        .filter(|s| !s.trim().is_empty()),
                })
            }
        }
    }

    pub(super) fn send(self) {
        if self.sending.get_untracked() {
            return;
        }
        let body = self.text.get_untracked();
        if let Some(why) = not_ready(&body) {
            self.error.set(Some(why));
            return;
        }
        let command = self.command(self.session.agent.get_untracked(), body.clone());
        // Too long for the service: said here, at once, with the text kept to shorten.
        if let Err(e) = rapport_core::limits::check(&command) {
            self.error.set(Some(e.to_string()));
            return;
        }
        // The text that failed, sent again unchanged, is that send again (under its key):
        // never a second copy, whether or not the first attempt in fact arrived.
        let (intent, again) = match self.failed.get_untracked() {
            Some(f) if f.command == command => (f.key, Some(f.unsent)),
            _ => (new_key(), None),
        };
        self.sending.set(true);
        self.error.set(None);
        let (api, toasts, outbox) = (self.api, self.toasts, self.outbox);
        let draft = self.key_untracked().unwrap_or_default();
        spawn_local(async move {
            let result = api.execute_once(command.clone(), &intent).await;
            // The composer outlives refreshes of the page, so it updates itself (try_: it may
            // be gone by now).
            self.sending.try_set(false);
            match result {
                Ok(_) => {
                    if let Some(id) = again {
                        outbox.delivered(id);
                    }
                    self.failed.try_set(None);
                    self.sent(&draft, &body);
                    toasts.info(match &command {
                        Command::Reply(r) => format!("Sent on {}.", r.channel.label()),
                        _ => "Note added.".to_owned(),
                    });
                }
                // The draft stays in storage and in the box, and the message waits in the
                // timeline with Retry: nothing is lost.
                Err(e) => {
                    self.error.try_set(Some(format!("Not sent: {e}")));
                    if e.is_permanent() {
                        // Show what the refusal contradicts (someone closed it, say) as it is now.
                        api.changed();
                    }
                    let unsent = match again {
                        Some(id) => {
                            outbox.set_error(id, &e);
                            id
                        }
                        None => outbox.add(Unsent {
                            id: 0,
                            conversation: self.conv.get_value(),
                            label: match &command {
                                Command::Reply(r) => format!("Reply on {}", r.channel.label()),
                                _ => "Note".to_owned(),
                            },
                            command: command.clone(),
                            key: intent.clone(),
                            draft_key: draft,
                            text: body.clone(),
                            error: e.to_string(),
                            permanent: e.is_permanent(),
                        }),
                    };
                    self.failed.try_set(Some(Failed {
                        unsent,
                        command,
                        key: intent,
                        text: body,
                    }));
                }
            }
        });
    }

    /// Sent: what was typed after Send stays, in the box and as the draft.
    fn sent(self, draft: &str, sent_text: &str) {
        if self.key_untracked().as_deref() == Some(draft) {
            let rest = typed_after(sent_text, &self.text.get_untracked());
            keep_draft(draft, &rest);
            self.text.try_set(rest);
        } else {
            storage::remove(draft);
        }
    }

    /// The key now, or None once the composer is gone.
    fn key_untracked(self) -> Option<String> {
        let (mode, channel) = (self.mode.try_get_untracked()?, self.channel.try_get_untracked()?);
        self.conv.try_with_value(|c| draft_key(c, mode, channel))
    }
}
