//! The server's state: the in-memory store rebuilt from SQLite, the one write path, and the
//! broadcast of live events.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use rapport_core::seed::{self, SeedConfig, GENERATOR_VERSION};
use rapport_core::{invariants, Command, Outcome, Store};
use tokio::sync::{broadcast, watch};

use crate::db::{self, Change, Db, Meta, NewRow};
use crate::error::{ApiError, ApiResult};

/// The seed every new database starts from.
pub const SEED: u64 = 2026;

/// What `AppState::open` needs.
#[derive(Clone, Debug)]
pub struct Options {
    pub db: PathBuf,
    /// Conversations to seed a new database with (ignored for an existing one).
    pub conversations: usize,
    pub token: Option<String>,
    /// Built app to serve at `/`, if any.
    pub dist: Option<PathBuf>,
}

struct Inner {
    store: Store,
    db: Db,
    seed: SeedConfig,
}

#[derive(Clone)]
pub struct AppState {
    inner: Arc<Mutex<Inner>>,
    changes: broadcast::Sender<Change>,
    shutdown: Arc<watch::Sender<bool>>,
    pub token: Option<Arc<str>>,
    pub dist: Option<PathBuf>,
}

/// A clear reason the server cannot start.
#[derive(Debug)]
pub struct StartError(pub String);

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StartError {}

