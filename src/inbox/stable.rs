//! Keeps the conversation list still while an agent works it: rows already on screen keep their
//! places (with fresh contents), rows that left the view drop out, and rows new to the view wait
//! behind an "N new" button instead of pushing everything down.

use std::collections::HashMap;
use std::hash::Hash;

/// Orders `fresh` by `shown` (the ids on screen, in order). Returns the rows to show and how many
/// new rows were held back. With nothing on screen yet, everything shows in `fresh` order.
pub fn stabilize<T, K: Eq + Hash + Clone>(shown: &[K], fresh: Vec<T>, key: impl Fn(&T) -> K) -> (Vec<T>, usize) {
    if shown.is_empty() {
        return (fresh, 0);
    }
    let total = fresh.len();
    let mut by_key: HashMap<K, T> = fresh.into_iter().map(|row| (key(&row), row)).collect();
    let kept: Vec<T> = shown.iter().filter_map(|k| by_key.remove(k)).collect();
    let held_back = total - kept.len();
    (kept, held_back)
}

#[cfg(test)]
mod tests {
    use super::stabilize;

    #[test]
    fn first_load_shows_everything_in_order() {
        assert_eq!(stabilize(&[], vec![3, 1, 2], |x| *x), (vec![3, 1, 2], 0));
    }

    #[test]
    fn rows_on_screen_keep_their_places_when_the_order_changes() {
        // Fresh order moved 2 to the top; the screen keeps 1, 2, 3.
        assert_eq!(stabilize(&[1, 2, 3], vec![2, 1, 3], |x| *x), (vec![1, 2, 3], 0));
    }

    #[test]
    fn new_rows_are_held_back_and_counted() {
        assert_eq!(stabilize(&[1, 2], vec![9, 1, 8, 2], |x| *x), (vec![1, 2], 2));
    }

    #[test]
    fn rows_that_left_the_view_drop_out() {
        assert_eq!(stabilize(&[1, 2, 3], vec![3, 1], |x| *x), (vec![1, 3], 0));
    }

    #[test]
    fn contents_come_from_the_fresh_rows() {
        let shown = ["a", "b"];
        let fresh = vec![("b", 2), ("a", 10)];
        assert_eq!(stabilize(&shown, fresh, |r| r.0), (vec![("a", 10), ("b", 2)], 0));
    }
}

/// Which rows of a fixed-height list to render for a scroll position: `[start, end)`, the visible
/// ones plus `overscan` on each side, so keyboard moves and quick scrolls find rows ready.
pub fn window(total: usize, scroll_top: f64, viewport: f64, row: f64, overscan: usize) -> (usize, usize) {
    if total == 0 || row <= 0.0 {
        return (0, 0);
    }
    let first = (scroll_top.max(0.0) / row).floor() as usize;
    let visible = (viewport.max(0.0) / row).ceil() as usize + 1;
    let start = first.saturating_sub(overscan).min(total);
    let end = (first + visible + overscan).min(total);
    (start, end)
}

#[cfg(test)]
mod window_tests {
    use super::window;

    #[test]
    fn renders_the_visible_rows_plus_overscan() {
        // 1000 rows of 100 px, viewport 500 px at the top: rows 0..6 visible, +3 overscan.
        assert_eq!(window(1000, 0.0, 500.0, 100.0, 3), (0, 9));
        // Scrolled to row 50.
        assert_eq!(window(1000, 5000.0, 500.0, 100.0, 3), (47, 59));
        // At the very end it stops at the last row.
        assert_eq!(window(1000, 99_900.0, 500.0, 100.0, 3), (996, 1000));
    }

    #[test]
    fn handles_empty_and_odd_input() {
        assert_eq!(window(0, 0.0, 500.0, 100.0, 3), (0, 0));
        assert_eq!(window(5, -20.0, 500.0, 100.0, 3), (0, 5));
        assert_eq!(window(5, 0.0, 500.0, 0.0, 3), (0, 0));
    }
}
