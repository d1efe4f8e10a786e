//! How much of a lifelong timeline is loaded. A customer page starts with the newest page of
//! items; earlier pages are put in front as the agent scrolls up or jumps back, and a refresh
//! (which reads the newest page again) keeps them. Pure, so it is tested natively.

use rapport_core::CustomerId;

use crate::api::{CustomerPage, TimelinePage};

/// The fresh read of a page, keeping the earlier items `old` had loaded for the same customer.
/// Items are only ever appended, so the fresh page's first item is found in `old` unless more
/// than a page arrived meanwhile; then the loaded history starts again at the fresh page.
pub fn refreshed(old: Option<&CustomerPage>, fresh: CustomerPage) -> CustomerPage {
    let Some(old) = old.filter(|o| o.customer.id == fresh.customer.id) else {
        return fresh;
    };
    let Some(first) = fresh.timeline.first() else {
        return fresh;
    };
    match old.timeline.iter().rposition(|i| i.id == first.id) {
        Some(at) if at > 0 => {
            let mut timeline = Vec::with_capacity(at + fresh.timeline.len());
            timeline.extend_from_slice(&old.timeline[..at]);
            timeline.extend(fresh.timeline);
            CustomerPage {
                timeline,
                earlier: old.earlier.clone(),
                ..fresh
            }
        }
        _ => fresh,
    }
}

/// `page` with the page read before cursor `requested` of `customer` put in front. None when
/// `page` is another customer's or no longer starts at that cursor (another read got there
/// first), so a page is never added twice or to the wrong customer.
pub fn with_earlier(
    page: &CustomerPage,
    customer: &CustomerId,
    requested: &str,
    earlier: TimelinePage,
) -> Option<CustomerPage> {
    if page.customer.id != *customer || page.earlier.as_deref() != Some(requested) {
        return None;
    }
    let mut items = earlier.items;
    // A backend whose cursor overlaps the loaded items must not duplicate them.
    if let Some(first) = page.timeline.first() {
        if let Some(at) = items.iter().position(|i| i.id == first.id) {
            items.truncate(at);
        }
    }
    items.extend(page.timeline.iter().cloned());
    Some(CustomerPage {
        timeline: items,
        earlier: earlier.earlier,
        total: earlier.total.or(page.total),
        ..page.clone()
    })
}

/// How many items come before the loaded ones, when the backend said how many there are.
pub fn older(page: &CustomerPage) -> Option<usize> {
    match (page.earlier.as_ref(), page.total) {
        (None, _) => Some(0),
        (Some(_), total) => total.map(|t| t.saturating_sub(page.timeline.len())),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use rapport_core::TimelineItem;

    use super::*;
    use crate::customer::fixtures::{self, customer};

    fn item(n: usize) -> Arc<TimelineItem> {
        fixtures::item(n, None)
    }

    /// Items `from..to` of a timeline of `total`, as a backend pages them (cursor = index).
    fn page(id: &str, from: usize, to: usize, total: usize) -> CustomerPage {
        CustomerPage {
            customer: customer(id),
            conversations: Vec::new(),
            timeline: (from..to).map(item).collect(),
            earlier: (from > 0).then(|| from.to_string()),
            total: Some(total),
            tasks: Vec::new(),
        }
    }

    fn ids(p: &CustomerPage) -> Vec<String> {
        p.timeline.iter().map(|i| i.id.to_string()).collect()
    }

    fn range(from: usize, to: usize) -> Vec<String> {
        (from..to).map(|n| format!("it{n}")).collect()
    }

    #[test]
    fn a_refresh_keeps_the_earlier_items_loaded() {
        // 20..30 loaded after reading 25..30 and then 20..25; two new items arrive.
        let old = page("c", 20, 30, 30);
        let fresh = page("c", 27, 32, 32);
        let merged = refreshed(Some(&old), fresh);
        assert_eq!(ids(&merged), range(20, 32));
        assert_eq!(merged.earlier.as_deref(), Some("20"));
        assert_eq!(merged.total, Some(32));
        assert_eq!(older(&merged), Some(20));
    }

    #[test]
    fn a_refresh_shares_the_kept_items() {
        let old = page("c", 20, 30, 30);
        let merged = refreshed(Some(&old), page("c", 25, 30, 30));
        assert!(Arc::ptr_eq(&merged.timeline[0], &old.timeline[0]));
    }

    #[test]
    fn a_refresh_of_another_customer_or_after_a_gap_starts_over() {
        let old = page("c", 20, 30, 30);
        assert_eq!(ids(&refreshed(Some(&old), page("d", 25, 30, 30))), range(25, 30));
        // More than a page arrived: the fresh page does not meet the loaded items.
        let fresh = page("c", 35, 40, 40);
        let merged = refreshed(Some(&old), fresh);
        assert_eq!(ids(&merged), range(35, 40));
        assert_eq!(merged.earlier.as_deref(), Some("35"));
        assert_eq!(ids(&refreshed(None, page("c", 25, 30, 30))), range(25, 30));
    }

    #[test]
    fn an_earlier_page_goes_in_front_once() {
        let p = page("c", 25, 30, 30);
        let before = TimelinePage {
            items: (20..25).map(item).collect(),
            earlier: Some("20".into()),
            total: Some(30),
        };
        let c = CustomerId::from("c");
        assert_eq!(
            with_earlier(&p, &CustomerId::from("d"), "25", before.clone()),
            None,
            "another customer's"
        );
        let grown = with_earlier(&p, &c, "25", before.clone()).expect("the page starts at 25");
        assert_eq!(ids(&grown), range(20, 30));
        assert_eq!(grown.earlier.as_deref(), Some("20"));
        assert_eq!(older(&grown), Some(20));
        // The same page again, for a cursor the page has moved past: refused.
        assert_eq!(with_earlier(&grown, &c, "25", before), None);
    }

    #[test]
    fn an_overlapping_earlier_page_adds_no_duplicates() {
        let p = page("c", 25, 30, 30);
        let overlapping = TimelinePage {
            items: (20..27).map(item).collect(),
            earlier: None,
            total: Some(30),
        };
        let grown = with_earlier(&p, &CustomerId::from("c"), "25", overlapping).unwrap();
        assert_eq!(ids(&grown), range(20, 30));
        assert_eq!(older(&grown), Some(0));
    }

    #[test]
    fn without_a_total_the_earlier_count_is_unknown() {
        let mut p = page("c", 25, 30, 30);
        p.total = None;
        assert_eq!(older(&p), None);
        p.earlier = None;
        assert_eq!(older(&p), Some(0));
    }
}
