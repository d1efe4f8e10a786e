//! The embedded demo backend: the very service the reference server runs (`rapport-service`),
//! here over the browser's storage. What is saved is not the store but the seed parameters and the
//! service's log of accepted entries; loading regenerates the seed and replays the log through the
//! same rules. That keeps storage small and makes a tampered or outdated save detectable (it no
//! longer replays cleanly) instead of silently wrong.

use std::cell::RefCell;
use std::rc::Rc;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use rapport_core::seed::{self, Origin, SeedConfig};
use rapport_core::Store;
use rapport_service::log::{time_text, Change, MemoryLog, NewRow, Storage, StorageError, StoredEntry};
use rapport_service::{Options, Request, Response, Service};
use serde::{Deserialize, Serialize};

use super::storage;

/// Bump when `Saved`'s shape changes. Format 1 (a list of commands and a clock offset) is read
/// and carried over.
const FORMAT: u32 = 2;
pub const DEFAULT_KEY: &str = "rapport.demo";

const UNREADABLE: &str = "The saved demo data could not be read, so Rapport started again from the demo seed.";
const OUTDATED: &str =
    "The saved demo data came from an older version of Rapport, so it started again from the demo seed.";

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
    /// The last event id handed out (ids never repeat, even after a reset).
    #[serde(default)]
    last: u64,
    #[serde(default)]
    log: Vec<SavedEntry>,
    /// Format 1 only: how far the demo clock ran ahead.
    #[serde(default, skip_serializing)]
    clock_offset_ms: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct SavedEntry {
    #[serde(default)]
    seq: u64,
    at: String,
    /// The entry's JSON (format 1 called it `command` and kept it as an object).
    #[serde(default)]
    entry: String,
    #[serde(default, skip_serializing)]
    command: Option<serde_json::Value>,
}

impl Saved {
    fn origin(&self) -> Origin {
        Origin {
            config: SeedConfig {
                seed: self.seed,
                conversations: self.conversations,
                anchor: self.anchor,
            },
            heavy_customer_items: self.heavy_customer_items,
        }
    }

    fn size(&self) -> DemoSize {
        DemoSize {
            conversations: self.conversations,
            heavy_customer_items: self.heavy_customer_items,
        }
    }
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

/// The service's log, kept in memory and written through to localStorage after every change.
pub struct BrowserLog {
    key: String,
    saved: Saved,
    log: MemoryLog,
    /// Why the latest save failed, for the agent.
    notice: Rc<RefCell<Option<String>>>,
}

impl BrowserLog {
    fn save(&mut self) {
        self.saved.last = self.log.last;
        self.saved.log = self
            .log
            .rows
            .iter()
            .map(|(e, _)| SavedEntry {
                seq: e.seq,
                at: e.at.clone(),
                entry: e.entry.clone(),
                command: None,
            })
            .collect();
        let result = serde_json::to_string(&self.saved)
            .map_err(|_| storage::StorageError::Unavailable)
            .and_then(|text| storage::set(&self.key, &text));
        if let Err(e) = result {
            *self.notice.borrow_mut() = Some(format!(
                "{e} Your latest demo changes work in this tab but will be gone after a reload."
            ));
        }
    }
}

impl Storage for BrowserLog {
    fn entries(&self) -> Result<Vec<StoredEntry>, StorageError> {
        self.log.entries()
    }

    fn append(&mut self, at: DateTime<Utc>, rows: Vec<NewRow>) -> Result<Vec<Change>, StorageError> {
        let changes = self.log.append(at, rows)?;
        // A full browser storage does not refuse the change: the demo keeps working in this tab,
        // and the notice says it will not survive a reload.
        self.save();
        Ok(changes)
    }

    fn changes_after(&self, after: u64, limit: usize) -> Result<Vec<Change>, StorageError> {
        self.log.changes_after(after, limit)
    }

    fn last_seq(&self) -> Result<u64, StorageError> {
        self.log.last_seq()
    }
}

struct State {
    service: Service<BrowserLog>,
    notice: Rc<RefCell<Option<String>>>,
}

/// The demo's service, shared by every clone of the app's client.
#[derive(Clone)]
pub struct DemoBackend(Rc<RefCell<State>>);

/// The wall clock, from the browser.
pub fn wall_clock() -> DateTime<Utc> {
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
        let notice = Rc::new(RefCell::new(None));
        let restored = match storage::get(key) {
            None => Err(None),
            Some(text) => match read_saved(&text) {
                Ok(saved) if size.is_some_and(|z| z != saved.size()) => Err(None),
                Ok(saved) => Ok(saved),
                Err(why) => Err(Some(why)),
            },
        };
        let opened = restored.and_then(|saved| {
            let service = open_service(key, saved, &notice).map_err(|_| Some(UNREADABLE.to_owned()))?;
            if service.violations().is_empty() {
                Ok(service)
            } else {
                Err(Some(UNREADABLE.to_owned()))
            }
        });
        let service = match opened {
            Ok(service) => service,
            Err(why) => {
                *notice.borrow_mut() = why;
                let fresh = fresh_saved(size);
                let mut service = Service::seeded(fresh.origin(), empty_log(key, fresh, &notice), sandbox());
                service.storage_mut().save();
                service
            }
        };
        DemoBackend(Rc::new(RefCell::new(State { service, notice })))
    }

