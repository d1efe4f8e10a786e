//! The lifelong timeline. Items are grouped into chapters, one per conversation; past chapters
//! are folded, the current one open. The timeline is virtualized: only the rows in sight (plus
//! overscan) are in the DOM, each measured once rendered, so a customer with thousands of items
//! opens as fast as one with ten. Rows are keyed, so a refresh adds or rebuilds only the rows
//! that changed. Everything from customers or servers is rendered as text nodes, never as HTML.

use std::collections::HashMap;
use std::sync::Arc;

use leptos::html;
use leptos::prelude::*;
use rapport_core::{ConversationId, TimelineItem};

mod earlier;
mod geometry;
mod head;
mod item;
mod rows;
mod tools;

use earlier::Earlier;
use geometry::Geometry;
use head::HeadState;
use item::{Item, Place};
use rows::{Layout, Shared};

use super::history;
use super::layout::{self, Row};
use super::outbox::UnsentItems;
use super::Shown;
use crate::api::{Api, CustomerPage};
use crate::components::style_px;
use crate::components::time::Zone;
use crate::session::Session;

/// Rendered above and below the viewport, in px, so quick scrolls find rows ready.
const OVERSCAN: f64 = 800.0;
/// Within this many px of the end counts as "at the bottom": new items keep it in view.
const STICK: f64 = 40.0;

#[component]
pub fn Timeline(shown: Shown, first: Arc<CustomerPage>, customer_name: Memo<String>) -> impl IntoView {
    let session = Session::use_session();
    let offset = Zone::local();
    // Folds the agent changed, by conversation; the rest follow the default (current open).
    let folds = RwSignal::new(HashMap::<ConversationId, bool>::new());
    let layout = Memo::new(move |_| {
        let page = shown.get().unwrap_or_else(|| first.clone());
        Shared(Arc::new(folds.with(|f| Layout::build(page, f))))
    });
    let heights = StoredValue::new(HashMap::<String, f64>::new());
    let measured = Trigger::new();
    let offsets = Memo::new(move |_| {
        measured.track();
        let l = layout.get().0;
        heights.with_value(|h| {
            layout::offsets(
                l.rows
                    .iter()
                    .map(|&r| h.get(&l.size_key(r)).copied().unwrap_or_else(|| Layout::estimate(r))),
            )
        })
    });
    // Starts at the bottom: agents read from the latest message up.
    let scroll_top = RwSignal::new(f64::INFINITY);
    let viewport = RwSignal::new(600.0);
    let range = Memo::new(move |_| offsets.with(|o| layout::window(o, scroll_top.get(), viewport.get(), OVERSCAN)));
    let container = NodeRef::<html::Section>::new();
    let geometry = Geometry {
        container,
        heights,
        measured,
        offsets,
        layout,
        viewport,
        stick: StoredValue::new(true),
        // A row to bring to `delta` px above the top, re-aligned for a few frames while heights settle.
        jump: StoredValue::new(None),
        // Set from a layout change until its rows are measured and hold still.
        settling: StoredValue::new(true),
        // Set while the view is put back on its rows after an earlier page went in front of them.
        placing: RwSignal::new(false),
    };
    Effect::new(move |_| {
        range.track();
        offsets.track();
        if container.get().is_some() {
            geometry.settling.set_value(true);
            geometry.remeasure();
        }
    });
    let resize = window_event_listener(leptos::ev::resize, move |_| geometry.remeasure());
    on_cleanup(move || resize.remove());

    let earlier = Earlier::new(shown, Api::use_api(), geometry);
    // The agent scrolled up to the first loaded row: read the page before it. Only on the
    // agent's own scroll: a jump, or putting a page in front (which moves the view), reads none.
    let near_top = move || {
        let at_top = range.with_untracked(|r| r.0 == 0);
        let more = layout.with_untracked(|l| l.0.page.earlier.is_some());
        let g = geometry;
        let agent = !g.stick.get_value() && !g.placing.get_untracked() && g.jump.get_value().is_none();
        if at_top && more && agent && earlier.idle() {
            earlier.one_page(None);
        }
    };

    let visible = move || {
        let l = layout.get().0;
        let (start, end) = range.get();
        (start..end)
            .filter_map(|i| {
                l.rows
                    .get(i)
                    .map(|&r| (l.dom_key(r), l.size_key(r), Shared(l.clone()), r))
            })
            .collect::<Vec<_>>()
    };
    let pad_top = move || style_px("height", offsets.with(|o| o[range.get().0.min(o.len() - 1)]));
    let pad_bottom = move || {
        style_px(
            "height",
            offsets.with(|o| o[o.len() - 1] - o[range.get().1.min(o.len() - 1)]),
        )
    };
    // The whole timeline's length, loaded or not.
    let total_items = Memo::new(move |_| {
        shown.with(|p| {
            p.as_ref()
                .map_or(0, |p| history::older(p).unwrap_or(0) + p.timeline.len())
        })
    });
    let conversations = Memo::new(move |_| {
        shown.with(|p| {
            p.as_ref()
                .map(|p| p.conversations.iter().map(|c| c.id.clone()).collect::<Vec<_>>())
                .unwrap_or_default()
        })
    });
    let toggle = move |id: ConversationId, open: bool| {
        // The chapter stays where the agent clicked it instead of the view following the end.
        geometry.stick.set_value(false);
        folds.update(|f| {
            f.insert(id, !open);
        })
    };
    let row_view = move |(_, size_key, l, row): (String, String, Shared, Row)| {
        let ctx = RowContext {
            session,
            offset,
            toggle,
            customer_name,
            total_items,
        };
        row_view(&l.0, row, size_key, ctx)
    };
    view! {
        {tools::tools(shown, geometry, earlier, folds)}
        <section class="timeline" data-testid="timeline" aria-label="Timeline" node_ref=container
            data-items=move || total_items.get()
            on:scroll=move |_| {
                if let Some(el) = container.try_get_untracked().flatten() {
                    let top = f64::from(el.scroll_top());
                    let at_bottom = top + f64::from(el.client_height()) >= f64::from(el.scroll_height()) - STICK;
                    // While rows are being measured, scroll anchoring and clamping move the
                    // position too; only a scroll outside that leaves the bottom.
                    if at_bottom {
                        geometry.stick.set_value(true);
                    } else if !geometry.settling.get_value() {
                        geometry.stick.set_value(false);
                    }
                    scroll_top.try_set(top);
                    near_top();
                }
            }

            // A click may open an original email or change a row's height some other way.
            on:click=move |_| geometry.remeasure()>
            <div class="timeline-pad" aria-hidden="true" style=pad_top></div>
            <For each=visible key=|(key, ..)| key.clone() children=row_view/>
            <div class="timeline-pad" aria-hidden="true" style=pad_bottom></div>
            <UnsentItems conversations/>
        </section>
    }
}

