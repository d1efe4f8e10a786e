//! Writes a client may send more than once (Retry, a double click, a network retry) carry an
//! `Idempotency-Key` it chose; the service applies the first and answers every repeat with that
//! first result, so nothing is ever made twice. A key is scoped to the acting agent and the
//! operation, stored with the write's log entries (so a restart or a reload still knows it), and
//! remembered for a day.

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, Duration, Utc};
use rapport_core::Outcome;

use crate::error::{ApiError, ApiResult};
use crate::extract::header_text;
use crate::wire::Request;

/// How long a key is remembered (as long as Stripe's and Gladly's clients retry).
pub fn keep() -> Duration {
    Duration::hours(24)
}

/// The request's key, scoped to who sends it and where: `None` when it has none.
pub fn scoped_key(request: &Request) -> ApiResult<Option<String>> {
    if request.header("idempotency-key").is_none() {
        return Ok(None);
    }
    // Present but empty (or only spaces) is a malformed key, not none.
    let key = header_text(request, "idempotency-key")?.unwrap_or_default();
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::invalid(
            Some("Idempotency-Key"),
            "Idempotency-Key must be 1 to 255 visible ASCII characters (a UUID, say).",
        ));
    }
    let agent = header_text(request, "x-agent-id")?.unwrap_or_default();
    Ok(Some(format!(
        "{agent} {} {} {key}",
        request.method.as_str(),
        request.path
    )))
}

/// Keys answered within `keep()`, with the outcomes of their write.
#[derive(Clone, Debug, Default)]
pub struct Answered {
    by_key: HashMap<String, Vec<Outcome>>,
    /// Oldest first, for expiry.
    order: VecDeque<(DateTime<Utc>, String)>,
}

impl Answered {
    pub fn get(&self, key: &str) -> Option<&[Outcome]> {
        self.by_key.get(key).map(Vec::as_slice)
    }

    /// One more outcome of the write under `key` (a write of several entries adds several).
    pub fn push(&mut self, at: DateTime<Utc>, key: &str, outcome: Outcome) {
        while self.order.front().is_some_and(|(t, _)| *t < at - keep()) {
            if let Some((_, old)) = self.order.pop_front() {
                self.by_key.remove(&old);
            }
        }
        match self.by_key.get_mut(key) {
            Some(outcomes) => outcomes.push(outcome),
            None => {
                self.by_key.insert(key.to_owned(), vec![outcome]);
                self.order.push_back((at, key.to_owned()));
            }
        }
    }

    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Method;

    #[test]
    fn keys_are_scoped_to_the_agent_and_the_operation_and_checked() {
        let request = |agent: &str, key: &str| {
            Request::new(Method::Post, "/v1/conversations/co1/replies")
                .with_header("x-agent-id", agent.as_bytes())
                .with_header("idempotency-key", key.as_bytes())
        };
        let a = scoped_key(&request("ag1", "k1")).expect("valid");
        let b = scoped_key(&request("ag2", "k1")).expect("valid");
        assert_ne!(a, b, "another agent's key is another key");
        assert!(scoped_key(&request("ag1", "two words")).is_err());
        assert!(scoped_key(&request("ag1", "")).is_err(), "an empty key is malformed");
        assert!(scoped_key(&request("ag1", "  ")).is_err());
        assert!(scoped_key(&request("ag1", &"k".repeat(256))).is_err());
        let none = Request::new(Method::Post, "/v1/conversations/co1/notes");
        assert_eq!(scoped_key(&none).expect("no key is fine"), None);
    }

    #[test]
    fn keys_expire_after_a_day() {
        let t0 = DateTime::from_timestamp(1_700_000_000, 0).expect("a time");
        let item = |id: &str| Outcome::Item { item_id: id.into() };
        let mut answered = Answered::default();
        answered.push(t0, "a", item("it1"));
        answered.push(t0, "a", item("it2"));
        assert_eq!(answered.get("a").map(<[Outcome]>::len), Some(2));
        answered.push(t0 + Duration::hours(25), "b", item("it3"));
        assert_eq!(answered.get("a"), None);
        assert_eq!(answered.len(), 1);
    }
}
