//! What a backend stores: the log of accepted entries (domain commands, and the sandbox's clock
//! and reset), behind [`Storage`], and the replay that rebuilds the store from it. A row's `seq`
//! is also its live event id.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use rapport_core::seed::Origin;
use rapport_core::{cmd, AgentId, Command, Outcome, Store};
use serde::{Deserialize, Serialize};

use crate::idempotency::Answered;

/// One live event: which things a write touched, so clients know what to read again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    pub seq: u64,
    pub customer_id: Option<String>,
    pub conversation_id: Option<String>,
    pub task_id: Option<String>,
    /// The data started again from the seed (sandbox reset): clients reload everything.
    #[serde(skip)]
    pub reset: bool,
    /// The directory changed (an agent added, a membership): clients read it again.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub directory: bool,
}

/// The commands that change the directory (agents, inboxes, memberships), as stored.
pub const DIRECTORY_COMMANDS: [&str; 4] = ["CREATE_AGENT", "SET_MEMBERSHIP", "CREATE_INBOX", "UPDATE_INBOX"];

/// Whether a stored entry changes the directory.
pub fn names_directory(entry: &str) -> bool {
    #[derive(Deserialize)]
    struct Tag {
        command: Option<String>,
    }
    serde_json::from_str::<Tag>(entry)
        .ok()
        .and_then(|t| t.command)
        .is_some_and(|c| DIRECTORY_COMMANDS.contains(&c.as_str()))
}

/// An entry ready to be stored: its JSON and the ids its event names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRow {
    pub entry: String,
    pub customer_id: Option<String>,
    pub conversation_id: Option<String>,
    pub task_id: Option<String>,
    pub reset: bool,
    pub directory: bool,
}

/// An entry as stored, oldest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEntry {
    pub seq: u64,
    /// RFC 3339 (see [`time_text`]).
    pub at: String,
    pub entry: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StorageError(pub String);

impl std::fmt::Display for StorageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a backend keeps its log: SQLite on the server, the browser's storage in the demo.
pub trait Storage {
    /// Every entry, oldest first.
    fn entries(&self) -> Result<Vec<StoredEntry>, StorageError>;
    /// Stores the rows in one transaction and returns their events, in order; `seq` grows by one
    /// per row and never repeats, even after a reset.
    fn append(&mut self, at: DateTime<Utc>, rows: Vec<NewRow>) -> Result<Vec<Change>, StorageError>;
    /// Up to `limit` events after `after`, oldest first.
    fn changes_after(&self, after: u64, limit: usize) -> Result<Vec<Change>, StorageError>;
    fn last_seq(&self) -> Result<u64, StorageError>;
    /// Entries after `after` that another instance sharing this storage stored, with their
    /// events, oldest first. A storage with one writer (a SQLite file, the browser's) has none.
    fn tail(&self, _after: u64) -> Result<Vec<(StoredEntry, Change)>, StorageError> {
        Ok(Vec::new())
    }
    /// Takes the write lock shared with other instances, before a write reads the store it
    /// checks against; held until `append` stores or `abandon` gives up.
    fn begin(&mut self) -> Result<(), StorageError> {
        Ok(())
    }
    /// Ends a write begun with `begin` that stores nothing.
    fn abandon(&mut self) {}
}

/// What the log holds. Commands are stored in `Command`'s own JSON; sandbox entries carry a
/// `sandbox` tag, which no command has.
#[derive(Clone, Debug, PartialEq)]
pub enum Entry {
    Command(Command),
    Sandbox(SandboxEntry),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "sandbox",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum SandboxEntry {
    /// The clock moves forward (to pass a reopen window, say).
    Clock { advance_ms: i64 },
    /// Start again from a fresh seed made at `anchor`, with the clock back at the wall's.
    Reset {
        #[serde(deserialize_with = "rapport_core::dates::de")]
        anchor: DateTime<Utc>,
    },
}

/// The field of a stored entry naming the idempotency key of the write it belongs to.
const KEY_FIELD: &str = "idempotencyKey";
/// The admin who made the write on the agent's behalf (see `Store::apply_via`).
const VIA_FIELD: &str = "via";

/// What a stored entry carries besides itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stamp {
    /// The write's scoped idempotency key.
    pub key: Option<String>,
    pub via: Option<AgentId>,
}