/// What every row of the timeline is rendered with.
struct RowContext<T> {
    session: Session,
    offset: Zone,
    toggle: T,
    customer_name: Memo<String>,
    total_items: Memo<usize>,
}

/// One row: a chapter's head, or an item (inside its chapter or between chapters).
fn row_view<T: Fn(ConversationId, bool) + Copy + 'static>(
    l: &Layout,
    row: Row,
    size_key: String,
    ctx: RowContext<T>,
) -> AnyView {
    match row {
        Row::Head(n) => {
            let Some(conv) = l.chapters[n].conversation.map(|c| l.page.conversations[c].clone()) else {
                return ().into_any();
            };
            let state = HeadState {
                open: l.open[n],
                current: l.current[n],
                size_key,
            };
            head::head(conv, state, ctx.session, ctx.offset, ctx.toggle).into_any()
        }
        Row::Item(i) => {
            let n = l.chapter_of[i];
            let in_chapter = l.chapters[n].conversation.is_some();
            let place = Place {
                pos: l.older + i + 1,
                in_chapter,
                current: in_chapter && l.current[n],
                chapter_end: in_chapter && i + 1 == l.chapters[n].end,
                size_key,
            };
            let total = ctx.total_items;
            view! {
                <Item item=TimelineItem::clone(&l.page.timeline[i]) customer_name=ctx.customer_name.get_untracked()
                    before=l.before[i] place total/>
            }
            .into_any()
        }
    }
}
