//! Rapport's HTTP contract (docs/http-api.md, api/openapi.yaml) implemented once, with no
//! transport: a [`Request`] in, a [`Response`] and the [`Change`]s it produced out, over a
//! [`Storage`] for the log. The reference server wraps it in axum; the demo runs it in the
//! browser. Every rule it applies lives in `rapport-core`.

pub mod demo;
pub mod error;
pub mod events;
pub mod extract;
pub mod idempotency;
pub mod log;
pub mod messages;
mod routes;
pub mod signature;

pub use routes::not_allowed;
pub mod wire;

use chrono::{DateTime, Duration, Utc};
use rapport_core::access::Principal;
use rapport_core::seed::Origin;
use rapport_core::{invariants, Outcome, Store};

pub use error::{ApiError, ApiResult};
pub use log::{Change, Entry, MemoryLog, NewRow, SandboxEntry, Storage, StorageError, StoredEntry};
pub use wire::{Method, Request, Response};

/// Largest request body any endpoint reads.
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;

#[derive(Clone, Debug, Default)]
pub struct Options {
    /// When set, every request needs `Authorization: Bearer <token>`.
    pub token: Option<String>,
    /// Whether the trial endpoints (`/v1/sandbox/*`: clock, reset) answer.
    pub sandbox: bool,
    /// When set, `POST /v1/inbound` is the channel integrations' own door: it needs a signature
    /// made with this secret (see `signature`), and an agent's token does not open it.
    pub inbound_secret: Option<String>,
}

/// Who a request comes from, as the transport established it (the server checks credentials;
/// the service never sees a password or a session).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Caller {
    /// Nobody signs in (the demo, a sandbox server): `X-Agent-Id` names who acts, anywhere.
    Trial,
    /// A signed-in agent: they act as themselves, where `rapport_core::access` lets them.
    Signed(Principal),
    /// A channel integration on the signed webhook: `POST /v1/inbound` only.
    Integration,
}

/// What one request did: the response, and the events of what it changed (in `seq` order).
#[derive(Debug)]
pub struct Handled {
    pub response: Response,
    pub changes: Vec<Change>,
}

pub struct Service<S> {
    /// The store, the sandbox clock's lead, and the keyed writes answered, as of `state.seq`.
    state: log::Applied,
    storage: S,
    options: Options,
    /// Events of entries other instances stored, applied here and not yet handed out.
    unsent: Vec<Change>,
}

impl<S: Storage> Service<S> {
    /// Rebuilds the store from the origin and the storage's log.
    pub fn open(origin: Origin, storage: S, options: Options) -> Result<Service<S>, String> {
        let entries = storage
            .entries()
            .map_err(|e| format!("cannot read the stored changes: {e}"))?;
        let mut state = log::replay(&origin, &entries)?;
        // A reset's compaction may leave the log shorter than the events handed out.
        state.seq = state.seq.max(storage.last_seq().map_err(|e| e.to_string())?);
        Ok(Service {
            state,
            storage,
            options,
            unsent: Vec::new(),
        })
    }

    /// A service on a fresh seed over a storage whose log is empty: nothing to replay.
    pub fn seeded(origin: Origin, storage: S, options: Options) -> Service<S> {
        let mut state = log::Applied::fresh(origin);
        state.seq = storage.last_seq().unwrap_or(0);
        Service {
            state,
            storage,
            options,
            unsent: Vec::new(),
        }
    }

    /// Answers one request at wall-clock time `wall`, from nobody signed in (trial).
    pub fn handle(&mut self, wall: DateTime<Utc>, request: &Request) -> Handled {
        self.handle_as(wall, request, &Caller::Trial)
    }

    /// Answers one request from `caller`.
    pub fn handle_as(&mut self, wall: DateTime<Utc>, request: &Request, caller: &Caller) -> Handled {
        // Every answer shows what any instance stored before it: read your writes on any of them.
        if let Err(e) = self.catch_up() {
            return Handled {
                response: e.into_response(),
                changes: std::mem::take(&mut self.unsent),
            };
        }
        let mut ctx = routes::Ctx {
            service: self,
            now: wall,
            request,
            caller,
            changes: Vec::new(),
        };
        let response = routes::dispatch(&mut ctx).unwrap_or_else(ApiError::into_response);
        let written = std::mem::take(&mut ctx.changes);
        let mut changes = std::mem::take(&mut self.unsent);
        changes.extend(written);
        Handled { response, changes }
    }

