//! Writes a client may send more than once (Retry, a double click, a network retry) carry an
//! `Idempotency-Key` it chose; the service applies the first and answers every repeat with that
//! first result, so nothing is ever made twice. A key is scoped to the acting agent and the
//! operation, stored with the write's log entries (so a restart or a reload still knows it), and
//! remembered for a day. The same key with another body is refused: it is a client's mistake,
//! and answering it with the first result would accept a request nobody checked.

use std::collections::{HashMap, VecDeque};
use std::hash::Hasher;

use chrono::{DateTime, Duration, Utc};
use rapport_core::Outcome;

use crate::error::{ApiError, ApiResult};
use crate::extract::header_text;
use crate::wire::Request;

/// How long a key is remembered (as long as Stripe's and Gladly's clients retry).
pub fn keep() -> Duration {
    Duration::hours(24)
}

/// A request's key: scoped to who sends it and where, with a fingerprint of what it sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Keyed {
    pub scope: String,
    pub fingerprint: u64,
}

impl Keyed {
    /// As stored with the write's entries.
    pub fn stored(&self) -> String {
        format!("{} {:016x}", self.scope, self.fingerprint)
    }

    pub fn parse(stored: &str) -> Option<Keyed> {
        let (scope, fingerprint) = stored.rsplit_once(' ')?;
        Some(Keyed {
            scope: scope.to_owned(),
            fingerprint: u64::from_str_radix(fingerprint, 16).ok()?,
        })
    }
}

/// The request's key: `None` when it has none. Scoped to who sends it: the signed-in agent,
/// else `X-Agent-Id`.
pub fn scoped_key(request: &Request) -> ApiResult<Option<Keyed>> {
    scoped_key_of(request, None)
}

/// `scoped_key` for a request whose sender the transport knows (`signed_in`).
pub fn scoped_key_of(request: &Request, signed_in: Option<&str>) -> ApiResult<Option<Keyed>> {
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
    let agent = match signed_in {
        Some(a) => a,
        None => header_text(request, "x-agent-id")?.unwrap_or_default(),
    };
    // FNV-1a: stable across builds (it is stored), and only the client's own requests meet it.
    let mut hasher = fnv::FnvHasher::default();
    hasher.write(&request.body);
    Ok(Some(Keyed {
        scope: format!("{agent} {} {} {key}", request.method.as_str(), request.path),
        fingerprint: hasher.finish(),
    }))
}

/// Keys answered within `keep()`, with the outcomes of their write.
#[derive(Clone, Debug, Default)]
pub struct Answered {
    by_key: HashMap<String, (u64, Vec<Outcome>)>,
    /// Oldest first, for expiry.
    order: VecDeque<(DateTime<Utc>, String)>,
}

impl Answered {
    /// The first result of a repeat; an error when the key came with another request.
    pub fn get(&self, key: &Keyed) -> ApiResult<Option<&[Outcome]>> {
        match self.by_key.get(&key.scope) {
            None => Ok(None),
            Some((fingerprint, outcomes)) if *fingerprint == key.fingerprint => Ok(Some(outcomes)),
            // 422, as the IETF draft on the header asks: the key is fine, its reuse is not.
            Some(_) => Err(ApiError {
                status: 422,
                code: "idempotency_key_reused",
                attr: Some("Idempotency-Key".to_owned()),
                detail: "This Idempotency-Key was sent with another request; use a new key for a new request.".into(),
            }),
        }
    }

    /// One more outcome of the write under `key` (a write of several entries adds several).
    pub fn push(&mut self, at: DateTime<Utc>, key: &Keyed, outcome: Outcome) {
        while self.order.front().is_some_and(|(t, _)| *t < at - keep()) {
            if let Some((_, old)) = self.order.pop_front() {
                self.by_key.remove(&old);
            }
        }
        match self.by_key.get_mut(&key.scope) {
            Some((_, outcomes)) => outcomes.push(outcome),
            None => {
                self.by_key.insert(key.scope.clone(), (key.fingerprint, vec![outcome]));
                self.order.push_back((at, key.scope.clone()));
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
    fn keys_expire_after_a_day_and_refuse_another_request() {
        let t0 = DateTime::from_timestamp(1_700_000_000, 0).expect("a time");
        let item = |id: &str| Outcome::Item { item_id: id.into() };
        let key = |scope: &str, fingerprint: u64| Keyed {
            scope: scope.into(),
            fingerprint,
        };
        let mut answered = Answered::default();
        answered.push(t0, &key("a", 1), item("it1"));
        answered.push(t0, &key("a", 1), item("it2"));
        assert_eq!(answered.get(&key("a", 1)).ok().flatten().map(<[Outcome]>::len), Some(2));
        assert!(answered.get(&key("a", 2)).is_err(), "the same key with another body");
        assert_eq!(
            Keyed::parse(&key("ag1 POST /v1/x k", 0xab).stored()),
            Some(key("ag1 POST /v1/x k", 0xab))
        );
        answered.push(t0 + Duration::hours(25), &key("b", 1), item("it3"));
        assert_eq!(answered.get(&key("a", 1)).ok().flatten(), None);
        assert_eq!(answered.len(), 1);
    }
}