impl Entry {
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        self.to_json_stamped(&Stamp::default())
    }

    /// The stored form, with the (scoped) idempotency key of its write and the admin who made
    /// it on the agent's behalf, when there are.
    pub fn to_json_stamped(&self, stamp: &Stamp) -> Result<String, serde_json::Error> {
        let mut value = match self {
            Entry::Command(c) => serde_json::to_value(c)?,
            Entry::Sandbox(s) => serde_json::to_value(s)?,
        };
        if let Some(object) = value.as_object_mut() {
            if let Some(key) = &stamp.key {
                object.insert(KEY_FIELD.to_owned(), key.as_str().into());
            }
            if let Some(via) = &stamp.via {
                object.insert(VIA_FIELD.to_owned(), via.as_str().into());
            }
        }
        serde_json::to_string(&value)
    }

    pub fn from_json(text: &str) -> Result<Entry, serde_json::Error> {
        Entry::from_json_stamped(text).map(|(entry, _)| entry)
    }

    /// The entry and what it was stored with.
    pub fn from_json_stamped(text: &str) -> Result<(Entry, Stamp), serde_json::Error> {
        let mut value: serde_json::Value = serde_json::from_str(text)?;
        let mut take = |field: &str| {
            value
                .as_object_mut()
                .and_then(|o| o.remove(field))
                .and_then(|k| k.as_str().map(str::to_owned))
        };
        let stamp = Stamp {
            key: take(KEY_FIELD),
            via: take(VIA_FIELD).map(|v| AgentId::from(v.as_str())),
        };
        let entry = if value.get("sandbox").is_some() {
            serde_json::from_value(value).map(Entry::Sandbox)?
        } else {
            serde_json::from_value(value).map(Entry::Command)?
        };
        Ok((entry, stamp))
    }
}

/// The state a log rebuilds to, kept up to date entry by entry.
pub struct Applied {
    pub store: Store,
    pub origin: Origin,
    pub clock: Duration,
    /// Commands since the last reset.
    pub commands: usize,
    /// The keyed writes of the last day, for repeats.
    pub answered: Answered,
    /// The `seq` of the last entry applied (0: none).
    pub seq: u64,
}

/// A stored entry, read.
struct Parsed {
    seq: u64,
    at: DateTime<Utc>,
    entry: Entry,
    stamp: Stamp,
}

fn parse(stored: &StoredEntry) -> Result<Parsed, String> {
    let seq = stored.seq;
    let at = parse_time(&stored.at).ok_or_else(|| format!("change {seq} has an unreadable time `{}`", stored.at))?;
    let (entry, stamp) = Entry::from_json_stamped(&stored.entry)
        .map_err(|e| format!("change {seq} cannot be read by this version ({e}); start with new data"))?;
    Ok(Parsed { seq, at, entry, stamp })
}

impl Applied {
    /// The origin's seed, with nothing applied yet.
    pub fn fresh(origin: Origin) -> Applied {
        Applied {
            store: origin.build(),
            origin,
            clock: Duration::zero(),
            commands: 0,
            answered: Answered::default(),
            seq: 0,
        }
    }

    /// Applies the entry stored after the last one applied (by another instance, say).
    pub fn apply(&mut self, stored: &StoredEntry) -> Result<(), String> {
        self.apply_parsed(parse(stored)?)
    }

    fn apply_parsed(&mut self, parsed: Parsed) -> Result<(), String> {
        let Parsed { seq, at, entry, stamp } = parsed;
        match entry {
            Entry::Command(command) => {
                let outcome = self.store.apply_via(at, &command, stamp.via.as_ref()).map_err(|e| {
                    format!(
                        "change {seq} no longer applies ({}: {e}); this version's rules differ from the ones that \
                         accepted it. Start with new data (or an older version) — nothing was changed",
                        e.code()
                    )
                })?;
                if let Some(key) = stamp.key.as_deref().and_then(crate::idempotency::Keyed::parse) {
                    self.answered.push(at, &key, outcome);
                }
                self.commands += 1;
            }
            Entry::Sandbox(SandboxEntry::Clock { advance_ms }) => self.clock += Duration::milliseconds(advance_ms),
            Entry::Sandbox(SandboxEntry::Reset { anchor }) => {
                let mut origin = self.origin.clone();
                origin.config.anchor = anchor;
                *self = Applied::fresh(origin);
            }
        }
        self.seq = seq;
        Ok(())
    }
}

/// The origin's seed (or the latest reset's) plus every later command, each applied at its
/// stored time. A log that no longer applies is an error in words, never a partial store.
pub fn replay(origin: &Origin, entries: &[StoredEntry]) -> Result<Applied, String> {
    let parsed = entries.iter().map(parse).collect::<Result<Vec<_>, _>>()?;
    let last_reset = parsed
        .iter()
        .rposition(|p| matches!(p.entry, Entry::Sandbox(SandboxEntry::Reset { .. })));
    let mut origin = origin.clone();
    if let Some(Entry::Sandbox(SandboxEntry::Reset { anchor })) = last_reset.map(|i| &parsed[i].entry) {
        origin.config.anchor = *anchor;
    }
    let mut state = Applied::fresh(origin);
    // Nothing before the last reset counts: it starts again from the seed.
    for p in parsed.into_iter().skip(last_reset.map_or(0, |i| i + 1)) {
        state.apply_parsed(p)?;
    }
    state.seq = entries.last().map_or(0, |e| e.seq);
    Ok(state)
}

