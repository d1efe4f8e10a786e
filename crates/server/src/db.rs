//! SQLite storage. The store is event-sourced: `meta` says how to regenerate the seed and
//! `commands` holds every accepted write in order; a row's `seq` is also its event id.

use std::path::Path;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

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
}

/// One live event: which things a write touched, so clients know what to refetch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    pub seq: u64,
    pub customer_id: Option<String>,
    pub conversation_id: Option<String>,
    pub task_id: Option<String>,
}

/// A command ready to be stored (its JSON and the ids its event names).
pub struct NewRow {
    pub command: String,
    pub customer_id: Option<String>,
    pub conversation_id: Option<String>,
    pub task_id: Option<String>,
}

pub struct StoredCommand {
    pub seq: u64,
    pub at: String,
    pub command: String,
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
        let get = |key: &str| -> Result<Option<String>, String> {
            self.conn
                .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                .optional()
                .map_err(|e| e.to_string())
        };
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
        }))
    }

    pub fn init_meta(&mut self, meta: &Meta) -> DbResult<()> {
        let tx = self.conn.transaction()?;
        for (key, value) in [
            ("format", meta.format.to_string()),
            ("generator", meta.generator.to_string()),
            ("seed", meta.seed.to_string()),
            ("conversations", meta.conversations.to_string()),
            ("anchor", time_text(meta.anchor)),
        ] {
            tx.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
                params![key, value],
            )?;
        }
        tx.commit()
    }

    pub fn commands(&self) -> DbResult<Vec<StoredCommand>> {
        let mut stmt = self
            .conn
            .prepare("SELECT seq, at, command FROM commands ORDER BY seq")?;
        let rows = stmt.query_map([], |r| {
            Ok(StoredCommand {
                seq: r.get::<_, i64>(0)?.unsigned_abs(),
                at: r.get(1)?,
                command: r.get(2)?,
            })
        })?;
        rows.collect()
    }

    /// Stores the rows in one transaction; returns their events, in order.
    pub fn insert(&mut self, at: DateTime<Utc>, rows: Vec<NewRow>) -> DbResult<Vec<Change>> {
        let at = time_text(at);
        let tx = self.conn.transaction()?;
        let mut changes = Vec::with_capacity(rows.len());
        for row in rows {
            tx.execute(
                "INSERT INTO commands (at, command, customer_id, conversation_id, task_id)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![at, row.command, row.customer_id, row.conversation_id, row.task_id],
            )?;
            changes.push(Change {
                seq: tx.last_insert_rowid().unsigned_abs(),
                customer_id: row.customer_id,
                conversation_id: row.conversation_id,
                task_id: row.task_id,
            });
        }
        tx.commit()?;
        Ok(changes)
    }

    /// Up to `limit` events after `after`, oldest first.
    pub fn changes_after(&self, after: u64, limit: usize) -> DbResult<Vec<Change>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, customer_id, conversation_id, task_id FROM commands
             WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        )?;
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt.query_map(params![after, limit], |r| {
            Ok(Change {
                seq: r.get::<_, i64>(0)?.unsigned_abs(),
                customer_id: r.get(1)?,
                conversation_id: r.get(2)?,
                task_id: r.get(3)?,
            })
        })?;
        rows.collect()
    }

    pub fn last_seq(&self) -> DbResult<u64> {
        let seq: Option<i64> = self.conn.query_row("SELECT MAX(seq) FROM commands", [], |r| r.get(0))?;
        Ok(seq.unwrap_or(0).unsigned_abs())
    }
}

/// RFC 3339 with every digit chrono keeps, so a replay sees exactly the same instant.
pub fn time_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&Utc))
}
