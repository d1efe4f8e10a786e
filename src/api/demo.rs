//! The embedded demo backend: the core's store running in the browser. What is saved is not the
//! store but the seed parameters and the log of accepted commands; loading regenerates the seed and
//! replays the log through the same rules. That keeps storage small and makes a tampered or
//! outdated save detectable (it no longer replays cleanly) instead of silently wrong.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use rapport_core::seed::{self, SeedConfig};
use rapport_core::{invariants, Command, CustomerId, Outcome, Store, TimelineItem};
use serde::{Deserialize, Serialize};

use super::storage;
use super::{ApiError, TimelinePage};

/// Bump when `Saved`'s shape changes.
const FORMAT: u32 = 1;
pub const DEFAULT_KEY: &str = "rapport.demo";

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Saved {
    format: u32,
    generator: u32,
    seed: u64,
    conversations: usize,
    /// One extra customer with this many timeline items, for performance trials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    heavy_customer_items: Option<usize>,
    #[serde(deserialize_with = "rapport_core::dates::de")]
    anchor: DateTime<Utc>,
    clock_offset_ms: i64,
    log: Vec<Logged>,
}

/// How big a demo organisation to make (`?demo-conversations=10000&demo-heavy=5000`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DemoSize {
    pub conversations: usize,
    pub heavy_customer_items: Option<usize>,
}

impl DemoSize {
    /// Reads the size from a query string; absent or silly values mean the standard demo.
    pub fn from_query(search: &str) -> Option<DemoSize> {
        let get = |name: &str| {
            search
                .trim_start_matches('?')
                .split('&')
                .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('=')?.parse::<usize>().ok())
        };
        let conversations = get("demo-conversations").filter(|n| (1..=50_000).contains(n));
        let heavy = get("demo-heavy").filter(|n| (1..=20_000).contains(n));
        (conversations.is_some() || heavy.is_some()).then(|| DemoSize {
            conversations: conversations.unwrap_or(SeedConfig::demo(DateTime::UNIX_EPOCH).conversations),
            heavy_customer_items: heavy,
        })
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Logged {
    #[serde(deserialize_with = "rapport_core::dates::de")]
    at: DateTime<Utc>,
    command: Command,
}

struct State {
    key: String,
    saved: Saved,
    store: Store,
    notice: Option<String>,
    /// The items of the last customer read, from the oldest one read to the newest, shared:
    /// items are only ever appended, so a refresh copies just the new ones.
    shared: Option<(CustomerId, usize, Vec<Arc<TimelineItem>>)>,
}

#[derive(Clone)]
pub struct DemoBackend(Rc<RefCell<State>>);

/// The wall clock, from the browser.
fn wall_clock() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
}

impl DemoBackend {
    /// Loads the demo saved under `key`, or seeds a fresh one. Never fails: a save that cannot be
    /// used is replaced, and `take_notice` says why.
    pub fn open(key: &str) -> Self {
        Self::open_sized(key, None)
    }

    /// As `open`, with a chosen size; a save of another size is replaced by a fresh seed.
    pub fn open_sized(key: &str, size: Option<DemoSize>) -> Self {
        let (saved, store, notice) = match storage::get(key) {
            None => fresh(None, size),
            Some(text) => match restore(&text) {
                Ok((saved, _))
                    if size.is_some_and(|z| {
                        z.conversations != saved.conversations || z.heavy_customer_items != saved.heavy_customer_items
                    }) =>
                {
                    fresh(None, size)
                }
                Ok((saved, store)) => (saved, store, None),
                Err(why) => fresh(Some(why), size),
            },
        };
        let backend = DemoBackend(Rc::new(RefCell::new(State {
            key: key.to_owned(),
            saved,
            store,
            notice,
            shared: None,
        })));
        backend.save();
        backend
    }

    pub fn now(&self) -> DateTime<Utc> {
        wall_clock() + Duration::milliseconds(self.0.borrow().saved.clock_offset_ms)
    }

    pub fn read<R>(&self, f: impl FnOnce(&Store) -> R) -> R {
        f(&self.0.borrow().store)
    }

    pub fn execute(&self, command: Command) -> Result<Outcome, ApiError> {
        let at = self.now();
        let outcome = self.0.borrow_mut().store.apply(at, &command)?;
        self.0.borrow_mut().saved.log.push(Logged { at, command });
        self.save();
        Ok(outcome)
    }

    /// A page of the customer's timeline, oldest first, read backwards from `before` (an index,
    /// as the reference server's cursors) or from the newest item. Items are shared with the
    /// previous read: they are only ever appended, so a refresh copies just the new ones.
    pub fn timeline(&self, id: &CustomerId, before: Option<&str>, limit: usize) -> Result<TimelinePage, ApiError> {
        let mut state = self.0.borrow_mut();
        let State { store, shared, .. } = &mut *state;
        store.customer(id)?;
        let items = store.timeline(id);
        let end = match before.map(str::parse::<usize>) {
            None => items.len(),
            Some(Ok(b)) if b <= items.len() => b,
            Some(_) => {
                return Err(ApiError::Rejected {
                    code: "invalid".into(),
                    detail: "The timeline cursor is not one this demo gave out.".into(),
                })
            }
        };
        let start = end.saturating_sub(limit);
        // The shared copies cover items `from..from + have.len()`.
        let reusable = shared.as_ref().is_some_and(|(cid, from, have)| {
            cid == id
                && from + have.len() <= items.len()
                && have.last().map(|i| &i.id) == (from + have.len()).checked_sub(1).map(|k| &items[k].id)
        });
        if !reusable {
            *shared = Some((id.clone(), items.len(), Vec::new()));
        }
        let Some((_, from, have)) = shared.as_mut() else {
            return Ok(TimelinePage::default());
        };
        if start < *from {
            let mut older: Vec<Arc<TimelineItem>> = items[start..*from].iter().cloned().map(Arc::new).collect();
            older.append(have);
            *have = older;
            *from = start;
        }
        let known = *from + have.len();
        have.extend(items[known..].iter().cloned().map(Arc::new));
        Ok(TimelinePage {
            items: have[start - *from..end - *from].to_vec(),
            earlier: (start > 0).then(|| start.to_string()),
            total: Some(items.len()),
        })
    }

