//! Replies and notes that failed to send. They stay in the timeline as "Not sent" with Retry, and
//! their text stays in the draft store, so a failing backend never loses what the agent wrote.
//! Each keeps the idempotency key of its first attempt, so Retry (however often pressed, and
//! whether or not the first attempt in fact arrived) never sends it twice.

use leptos::prelude::*;
use leptos::task::spawn_local;
use rapport_core::{Command, ConversationId};

use crate::api::{storage, Api, ApiError};
use crate::components::toast::Toasts;

#[derive(Clone, Debug, PartialEq)]
pub struct Unsent {
    pub id: u64,
    pub conversation: ConversationId,
    pub command: Command,
    /// The idempotency key every attempt of this send carries.
    pub key: String,
    /// Where its text is kept as a draft, cleared once it goes through.
    pub draft_key: String,
    pub text: String,
    pub label: String,
    pub error: String,
    /// The backend refused it by a rule: Retry could never work, so none is offered.
    pub permanent: bool,
}

#[derive(Clone, Copy)]
pub struct Outbox {
    list: RwSignal<Vec<Unsent>>,
    next: StoredValue<u64>,
    /// Sends that went through after failing, so the composer that wrote them can clear itself.
    delivered: RwSignal<Vec<u64>>,
    /// Sends being retried now: a second press waits for the first.
    in_flight: StoredValue<Vec<u64>>,
}

impl Outbox {
    pub fn provide() -> Outbox {
        let outbox = Outbox {
            list: RwSignal::new(Vec::new()),
            next: StoredValue::new(0),
            delivered: RwSignal::new(Vec::new()),
            in_flight: StoredValue::new(Vec::new()),
        };
        provide_context(outbox);
        outbox
    }

    pub fn use_outbox() -> Outbox {
        expect_context::<Outbox>()
    }

    /// Keeps a failed send; its id.
    pub fn add(&self, mut unsent: Unsent) -> u64 {
        let id = self.next.get_value() + 1;
        self.next.set_value(id);
        unsent.id = id;
        self.list.update(|l| l.push(unsent));
        id
    }

    fn remove(&self, id: u64) {
        self.list.update(|l| l.retain(|u| u.id != id));
    }

    /// It went through (by Retry, or sent again from the composer).
    pub fn delivered(&self, id: u64) {
        self.remove(id);
        self.delivered.update(|d| d.push(id));
    }

    /// Whether it is still waiting to be sent (tracked: a composer follows it).
    pub fn is_waiting(&self, id: u64) -> bool {
        self.list.with(|l| l.iter().any(|u| u.id == id))
    }

    pub fn was_delivered(&self, id: u64) -> bool {
        self.delivered.with_untracked(|d| d.contains(&id))
    }

    pub fn set_error(&self, id: u64, error: &ApiError) {
        self.list.update(|l| {
            if let Some(u) = l.iter_mut().find(|u| u.id == id) {
                u.error = error.to_string();
                u.permanent = error.is_permanent();
            }
        });
    }

    /// Sends it again; on success it leaves the outbox and its draft is cleared.
    pub fn retry(&self, api: Api, toasts: Toasts, id: u64) {
        let outbox = *self;
        let Some(unsent) = self.list.with_untracked(|l| l.iter().find(|u| u.id == id).cloned()) else {
            return;
        };
        if self.in_flight.with_value(|f| f.contains(&id)) {
            return;
        }
        self.in_flight.update_value(|f| f.push(id));
        spawn_local(async move {
            let result = api.execute_once(unsent.command.clone(), &unsent.key).await;
            outbox.in_flight.update_value(|f| f.retain(|x| *x != id));
            match result {
                Ok(_) => {
                    outbox.delivered(id);
                    if storage::get(&unsent.draft_key).as_deref() == Some(unsent.text.as_str()) {
                        storage::remove(&unsent.draft_key);
                    }
                    toasts.info("Sent.");
                }
                Err(e) => {
                    outbox.set_error(id, &e);
                    if e.is_permanent() {
                        // What the refusal contradicts (a status, an owner) is shown as it is now.
                        api.changed();
                    }
                }
            }
        });
    }
}

/// The failed sends of these conversations, at the end of the timeline.
#[component]
pub fn UnsentItems(#[prop(into)] conversations: Signal<Vec<ConversationId>>) -> impl IntoView {
    let outbox = Outbox::use_outbox();
    let api = Api::use_api();
    let toasts = Toasts::use_toasts();
    let mine = move || {
        outbox
            .list
            .get()
            .into_iter()
            .filter(|u| conversations.with(|c| c.contains(&u.conversation)))
            .collect::<Vec<_>>()
    };
    view! {
        <For each=mine key=|u| (u.id, u.error.clone(), u.permanent) let:u>
            <article class="item unsent" data-testid="unsent">
                <div class="message outbound">
                    <div class="item-meta"><span class="author">{u.label.clone()}</span><span class="unsent-mark">"Not sent"</span></div>
                    <p class="text">{u.text.clone()}</p>
                    <p class="composer-error" role="alert">{u.error.clone()}</p>
                    <div class="trial-buttons">
                        {(!u.permanent).then(|| view! { <button class="btn small primary" on:click=move |_| outbox.retry(api, toasts, u.id)>"Retry"</button> })}
                        <button class="btn small" on:click=move |_| outbox.remove(u.id)>"Discard"</button>
                    </div>
                </div>
            </article>
        </For>
    }
}
