//! The server's state: the service over SQLite behind one lock, and the broadcast of live events.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DurationRound, TimeDelta, Utc};
use rapport_core::seed::{Origin, SeedConfig, GENERATOR_VERSION};
use rapport_core::snapshot::Snapshot;
use rapport_core::Store;
use rapport_service::log::time_text;
use rapport_service::{ApiResult, Caller, Change, Request, Response, Service};
use tokio::sync::{broadcast, watch};

use crate::accounts::Accounts;
use crate::db::{self, Db, Meta};
use crate::engine::Log;
use crate::guard::Streams;

/// The seed every new database starts from.
pub const SEED: u64 = 2026;

/// What `AppState::open` needs.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The SQLite file (when `postgres` is None).
    pub db: PathBuf,
    /// A PostgreSQL database (`postgres://…`) to keep the log in instead, shared with any number
    /// of instances.
    pub postgres: Option<String>,
    /// Conversations to seed a new database with (ignored for an existing one).
    pub conversations: usize,
    pub token: Option<String>,
    /// Built app to serve at `/`, if any.
    pub dist: Option<PathBuf>,
    /// Answer the trial endpoints (`/api/v1/sandbox/*`).
    pub sandbox: bool,
    /// Start a new database from this organisation (JSON) instead of the generated seed.
    pub snapshot: Option<PathBuf>,
    /// The channel integrations' secret: `/api/v1/inbound` then takes signed deliveries only.
    pub inbound_secret: Option<String>,
    /// Browser origins (`https://desk.example`) allowed to call the API from another origin.
    pub allowed_origins: Vec<String>,
    /// Live event streams open at once, in all (`guard::MAX_STREAMS` when None).
    pub max_streams: Option<usize>,
    /// How long a request's body may take to arrive (`guard::REQUEST_DEADLINE` when None).
    pub request_deadline: Option<std::time::Duration>,
    /// How long its head may take (`guard::HEAD_DEADLINE` when None).
    pub head_deadline: Option<std::time::Duration>,
    /// Requests per second per address (`guard::RATE` when None, none at all when 0) and the
    /// burst allowed above it (`guard::BURST` when None).
    pub rate_limit: Option<u32>,
    pub rate_burst: Option<u32>,
}

impl Options {
    /// The accounts beside the log: in the SQLite file, or in the PostgreSQL database.
    pub fn accounts(&self) -> Result<Accounts, String> {
        match &self.postgres {
            Some(url) => Accounts::postgres(url),
            None => Accounts::open(&self.db),
        }
    }

    /// Where the data is, for messages (never a password).
    pub fn shown_db(&self) -> String {
        match &self.postgres {
            Some(url) => crate::pg::shown(url),
            None => self.db.display().to_string(),
        }
    }
}

/// The text of the organisation in `file`.
fn snapshot_text(file: &std::path::Path) -> Result<String, StartError> {
    std::fs::read_to_string(file)
        .map_err(|e| StartError(format!("cannot read the organisation {}: {e}", file.display())))
}

/// The organisation in `file`: its text (to store) and the store it describes.
fn read_snapshot(file: &std::path::Path) -> Result<(String, Store), StartError> {
    let text = snapshot_text(file)?;
    let store = parse_snapshot(&text).map_err(|e| StartError(format!("{}: {e}", file.display())))?;
    Ok((text, store))
}

/// The store an organisation given as JSON describes, or why it is not one.
fn parse_snapshot(text: &str) -> Result<Store, String> {
    let snapshot: Snapshot = serde_json::from_str(text).map_err(|e| format!("not an organisation: {e}"))?;
    snapshot.into_store().map_err(|problems| {
        let shown: Vec<&str> = problems.iter().take(10).map(String::as_str).collect();
        format!("the organisation breaks the rules: {}", shown.join("; "))
    })
}

