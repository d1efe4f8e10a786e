//! PostgreSQL storage, shared by any number of server instances (`--db postgres://…`).
//!
//! The log is the same as SQLite's, in a table every instance reads: a write takes one advisory
//! lock in its transaction, applies what other instances stored since this one last looked, checks
//! the rules against that newest store, and stores its entries with the next `seq`s. `seq` is
//! therefore gap-free and in commit order, and an instance that has applied up to n misses
//! nothing by reading `seq > n`. A commit notifies the others (LISTEN/NOTIFY, see `listen`); they
//! also look every second, in case a notification was lost with a connection.

use std::cell::RefCell;
use std::time::Duration;

use chrono::{DateTime, Utc};
use postgres::{Client, NoTls, Row};
use rapport_service::log::{time_text, Change, NewRow, Storage, StorageError, StoredEntry};

use crate::db::Meta;

/// The channel commits are announced on.
pub const CHANNEL: &str = "rapport_changes";
/// The advisory lock every write takes (an arbitrary constant: "rapport" in ASCII).
const WRITE_LOCK: i64 = 0x0072_6170_706f_7274;
/// The advisory lock migrations and the first start take, so two instances never race them.
const SETUP_LOCK: i64 = WRITE_LOCK + 1;
/// How often an instance looks for other instances' entries without a notification.
pub const POLL: Duration = Duration::from_secs(1);

/// Versioned schema changes, applied in order, each once.
const MIGRATIONS: [(i32, &str); 2] = [
    (1, include_str!("../migrations/postgres/0001_log.sql")),
    (2, include_str!("../migrations/postgres/0002_accounts.sql")),
];

/// Whether `--db` names a PostgreSQL database rather than a SQLite file.
pub fn is_url(db: &str) -> bool {
    db.starts_with("postgres://") || db.starts_with("postgresql://")
}

/// The URL without its password, for messages and logs.
pub fn shown(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

fn failed(e: postgres::Error) -> StorageError {
    StorageError(e.to_string())
}

pub fn connect(url: &str) -> Result<Client, String> {
    Client::connect(url, NoTls).map_err(|e| format!("cannot connect to {}: {e}", shown(url)))
}

pub struct PgLog {
    // Storage reads take `&self`; the service is used by one thread at a time (behind its lock).
    client: RefCell<Client>,
    /// A write's transaction (with the write lock) is open.
    writing: bool,
}

impl PgLog {
    /// Connects and brings the schema up to date.
    pub fn open(url: &str) -> Result<PgLog, String> {
        let mut client = connect(url)?;
        migrate(&mut client).map_err(|e| format!("cannot set up the tables in {}: {e}", shown(url)))?;
        Ok(PgLog {
            client: RefCell::new(client),
            writing: false,
        })
    }

    pub fn meta(&self) -> Result<Option<Meta>, String> {
        Meta::read(|key| {
            self.client
                .borrow_mut()
                .query_opt("SELECT value FROM meta WHERE key = $1", &[&key])
                .map(|row| row.map(|r| r.get(0)))
                .map_err(|e| e.to_string())
        })
    }

    /// Stores `meta` unless another instance's first start stored one first; the stored one.
    pub fn init_meta(&mut self, meta: &Meta) -> Result<Meta, String> {
        {
            let client = self.client.get_mut();
            let mut tx = client.transaction().map_err(|e| e.to_string())?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SETUP_LOCK])
                .map_err(|e| e.to_string())?;
            let stored: i64 = tx
                .query_one("SELECT COUNT(*) FROM meta", &[])
                .map_err(|e| e.to_string())?
                .get(0);
            if stored == 0 {
                for (key, value) in meta.pairs() {
                    tx.execute("INSERT INTO meta (key, value) VALUES ($1, $2)", &[&key, &value])
                        .map_err(|e| e.to_string())?;
                }
            }
            tx.commit().map_err(|e| e.to_string())?;
        }
        self.meta()?
            .ok_or_else(|| "the meta just stored is not there".to_owned())
    }

    fn last(client: &mut Client) -> Result<u64, StorageError> {
        let row = client
            .query_one("SELECT COALESCE(MAX(seq), 0) FROM changes", &[])
            .map_err(failed)?;
        Ok(row.get::<_, i64>(0).unsigned_abs())
    }

    fn rollback(&mut self) {
        if std::mem::take(&mut self.writing) {
            // A broken connection rolls back by itself; nothing else to do with the error.
            let _ = self.client.get_mut().batch_execute("ROLLBACK");
        }
    }
}

/// Brings the schema up to date: each migration not applied yet, in order, once.
pub fn migrate(client: &mut Client) -> Result<(), postgres::Error> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SETUP_LOCK])?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS rapport_migrations (version INTEGER PRIMARY KEY)")?;
    for (version, sql) in MIGRATIONS {
        let done = tx
            .query_opt("SELECT 1 FROM rapport_migrations WHERE version = $1", &[&version])?
            .is_some();
        if !done {
            tx.batch_execute(sql)?;
            tx.execute("INSERT INTO rapport_migrations (version) VALUES ($1)", &[&version])?;
        }
    }
    tx.commit()
}

fn seq_of(row: &Row, column: usize) -> u64 {
    row.get::<_, i64>(column).unsigned_abs()
}

fn change_of(row: &Row, first: usize) -> Change {
    Change {
        seq: seq_of(row, 0),
        customer_id: row.get(first),
        conversation_id: row.get(first + 1),
        task_id: row.get(first + 2),
        reset: row.get(first + 3),
        directory: row.get(first + 4),
    }
}