impl AppState {
    /// Opens (or creates and seeds) the database and rebuilds the store from it.
    pub fn open(options: &Options) -> Result<AppState, StartError> {
        let path = &options.db;
        let shown = path.display();
        let mut db = Db::open(path).map_err(|e| StartError(format!("cannot open the database {shown}: {e}")))?;
        let meta = match db
            .meta()
            .map_err(|e| StartError(format!("the database {shown} is not a Rapport database ({e})")))?
        {
            Some(meta) => meta,
            None => {
                let anchor = Utc::now()
                    .duration_trunc(TimeDelta::minutes(1))
                    .map_err(|e| StartError(format!("cannot read the clock: {e}")))?;
                let meta = Meta {
                    format: db::FORMAT,
                    generator: GENERATOR_VERSION,
                    seed: SEED,
                    conversations: options.conversations,
                    anchor,
                };
                db.init_meta(&meta)
                    .map_err(|e| StartError(format!("cannot write to the database {shown}: {e}")))?;
                meta
            }
        };
        if meta.format != db::FORMAT {
            return Err(StartError(format!(
                "the database {shown} has storage format {}, this server reads format {}; start with a new --db",
                meta.format,
                db::FORMAT
            )));
        }
        if meta.generator != GENERATOR_VERSION {
            return Err(StartError(format!(
                "the database {shown} was seeded by generator version {}, this server has version {}; \
                 its changes cannot be replayed on the new seed. Start with a new --db",
                meta.generator, GENERATOR_VERSION
            )));
        }
        let seed = SeedConfig {
            seed: meta.seed,
            conversations: meta.conversations,
            anchor: meta.anchor,
        };
        let store = replay(&db, &seed).map_err(|e| StartError(format!("the database {shown}: {e}")))?;
        for problem in invariants::violations(&store).iter().take(10) {
            // Serve the data anyway: refusing would lock people out of it; the log says what is off.
            eprintln!("rapport-server: warning: invariant broken after replay: {problem}");
        }
        let (changes, _) = broadcast::channel(1024);
        let (shutdown, _) = watch::channel(false);
        Ok(AppState {
            inner: Arc::new(Mutex::new(Inner { store, db, seed })),
            changes,
            shutdown: Arc::new(shutdown),
            token: options.token.as_deref().map(Arc::from),
            dist: options.dist.clone(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the store half-changed (`apply` changes it
        // only on success), so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn read<T>(&self, f: impl FnOnce(&Store) -> T) -> T {
        f(&self.lock().store)
    }

    /// The one write path. `build` turns the current store into commands (inside the lock, so
    /// what it read cannot change before they apply); all of them apply and are stored, or none.
    /// `respond` reads the result while still holding the lock, so it shows this write.
    pub fn write<T>(
        &self,
        build: impl FnOnce(&Store) -> ApiResult<Vec<Command>>,
        respond: impl FnOnce(&Store, &[Outcome]) -> ApiResult<T>,
    ) -> ApiResult<T> {
        let mut guard = self.lock();
        let inner = &mut *guard;
        let commands = build(&inner.store)?;
        let now = Utc::now();
        let (outcomes, changes) = match commands.as_slice() {
            [] => (Vec::new(), Vec::new()),
            [one] => {
                // Serialized first, so nothing can fail between changing memory and storing.
                let json = serde_json::to_string(one).map_err(ApiError::internal)?;
                // In place: cheap, and `apply` leaves the store unchanged when it refuses.
                let outcome = inner.store.apply(now, one)?;
                let rows = vec![row(&inner.store, one, json, &outcome)];
                match inner.db.insert(now, rows) {
                    Ok(changes) => (vec![outcome], changes),
                    Err(e) => {
                        // Memory is ahead of disk: rebuild it from what was stored.
                        match replay(&inner.db, &inner.seed) {
                            Ok(store) => inner.store = store,
                            Err(again) => eprintln!("rapport-server: cannot rebuild the store: {again}"),
                        }
                        return Err(ApiError::internal(e));
                    }
                }
            }
            many => {
                // Several commands are all-or-nothing: apply them to a copy first.
                let mut draft = inner.store.clone();
                let mut outcomes = Vec::with_capacity(many.len());
                let mut rows = Vec::with_capacity(many.len());
                for command in many {
                    let json = serde_json::to_string(command).map_err(ApiError::internal)?;
                    let outcome = draft.apply(now, command)?;
                    rows.push(row(&draft, command, json, &outcome));
                    outcomes.push(outcome);
                }
                let changes = inner.db.insert(now, rows).map_err(ApiError::internal)?;
                inner.store = draft;
                (outcomes, changes)
            }
        };
        for change in changes {
            // Sent inside the lock, so events go out in `seq` order. No subscriber is fine.
            let _ = self.changes.send(change);
        }
        respond(&inner.store, &outcomes)
    }

    /// One line for the log: where the data is and what it holds (never the token).
    pub fn describe(&self) -> String {
        let inner = self.lock();
        let changes = inner
            .db
            .last_seq()
            .map_or_else(|e| format!("unknown ({e})"), |n| n.to_string());
        format!(
            "seed {} with {} conversations at {}, {changes} stored changes{}",
            inner.seed.seed,
            inner.seed.conversations,
            db::time_text(inner.seed.anchor),
            if self.token.is_some() { ", token required" } else { "" }
        )
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.changes.subscribe()
    }

    pub fn changes_after(&self, after: u64, limit: usize) -> ApiResult<Vec<Change>> {
        self.lock().db.changes_after(after, limit).map_err(ApiError::internal)
    }

    pub fn last_seq(&self) -> ApiResult<u64> {
        self.lock().db.last_seq().map_err(ApiError::internal)
    }

    /// Resolves when the server is shutting down (ends live event streams).
    pub fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    pub fn begin_shutdown(&self) {
        self.shutdown.send_replace(true);
    }
}

/// The seed plus every stored command, applied in order at their stored times.
fn replay(db: &Db, seed: &SeedConfig) -> Result<Store, String> {
    let mut store = seed::generate(seed);
    let commands = db
        .commands()
        .map_err(|e| format!("cannot read the stored changes: {e}"))?;
    for stored in commands {
        let seq = stored.seq;
        let at: DateTime<Utc> =
            db::parse_time(&stored.at).ok_or_else(|| format!("change {seq} has an unreadable time `{}`", stored.at))?;
        let command: Command = serde_json::from_str(&stored.command)
            .map_err(|e| format!("change {seq} cannot be read by this server ({e}); start with a new --db"))?;
        store.apply(at, &command).map_err(|e| {
            format!(
                "change {seq} no longer applies ({}: {e}); this server's rules differ from the ones that \
                 accepted it. Start with a new --db (or an older server) — nothing was changed",
                e.code()
            )
        })?;
    }
    Ok(store)
}

/// The stored form of a command and the ids its event names, read after it applied.
fn row(store: &Store, command: &Command, json: String, outcome: &Outcome) -> NewRow {
    let mut customer = None;
    let mut conversation = None;
    let mut task = None;
    match command {
        Command::CreateCustomer { .. } => {}
        Command::Inbound { customer_id, .. }
        | Command::AddActivity { customer_id, .. }
        | Command::CreateTask { customer_id, .. } => customer = Some(customer_id.clone()),
        Command::Reply { conversation_id, .. }
        | Command::AddNote { conversation_id, .. }
        | Command::Assign { conversation_id, .. }
        | Command::SetStatus { conversation_id, .. }
        | Command::SetTopics { conversation_id, .. } => conversation = Some(conversation_id.clone()),
        Command::CommentTask { task_id, .. } | Command::SetTaskStatus { task_id, .. } => task = Some(task_id.clone()),
    }
    match outcome {
        Outcome::Customer { customer_id } => customer = Some(customer_id.clone()),
        Outcome::Conversation { conversation_id, .. } => conversation = Some(conversation_id.clone()),
        Outcome::Task { task_id } => task = Some(task_id.clone()),
        Outcome::Item { .. } => {}
    }
    if let Some(c) = &conversation {
        customer = customer.or_else(|| store.conversation(c).ok().map(|c| c.customer_id.clone()));
    }
    if let Some(t) = &task {
        customer = customer.or_else(|| store.task(t).ok().map(|t| t.customer_id.clone()));
    }
    if let Command::CreateTask { customer_id, .. } = command {
        // The new task's timeline item joins the customer's open conversation, if any.
        conversation = store.open_conversation_of(customer_id).map(|c| c.id.clone());
    }
    NewRow {
        command: json,
        customer_id: customer.map(|c| c.0.to_string()),
        conversation_id: conversation.map(|c| c.0.to_string()),
        task_id: task.map(|t| t.0.to_string()),
    }
}