    /// Applies what other instances stored since this one last looked, and hands out the events
    /// of it (in `seq` order) for this instance's live streams.
    pub fn sync(&mut self) -> ApiResult<Vec<Change>> {
        let caught = self.catch_up();
        let changes = std::mem::take(&mut self.unsent);
        caught.map(|()| changes)
    }

    /// Applies the entries stored after `state.seq`; their events wait in `unsent`.
    fn catch_up(&mut self) -> ApiResult<()> {
        let rows = self.storage.tail(self.state.seq).map_err(ApiError::internal)?;
        for (stored, change) in rows {
            if stored.seq <= self.state.seq {
                continue;
            }
            // An entry this instance's rules refuse: its store would part from the others'.
            self.state.apply(&stored).map_err(ApiError::internal)?;
            self.unsent.push(change);
        }
        Ok(())
    }

    /// `Err` when the request may not use the API at all: a missing or wrong token, or on the
    /// inbound webhook (when it has a secret) a missing, wrong or stale signature.
    pub fn authorize(&self, now: DateTime<Utc>, request: &Request) -> ApiResult<()> {
        self.authorize_at(now, request, signature::is_inbound(request))
    }

    /// `authorize`, told whether the request is an inbound delivery (by a caller that has split
    /// its path already).
    pub(crate) fn authorize_at(&self, now: DateTime<Utc>, request: &Request, inbound: bool) -> ApiResult<()> {
        match &self.options.inbound_secret {
            Some(secret) if inbound => signature::verify(secret, now, request),
            _ => self.authorize_token(request),
        }
    }

