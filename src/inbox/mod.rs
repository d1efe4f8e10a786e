//! Finding work: the navigation with live counts per view, and the conversation list.

mod stable;

use std::collections::HashMap;

use leptos::prelude::*;
use leptos_router::components::{Outlet, A};
use leptos_router::hooks::use_params_map;
use rapport_core::query::{ConversationSummary, View};
use rapport_core::{AgentId, ConversationId, CoreError, Status};

use crate::api::{Api, ApiError, Live, Now};
use crate::components::time::{self, duration, relative};
use crate::components::{style_px, Avatar, ChannelBadge, EmptyState, ErrorMessage, StatusPill};
use crate::routing;
use crate::search::SearchBox;
use crate::session::Session;
use crate::signin::Whoami;

fn view_title(view: &View, session: &Session) -> String {
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
    let counts = LocalResource::new(move || {
        let me = session.agent.get();
        api.revision();
        let backend = api.backend();
        async move { backend.counts(Some(me)).await }
    });
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
        let href = routing::to(&format!("/inbox/{}", view.slug()));
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
                <li><A href=routing::to("/tasks") {..} class="nav-link"><span class="nav-label">"My tasks"</span></A></li>
            </ul>
            <div class="nav-foot">
                {api.is_demo().then(|| view! { <TrialControls/> })}
                <A href=routing::to("/settings") {..} class="nav-link">
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
    let order = LocalResource::new(move || {
        let (slug, me) = screen.get();
        api.revision();
        let backend = api.backend();
        async move {
            let result = match View::from_slug(&slug) {
                Some(view) => backend.order(view, Some(me.clone())).await,
                None => Err(ApiError::Refused(CoreError::Invalid("There is no such view.".into()))),
            };
            ((slug, me), result)
        }
    });
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

/// Height of one list row in px; `.conversation-row` in the stylesheet has the same.
const ROW_HEIGHT: f64 = 96.0;
const OVERSCAN: usize = 6;

/// The rows of a view. Only the rows in sight (plus a few) are in the DOM, and only their
/// contents are read from the backend, so a view of ten thousand conversations costs what a
/// view of twenty does. Rows are keyed: a refresh rebuilds only rows whose contents changed.
/// `scroll` outlives this component, so a refresh keeps the agent's place.
#[component]
fn ConversationList(
    ids: RwSignal<Vec<ConversationId>>,
    slug: String,
    scroll: RwSignal<f64>,
    cache: RowCache,
    generation: RwSignal<u64>,
) -> impl IntoView {
    let api = Api::use_api();
    let session = Session::use_session();
    let failed = RwSignal::new(None::<ApiError>);
    let total = Memo::new(move |_| ids.with(Vec::len));
    let viewport = RwSignal::new(800.0);
    let scroller = NodeRef::<leptos::html::Div>::new();
    // Measured after layout: at mount the scroller may not have its height yet (reads 0).
    let measure = move || {
        if let Some(el) = scroller.try_get_untracked().flatten() {
            let height = f64::from(el.client_height());
            let window_height = window().inner_height().ok().and_then(|h| h.as_f64()).unwrap_or(800.0);
            viewport.try_set(if height > 0.0 { height } else { window_height });
        }
    };
    Effect::new(move |_| {
        if let Some(el) = scroller.get() {
            // Touching the scroll position or a size now would force a layout of the whole page
            // in the middle of building it (about 20 ms on the first load): only a kept place is
            // restored now, and sizes are read after the frame's own layout.
            let top = scroll.get_untracked();
            if top > 0.0 {
                el.set_scroll_top(top as i32);
            }
            request_animation_frame(measure);
        }
    });
    let resize = window_event_listener(leptos::ev::resize, move |_| measure());
    on_cleanup(move || resize.remove());
    let range = Memo::new(move |_| {
        // try_get: this may run once more while the list is disposed.
        let (top, height) = (scroll.try_get().unwrap_or(0.0), viewport.try_get().unwrap_or(800.0));
        stable::window(total.get(), top, height, ROW_HEIGHT, OVERSCAN)
    });

    // Reads the rows around what is in sight that are missing or older than the latest change.
    let loading = StoredValue::new(Vec::<ConversationId>::new());
    // Notified when a read comes back older than the order now on screen, so its rows are read
    // again at once instead of showing old contents until the next change.
    let outdated = Trigger::new();
    Effect::new(move |_| {
        outdated.track();
        let revision = generation.get();
        let (start, end) = range.get();
        if start >= end {
            return;
        }
        let len = ids.with(Vec::len);
        let (from, to) = ((start / PAGE * PAGE).min(len), (end.div_ceil(PAGE) * PAGE).min(len));
        let wanted: Vec<ConversationId> = ids.with(|all| {
            cache.with_untracked(|c| {
                all[from..to]
                    .iter()
                    .filter(|id| c.get(*id).is_none_or(|(r, _)| *r < revision))
                    .filter(|id| loading.with_value(|l| !l.contains(*id)))
                    .cloned()
                    .collect()
            })
        });
        if wanted.is_empty() {
            return;
        }
        // What a pruned cache keeps: the rows around the viewport, fresh or not.
        let around = ids.with_untracked(|all| all[from..to].to_vec());
        loading.update_value(|l| l.extend(wanted.iter().cloned()));
        let backend = api.backend();
        leptos::task::spawn_local(async move {
            let result = backend.summaries(wanted.clone()).await;
            loading.try_update_value(|l| l.retain(|id| !wanted.contains(id)));
            match result {
                Ok(rows) => {
                    failed.try_set(None);
                    cache.try_update(|c| {
                        if c.len() > CACHE_MAX {
                            c.retain(|id, _| around.contains(id));
                        }
                        let mut rows = rows;
                        for id in wanted {
                            let row = rows
                                .iter()
                                .position(|r| r.conversation.id == id)
                                .map(|k| rows.swap_remove(k));
                            c.insert(id, (revision, row));
                        }
                    });
                    if generation.try_get_untracked().is_some_and(|g| g > revision) {
                        outdated.notify();
                    }
                }
                Err(e) => {
                    failed.try_set(Some(e));
                }
            }
        });
    });

    let visible = move || {
        let (start, end) = range.get();
        ids.with(|all| {
            (start..end.min(all.len()))
                .map(|i| (i, all[i].clone()))
                .collect::<Vec<_>>()
        })
    };
    let now = Now::use_now();
    let row_view = move |(i, id): (usize, ConversationId)| {
        let row = Memo::new(move |_| cache.with(|c| c.get(&id).map(|(_, r)| r.clone())));
        let slug = slug.clone();
        view! {
            <li class="conversation-row" data-testid="conversation-row" style=style_px("top", i as f64 * ROW_HEIGHT)
                aria-posinset=i + 1 aria-setsize=move || total.get()>
                {move || match row.get() {
                    Some(Some(row)) => row_content(row, &slug, now.get(), session).into_any(),
                    Some(None) => view! {
                        <div class="row-placeholder row-unavailable">"This conversation cannot be shown here. It may have moved, or come from a newer server."</div>
                    }.into_any(),
                    None => view! { <div class="row-placeholder" aria-busy="true">"Loading…"</div> }.into_any(),
                }}
            </li>
        }
    };
    view! {
        // Rows that could not be read: say so where the agent looks; Try again reads them again.
        {move || failed.get().map(|error| view! { <ErrorMessage error/> })}
        {move || (total.get() == 0).then(|| view! { <EmptyState title="Nothing here" hint="No conversations in this view right now."/> })}
        <div class="conversation-scroller" node_ref=scroller class:empty=move || total.get() == 0
            on:scroll=move |_| {
                if let Some(el) = scroller.try_get_untracked().flatten() {
                    scroll.try_set(f64::from(el.scroll_top()));
                }
            }>
            <ul class="conversation-list" role="list" data-testid="conversation-list" data-count=move || total.get()
                style=move || style_px("height", total.get() as f64 * ROW_HEIGHT)>
                // Keyed by place and id: a row that moves is rebuilt at its new place.
                <For each=visible key=|(i, id)| (*i, id.clone()) children=row_view/>
            </ul>
        </div>
    }
}

fn row_content(
    row: ConversationSummary,
    slug: &str,
    now: chrono::DateTime<chrono::Utc>,
    session: Session,
) -> impl IntoView {
    let conv = row.conversation.clone();
    let href = routing::to(&format!(
        "/inbox/{slug}/{}",
        routing::segment(conv.customer_id.as_str())
    ));
    let waiting = conv.customer_waiting_since.map(|t| duration(now - t));
    let assignee = conv.assignee.agent_id.as_ref().map(|a| session.agent_name(a));
    let topics: Vec<String> = conv.topic_ids.iter().map(|t| session.topic_name(t)).collect();
    let age = conv.last_activity_at.map(|t| relative(now, t)).unwrap_or_default();
    let due = row
        .next_task_due
        .filter(|d| *d <= now + chrono::Duration::hours(24))
        .map(|d| time::due(now, d));
    view! {
        <A href={href} {..} class="row-link">
            <Avatar name=row.customer_name.clone()/>
            <div class="row-main">
                <div class="row-top">
                    <span class="customer-name">{row.customer_name.clone()}</span>
                    <span class="assignee">{assignee.unwrap_or_else(|| "Unassigned".into())}</span>
                    <span class="age">{age}</span>
                </div>
                <p class="preview">{row.preview.clone()}</p>
                <div class="row-meta">
                    <StatusPill status=conv.status/>
                    {conv.channels.into_iter().map(|c| view! { <ChannelBadge channel=c/> }).collect_view()}
                    // Not "Waiting": that is a status (the agent replied), and this is the opposite.
                    {waiting.map(|w| view! { <span class="reason waiting" title="How long the customer has waited for an answer">"Unanswered " {w}</span> })}
                    {(conv.reopen_count > 0 && conv.status != Status::Closed).then(|| view! { <span class="reason reopened">"Reopened"</span> })}
                    {due.map(|d| view! { <span class="reason due">"Task " {d}</span> })}
                    {topics.into_iter().map(|t| view! { <span class="topic">{t}</span> }).collect_view()}
                </div>
            </div>
        </A>
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

/// Demo-only controls for trials: the simulated clock, acting as another agent, reset.
#[component]
fn TrialControls() -> impl IntoView {
    let api = Api::use_api();
    let session = Session::use_session();
    let toasts = crate::components::toast::Toasts::use_toasts();
    let clock = move || {
        api.revision();
        let offset = api.backend().clock_offset();
        if offset.is_zero() {
            "Demo clock: real time".to_owned()
        } else {
            format!("Demo clock: +{}", duration(offset))
        }
    };
    let advance = move |hours: i64| {
        leptos::task::spawn_local(async move {
            match api.backend().advance_clock(chrono::Duration::hours(hours)).await {
                Ok(_) => {
                    api.changed();
                    toasts.info(format!("Moved the demo clock {hours} h ahead."));
                }
                Err(e) => toasts.error(format!("Could not move the clock: {e}")),
            }
        });
    };
    view! {
        <details class="trial">
            <summary>"Trial controls"</summary>
            <p class="hint" data-testid="demo-clock">{clock}</p>
            <div class="trial-buttons">
                <button class="btn small" on:click=move |_| advance(1)>"+1 h"</button>
                <button class="btn small" on:click=move |_| advance(24)>"+1 day"</button>
                <button class="btn small" on:click=move |_| advance(72)>"+3 days"</button>
            </div>
            <label class="field">
                <span class="hint">"Act as"</span>
                <select aria-label="Act as agent" prop:value=move || session.agent.get().to_string()
                    on:change:target=move |ev| session.agent.set(rapport_core::AgentId::from(ev.target().value()))>
                    {move || session.directory.with(|d| d.agents.iter().map(|a| view! { <option value=a.id.to_string()>{a.name.clone()}</option> }).collect_view())}
                </select>
            </label>
        </details>
    }
}
