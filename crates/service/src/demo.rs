//! The embedded demo's save: not the store but the seed parameters and the service's log, as one
//! JSON text, wherever the browser keeps it (a worker's IndexedDB, a page's localStorage). Loading
//! regenerates the seed and replays the log through the same rules, so a tampered or outdated save
//! is detected (it no longer replays cleanly) instead of silently wrong.

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use rapport_core::seed::{self, Origin, SeedConfig};
use serde::{Deserialize, Serialize};

use crate::log::{
    names_directory, time_text, Change, MemoryLog, NewRow, SandboxEntry, Storage, StorageError, StoredEntry,
};
use crate::{Options, Service};

/// Bump when `Saved`'s shape changes. Format 1 (a list of commands and a clock offset) is read
/// and carried over.
pub const FORMAT: u32 = 2;

pub const UNREADABLE: &str = "The saved demo data could not be read, so Rapport started again from the demo seed.";
pub const OUTDATED: &str =
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
            snapshot: None,
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
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

/// The service's log in memory; `take_save` hands out the text to write after each change.
pub struct DemoLog {
    saved: Saved,
    log: MemoryLog,
    /// Whether a change is not written yet.
    dirty: bool,
}

impl DemoLog {
    /// How big the organisation it holds was made.
    pub fn size(&self) -> DemoSize {
        self.saved.size()
    }

    /// The save's text when something changed since the last call, for the caller to store.
    pub fn take_save(&mut self) -> Option<String> {
        if !self.dirty {
            return None;
        }
        self.dirty = false;
        Some(self.text())
    }

    /// The whole save as text.
    pub fn text(&mut self) -> String {
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
        // Plain data with string keys: serializing it cannot fail.
        serde_json::to_string(&self.saved).unwrap_or_default()
    }
}

impl Storage for DemoLog {
    fn entries(&self) -> Result<Vec<StoredEntry>, StorageError> {
        self.log.entries()
    }

    fn append(&mut self, at: DateTime<Utc>, rows: Vec<NewRow>) -> Result<Vec<Change>, StorageError> {
        let changes = self.log.append(at, rows)?;
        self.dirty = true;
        Ok(changes)
    }

    fn changes_after(&self, after: u64, limit: usize) -> Result<Vec<Change>, StorageError> {
        self.log.changes_after(after, limit)
    }

    fn last_seq(&self) -> Result<u64, StorageError> {
        self.log.last_seq()
    }
}

/// A demo opened from what the browser kept.
pub struct Opened {
    pub service: Service<DemoLog>,
    /// Why the save was not used, for the agent, once.
    pub notice: Option<String>,
}

/// Opens the demo from its saved text (None: nothing saved), at wall-clock time `now`. Never
/// fails: a save that cannot be used, or one of another size than asked for, is replaced by a
/// fresh seed (marked dirty, so the caller stores it), and `notice` says why.
pub fn open(text: Option<&str>, size: Option<DemoSize>, now: DateTime<Utc>) -> Opened {
    let restored = match text {
        None => Err(None),
        Some(text) => match read_saved(text, now) {
            Ok(saved) if size.is_some_and(|z| z != saved.size()) => Err(None),
            Ok(saved) => Ok(saved),
            Err(why) => Err(Some(why)),
        },
    };
    let opened = restored.and_then(|saved| {
        let service = open_saved(saved).map_err(|_| Some(UNREADABLE.to_owned()))?;
        if service.violations().is_empty() {
            Ok(service)
        } else {
            Err(Some(UNREADABLE.to_owned()))
        }
    });
    match opened {
        Ok(service) => Opened { service, notice: None },
        Err(notice) => {
            let fresh = fresh_saved(size, now);
            let log = DemoLog {
                saved: fresh.clone(),
                log: MemoryLog::default(),
                dirty: true,
            };
            Opened {
                service: Service::seeded(fresh.origin(), log, sandbox()),
                notice,
            }
        }
    }
}

/// The demo answers the trial endpoints: that is what it is for.
fn sandbox() -> Options {
    Options {
        token: None,
        sandbox: true,
        inbound_secret: None,
    }
}

fn open_saved(mut saved: Saved) -> Result<Service<DemoLog>, String> {
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
            directory: names_directory(&e.entry),
        };
        log.rows.push((stored, change));
    }
    let origin = saved.origin();
    // A save carried over from an older format is written back in today's.
    let dirty = saved.format != FORMAT;
    saved.format = FORMAT;
    Service::open(origin, DemoLog { saved, log, dirty }, sandbox())
}

/// A save in today's format, or one from format 1 carried over; in words why not otherwise.
fn read_saved(text: &str, now: DateTime<Utc>) -> Result<Saved, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|_| UNREADABLE.to_owned())?;
    let format = value.get("format").and_then(serde_json::Value::as_u64);
    let generator = value.get("generator").and_then(serde_json::Value::as_u64);
    if generator != Some(u64::from(seed::GENERATOR_VERSION)) || !matches!(format, Some(1 | 2)) {
        return Err(if format.is_some() { OUTDATED } else { UNREADABLE }.to_owned());
    }
    let mut saved: Saved = serde_json::from_value(value).map_err(|_| UNREADABLE.to_owned())?;
    if format == Some(1) {
        upgrade(&mut saved, now)?;
    }
    Ok(saved)
}

/// Format 1 kept bare commands and a clock offset: each command becomes an entry, and the offset
/// a clock entry after them (every command kept its own time, so the replay is the same).
fn upgrade(saved: &mut Saved, now: DateTime<Utc>) -> Result<(), String> {
    let mut seq = 0;
    for e in &mut saved.log {
        seq += 1;
        e.seq = seq;
        let command = e.command.take().ok_or_else(|| UNREADABLE.to_owned())?;
        e.entry = command.to_string();
    }
    if saved.clock_offset_ms != 0 {
        seq += 1;
        let clock = SandboxEntry::Clock {
            advance_ms: saved.clock_offset_ms,
        };
        saved.log.push(SavedEntry {
            seq,
            at: time_text(now),
            entry: serde_json::to_string(&clock).map_err(|_| UNREADABLE.to_owned())?,
            command: None,
        });
    }
    saved.last = seq;
    Ok(())
}

fn fresh_saved(size: Option<DemoSize>, now: DateTime<Utc>) -> Saved {
    // Whole minutes keep the seed's timestamps tidy.
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
