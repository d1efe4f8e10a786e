//! A view's conversation list: virtualized, its rows read only when in sight.

use leptos::prelude::*;
use leptos_router::components::A;
use rapport_core::query::ConversationSummary;
use rapport_core::{ConversationId, Status};

use crate::api::{Api, ApiError, Now};
use crate::components::time::{self, duration, relative};
use crate::components::{style_px, Avatar, ChannelBadge, EmptyState, ErrorMessage, StatusPill};
use crate::routing::Route;
use crate::session::Session;

use super::{stable, RowCache, CACHE_MAX, PAGE};

/// Height of one list row in px; `.conversation-row` in the stylesheet has the same.
const ROW_HEIGHT: f64 = 96.0;
const OVERSCAN: usize = 6;

/// The rows of a view. Only the rows in sight (plus a few) are in the DOM, and only their
/// contents are read from the backend, so a view of ten thousand conversations costs what a
/// view of twenty does. Rows are keyed: a refresh rebuilds only rows whose contents changed.
/// `scroll` outlives this component, so a refresh keeps the agent's place.
#[component]
pub(super) fn ConversationList(
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
    let href = Route::InView {
        view: slug,
        customer: conv.customer_id.as_str(),
    }
    .href();
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
