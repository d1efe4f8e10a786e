//! Finding work: the navigation with live counts per view, and the conversation list.

mod stable;

use leptos::prelude::*;
use leptos_router::components::{Outlet, A};
use leptos_router::hooks::use_params_map;
use rapport_core::query::{ConversationSummary, View};
use rapport_core::{AgentId, ConversationId, CoreError, Status};

use crate::api::{Api, ApiError, Live};
use crate::components::time::{duration, relative};
use crate::components::{Avatar, ChannelBadge, EmptyState, ErrorNotice, StatusPill};
use crate::routing;
use crate::search::SearchBox;
use crate::session::Session;

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
    let link = move |view: View| {
        let href = routing::to(&format!("/inbox/{}", view.slug()));
        let title = view_title(&view, &session);
        view! {
            <li>
                <A href={href} {..} class="nav-link">
                    <span class="nav-label">{title}</span>
                    <span class="count" aria-label="conversations">{count_of(view)}</span>
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
                {move || session.directory.with(|d| d.inboxes.iter().map(|i| View::Inbox(i.id.clone())).collect::<Vec<_>>()).into_iter().map(link).collect_view()}
            </ul>
            <ul class="nav-list">
                <li><A href=routing::to("/tasks") {..} class="nav-link"><span class="nav-label">"My tasks"</span></A></li>
            </ul>
            <div class="nav-foot">
                {api.demo().is_some().then(|| view! { <TrialControls/> })}
                <A href=routing::to("/settings") {..} class="nav-link">
                    <span class="nav-label">"Settings"</span>
                </A>
                <p class="whoami">{move || session.me().map(|a| a.name).unwrap_or_default()}</p>
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

#[component]
pub fn InboxLayout() -> impl IntoView {
    let api = Api::use_api();
    let session = Session::use_session();
    let params = use_params_map();
    let slug = Memo::new(move |_| params.read().get("view").unwrap_or_default());
    let rows = LocalResource::new(move || {
        let view = View::from_slug(&slug.get());
        let me = session.agent.get();
        api.revision();
        let backend = api.backend();
        async move {
            let view = view.ok_or_else(|| ApiError::Refused(CoreError::Invalid("There is no such view.".into())))?;
            backend.list(view, Some(me)).await
        }
    });
    // The ids on screen for (view, agent), so a refresh does not reorder them; see `stable`.
    let pinned = StoredValue::new(((String::new(), AgentId::from("")), Vec::<ConversationId>::new()));
    let apply = Trigger::new();
    let scroll = RwSignal::new(0.0);
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
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading conversations…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorNotice errors/> }>
                    {move || {
                        apply.track();
                        Suspend::new(async move {
                            let fresh = rows.await?;
                            let screen = (slug.get_untracked(), session.agent.get_untracked());
                            // A new view (or agent) starts from the fresh order.
                            let shown = pinned.with_value(|(k, ids)| if *k == screen { ids.clone() } else { Vec::new() });
                            if shown.is_empty() {
                                scroll.set(0.0);
                            }
                            let (rows, held) = stable::stabilize(&shown, fresh, |r| r.conversation.id.clone());
                            pinned.set_value((screen, rows.iter().map(|r| r.conversation.id.clone()).collect()));
                            Ok::<_, ApiError>(view! {
                                {(held > 0).then(|| view! {
                                    <button class="new-arrivals" data-testid="new-arrivals" on:click=move |_| {
                                        pinned.update_value(|(_, ids)| ids.clear());
                                        apply.notify();
                                    }>{format!("{held} new: show")}</button>
                                })}
                                <ConversationList rows slug=slug.get_untracked() scroll/>
                            })
                        })
                    }}
                </ErrorBoundary>
            </Transition>
        </section>
        <Outlet/>
    }
}

/// Height of one list row in px; `.conversation-row` in the stylesheet has the same.
const ROW_HEIGHT: f64 = 96.0;
const OVERSCAN: usize = 6;

/// The rows of a view. Only the rows in sight (plus a few) are in the DOM, so a view of ten
/// thousand conversations costs what a view of twenty does. `scroll` outlives this component, so
/// a refresh keeps the agent's place.
#[component]
fn ConversationList(rows: Vec<ConversationSummary>, slug: String, scroll: RwSignal<f64>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <EmptyState title="Nothing here" hint="No conversations in this view right now."/> }.into_any();
    }
    let api = Api::use_api();
    let session = Session::use_session();
    let now = api.now();
    let total = rows.len();
    // Plain shared data, not a StoredValue: closures here may run once more while a refresh
    // replaces this list, and must not touch a disposed reactive value.
    let rows = std::sync::Arc::new(rows);
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
            el.set_scroll_top(scroll.get_untracked() as i32);
            measure();
            request_animation_frame(measure);
        }
    });
    let resize = window_event_listener(leptos::ev::resize, move |_| measure());
    on_cleanup(move || resize.remove());
    let visible = move || {
        // try_get: this may run once more while a refresh disposes the list.
        let (top, height) = (scroll.try_get().unwrap_or(0.0), viewport.try_get().unwrap_or(800.0));
        let (start, end) = stable::window(total, top, height, ROW_HEIGHT, OVERSCAN);
        (start..end).collect::<Vec<usize>>()
    };
    let key_rows = rows.clone();
    let row_view = move |i: usize| {
        let row = rows[i].clone();
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
            .map(|d| relative(now, d));
        view! {
            <li class="conversation-row" data-testid="conversation-row" style=format!("top: {}px", i as f64 * ROW_HEIGHT)
                aria-posinset=i + 1 aria-setsize=total>
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
                            {waiting.map(|w| view! { <span class="reason waiting" title="Customer waiting">"Waiting " {w}</span> })}
                            {(conv.reopen_count > 0 && conv.status != Status::Closed).then(|| view! { <span class="reason reopened">"Reopened"</span> })}
                            {due.map(|d| view! { <span class="reason due">"Task due " {d}</span> })}
                            {topics.into_iter().map(|t| view! { <span class="topic">{t}</span> }).collect_view()}
                        </div>
                    </div>
                </A>
            </li>
        }
    };
    view! {
        <div class="conversation-scroller" node_ref=scroller
            on:scroll=move |_| {
                if let Some(el) = scroller.try_get_untracked().flatten() {
                    scroll.try_set(f64::from(el.scroll_top()));
                }
            }>
            <ul class="conversation-list" role="list" data-testid="conversation-list" data-count=total
                style=format!("height: {}px", total as f64 * ROW_HEIGHT)>
                <For each=visible key=move |i| key_rows.get(*i).map(|r| r.conversation.id.clone()) children=row_view/>
            </ul>
        </div>
    }
    .into_any()
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
        let offset = api.demo().map(|d| d.clock_offset()).unwrap_or_default();
        if offset.is_zero() {
            "Demo clock: real time".to_owned()
        } else {
            format!("Demo clock: +{}", duration(offset))
        }
    };
    let advance = move |hours: i64| {
        if let Some(demo) = api.demo() {
            demo.advance_clock(chrono::Duration::hours(hours));
            api.changed();
            toasts.info(format!("Moved the demo clock {hours} h ahead."));
        }
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
                    on:change:target=move |ev| session.agent.set(rapport_core::AgentId(ev.target().value()))>
                    {move || session.directory.with(|d| d.agents.iter().map(|a| view! { <option value=a.id.to_string()>{a.name.clone()}</option> }).collect_view())}
                </select>
            </label>
        </details>
    }
}
