//! Finding work: the navigation with live counts per view, and the conversation list.

mod list;
mod nav;
mod stable;
mod trial;

use list::ConversationList;
use nav::view_title;
pub use nav::Nav;

use std::collections::HashMap;

use leptos::prelude::*;
use leptos_router::components::Outlet;
use leptos_router::hooks::use_params_map;
use rapport_core::query::{ConversationSummary, View};
use rapport_core::{AgentId, ConversationId, CoreError};

use crate::api::{Api, ApiError};
use crate::components::{EmptyState, ErrorMessage};
use crate::session::Session;

/// List rows already read, with the revision they were read at. Shared by the views so going
/// back to one shows its rows at once; a row read before the latest refresh of the order is read
/// again when it comes into sight, and shows its old contents until then.
/// `None`: the backend has no readable row for that id (gone, or from a newer server).
type RowCache = RwSignal<HashMap<ConversationId, (u64, Option<ConversationSummary>)>>;

/// Rows are read in pages of this many around what is in sight.
const PAGE: usize = 50;
/// Above this many cached rows, rows out of sight are dropped.
const CACHE_MAX: usize = 2_000;

#[component]
pub fn InboxLayout() -> impl IntoView {
    let api = Api::use_api();
    let session = Session::use_session();
    let params = use_params_map();
    let slug = Memo::new(move |_| params.read().get("view").unwrap_or_default());
    let screen = Memo::new(move |_| (slug.get(), session.agent.get()));
    // The view's order only: cheap even for ten thousand conversations.
    let order = api.read(
        move || screen.get(),
        |backend, (slug, me)| async move {
            let result = match View::from_slug(&slug) {
                Some(view) => backend.order(view, Some(me.clone())).await,
                None => Err(ApiError::Refused(CoreError::Invalid("There is no such view.".into()))),
            };
            ((slug, me), result)
        },
    );
    // What is on screen, for which (view, agent); see `stable` for why it is pinned.
    let ids = RwSignal::new(Vec::<ConversationId>::new());
    let shown_for = RwSignal::new(None::<(String, AgentId)>);
    let latest = StoredValue::new(Vec::<ConversationId>::new());
    let held = RwSignal::new(0usize);
    let failed = RwSignal::new(None::<((String, AgentId), ApiError)>);
    let cache: RowCache = RwSignal::new(HashMap::new());
    // Bumped by every order read: rows read before it are stale. Counting order reads (not
    // writes) means rows are read after the order of the same refresh, never before it.
    let generation = RwSignal::new(0u64);
    let scroll = RwSignal::new(0.0);
    Effect::new(move |_| {
        let Some((for_screen, result)) = order.get() else {
            return;
        };
        match result {
            Ok(fresh) => {
                let same = shown_for.with_untracked(|s| s.as_ref() == Some(&for_screen));
                let (rows, new) = if same {
                    let (rows, new) =
                        ids.with_untracked(|shown| stable::stabilize(shown, fresh.clone(), |id| id.clone()));
                    // Kept only for "N new: show".
                    latest.set_value(if new > 0 { fresh } else { Vec::new() });
                    (rows, new)
                } else {
                    // Another view (or agent) starts from the fresh order, at the top.
                    scroll.set(0.0);
                    latest.set_value(Vec::new());
                    (fresh, 0)
                };
                generation.update(|g| *g += 1);
                failed.set(None);
                held.set(new);
                ids.set(rows);
                if !same {
                    shown_for.set(Some(for_screen));
                }
            }
            Err(e) => failed.set(Some((for_screen, e))),
        }
    });
    let on_screen = Memo::new(move |_| shown_for.get().filter(|s| *s == screen.get()).map(|(slug, _)| slug));
    let error = move || failed.get().filter(|(s, _)| *s == screen.get()).map(|(_, e)| e);
    let title = move || {
        View::from_slug(&slug.get())
            .map(|v| view_title(&v, &session))
            .unwrap_or_default()
    };
    view! {
        <section class="list-pane" aria-labelledby="list-title">
            <header class="pane-header">
                <h1 id="list-title">{title}</h1>
            </header>
            {move || match on_screen.get() {
                Some(slug) => view! {
                    {move || error().map(|error| view! { <ErrorMessage error/> })}
                    {move || (held.get() > 0).then(|| view! {
                        <button class="new-arrivals" data-testid="new-arrivals" on:click=move |_| {
                            ids.set(latest.get_value());
                            held.set(0);
                        }>{format!("{} new: show", held.get())}</button>
                    })}
                    <ConversationList ids slug scroll cache generation/>
                }
                .into_any(),
                None => match error() {
                    Some(error) => view! { <ErrorMessage error/> }.into_any(),
                    None => view! { <p class="loading" role="status">"Loading conversations…"</p> }.into_any(),
                },
            }}
        </section>
        <Outlet/>
    }
}

#[component]
pub fn NoSelection() -> impl IntoView {
    view! {
        <main class="workspace no-selection" id="workspace">
            <EmptyState title="Pick a conversation" hint="Choose a customer on the left to see their whole history."/>
        </main>
    }
}