    /// Moves the demo clock forward, e.g. past a reopen window.
    pub fn advance_clock(&self, by: Duration) {
        self.0.borrow_mut().saved.clock_offset_ms += by.num_milliseconds();
        self.save();
    }

    /// How far the demo clock is ahead of the wall clock.
    pub fn clock_offset(&self) -> Duration {
        Duration::milliseconds(self.0.borrow().saved.clock_offset_ms)
    }

    /// Throws away every change and starts from a new seed.
    pub fn reset(&self) {
        let size = {
            let s = &self.0.borrow().saved;
            DemoSize {
                conversations: s.conversations,
                heavy_customer_items: s.heavy_customer_items,
            }
        };
        let (saved, store, _) = fresh(None, Some(size));
        {
            let mut state = self.0.borrow_mut();
            state.saved = saved;
            state.store = store;
            state.shared = None;
        }
        self.save();
    }

    /// A message for the agent about what happened to their saved data, once.
    pub fn take_notice(&self) -> Option<String> {
        self.0.borrow_mut().notice.take()
    }

    pub fn changes_saved(&self) -> usize {
        self.0.borrow().saved.log.len()
    }

    fn save(&self) {
        let mut state = self.0.borrow_mut();
        let result = serde_json::to_string(&state.saved)
            .map_err(|_| storage::StorageError::Unavailable)
            .and_then(|text| storage::set(&state.key, &text));
        if let Err(e) = result {
            state.notice = Some(format!(
                "{e} Your latest demo changes work in this tab but will be gone after a reload."
            ));
        }
    }
}

fn fresh(why: Option<String>, size: Option<DemoSize>) -> (Saved, Store, Option<String>) {
    // Whole minutes keep the seed's timestamps tidy.
    let now = wall_clock();
    let anchor = DateTime::from_timestamp(now.timestamp() / 60 * 60, 0).unwrap_or(now);
    let mut config = SeedConfig::demo(anchor);
    if let Some(z) = size {
        config.conversations = z.conversations;
    }
    let saved = Saved {
        format: FORMAT,
        generator: seed::GENERATOR_VERSION,
        seed: config.seed,
        conversations: config.conversations,
        heavy_customer_items: size.and_then(|z| z.heavy_customer_items),
        anchor,
        clock_offset_ms: 0,
        log: Vec::new(),
    };
    let store = build(&saved);
    (saved, store, why)
}

/// The seed a save starts from.
fn build(saved: &Saved) -> Store {
    let store = seed::generate(&SeedConfig {
        seed: saved.seed,
        conversations: saved.conversations,
        anchor: saved.anchor,
    });
    match saved.heavy_customer_items {
        Some(items) => seed::add_heavy_customer(store, saved.anchor, items).0,
        None => store,
    }
}

/// Rebuilds the store from a save, or says in words why it cannot.
fn restore(text: &str) -> Result<(Saved, Store), String> {
    const UNREADABLE: &str = "The saved demo data could not be read, so Rapport started again from the demo seed.";
    const OUTDATED: &str =
        "The saved demo data came from an older version of Rapport, so it started again from the demo seed.";
    let value: serde_json::Value = serde_json::from_str(text).map_err(|_| UNREADABLE.to_owned())?;
    let format = value.get("format").and_then(serde_json::Value::as_u64);
    let generator = value.get("generator").and_then(serde_json::Value::as_u64);
    if format != Some(u64::from(FORMAT)) || generator != Some(u64::from(seed::GENERATOR_VERSION)) {
        return Err(if format.is_some() { OUTDATED } else { UNREADABLE }.to_owned());
    }
    let saved: Saved = serde_json::from_value(value).map_err(|_| UNREADABLE.to_owned())?;
    let mut store = build(&saved);
    for entry in &saved.log {
        store
            .apply(entry.at, &entry.command)
            .map_err(|_| UNREADABLE.to_owned())?;
    }
    if !invariants::violations(&store).is_empty() {
        return Err(UNREADABLE.to_owned());
    }
    Ok((saved, store))
}

#[cfg(test)]
mod tests {
    use super::DemoSize;

    #[test]
    fn size_from_query() {
        assert_eq!(DemoSize::from_query(""), None);
        assert_eq!(
            DemoSize::from_query("?demo-conversations=10000&demo-heavy=5000"),
            Some(DemoSize {
                conversations: 10_000,
                heavy_customer_items: Some(5_000)
            })
        );
        assert_eq!(
            DemoSize::from_query("?demo-heavy=200").map(|z| z.conversations),
            Some(1_000)
        );
        assert_eq!(DemoSize::from_query("?demo-conversations=0"), None);
        assert_eq!(DemoSize::from_query("?demo-conversations=9999999"), None);
    }
}