fn as_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Storage for PgLog {
    fn entries(&self) -> Result<Vec<StoredEntry>, StorageError> {
        let rows = self
            .client
            .borrow_mut()
            .query("SELECT seq, at, entry FROM changes ORDER BY seq", &[])
            .map_err(failed)?;
        Ok(rows
            .iter()
            .map(|r| StoredEntry {
                seq: seq_of(r, 0),
                at: r.get(1),
                entry: r.get(2),
            })
            .collect())
    }

    fn append(&mut self, at: DateTime<Utc>, rows: Vec<NewRow>) -> Result<Vec<Change>, StorageError> {
        if !self.writing {
            self.begin()?;
        }
        let at = time_text(at);
        let stored = (|| {
            let client = self.client.get_mut();
            let mut seq = PgLog::last(client)?;
            let mut changes = Vec::with_capacity(rows.len());
            for row in rows {
                seq += 1;
                client
                    .execute(
                        "INSERT INTO changes (seq, at, entry, customer_id, conversation_id, task_id, reset, directory)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                        &[
                            &as_i64(seq),
                            &at,
                            &row.entry,
                            &row.customer_id,
                            &row.conversation_id,
                            &row.task_id,
                            &row.reset,
                            &row.directory,
                        ],
                    )
                    .map_err(failed)?;
                changes.push(Change {
                    seq,
                    customer_id: row.customer_id,
                    conversation_id: row.conversation_id,
                    task_id: row.task_id,
                    reset: row.reset,
                    directory: row.directory,
                });
            }
            // Delivered to the listeners when (and only if) the transaction commits.
            client
                .execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &seq.to_string()])
                .map_err(failed)?;
            client.batch_execute("COMMIT").map_err(failed)?;
            Ok(changes)
        })();
        match stored {
            Ok(changes) => {
                self.writing = false;
                Ok(changes)
            }
            Err(e) => {
                self.rollback();
                Err(e)
            }
        }
    }

    fn changes_after(&self, after: u64, limit: usize) -> Result<Vec<Change>, StorageError> {
        let rows = self
            .client
            .borrow_mut()
            .query(
                "SELECT seq, customer_id, conversation_id, task_id, reset, directory
                 FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2",
                &[&as_i64(after), &as_i64(limit as u64)],
            )
            .map_err(failed)?;
        Ok(rows.iter().map(|r| change_of(r, 1)).collect())
    }

    fn last_seq(&self) -> Result<u64, StorageError> {
        PgLog::last(&mut self.client.borrow_mut())
    }

    fn tail(&self, after: u64) -> Result<Vec<(StoredEntry, Change)>, StorageError> {
        let rows = self
            .client
            .borrow_mut()
            .query(
                "SELECT seq, at, entry, customer_id, conversation_id, task_id, reset, directory
                 FROM changes WHERE seq > $1 ORDER BY seq",
                &[&as_i64(after)],
            )
            .map_err(failed)?;
        Ok(rows
            .iter()
            .map(|r| {
                let entry = StoredEntry {
                    seq: seq_of(r, 0),
                    at: r.get(1),
                    entry: r.get(2),
                };
                (entry, change_of(r, 3))
            })
            .collect())
    }

    fn begin(&mut self) -> Result<(), StorageError> {
        self.rollback();
        let client = self.client.get_mut();
        client.batch_execute("BEGIN").map_err(failed)?;
        self.writing = true;
        if let Err(e) = client.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK]) {
            self.rollback();
            return Err(failed(e));
        }
        Ok(())
    }

    fn abandon(&mut self) {
        self.rollback();
    }
}

/// Waits for commits and calls `changed` with the newest `seq` they announced (None after `POLL`
/// without one, or after a lost connection), until `changed` says stop. A lost connection is
/// made again after a pause.
pub fn listen(url: &str, mut changed: impl FnMut(Option<u64>) -> bool) {
    use postgres::fallible_iterator::FallibleIterator;
    let seq = |n: &postgres::Notification| n.payload().parse::<u64>().ok();
    loop {
        match connect(url).and_then(|mut c| {
            c.batch_execute(&format!("LISTEN {CHANNEL}"))
                .map_err(|e| e.to_string())?;
            Ok(c)
        }) {
            Ok(mut client) => loop {
                let mut notifications = client.notifications();
                let heard = notifications.timeout_iter(POLL).next();
                // Those already waiting too: any number of them come down to one look at the log.
                let mut newest = heard.as_ref().ok().and_then(Option::as_ref).and_then(seq);
                let mut waiting = notifications.iter();
                while let Ok(Some(n)) = waiting.next() {
                    newest = newest.max(seq(&n));
                }
                if !changed(newest) {
                    return;
                }
                if heard.is_err() {
                    break;
                }
            },
            Err(e) => eprintln!("rapport-server: live changes from other instances: {e}"),
        }
        if !changed(None) {
            return;
        }
        std::thread::sleep(POLL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_url_is_shown_without_its_password() {
        assert_eq!(
            shown("postgres://rapport:s3cret@db.internal:5432/rapport"),
            "postgres://rapport:***@db.internal:5432/rapport"
        );
        assert_eq!(
            shown("postgres://rapport@%2Frun%2Fpg/desk"),
            "postgres://rapport@%2Frun%2Fpg/desk"
        );
        assert!(is_url("postgresql://x/y") && is_url("postgres://x/y"));
        assert!(!is_url("rapport.db") && !is_url("./postgres.db"));
    }

    #[test]
    fn the_migrations_are_numbered_in_order_from_one() {
        let versions: Vec<i32> = MIGRATIONS.iter().map(|(v, _)| *v).collect();
        assert_eq!(versions, (1..=MIGRATIONS.len() as i32).collect::<Vec<_>>());
    }
}