    /// Answers one request of the HTTP API, as the server would.
    pub fn handle(&self, request: &Request) -> Response {
        self.0.borrow_mut().service.handle(wall_clock(), request).response
    }

    /// A look at the store, for tests and fixtures; the app reads through the API.
    pub fn read<R>(&self, f: impl FnOnce(&Store) -> R) -> R {
        f(self.0.borrow().service.store())
    }

    /// A message for the agent about what happened to their saved data, once.
    pub fn take_notice(&self) -> Option<String> {
        let notice = self.0.borrow().notice.clone();
        let taken = notice.borrow_mut().take();
        taken
    }

    /// How far the demo clock runs ahead of the wall clock, in milliseconds.
    pub fn clock_offset_ms(&self) -> i64 {
        self.0.borrow().service.clock_offset().num_milliseconds()
    }
}

fn empty_log(key: &str, saved: Saved, notice: &Rc<RefCell<Option<String>>>) -> BrowserLog {
    BrowserLog {
        key: key.to_owned(),
        saved,
        log: MemoryLog::default(),
        notice: notice.clone(),
    }
}

/// The demo answers the trial endpoints: that is what it is for.
fn sandbox() -> Options {
    Options {
        token: None,
        sandbox: true,
    }
}

fn open_service(key: &str, saved: Saved, notice: &Rc<RefCell<Option<String>>>) -> Result<Service<BrowserLog>, String> {
    let mut log = MemoryLog {
        rows: Vec::with_capacity(saved.log.len()),
        last: saved.last,
    };
    for e in &saved.log {
        let stored = StoredEntry {
            seq: e.seq,
            at: e.at.clone(),
            entry: e.entry.clone(),
        };
        let change = Change {
            seq: e.seq,
            customer_id: None,
            conversation_id: None,
            task_id: None,
            reset: false,
        };
        log.rows.push((stored, change));
    }
    let origin = saved.origin();
    let browser = BrowserLog {
        key: key.to_owned(),
        saved,
        log,
        notice: notice.clone(),
    };
    Service::open(origin, browser, sandbox())
}

/// A save in today's format, or one from format 1 carried over; in words why not otherwise.
fn read_saved(text: &str) -> Result<Saved, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|_| UNREADABLE.to_owned())?;
    let format = value.get("format").and_then(serde_json::Value::as_u64);
    let generator = value.get("generator").and_then(serde_json::Value::as_u64);
    if generator != Some(u64::from(seed::GENERATOR_VERSION)) || !matches!(format, Some(1 | 2)) {
        return Err(if format.is_some() { OUTDATED } else { UNREADABLE }.to_owned());
    }
    let mut saved: Saved = serde_json::from_value(value).map_err(|_| UNREADABLE.to_owned())?;
    if format == Some(1) {
        upgrade(&mut saved)?;
    }
    Ok(saved)
}

/// Format 1 kept bare commands and a clock offset: each command becomes an entry, and the offset
/// a clock entry after them (every command kept its own time, so the replay is the same).
fn upgrade(saved: &mut Saved) -> Result<(), String> {
    let mut seq = 0;
    for e in &mut saved.log {
        seq += 1;
        e.seq = seq;
        let command = e.command.take().ok_or_else(|| UNREADABLE.to_owned())?;
        e.entry = command.to_string();
    }
    if saved.clock_offset_ms != 0 {
        seq += 1;
        let clock = rapport_service::SandboxEntry::Clock {
            advance_ms: saved.clock_offset_ms,
        };
        saved.log.push(SavedEntry {
            seq,
            at: time_text(wall_clock()),
            entry: serde_json::to_string(&clock).map_err(|_| UNREADABLE.to_owned())?,
            command: None,
        });
    }
    saved.last = seq;
    saved.format = FORMAT;
    Ok(())
}

fn fresh_saved(size: Option<DemoSize>) -> Saved {
    // Whole minutes keep the seed's timestamps tidy.
    let now = wall_clock();
    let anchor = now.duration_trunc(TimeDelta::minutes(1)).unwrap_or(now);
    let mut config = SeedConfig::demo(anchor);
    if let Some(z) = size {
        config.conversations = z.conversations;
    }
    Saved {
        format: FORMAT,
        generator: seed::GENERATOR_VERSION,
        seed: config.seed,
        conversations: config.conversations,
        heavy_customer_items: size.and_then(|z| z.heavy_customer_items),
        anchor,
        last: 0,
        log: Vec::new(),
        clock_offset_ms: 0,
    }
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
