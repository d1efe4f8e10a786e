//! The timeline's geometry, kept free of the DOM so it can be tested natively: items grouped into
//! chapters, flattened into rows (a folded chapter is one row), and which rows a scroll position
//! needs. Heights are measured in the browser; until then each row kind has an estimate.

use std::sync::Arc;

use rapport_core::{Conversation, TimelineItem};

/// The items of one conversation, or a run of items of none (activities, task events).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chapter {
    /// Index into the page's conversations.
    pub conversation: Option<usize>,
    /// Items `start..end` of the timeline. A conversation's chapter runs from its first item to
    /// its last: items of no conversation that fall between them sit inside it, never end it.
    pub start: usize,
    pub end: usize,
}

pub fn chapters(timeline: &[Arc<TimelineItem>], conversations: &[Conversation]) -> Vec<Chapter> {
    let mut out: Vec<Chapter> = Vec::new();
    // Runs are long: look a conversation up only when the id differs from the item before.
    let mut last: Option<(&rapport_core::ConversationId, Option<usize>)> = None;
    for (i, item) in timeline.iter().enumerate() {
        let conv = match (&item.conversation_id, last) {
            (None, _) => None,
            (Some(id), Some((prev, at))) if prev == id => at,
            (Some(id), _) => {
                let at = conversations.iter().position(|c| &c.id == id);
                last = Some((id, at));
                at
            }
        };
        if conv.is_some() {
            // The same conversation as the last one with a chapter: what came between joins it.
            let loose = out.iter().rev().take_while(|ch| ch.conversation.is_none()).count();
            let owner = out.len().checked_sub(loose + 1);
            if let Some(n) = owner.filter(|&n| out[n].conversation == conv) {
                out.truncate(n + 1);
                out[n].end = i + 1;
                continue;
            }
        }
        match out.last_mut() {
            Some(last) if last.conversation == conv && last.end == i => last.end = i + 1,
            _ => out.push(Chapter {
                conversation: conv,
                start: i,
                end: i + 1,
            }),
        }
    }
    out
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Row {
    /// The fold/unfold bar of chapter `n`.
    Head(usize),
    /// Timeline item `i`, shown because its chapter is open or it has no conversation.
    Item(usize),
}

/// The rows to lay out: each conversation chapter's head, then its items if `open` says so;
/// items without a conversation are always rows.
pub fn rows(chapters: &[Chapter], open: impl Fn(usize, &Chapter) -> bool) -> Vec<Row> {
    let mut out = Vec::new();
    for (n, ch) in chapters.iter().enumerate() {
        let show = match ch.conversation {
            None => true,
            Some(_) => {
                out.push(Row::Head(n));
                open(n, ch)
            }
        };
        if show {
            out.extend((ch.start..ch.end).map(Row::Item));
        }
    }
    out
}

/// Estimated heights in px, used until a row has been measured.
pub const HEAD_ESTIMATE: f64 = 44.0;
pub const ITEM_ESTIMATE: f64 = 96.0;

/// `offsets[i]` is the top of row `i`; the last entry is the total height.
pub fn offsets(heights: impl IntoIterator<Item = f64>) -> Vec<f64> {
    let mut out = vec![0.0];
    let mut y = 0.0;
    for h in heights {
        y += h.max(0.0);
        out.push(y);
    }
    out
}

/// The row at height `y` (the last row for anything below the end).
pub fn row_at(offsets: &[f64], y: f64) -> usize {
    let rows = offsets.len().saturating_sub(1);
    // First offset strictly above y, minus one.
    offsets
        .partition_point(|&top| top <= y)
        .saturating_sub(1)
        .min(rows.saturating_sub(1))
}

/// The rows `[start, end)` that meet the viewport at `top` (clamped to the scrollable range)
/// widened by `overscan` px on both sides.
pub fn window(offsets: &[f64], top: f64, viewport: f64, overscan: f64) -> (usize, usize) {
    let rows = offsets.len().saturating_sub(1);
    if rows == 0 {
        return (0, 0);
    }
    let total = offsets[rows];
    let top = top.min(total - viewport).max(0.0);
    let start = row_at(offsets, top - overscan);
    let bottom = top + viewport + overscan;
    let end = offsets.partition_point(|&t| t < bottom).clamp(start + 1, rows);
    (start, end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customer::fixtures::{conv, item};

    #[test]
    fn a_chapter_is_a_conversation_wherever_its_items_fall() {
        // Issue 14: an activity between two items of one conversation opened a second head.
        let convs = [conv("a"), conv("b")];
        let tl = [
            item(0, Some("a")),
            item(1, Some("a")),
            item(2, None),
            item(3, Some("a")),
            item(4, None),
            item(5, Some("b")),
            item(6, None),
        ];
        let got = chapters(&tl, &convs);
        let spans: Vec<_> = got.iter().map(|c| (c.conversation, c.start, c.end)).collect();
        // Item 2 sits inside a; item 4, between a and b, and item 6, after b's last, stand alone.
        assert_eq!(spans, [(Some(0), 0, 4), (None, 4, 5), (Some(1), 5, 6), (None, 6, 7)]);
    }

    #[test]
    fn a_conversation_seen_again_after_another_is_a_chapter_of_its_own() {
        let convs = [conv("a"), conv("b")];
        let tl = [
            item(0, Some("a")),
            item(1, Some("b")),
            item(2, None),
            item(3, Some("a")),
        ];
        let spans: Vec<_> = chapters(&tl, &convs)
            .iter()
            .map(|c| (c.conversation, c.start, c.end))
            .collect();
        assert_eq!(spans, [(Some(0), 0, 1), (Some(1), 1, 2), (None, 2, 3), (Some(0), 3, 4)]);
    }

    #[test]
    fn a_folded_chapter_is_one_row_and_loose_items_always_show() {
        let convs = [conv("a"), conv("b")];
        let tl = [
            item(0, Some("a")),
            item(1, Some("a")),
            item(2, None),
            item(3, Some("b")),
        ];
        let ch = chapters(&tl, &convs);
        let only_b = rows(&ch, |_, c| c.conversation == Some(1));
        assert_eq!(only_b, [Row::Head(0), Row::Item(2), Row::Head(2), Row::Item(3)]);
        let all = rows(&ch, |_, _| true);
        assert_eq!(all.len(), 6);
    }

    #[test]
    fn offsets_are_running_sums() {
        assert_eq!(offsets([10.0, 20.0, 5.0]), [0.0, 10.0, 30.0, 35.0]);
        assert_eq!(offsets(std::iter::empty()), [0.0]);
    }

    #[test]
    fn row_at_finds_the_row_under_a_height() {
        let o = offsets([10.0, 20.0, 5.0]);
        assert_eq!(row_at(&o, 0.0), 0);
        assert_eq!(row_at(&o, 9.9), 0);
        assert_eq!(row_at(&o, 10.0), 1);
        assert_eq!(row_at(&o, 34.0), 2);
        assert_eq!(row_at(&o, 1000.0), 2);
        assert_eq!(row_at(&o, -50.0), 0);
    }

    #[test]
    fn the_window_covers_the_viewport_plus_overscan() {
        // 1000 rows of 100 px; viewport 500 px at 50 000 (rows 500..505), 200 px overscan.
        let o = offsets(std::iter::repeat_n(100.0, 1000));
        assert_eq!(window(&o, 50_000.0, 500.0, 200.0), (498, 507));
        // At the top.
        assert_eq!(window(&o, 0.0, 500.0, 200.0), (0, 7));
    }

    #[test]
    fn a_scroll_past_the_end_shows_the_last_rows() {
        // "Start at the bottom" asks for an infinite top.
        let o = offsets(std::iter::repeat_n(100.0, 1000));
        assert_eq!(window(&o, f64::INFINITY, 500.0, 0.0), (995, 1000));
    }

    #[test]
    fn short_and_empty_timelines() {
        assert_eq!(window(&offsets(std::iter::empty()), 0.0, 500.0, 100.0), (0, 0));
        let o = offsets([30.0, 30.0]);
        assert_eq!(window(&o, f64::INFINITY, 500.0, 100.0), (0, 2));
    }
}