#[derive(Clone)]
pub struct AppState {
    service: Arc<Mutex<Service<Log>>>,
    changes: broadcast::Sender<Change>,
    shutdown: Arc<watch::Sender<bool>>,
    pub dist: Option<PathBuf>,
    pub allowed_origins: Vec<String>,
    pub streams: Streams,
    pub request_deadline: std::time::Duration,
    pub head_deadline: std::time::Duration,
    pub rate_limit: Option<crate::guard::RateLimit>,
    /// When the database has accounts: every request signs in, and acts as who signed in.
    pub accounts: Option<Arc<Accounts>>,
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
        let shown = options.shown_db();
        let mut db = match &options.postgres {
            Some(url) => Log::Postgres(Box::new(crate::pg::PgLog::open(url).map_err(StartError)?)),
            None => {
                Log::Sqlite(Db::open(path).map_err(|e| StartError(format!("cannot open the database {shown}: {e}")))?)
            }
        };
        // The organisation a new database starts from, read and checked once.
        let mut given: Option<Store> = None;
        let meta = match db
            .meta()
            .map_err(|e| StartError(format!("the database {shown} is not a Rapport database ({e})")))?
        {
            Some(meta) => {
                if let Some(file) = &options.snapshot {
                    // Only compared: the stored text is what is read (and checked) below.
                    let text = snapshot_text(file)?;
                    if meta.snapshot.as_deref() != Some(text.as_str()) {
                        return Err(StartError(format!(
                            "the database {shown} did not start from {}; start with a new --db to use it",
                            file.display()
                        )));
                    }
                }
                meta
            }
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
                    snapshot: match options.snapshot.as_deref() {
                        Some(file) => {
                            let (text, store) = read_snapshot(file)?;
                            given = Some(store);
                            Some(text)
                        }
                        None => None,
                    },
                };
                db.init_meta(meta)
                    .map_err(|e| StartError(format!("cannot write to the database {shown}: {e}")))?
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
        let origin = Origin {
            config: SeedConfig {
                seed: meta.seed,
                conversations: meta.conversations,
                anchor: meta.anchor,
            },
            heavy_customer_items: None,
            snapshot: match (given, &meta.snapshot) {
                (Some(store), _) => Some(Arc::new(store)),
                (None, Some(text)) => Some(Arc::new(
                    parse_snapshot(text).map_err(|e| StartError(format!("{shown}: {e}")))?,
                )),
                (None, None) => None,
            },
        };
        let accounts = options
            .accounts()
            .map_err(|e| StartError(format!("cannot open the accounts in {shown}: {e}")))?;
        let signs_in = accounts
            .any()
            .map_err(|e| StartError(format!("cannot read the accounts in {shown}: {e}")))?;
        if signs_in && options.sandbox {
            return Err(StartError(format!(
                "the database {shown} has accounts, and a --sandbox server is a trial with no sign-in: \
                 use a database without accounts for the sandbox"
            )));
        }
        if signs_in && options.token.is_some() {
            return Err(StartError(format!(
                "the database {shown} has accounts, so agents sign in and integrations use personal tokens: \
                 --token (RAPPORT_TOKEN) is only for a server without accounts"
            )));
        }
        let service_options = rapport_service::Options {
            token: options.token.clone(),
            sandbox: options.sandbox,
            inbound_secret: options.inbound_secret.clone(),
        };
        let service = Service::open(origin, db, service_options)
            .map_err(|e| StartError(format!("the database {shown}: {}", e.replace("new data", "a new --db"))))?;
        for problem in service.violations().iter().take(10) {
            // Serve the data anyway: refusing would lock people out of it; the log says what is off.
            eprintln!("rapport-server: warning: invariant broken after replay: {problem}");
        }
        let (changes, _) = broadcast::channel(1024);
        let (shutdown, _) = watch::channel(false);
        let state = AppState {
            service: Arc::new(Mutex::new(service)),
            changes,
            shutdown: Arc::new(shutdown),
            dist: options.dist.clone(),
            allowed_origins: options.allowed_origins.clone(),
            streams: Streams::with_max(options.max_streams.unwrap_or(crate::guard::MAX_STREAMS)),
            request_deadline: options.request_deadline.unwrap_or(crate::guard::REQUEST_DEADLINE),
            head_deadline: options.head_deadline.unwrap_or(crate::guard::HEAD_DEADLINE),
            rate_limit: crate::guard::RateLimit::new(
                options.rate_limit.unwrap_or(crate::guard::RATE),
                options.rate_burst.unwrap_or(crate::guard::BURST),
            ),
            accounts: signs_in.then(|| Arc::new(accounts)),
        };
        if let Some(url) = &options.postgres {
            state.follow(url.clone())?;
        }
        Ok(state)
    }

    /// Applies other instances' writes as they commit, so this instance's live streams carry
    /// them too; ends when the server shuts down.
    fn follow(&self, url: String) -> Result<(), StartError> {
        let state = self.clone();
        std::thread::Builder::new()
            .name("rapport-follow".to_owned())
            .spawn(move || {
                crate::pg::listen(&url, |heard| {
                    if state.stopping() {
                        return false;
                    }
                    if let Err(e) = state.sync(heard) {
                        eprintln!("rapport-server: cannot apply other instances' changes: {}", e.detail);
                    }
                    true
                });
            })
            .map(drop)
            .map_err(|e| StartError(format!("cannot start following other instances: {e}")))
    }

    fn lock(&self) -> MutexGuard<'_, Service<Log>> {
        // A panic while holding the lock cannot leave the store half-changed (a write changes it
        // only once everything applied and was stored), so a poisoned lock is still usable.
        self.service.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Answers one API request; its events go out to every live stream.
    pub fn handle(&self, request: &Request) -> Response {
        self.handle_as(request, &Caller::Trial)
    }

    /// `handle` for a request from `caller`.
    pub fn handle_as(&self, request: &Request, caller: &Caller) -> Response {
        let mut service = self.lock();
        let handled = service.handle_as(Utc::now(), request, caller);
        for change in handled.changes {
            // Sent inside the lock, so events go out in `seq` order. No subscriber is fine.
            let _ = self.changes.send(change);
        }
        handled.response
    }

    /// Whether a request may use the API (the token, when the server has one).
    pub fn authorize(&self, request: &Request) -> ApiResult<()> {
        self.lock().authorize(Utc::now(), request)
    }

    /// Whether `/v1/inbound` takes signed deliveries (and no agent's credential).
    pub fn inbound_signed(&self) -> bool {
        self.lock().options().inbound_secret.is_some()
    }

    pub fn read<T>(&self, f: impl FnOnce(&Store) -> T) -> T {
        f(self.lock().store())
    }

    /// One line for the log: where the data is and what it holds (never the token).
    pub fn describe(&self) -> String {
        let service = self.lock();
        let changes = service
            .last_seq()
            .map_or_else(|e| format!("unknown ({})", e.detail), |n| n.to_string());
        let config = &service.origin().config;
        let options = service.options();
        format!(
            "seed {} with {} conversations at {}, {changes} stored changes{}{}",
            config.seed,
            config.conversations,
            time_text(config.anchor),
            if self.accounts.is_some() {
                ", agents sign in"
            } else if options.token.is_some() {
                ", no accounts (trial), token required"
            } else {
                ", no accounts: a trial where anyone who reaches it acts as any agent"
            },
            if options.sandbox { ", sandbox endpoints on" } else { "" },
        )
    }

    /// Applies what other instances stored and sends their events to this one's live streams.
    /// `heard`: the newest `seq` a commit announced; nothing to read when this instance has
    /// applied it already (its own writes are announced to it too).
    pub fn sync(&self, heard: Option<u64>) -> ApiResult<()> {
        let mut service = self.lock();
        if heard.is_some_and(|seq| seq <= service.applied_seq()) {
            return Ok(());
        }
        for change in service.sync()? {
            let _ = self.changes.send(change);
        }
        Ok(())
    }

    /// Whether the server is shutting down.
    pub fn stopping(&self) -> bool {
        *self.shutdown.borrow()
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.changes.subscribe()
    }

    pub fn changes_after(&self, after: u64, limit: usize) -> ApiResult<Vec<Change>> {
        self.lock().changes_after(after, limit)
    }

    pub fn last_seq(&self) -> ApiResult<u64> {
        self.lock().last_seq()
    }

    /// Resolves when the server is shutting down (ends live event streams).
    pub fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    pub fn begin_shutdown(&self) {
        self.shutdown.send_replace(true);
    }
}
