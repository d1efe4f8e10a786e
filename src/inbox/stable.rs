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
