//! The timeline's page flattened into rows: chapters, folds, and the keys rows are measured and
//! rendered by. Pure, so it is tested natively.

use std::collections::HashMap;
use std::sync::Arc;

use rapport_core::{ConversationId, ItemContent, Status};

use crate::api::CustomerPage;
use crate::customer::history;
use crate::customer::layout::{self, Chapter, Row};

/// The page flattened into rows, rebuilt when the page or a fold changes.
pub(super) struct Layout {
    pub(super) page: Arc<CustomerPage>,
    pub(super) chapters: Vec<Chapter>,
    pub(super) open: Vec<bool>,
    pub(super) current: Vec<bool>,
    pub(super) rows: Vec<Row>,
    /// Per item: its chapter, and the status before it within that chapter (for "reopened"):
    /// `Some(None)` at the chapter's start, None where earlier items are not loaded yet.
    pub(super) chapter_of: Vec<usize>,
    pub(super) before: Vec<Option<Option<Status>>>,
    /// Items before the loaded ones, so positions are the same whatever is loaded.
    pub(super) older: usize,
}

impl Layout {
    /// `folds`: the chapters the agent opened or closed; the rest follow the default (the
    /// current conversation open, past ones folded).
    pub(super) fn build(page: Arc<CustomerPage>, folds: &HashMap<ConversationId, bool>) -> Layout {
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
    pub(super) fn size_key(&self, row: Row) -> String {
        match row {
            Row::Head(n) => format!("h{}", self.page.timeline[self.chapters[n].start].id),
            Row::Item(i) => self.page.timeline[i].id.to_string(),
        }
    }

    /// What the DOM keys a row by: a head also by its conversation's version and fold, so a
    /// change to that conversation rebuilds just its head.
    pub(super) fn dom_key(&self, row: Row) -> String {
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

    pub(super) fn estimate(row: Row) -> f64 {
        match row {
            Row::Head(_) => layout::HEAD_ESTIMATE,
            Row::Item(_) => layout::ITEM_ESTIMATE,
        }
    }
}

/// Shares a layout between reactive values; a new layout always counts as a change.
#[derive(Clone)]
pub(super) struct Shared(pub(super) Arc<Layout>);

impl PartialEq for Shared {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customer::fixtures::{conv, customer, item, status_item};

    /// Conversation a (closed, then reopened by the customer and closed again) and b (open),
    /// with an activity between a's items; `earlier`: the page starts after the first item.
    fn page(earlier: bool) -> Arc<CustomerPage> {
        let mut b = conv("b");
        b.status = Status::Open;
        Arc::new(CustomerPage {
            customer: customer("c"),
            conversations: vec![conv("a"), b],
            timeline: vec![
                item(0, Some("a")),
                status_item(1, "a", Status::Closed),
                item(2, None),
                item(3, Some("a")),
                status_item(4, "a", Status::Closed),
                item(5, Some("b")),
            ],
            earlier: earlier.then(|| "cursor".to_owned()),
            total: earlier.then_some(10),
            tasks: Vec::new(),
        })
    }

    #[test]
    fn the_current_conversation_is_open_and_past_ones_folded_unless_the_agent_chose() {
        let l = Layout::build(page(false), &HashMap::new());
        // a (items 0..5, the activity inside it) and b (item 5).
        assert_eq!(l.open, [false, true]);
        assert_eq!(l.current, [false, true]);
        assert_eq!(l.rows, [Row::Head(0), Row::Head(1), Row::Item(5)]);
        let unfolded = HashMap::from([(ConversationId("a".into()), true), (ConversationId("b".into()), false)]);
        let l = Layout::build(page(false), &unfolded);
        assert_eq!(l.open, [true, false]);
        assert_eq!(l.rows.len(), 1 + 5 + 1);
    }

    #[test]
    fn each_item_knows_the_status_before_it_in_its_chapter() {
        let l = Layout::build(page(false), &HashMap::new());
        let a_closed = Some(Some(Status::Closed));
        assert_eq!(
            l.before[..5],
            [Some(None), Some(None), a_closed, a_closed, a_closed],
            "item 3 came after a close: it reopened the conversation"
        );
        assert_eq!(l.before[5], Some(None), "b starts afresh");
        // With earlier items not loaded, the first chapter cannot say what came before.
        let cut = Layout::build(page(true), &HashMap::new());
        assert_eq!(cut.before[0], None);
        assert_eq!(cut.older, 4, "10 in all, 6 loaded");
    }

    #[test]
    fn a_head_is_rendered_again_when_its_conversation_or_fold_changes() {
        let before = Layout::build(page(false), &HashMap::new());
        let mut changed = (*page(false)).clone();
        changed.conversations[0].version = 2;
        let after = Layout::build(Arc::new(changed), &HashMap::new());
        assert_ne!(before.dom_key(Row::Head(0)), after.dom_key(Row::Head(0)));
        assert_eq!(
            before.size_key(Row::Head(0)),
            after.size_key(Row::Head(0)),
            "its height is kept"
        );
        assert_eq!(before.dom_key(Row::Head(1)), after.dom_key(Row::Head(1)));
        assert_eq!(
            before.dom_key(Row::Item(5)),
            "it5/end",
            "the chapter's last item closes it"
        );
        assert_eq!(before.dom_key(Row::Item(3)), "it3");
    }
}