    /// The agents' token (when the server has one).
    fn authorize_token(&self, request: &Request) -> ApiResult<()> {
        let Some(token) = &self.options.token else {
            return Ok(());
        };
        // The scheme is case-insensitive (RFC 9110); the token is taken exactly as sent.
        let sent = extract::header_text(request, "authorization")
            .ok()
            .flatten()
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token);
        match sent {
            Some(s) if extract::same_secret(s.as_bytes(), token.as_bytes()) => Ok(()),
            _ => Err(ApiError::unauthorized()),
        }
    }

    pub fn store(&self) -> &Store {
        &self.state.store
    }

    pub fn storage(&self) -> &S {
        &self.storage
    }

    pub fn storage_mut(&mut self) -> &mut S {
        &mut self.storage
    }

    pub fn origin(&self) -> &Origin {
        &self.state.origin
    }

    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The service's time: the wall clock plus the sandbox's offset.
    pub fn now(&self, wall: DateTime<Utc>) -> DateTime<Utc> {
        wall + self.state.clock
    }

    pub fn clock_offset(&self) -> Duration {
        self.state.clock
    }

    pub fn commands_applied(&self) -> usize {
        self.state.commands
    }

    /// The `seq` of the last entry this service has applied.
    pub fn applied_seq(&self) -> u64 {
        self.state.seq
    }

    pub fn changes_after(&self, after: u64, limit: usize) -> ApiResult<Vec<Change>> {
        self.storage.changes_after(after, limit).map_err(ApiError::internal)
    }

    pub fn last_seq(&self) -> ApiResult<u64> {
        self.storage.last_seq().map_err(ApiError::internal)
    }

    /// Invariants broken after a replay, worded for a log.
    pub fn violations(&self) -> Vec<String> {
        invariants::violations(&self.state.store)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    /// The outcomes of the write answered under this idempotency key, if any.
    fn answered(&self, key: &idempotency::Keyed) -> ApiResult<Option<Vec<Outcome>>> {
        Ok(self.state.answered.get(key)?.map(<[Outcome]>::to_vec))
    }

    /// The one write path. `build` turns the current store into entries; all of them apply and
    /// are stored, or none. `respond` reads the result, so it shows this write. `key` (scoped,
    /// see `idempotency`) is stored with the entries and answers later repeats.
    fn write(
        &mut self,
        wall: DateTime<Utc>,
        key: Option<&idempotency::Keyed>,
        who: Option<&Principal>,
        build: impl FnOnce(&Store) -> ApiResult<Vec<Entry>>,
        respond: impl FnOnce(&Store, &[Outcome]) -> ApiResult<Response>,
    ) -> ApiResult<(Response, Vec<Change>)> {
        // Under the lock shared with other instances, the rules check the newest store.
        self.storage.begin().map_err(ApiError::internal)?;
        let written = self.catch_up().and_then(|()| self.write_locked(wall, key, who, build));
        match written {
            Ok((outcomes, changes)) => Ok((respond(&self.state.store, &outcomes)?, changes)),
            Err(e) => {
                self.storage.abandon();
                Err(e)
            }
        }
    }

    /// `write` with the lock held: the outcomes and their events; `append` releases the lock.
    fn write_locked(
        &mut self,
        wall: DateTime<Utc>,
        key: Option<&idempotency::Keyed>,
        who: Option<&Principal>,
        build: impl FnOnce(&Store) -> ApiResult<Vec<Entry>>,
    ) -> ApiResult<(Vec<Outcome>, Vec<Change>)> {
        let entries = build(&self.state.store)?;
        for entry in &entries {
            match (entry, who) {
                (Entry::Command(command), _) => {
                    rapport_core::limits::check(command)?;
                    // Checked against the store before the write: moving a conversation out of
                    // an inbox needs membership of the one it is in.
                    if let Some(who) = who {
                        who.may(&self.state.store, command)?;
                    }
                }
                (Entry::Sandbox(_), Some(_)) => return Err(ApiError::no_route()),
                (Entry::Sandbox(_), None) => {}
            }
        }
        let now = self.now(wall);
        let mut draft: Option<Store> = None;
        let mut outcomes = Vec::with_capacity(entries.len());
        let mut rows = Vec::with_capacity(entries.len());
        let mut clock = self.state.clock;
        let mut commands = self.state.commands;
        let several = entries.len() > 1;
        let via = who.and_then(|w| w.via.as_ref());
        let stamp = log::Stamp {
            key: key.map(idempotency::Keyed::stored),
            via: via.cloned(),
        };
        for entry in &entries {
            // Serialized first, so nothing can fail between changing memory and storing.
            let json = entry.to_json_stamped(&stamp).map_err(ApiError::internal)?;
            match entry {
                Entry::Command(command) => {
                    // Several commands are all-or-nothing, so they apply to a copy; one applies in
                    // place (`apply` leaves the store unchanged when it refuses).
                    let store = match (&mut draft, several) {
                        (Some(d), _) => d,
                        (None, true) => draft.insert(self.state.store.clone()),
                        (None, false) => &mut self.state.store,
                    };
                    let outcome = store.apply_via(now, command, via)?;
                    rows.push(log::row(store, command, json, &outcome));
                    outcomes.push(outcome);
                    commands += 1;
                }
                Entry::Sandbox(SandboxEntry::Clock { advance_ms }) => {
                    clock += Duration::milliseconds(*advance_ms);
                    rows.push(plain_row(json, false));
                }
                Entry::Sandbox(SandboxEntry::Reset { anchor }) => {
                    let mut origin = self.state.origin.clone();
                    origin.config.anchor = *anchor;
                    draft = Some(origin.build());
                    self.state.origin = origin;
                    clock = Duration::zero();
                    commands = 0;
                    rows.push(plain_row(json, true));
                }
            }
        }
        let changes = match self.storage.append(now, rows) {
            Ok(changes) => changes,
            Err(e) => {
                if draft.is_none() && !outcomes.is_empty() {
                    // Memory is ahead of storage: rebuild it from what was stored.
                    self.reload();
                }
                return Err(ApiError::internal(e));
            }
        };
        if let Some(d) = draft {
            self.state.store = d;
        }
        if entries
            .iter()
            .any(|e| matches!(e, Entry::Sandbox(SandboxEntry::Reset { .. })))
        {
            self.state.answered = idempotency::Answered::default();
        }
        if let Some(key) = key {
            for outcome in &outcomes {
                self.state.answered.push(now, key, outcome.clone());
            }
        }
        self.state.clock = clock;
        self.state.commands = commands;
        if let Some(last) = changes.last() {
            self.state.seq = last.seq;
        }
        Ok((outcomes, changes))
    }

    fn reload(&mut self) {
        match self
            .storage
            .entries()
            .map_err(|e| e.to_string())
            .and_then(|entries| log::replay(&self.state.origin, &entries))
        {
            Ok(r) => self.state = r,
            Err(e) => eprintln!("rapport: cannot rebuild the store: {e}"),
        }
    }
}

fn plain_row(entry: String, reset: bool) -> NewRow {
    NewRow {
        entry,
        customer_id: None,
        conversation_id: None,
        task_id: None,
        reset,
        directory: false,
    }
}