/// The stored form of an applied command and the ids its event names, read after it applied.
pub fn row(store: &Store, command: &Command, entry: String, outcome: &Outcome) -> NewRow {
    let mut customer = None;
    let mut conversation = None;
    let mut task = None;
    match command {
        // The directory's: their events name nothing, which tells desks to read it again.
        Command::CreateCustomer(_)
        | Command::CreateAgent(_)
        | Command::SetMembership(_)
        | Command::CreateInbox(_)
        | Command::UpdateInbox(_) => {}
        Command::Inbound(cmd::Inbound { customer_id, .. })
        | Command::AddActivity(cmd::AddActivity { customer_id, .. })
        | Command::CreateTask(cmd::CreateTask { customer_id, .. }) => customer = Some(customer_id.clone()),
        Command::Reply(cmd::Reply { conversation_id, .. })
        | Command::AddNote(cmd::AddNote { conversation_id, .. })
        | Command::Assign(cmd::Assign { conversation_id, .. })
        | Command::SetStatus(cmd::SetStatus { conversation_id, .. })
        | Command::SetTopics(cmd::SetTopics { conversation_id, .. })
        | Command::Undo(cmd::Undo { conversation_id, .. }) => conversation = Some(conversation_id.clone()),
        Command::CommentTask(cmd::CommentTask { task_id, .. })
        | Command::SetTaskStatus(cmd::SetTaskStatus { task_id, .. }) => task = Some(task_id.clone()),
    }
    match outcome {
        Outcome::Customer { customer_id } => customer = Some(customer_id.clone()),
        Outcome::Conversation { conversation_id, .. } => conversation = Some(conversation_id.clone()),
        Outcome::Task { task_id } => task = Some(task_id.clone()),
        Outcome::Item { .. } | Outcome::Agent { .. } | Outcome::Inbox { .. } => {}
    }
    if let Some(c) = &conversation {
        customer = customer.or_else(|| store.conversation(c).ok().map(|c| c.customer_id.clone()));
    }
    if let Some(t) = &task {
        customer = customer.or_else(|| store.task(t).ok().map(|t| t.customer_id.clone()));
    }
    if let Command::CreateTask(cmd::CreateTask { customer_id, .. }) = command {
        // The new task's timeline item joins the customer's open conversation, if any.
        conversation = store.open_conversation_of(customer_id).map(|c| c.id.clone());
    }
    NewRow {
        entry,
        customer_id: customer.map(|c| c.0.to_string()),
        conversation_id: conversation.map(|c| c.0.to_string()),
        task_id: task.map(|t| t.0.to_string()),
        reset: false,
        directory: command.changes_directory(),
    }
}

/// RFC 3339 with every digit chrono keeps, so a replay sees exactly the same instant.
pub fn time_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&Utc))
}

/// A log in memory: for tests, and the base of the demo's browser storage.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemoryLog {
    pub rows: Vec<(StoredEntry, Change)>,
    /// The last `seq` handed out, kept across a reset's compaction.
    pub last: u64,
}

impl Storage for MemoryLog {
    fn entries(&self) -> Result<Vec<StoredEntry>, StorageError> {
        Ok(self.rows.iter().map(|(e, _)| e.clone()).collect())
    }

    fn append(&mut self, at: DateTime<Utc>, rows: Vec<NewRow>) -> Result<Vec<Change>, StorageError> {
        let at = time_text(at);
        let mut changes = Vec::with_capacity(rows.len());
        for row in rows {
            if row.reset {
                // Nothing before a reset is replayed again: keep the log short.
                self.rows.clear();
            }
            self.last += 1;
            let change = Change {
                seq: self.last,
                customer_id: row.customer_id,
                conversation_id: row.conversation_id,
                task_id: row.task_id,
                reset: row.reset,
                directory: row.directory,
            };
            let stored = StoredEntry {
                seq: self.last,
                at: at.clone(),
                entry: row.entry,
            };
            self.rows.push((stored, change.clone()));
            changes.push(change);
        }
        Ok(changes)
    }

    fn changes_after(&self, after: u64, limit: usize) -> Result<Vec<Change>, StorageError> {
        let from = self.rows.partition_point(|(e, _)| e.seq <= after);
        Ok(self.rows[from..].iter().take(limit).map(|(_, c)| c.clone()).collect())
    }

    fn last_seq(&self) -> Result<u64, StorageError> {
        Ok(self.last)
    }
}
