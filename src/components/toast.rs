//! Short messages after an action, with Undo where the action can be reversed, and errors that
//! stay until dismissed.

use std::time::Duration;

use leptos::prelude::*;
use rapport_core::Command;

use crate::api::Api;

#[derive(Clone, Debug, PartialEq)]
pub struct Toast {
    id: u64,
    text: String,
    error: bool,
    undo: Option<Command>,
}

#[derive(Clone, Copy)]
pub struct Toasts {
    list: RwSignal<Vec<Toast>>,
    next: StoredValue<u64>,
}

/// How long a success message (and its Undo) stays.
const SHOWN_FOR: Duration = Duration::from_secs(6);

impl Toasts {
    pub fn provide() -> Toasts {
        let toasts = Toasts {
            list: RwSignal::new(Vec::new()),
            next: StoredValue::new(0),
        };
        provide_context(toasts);
        toasts
    }

    pub fn use_toasts() -> Toasts {
        expect_context::<Toasts>()
    }

    fn push(&self, text: String, error: bool, undo: Option<Command>) {
        let id = self.next.get_value() + 1;
        self.next.set_value(id);
        self.list.update(|l| {
            // Two at most: a stack of older messages would cover the desk for little news.
            l.push(Toast { id, text, error, undo });
            if l.len() > 2 {
                l.remove(0);
            }
        });
        if !error {
            let list = self.list;
            set_timeout(move || list.update(|l| l.retain(|t| t.id != id)), SHOWN_FOR);
        }
    }

    pub fn info(&self, text: impl Into<String>) {
        self.push(text.into(), false, None);
    }

    pub fn with_undo(&self, text: impl Into<String>, undo: Command) {
        self.push(text.into(), false, Some(undo));
    }

    pub fn error(&self, text: impl Into<String>) {
        self.push(text.into(), true, None);
    }

    /// An Undo belongs to the agent who made the change: another agent must not be offered it.
    fn drop_undos(&self) {
        self.list.update(|l| l.retain(|t| t.undo.is_none()));
    }

    fn dismiss(&self, id: u64) {
        self.list.update(|l| l.retain(|t| t.id != id));
    }
}

#[component]
pub fn ToastHost() -> impl IntoView {
    let toasts = Toasts::use_toasts();
    let api = Api::use_api();
    let agent = crate::session::Session::use_session().agent;
    Effect::watch(move || agent.track(), move |_, _, _| toasts.drop_undos(), false);
    view! {
        <div class="toasts" aria-live="polite">
            <For each=move || toasts.list.get() key=|t| t.id let:toast>
                {
                    let id = toast.id;
                    let undo = toast.undo.clone();
                    view! {
                        <div class="toast" class:error=toast.error role=if toast.error { "alert" } else { "status" } data-testid="toast">
                            <span>{toast.text.clone()}</span>
                            {undo.map(|cmd| view! {
                                <button class="btn-link" on:click=move |_| {
                                    toasts.dismiss(id);
                                    let cmd = cmd.clone();
                                    leptos::task::spawn_local(async move {
                                        match api.execute_returning(cmd).await {
                                            Ok(_) => toasts.info("Undone."),
                                            Err(e) => toasts.error(format!("Could not undo: {e}")),
                                        }
                                    });
                                }>"Undo"</button>
                            })}
                            <button class="btn-link" aria-label="Dismiss" on:click=move |_| toasts.dismiss(id)>"✕"</button>
                        </div>
                    }
                }
            </For>
        </div>
    }
}
