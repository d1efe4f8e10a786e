//! The lifelong timeline. Items are grouped into chapters, one per conversation; past chapters
//! are folded, the current one open. The timeline is virtualized: only the rows in sight (plus
//! overscan) are in the DOM, each measured once rendered, so a customer with thousands of items
//! opens as fast as one with ten. Rows are keyed, so a refresh adds or rebuilds only the rows
//! that changed. Everything from customers or servers is rendered as text nodes, never as HTML.

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use leptos::html;
use leptos::prelude::*;
use rapport_core::{ConversationId, ItemContent, Status, TimelineItem};

mod geometry;
mod item;

use geometry::Geometry;
use item::{Item, Place};

use super::history;
use super::layout::{self, Chapter, Row};
use super::outbox::UnsentItems;
use super::Shown;
use crate::api::{Api, ApiError, CustomerPage};
use crate::components::time::{self, day, Zone};
use crate::components::{style_px, ChannelBadge, StatusPill};
use crate::session::Session;

/// Rendered above and below the viewport, in px, so quick scrolls find rows ready.
const OVERSCAN: f64 = 800.0;
/// Within this many px of the end counts as "at the bottom": new items keep it in view.
const STICK: f64 = 40.0;

/// The page flattened into rows, rebuilt when the page or a fold changes.
struct Layout {
    page: Arc<CustomerPage>,
    chapters: Vec<Chapter>,
    open: Vec<bool>,
    current: Vec<bool>,
    rows: Vec<layout::Row>,
    /// Per item: its chapter, and the status before it within that chapter (for "reopened"):
    /// `Some(None)` at the chapter's start, None where earlier items are not loaded yet.
    chapter_of: Vec<usize>,
    before: Vec<Option<Option<Status>>>,
    /// Items before the loaded ones, so positions are the same whatever is loaded.
    older: usize,
}

impl Layout {
    fn build(page: Arc<CustomerPage>, folds: &HashMap<ConversationId, bool>) -> Layout {
        let chapters = layout::chapters(&page.timeline, &page.conversations);
        let last = page.conversations.len().checked_sub(1);
        let current: Vec<bool> = chapters
            .iter()
            .map(|ch| {
                ch.conversation
                    .is_some_and(|c| !page.conversations[c].status.is_closed() || Some(c) == last)
            })
            .collect();
        let open: Vec<bool> = chapters
            .iter()
            .zip(&current)
            .map(|(ch, cur)| match ch.conversation {
                Some(c) => folds.get(&page.conversations[c].id).copied().unwrap_or(*cur),
                None => true,
            })
            .collect();
        let rows = layout::rows(&chapters, |n, _| open[n]);
        let mut chapter_of = vec![0; page.timeline.len()];
        let mut before = vec![None; page.timeline.len()];
        for (n, ch) in chapters.iter().enumerate() {
            // The first chapter may have begun before the loaded items.
            let cut = ch.start == 0 && page.earlier.is_some();
            let mut prev = (!cut).then_some(None);
            for i in ch.start..ch.end {
                chapter_of[i] = n;
                before[i] = prev;
                if let ItemContent::ConversationStatusChange { status } = page.timeline[i].content {
                    prev = Some(Some(status));
                }
            }
        }
        let older = history::older(&page).unwrap_or(0);
        Layout {
            page,
            chapters,
            open,
            current,
            rows,
            chapter_of,
            before,
            older,
        }
    }

    /// What a row's measured height is remembered by. A head goes by its first item, not its
    /// number: earlier pages put chapters in front.
    fn size_key(&self, row: Row) -> String {
        match row {
            Row::Head(n) => format!("h{}", self.page.timeline[self.chapters[n].start].id),
            Row::Item(i) => self.page.timeline[i].id.to_string(),
        }
    }

    /// What the DOM keys a row by: a head also by its conversation's version and fold, so a
    /// change to that conversation rebuilds just its head.
    fn dom_key(&self, row: Row) -> String {
        match row {
            Row::Head(n) => {
                let version = self.chapters[n]
                    .conversation
                    .map_or(0, |c| self.page.conversations[c].version);
                format!(
                    "h{}.{version}.{}",
                    self.page.timeline[self.chapters[n].start].id, self.open[n]
                )
            }
            // The last item of a chapter is drawn closing it; it changes when one is added.
            Row::Item(i) => {
                let n = self.chapter_of[i];
                let end = self.chapters[n].conversation.is_some() && i + 1 == self.chapters[n].end;
                format!("{}{}", self.page.timeline[i].id, if end { "/end" } else { "" })
            }
        }
    }

