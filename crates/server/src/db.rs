//! SQLite storage. The store is event-sourced: `meta` says how to regenerate the seed and
//! `commands` holds every accepted entry of the service's log in order; a row's `seq` is also its
//! event id.

use std::path::Path;

use chrono::{DateTime, Utc};
use rapport_service::log::{time_text, Change, NewRow, Storage, StorageError, StoredEntry, DIRECTORY_COMMANDS};
use rusqlite::{params, Connection, OptionalExtension};

/// Bump when the layout of the tables or of `meta` changes.
pub const FORMAT: u32 = 1;

/// How the seed was made; stored once, on first start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Meta {
    pub format: u32,
    pub generator: u32,
    pub seed: u64,
    pub conversations: usize,
    pub anchor: DateTime<Utc>,
    /// The organisation the database started from (JSON), when it was given instead of the seed.
    pub snapshot: Option<String>,
}

pub struct Db {
    conn: Connection,
}

pub type DbResult<T> = Result<T, rusqlite::Error>;

impl Db {
    pub fn open(path: &Path) -> DbResult<Db> {
        let conn = Connection::open(path)?;
        // WAL: readers never block the writer. NORMAL sync is safe against process crashes,
        // which is what a reference server needs; a power cut may lose the last writes only.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS commands (
                 seq INTEGER PRIMARY KEY,
                 at TEXT NOT NULL,
                 command TEXT NOT NULL,
                 customer_id TEXT,
                 conversation_id TEXT,
                 task_id TEXT
             );",
        )?;
        Ok(Db { conn })
    }

    /// The stored meta; `Ok(None)` for a new database. A value that does not parse is an error.
    pub fn meta(&self) -> Result<Option<Meta>, String> {
        Meta::read(|key| {
            self.conn
                .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                .optional()
                .map_err(|e| e.to_string())
        })
    }

    pub fn init_meta(&mut self, meta: &Meta) -> DbResult<()> {
        let tx = self.conn.transaction()?;
        for (key, value) in meta.pairs() {
            tx.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
                params![key, value],
            )?;
        }
        tx.commit()
    }
}

impl Meta {
    /// The meta that `get` (one stored value by key) reads; `Ok(None)` when none is stored.
    pub fn read(get: impl Fn(&str) -> Result<Option<String>, String>) -> Result<Option<Meta>, String> {
        let Some(format) = get("format")? else {
            return Ok(None);
        };
        let need = |key: &str| -> Result<String, String> { get(key)?.ok_or_else(|| format!("meta has no `{key}`")) };
        let num = |key: &str| -> Result<u64, String> {
            need(key)?
                .parse::<u64>()
                .map_err(|_| format!("meta `{key}` is not a number"))
        };
        let anchor = DateTime::parse_from_rfc3339(&need("anchor")?)
            .map_err(|_| "meta `anchor` is not an RFC 3339 time".to_owned())?
            .with_timezone(&Utc);
        Ok(Some(Meta {
            format: format.parse().map_err(|_| "meta `format` is not a number".to_owned())?,
            generator: u32::try_from(num("generator")?).map_err(|_| "meta `generator` is too large".to_owned())?,
            seed: num("seed")?,
            conversations: usize::try_from(num("conversations")?)
                .map_err(|_| "meta `conversations` is too large".to_owned())?,
            anchor,
            snapshot: get("snapshot")?,
        }))
    }

    /// The stored form: keys and values.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        [
            ("format", self.format.to_string()),
            ("generator", self.generator.to_string()),
            ("seed", self.seed.to_string()),
            ("conversations", self.conversations.to_string()),
            ("anchor", time_text(self.anchor)),
        ]
        .into_iter()
        .chain(self.snapshot.clone().map(|s| ("snapshot", s)))
        .collect()
    }
}

/// `'CREATE_AGENT', …`: the SQL list of the directory's command tags (constants, not input).
fn directory_tags() -> String {
    let quoted: Vec<String> = DIRECTORY_COMMANDS.iter().map(|t| format!("'{t}'")).collect();
    quoted.join(", ")
}

fn failed(e: rusqlite::Error) -> StorageError {
    StorageError(e.to_string())
}

impl Storage for Db {
    fn entries(&self) -> Result<Vec<StoredEntry>, StorageError> {
        let mut stmt = self
            .conn
            .prepare("SELECT seq, at, command FROM commands ORDER BY seq")
            .map_err(failed)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(StoredEntry {
                    seq: r.get::<_, i64>(0)?.unsigned_abs(),
                    at: r.get(1)?,
                    entry: r.get(2)?,
                })
            })
            .map_err(failed)?;
        rows.collect::<DbResult<_>>().map_err(failed)
    }

    fn append(&mut self, at: DateTime<Utc>, rows: Vec<NewRow>) -> Result<Vec<Change>, StorageError> {
        let at = time_text(at);
        let tx = self.conn.transaction().map_err(failed)?;
        let mut changes = Vec::with_capacity(rows.len());
        for row in rows {
            tx.execute(
                "INSERT INTO commands (at, command, customer_id, conversation_id, task_id)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![at, row.entry, row.customer_id, row.conversation_id, row.task_id],
            )
            .map_err(failed)?;
            changes.push(Change {
                seq: tx.last_insert_rowid().unsigned_abs(),
                customer_id: row.customer_id,
                conversation_id: row.conversation_id,
                task_id: row.task_id,
                reset: row.reset,
                directory: row.directory,
            });
        }
        tx.commit().map_err(failed)?;
        Ok(changes)
    }

    fn changes_after(&self, after: u64, limit: usize) -> Result<Vec<Change>, StorageError> {
        // The entry's tags are read as JSON: a stored object's keys are in no fixed order.
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT seq, customer_id, conversation_id, task_id,
                            json_extract(command, '$.sandbox') IS 'RESET',
                            json_extract(command, '$.command') IN ({})
                     FROM commands WHERE seq > ?1 ORDER BY seq LIMIT ?2",
                directory_tags()
            ))
            .map_err(failed)?;
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt
            .query_map(params![after, limit], |r| {
                Ok(Change {
                    seq: r.get::<_, i64>(0)?.unsigned_abs(),
                    customer_id: r.get(1)?,
                    conversation_id: r.get(2)?,
                    task_id: r.get(3)?,
                    reset: r.get(4)?,
                    directory: r.get::<_, Option<bool>>(5)?.unwrap_or(false),
                })
            })
            .map_err(failed)?;
        rows.collect::<DbResult<_>>().map_err(failed)
    }

    fn last_seq(&self) -> Result<u64, StorageError> {
        let seq: Option<i64> = self
            .conn
            .query_row("SELECT MAX(seq) FROM commands", [], |r| r.get(0))
            .map_err(failed)?;
        Ok(seq.unwrap_or(0).unsigned_abs())
    }
}
