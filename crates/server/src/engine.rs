//! Which database the log is in: a SQLite file (one instance) or PostgreSQL (any number).

use chrono::{DateTime, Utc};
use rapport_service::log::{Change, NewRow, Storage, StorageError, StoredEntry};

use crate::db::{Db, Meta};
use crate::pg::PgLog;

pub enum Log {
    Sqlite(Db),
    // Boxed: the client is large, and an instance has one log.
    Postgres(Box<PgLog>),
}

impl Log {
    pub fn meta(&self) -> Result<Option<Meta>, String> {
        match self {
            Log::Sqlite(db) => db.meta(),
            Log::Postgres(pg) => pg.meta(),
        }
    }

    /// Stores the meta of a new database; the meta it then has (on PostgreSQL another
    /// instance's first start may have stored its own first).
    pub fn init_meta(&mut self, meta: Meta) -> Result<Meta, String> {
        match self {
            Log::Sqlite(db) => db.init_meta(&meta).map(|()| meta).map_err(|e| e.to_string()),
            Log::Postgres(pg) => pg.init_meta(&meta),
        }
    }
}

impl Storage for Log {
    fn entries(&self) -> Result<Vec<StoredEntry>, StorageError> {
        match self {
            Log::Sqlite(db) => db.entries(),
            Log::Postgres(pg) => pg.entries(),
        }
    }

    fn append(&mut self, at: DateTime<Utc>, rows: Vec<NewRow>) -> Result<Vec<Change>, StorageError> {
        match self {
            Log::Sqlite(db) => db.append(at, rows),
            Log::Postgres(pg) => pg.append(at, rows),
        }
    }

    fn changes_after(&self, after: u64, limit: usize) -> Result<Vec<Change>, StorageError> {
        match self {
            Log::Sqlite(db) => db.changes_after(after, limit),
            Log::Postgres(pg) => pg.changes_after(after, limit),
        }
    }

    fn last_seq(&self) -> Result<u64, StorageError> {
        match self {
            Log::Sqlite(db) => db.last_seq(),
            Log::Postgres(pg) => pg.last_seq(),
        }
    }

    fn tail(&self, after: u64) -> Result<Vec<(StoredEntry, Change)>, StorageError> {
        match self {
            Log::Sqlite(db) => db.tail(after),
            Log::Postgres(pg) => pg.tail(after),
        }
    }

    fn begin(&mut self) -> Result<(), StorageError> {
        match self {
            Log::Sqlite(db) => db.begin(),
            Log::Postgres(pg) => pg.begin(),
        }
    }

    fn abandon(&mut self) {
        match self {
            Log::Sqlite(db) => db.abandon(),
            Log::Postgres(pg) => pg.abandon(),
        }
    }
}