    fn estimate(row: Row) -> f64 {
        match row {
            Row::Head(_) => layout::HEAD_ESTIMATE,
            Row::Item(_) => layout::ITEM_ESTIMATE,
        }
    }
}

/// Shares a layout between reactive values; a new layout always counts as a change.
#[derive(Clone)]
struct Shared(Arc<Layout>);

impl PartialEq for Shared {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

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
    let stick = StoredValue::new(true);
    // A row to bring to `delta` px above the top, re-aligned for a few frames while heights settle.
    let jump = StoredValue::new(None::<(String, f64, u8)>);
    // Set from a layout change until its rows are measured and hold still.
    let settling = StoredValue::new(true);
    // Set while the view is put back on its rows after an earlier page went in front of them.
    let placing = RwSignal::new(false);
    let range = Memo::new(move |_| offsets.with(|o| layout::window(o, scroll_top.get(), viewport.get(), OVERSCAN)));
    let container = NodeRef::<html::Section>::new();

    let geometry = Geometry {
        container,
        heights,
        measured,
        offsets,
        layout,
        viewport,
        stick,
        jump,
        settling,
        placing,
    };
    let remeasure = move || request_animation_frame(move || geometry.measure());
    Effect::new(move |_| {
        range.track();
        offsets.track();
        if container.get().is_some() {
            settling.set_value(true);
            remeasure();
        }
    });
    let resize = window_event_listener(leptos::ev::resize, move |_| remeasure());
    on_cleanup(move || resize.remove());

    let go_to = move |row: Row, open_conversation: Option<ConversationId>| {
        if let Some(id) = open_conversation {
            folds.update(|f| {
                f.insert(id, true);
            });
        }
        let key = layout.with_untracked(|l| l.0.size_key(row));
        stick.set_value(false);
        jump.set_value(Some((key, 0.0, 4)));
        remeasure();
    };

    // Earlier history: read a page at a time, put in front of the loaded items.
    // Outer None: nothing earlier; inner None: the backend did not say how much.
    let earlier_count =
        Memo::new(move |_| shown.with(|p| p.as_ref().filter(|p| p.earlier.is_some()).map(|p| history::older(p))));
    let api = Api::use_api();
    let loading = RwSignal::new(false);
    let load_failed = RwSignal::new(None::<ApiError>);
    // Requests waiting for the reader: a jump made while a page is being read runs after it.
    let queue = StoredValue::new_local(Vec::<(Rc<dyn Fn(&CustomerPage) -> bool>, Option<Rc<dyn Fn()>>)>::new());
    // Reads earlier pages until `enough` holds or the first item is loaded, then runs `then`.
    // The rows in sight stay where they are while pages are put in front of them.
    let load_earlier = move |enough: Rc<dyn Fn(&CustomerPage) -> bool>, then: Option<Rc<dyn Fn()>>| {
        queue.update_value(|q| q.push((enough, then)));
        if loading.get_untracked() {
            return;
        }
        loading.set(true);
        load_failed.set(None);
        leptos::task::spawn_local(async move {
            while let Some((enough, then)) = queue
                .try_update_value(|q| (!q.is_empty()).then(|| q.remove(0)))
                .flatten()
            {
                // Its reads; a failure ends it, and the requests still waiting are dropped.
                while let Some(page) = shown.try_get_untracked().flatten() {
                    let Some(cursor) = page.earlier.clone().filter(|_| !enough(&page)) else {
                        break;
                    };
                    let customer = page.customer.id.clone();
                    match api.backend().timeline(&customer, Some(&cursor)).await {
                        Ok(earlier) => {
                            let Some(now) = shown.try_get_untracked().flatten() else {
                                break;
                            };
                            let Some(grown) = history::with_earlier(&now, &customer, &cursor, earlier) else {
                                break;
                            };
                            let anchor = (!stick.get_value()).then(|| geometry.anchor()).flatten();
                            shown.set(Some(Arc::new(grown)));
                            if let Some((key, delta)) = anchor.filter(|_| jump.get_value().is_none()) {
                                jump.set_value(Some((key, delta, 4)));
                                placing.set(true);
                            }
                            remeasure();
                        }
                        Err(e) => {
                            load_failed.try_set(Some(e));
                            queue.try_update_value(Vec::clear);
                            break;
                        }
                    }
                }
                if let Some(then) = then {
                    then();
                }
            }
            loading.try_set(false);
        });
    };
    let one_page = move |then: Option<Rc<dyn Fn()>>| {
        let have = shown.with_untracked(|p| p.as_ref().map_or(0, |p| p.timeline.len()));
        load_earlier(Rc::new(move |p: &CustomerPage| p.timeline.len() > have), then);
    };
    // The agent scrolled up to the first loaded row: read the page before it. Only on the
    // agent's own scroll: a jump, or putting a page in front (which moves the view), reads none.
    let near_top = move || {
        let at_top = range.with_untracked(|r| r.0 == 0);
        let more = layout.with_untracked(|l| l.0.page.earlier.is_some());
        let agent = !stick.get_value() && !placing.get_untracked() && jump.get_value().is_none();
        let idle = !loading.get_untracked();
        if at_top && more && agent && idle && load_failed.with_untracked(Option::is_none) {
            one_page(None);
        }
    };
    // The button: one page, then to its top.
    let show_earlier = move || {
        if loading.get_untracked() {
            return;
        }
        one_page(Some(Rc::new(move || {
            if let Some(first) = layout.with_untracked(|l| l.0.rows.first().copied()) {
                go_to(first, None);
            }
        })))
    };
    // One status line and one button, whatever the state: fewer view types, a smaller bundle.
    let earlier_status = move || match (loading.get(), load_failed.get()) {
        (true, _) => "Loading earlier history…".to_owned(),
        (false, Some(error)) => format!("Earlier history could not be loaded. {error}"),
        (false, None) => String::new(),
    };
    let earlier_button = move || match (load_failed.with(Option::is_some), earlier_count.get()) {
        (true, _) => "Try again".to_owned(),
        (false, Some(Some(n))) => format!("Show earlier history ({n} more)"),
        (false, _) => "Show earlier history".to_owned(),
    };

