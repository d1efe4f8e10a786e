//! Above the timeline: jump to a conversation or a date, and read earlier history.

use std::collections::HashMap;
use std::rc::Rc;

use leptos::prelude::*;
use rapport_core::ConversationId;

use super::earlier::Earlier;
use super::geometry::Geometry;
use super::head::{chapter_dates, topic_names};
use crate::api::CustomerPage;
use crate::components::time::{self, Zone};
use crate::customer::layout::Row;
use crate::customer::{history, Shown};
use crate::session::Session;

/// `folds`: the chapters the agent opened or closed (a jump opens its chapter).
pub(super) fn tools(
    shown: Shown,
    geometry: Geometry,
    earlier: Earlier,
    folds: RwSignal<HashMap<ConversationId, bool>>,
) -> impl IntoView {
    let session = Session::use_session();
    let offset = Zone::local();
    let layout = geometry.layout;
    // Brings a row to the top of the view, opening its conversation's chapter first.
    let go_to = move |row: Row, open: Option<ConversationId>| {
        if let Some(id) = open {
            folds.update(|f| {
                f.insert(id, true);
            });
        }
        let key = layout.with_untracked(|l| l.0.size_key(row));
        geometry.stick.set_value(false);
        geometry.jump.set_value(Some((key, 0.0, 4)));
        geometry.remeasure();
    };
    let on_top = move || {
        if let Some(first) = layout.with_untracked(|l| l.0.rows.first().copied()) {
            go_to(first, None);
        }
    };
    // Outer None: nothing earlier; inner None: the backend did not say how much.
    let count =
        Memo::new(move |_| shown.with(|p| p.as_ref().filter(|p| p.earlier.is_some()).map(|p| history::older(p))));
    // The button: one page, then to its top.
    let show_earlier = move || {
        if !earlier.loading.get_untracked() {
            earlier.one_page(Some(Rc::new(on_top)));
        }
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
        earlier.load(
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
                Some((
                    Row::Item(i),
                    l.chapters[n].conversation.map(|c| l.page.conversations[c].id.clone()),
                ))
            });
            match target {
                Some((row, conv)) => go_to(row, conv),
                // Nothing that late: the end of the timeline.
                None => {
                    geometry.stick.set_value(true);
                    geometry.remeasure();
                }
            }
        };
        earlier.load(
            Rc::new(move |p: &CustomerPage| p.timeline.first().is_some_and(|f| f.timestamp < from)),
            Some(Rc::new(go)),
        );
    };
    // One option per conversation, newest first, by dates and topics (not status, so the list is
    // rebuilt only when a conversation starts or its topics change). Built when the agent first
    // reaches for the list (focus or pointer), not on every refresh.
    let wanted = RwSignal::new(false);
    let options = Memo::new(move |_| {
        if !wanted.get() {
            return Vec::new();
        }
        shown.with(|p| {
            p.as_ref().map_or_else(Vec::new, |p| {
                let label = |conv| match (chapter_dates(conv, offset), topic_names(session, conv)) {
                    (dates, topics) if topics.is_empty() => dates,
                    (dates, topics) => format!("{dates} · {topics}"),
                };
                p.conversations
                    .iter()
                    .enumerate()
                    .rev()
                    .map(|(c, conv)| (c, label(conv)))
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
                {move || options.get().into_iter().map(|(c, label)| view! { <option value=c.to_string()>{label}</option> }).collect_view()}
            </select>
            <input type="date" class="jump-date" aria-label="Jump to a date" data-testid="jump-date"
                on:change:target=move |ev| jump_to_date(ev.target().value())/>
            <span class="earlier muted" role="status">{move || earlier.status()}</span>
            <button type="button" class="btn-link" data-testid="load-earlier" on:click=move |_| show_earlier()
                // Kept (not hidden) while reading, so a keyboard press does not lose focus.
                aria-disabled=move || earlier.loading.get().to_string()
                hidden=move || count.with(Option::is_none)>{move || earlier.button(count.get())}</button>
        </div>
    }
}
