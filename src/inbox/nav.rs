//! The navigation: every view with its live count, search, who is signed in, trial controls.

use leptos::prelude::*;
use leptos_router::components::A;
use rapport_core::query::View;

use crate::api::{Api, Live};
use crate::routing::Route;
use crate::search::SearchBox;
use crate::session::Session;
use crate::signin::Whoami;

use super::trial::TrialControls;

pub(super) fn view_title(view: &View, session: &Session) -> String {
    match view {
        View::Mine => "Mine".into(),
        View::Status(s) => s.label().into(),
        View::Inbox(id) => session.inbox_name(id),
    }
}

#[component]
pub fn Nav() -> impl IntoView {
    let api = Api::use_api();
    let session = Session::use_session();
    let counts = api.read(
        move || session.agent.get(),
        |backend, me| async move { backend.counts(Some(me)).await },
    );
    let count_of = move |view: View| {
        move || {
            counts
                .get()
                .and_then(|c| c.ok())
                .map(|c| c.for_view(&view).to_string())
                .unwrap_or_default()
        }
    };
    // A signed-in agent's counts name only the inboxes they belong to (supervisors: all); the
    // others are left out. A memo, so the list is rebuilt only when that set changes.
    let shown = Memo::new(move |_| {
        let counted = counts.get().and_then(|c| c.ok());
        session.directory.with(|d| {
            d.inboxes
                .iter()
                .filter(|i| counted.as_ref().is_none_or(|c| c.by_inbox.contains_key(&i.id)))
                .map(|i| i.id.clone())
                .collect::<Vec<_>>()
        })
    });
    let link = move |view: View| {
        let href = Route::View(&view.slug()).href();
        let title = view_title(&view, &session);
        view! {
            <li>
                <A href={href} {..} class="nav-link">
                    <span class="nav-label">{title}</span>
                    <span class="count">{count_of(view)}</span>
                    // Text, not an aria-label: a label would hide the number it labels.
                    <span class="sr-only">" conversations"</span>
                </A>
            </li>
        }
    };
    view! {
        <nav class="nav" aria-label="Views">
            <div class="brand">
                <span class="logo" aria-hidden="true">"◐"</span>
                <span class="brand-name">"Rapport"</span>
            </div>
            <SearchBox/>
            <h2 class="nav-heading">"Conversations"</h2>
            <ul class="nav-list">{View::standard().into_iter().map(link).collect_view()}</ul>
            <h2 class="nav-heading">"Inboxes"</h2>
            <ul class="nav-list">
                {move || shown.get().into_iter().map(View::Inbox).map(link).collect_view()}
            </ul>
            <ul class="nav-list">
                <li><A href=Route::Tasks.href() {..} class="nav-link"><span class="nav-label">"My tasks"</span></A></li>
            </ul>
            <div class="nav-foot">
                {api.is_demo().then(|| view! { <TrialControls/> })}
                <A href=Route::Settings.href() {..} class="nav-link">
                    <span class="nav-label">"Settings"</span>
                </A>
                <p class="whoami"><Whoami/></p>
                {move || {
                    let live = api.live.get();
                    (live != Live::Local).then(|| view! {
                        <p class=format!("live live-{}", format!("{live:?}").to_lowercase()) role="status" data-testid="live">
                            <span class="dot" aria-hidden="true"></span>{live.label()}
                        </p>
                    })
                }}
            </div>
        </nav>
    }
}