    let jump_to_conversation = move |c: usize| {
        let Some(conv) = shown.with_untracked(|p| p.as_ref().and_then(|p| p.conversations.get(c).cloned())) else {
            return;
        };
        let go = move || {
            let n = layout.with_untracked(|l| l.0.chapters.iter().position(|ch| ch.conversation == Some(c)));
            if let Some(n) = n {
                go_to(Row::Head(n), Some(conv.id.clone()));
            }
        };
        // Its first item loaded: something older is, or nothing older exists.
        let start = conv.created_at;
        load_earlier(
            Rc::new(move |p: &CustomerPage| p.timeline.first().is_some_and(|f| f.timestamp < start)),
            Some(Rc::new(go)),
        );
    };
    let jump_to_date = move |value: String| {
        let Some(from) = time::parse_input(&value).and_then(|d| time::from_local(d, offset)) else {
            return;
        };
        let go = move || {
            let target = layout.with_untracked(|l| {
                let l = &l.0;
                let i = l.page.timeline.iter().position(|it| it.timestamp >= from)?;
                let n = l.chapter_of[i];
                let conv = l.chapters[n].conversation.map(|c| l.page.conversations[c].id.clone());
                Some((Row::Item(i), conv))
            });
            match target {
                Some((row, conv)) => go_to(row, conv),
                None => {
                    stick.set_value(true);
                    remeasure();
                }
            }
        };
        load_earlier(
            Rc::new(move |p: &CustomerPage| p.timeline.first().is_some_and(|f| f.timestamp < from)),
            Some(Rc::new(go)),
        );
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
        stick.set_value(false);
        folds.update(|f| {
            f.insert(id, !open);
        })
    };
    let row_view = move |(_, size_key, l, row): (String, String, Shared, Row)| {
        let l = l.0;
        match row {
            Row::Head(n) => {
                let Some(conv) = l.chapters[n].conversation.map(|c| l.page.conversations[c].clone()) else {
                    return ().into_any();
                };
                let (open, current) = (l.open[n], l.current[n]);
                let dates = chapter_dates(&conv, offset);
                let topics = topic_names(session, &conv);
                let id = conv.id.clone();
                view! {
                    <h3 class="chapter-head" class:current=current class:open=open data-testid="chapter"
                        data-open=open.to_string() data-size-key=size_key>
                        <button type="button" class="chapter-toggle" aria-expanded=open.to_string()
                            on:click=move |_| toggle(id.clone(), open)>
                            <span class="chapter-dates">{dates}</span>
                            <StatusPill status=conv.status/>
                            {conv.channels.iter().map(|c| view! { <ChannelBadge channel=*c/> }).collect_view()}
                            <span class="chapter-topics">{topics}</span>
                        </button>
                    </h3>
                }
                .into_any()
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
                view! {
                    <Item item=TimelineItem::clone(&l.page.timeline[i]) customer_name=customer_name.get_untracked()
                        before=l.before[i] place total=total_items/>
                }
                .into_any()
            }
        }
    };
    // One option per conversation, newest first, by dates and topics (not status, so the list is
    // rebuilt only when a conversation starts or its topics change).
    // Built when the agent first reaches for the list (focus or pointer), not on every refresh.
    let wanted = RwSignal::new(false);
    let jump_options = Memo::new(move |_| {
        if !wanted.get() {
            return Vec::new();
        }
        shown.with(|p| {
            p.as_ref().map_or_else(Vec::new, |p| {
                p.conversations
                    .iter()
                    .enumerate()
                    .rev()
                    .map(|(c, conv)| {
                        let topics = topic_names(session, conv);
                        let dates = chapter_dates(conv, offset);
                        let label = if topics.is_empty() {
                            dates
                        } else {
                            format!("{dates} · {topics}")
                        };
                        (c, label)
                    })
                    .collect()
            })
        })
    });
    view! {
        <div class="timeline-tools" data-testid="timeline-tools">
            <select class="jump-conversation" aria-label="Jump to a conversation" data-testid="jump-conversation"
                on:focus=move |_| wanted.set(true) on:pointerdown=move |_| wanted.set(true)
                on:change:target=move |ev| {
                    let el = ev.target();
                    if let Ok(c) = el.value().parse::<usize>() {
                        jump_to_conversation(c);
                    }
                    el.set_value("");
                }>
                <option value="">"Jump to a conversation…"</option>
                {move || jump_options.get().into_iter().map(|(c, label)| view! { <option value=c.to_string()>{label}</option> }).collect_view()}
            </select>
            <input type="date" class="jump-date" aria-label="Jump to a date" data-testid="jump-date"
                on:change:target=move |ev| jump_to_date(ev.target().value())/>
            <span class="earlier muted" role="status">{earlier_status}</span>
            <button type="button" class="btn-link" data-testid="load-earlier" on:click=move |_| show_earlier()
                // Kept (not hidden) while reading, so a keyboard press does not lose focus.
                aria-disabled=move || loading.get().to_string()
                hidden=move || earlier_count.with(Option::is_none)>{earlier_button}</button>
        </div>
        <section class="timeline" data-testid="timeline" aria-label="Timeline" node_ref=container
            data-items=move || total_items.get()
            on:scroll=move |_| {
                if let Some(el) = container.try_get_untracked().flatten() {
                    let top = f64::from(el.scroll_top());
                    let at_bottom = top + f64::from(el.client_height()) >= f64::from(el.scroll_height()) - STICK;
                    // While rows are being measured, scroll anchoring and clamping move the
                    // position too; only a scroll outside that leaves the bottom.
                    if at_bottom {
                        stick.set_value(true);
                    } else if !settling.get_value() {
                        stick.set_value(false);
                    }
                    scroll_top.try_set(top);
                    near_top();
                }
            }

            // A click may open an original email or change a row's height some other way.
            on:click=move |_| remeasure()>
            <div class="timeline-pad" aria-hidden="true" style=pad_top></div>
            <For each=visible key=|(key, ..)| key.clone() children=row_view/>
            <div class="timeline-pad" aria-hidden="true" style=pad_bottom></div>
            <UnsentItems conversations/>
        </section>
    }
}

fn topic_names(session: Session, conv: &rapport_core::Conversation) -> String {
    conv.topic_ids
        .iter()
        .map(|t| session.topic_name(t))
        .collect::<Vec<_>>()
        .join(", ")
}

fn chapter_dates(conv: &rapport_core::Conversation, offset: Zone) -> String {
    match conv.closed_at {
        Some(end) if day(end, offset) != day(conv.created_at, offset) => {
            format!("{} – {}", day(conv.created_at, offset), day(end, offset))
        }
        _ => day(conv.created_at, offset),
    }
}
