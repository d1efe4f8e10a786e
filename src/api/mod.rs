//! The only module that does I/O. Components talk to an [`Api`] handle from context and never see
//! which backend answers: one client of the HTTP API ([`Backend`]) over either transport, a server
//! or the demo's copy of the same service running in this page.

mod client;
pub mod config;
#[cfg(feature = "inline-demo")]
mod demo;
pub mod live;
pub mod sse;
pub mod storage;
mod transport;
mod worker;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use rapport_core::{AgentId, Command, Conversation, CoreError, Customer, Outcome, Task, TimelineItem};
use thiserror::Error;

pub use client::{Backend, Sandbox, TokenInfo};
#[cfg(feature = "inline-demo")]
pub use demo::DemoBackend;
pub use rapport_service::demo::DemoSize;

/// Where the demo's organisation is saved.
pub const DEMO_KEY: &str = "rapport.demo";

/// The embedded demo: in a Web Worker, or in this page for the component tests.
pub fn embedded_demo(size: Option<DemoSize>) -> Backend {
    #[cfg(feature = "inline-demo")]
    return Backend::demo(DemoBackend::open_sized(DEMO_KEY, size));
    #[cfg(not(feature = "inline-demo"))]
    Backend::worker(DEMO_KEY, size)
}

/// The wall clock, from the browser.
pub fn wall_clock() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
}
pub use live::Live;
pub use transport::Fetch;

/// What can go wrong talking to a backend. `Clone` so views can keep and show it.
#[derive(Clone, Debug, PartialEq, Error)]
pub enum ApiError {
    /// The backend refused: a domain rule said no.
    #[error("{0}")]
    Refused(CoreError),
    /// Someone else changed it first.
    #[error("Someone else changed this conversation meanwhile; you are now seeing the latest state.")]
    Conflict,
    #[error("The server could not be reached. Check your connection and try again.")]
    Network(String),
    #[error("The server did not answer in time. Try again in a moment.")]
    Timeout,
    /// The server refused, with a reason meant for people.
    #[error("{detail}")]
    Rejected { code: String, detail: String },
    #[error("The server had a problem ({status}: {detail}). Try again in a moment.")]
    Http { status: u16, detail: String },
    #[error("The server sent something this app does not understand ({0}).")]
    Decode(String),
}

impl ApiError {
    /// A refusal that sending again cannot change (a rule said no), unlike a failure on the way
    /// or a conflict, which a retry or a fresh read can get past.
    pub fn is_permanent(&self) -> bool {
        match self {
            ApiError::Refused(_) => true,
            // Slow down, or sign in again: then the same request can go through.
            ApiError::Rejected { code, .. } => !matches!(
                code.as_str(),
                "rate_limited" | "unauthorized" | "sign_in_required" | "session_expired"
            ),
            _ => false,
        }
    }

    /// The server asks for a sign-in: there is no session, or it ended.
    pub fn signs_out(&self) -> bool {
        matches!(self, ApiError::Rejected { code, .. } if code == "sign_in_required" || code == "session_expired")
    }

    /// Asking again gets the same answer: a rule's refusal, or something that does not exist.
    pub fn is_final(&self) -> bool {
        self.is_permanent() || self.is_not_found()
    }

    /// What was asked for does not exist (a link to a customer who was never there, say).
    pub fn is_not_found(&self) -> bool {
        match self {
            ApiError::Refused(e) => e.code() == "not_found",
            ApiError::Rejected { code, .. } => code == "not_found",
            ApiError::Http { status, .. } => *status == 404,
            _ => false,
        }
    }
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::Conflict { .. } => ApiError::Conflict,
            other => ApiError::Refused(other),
        }
    }
}

/// Everything the customer page shows, in one read.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomerPage {
    pub customer: Customer,
    /// Oldest first.
    pub conversations: Vec<Conversation>,
    /// The newest part of the lifelong timeline, oldest first; earlier pages load on demand.
    /// Shared items: a refresh need not copy them.
    pub timeline: Vec<Arc<TimelineItem>>,
    /// Where to read the page before `timeline`; None when it starts at the very first item.
    pub earlier: Option<String>,
    /// How many items the whole timeline has, when the backend says.
    pub total: Option<usize>,
    pub tasks: Vec<Task>,
}

/// Timeline items read per request: enough for a screen of folded chapters, small enough that a
/// customer with years of history opens at once.
pub const TIMELINE_PAGE: usize = 200;

/// "Now" for every relative time on screen (ages, waiting times, due dates): it ticks every 30 s
/// and follows the backend's clock (the demo's moves with the trial controls), so no list shows
/// the age it had when it was opened.
#[derive(Clone, Copy)]
pub struct Now(RwSignal<DateTime<Utc>>);

impl Now {
    /// Every 30 s, and after every change (a move of the demo clock is one).
    pub fn provide(api: Api) -> Now {
        let now = Now(RwSignal::new(api.now()));
        let tick = move || {
            now.0.try_set(api.now());
        };
        // The app's whole life: the interval is never cancelled.
        gloo_timers::callback::Interval::new(30_000, tick).forget();
        Effect::new(move |_| {
            api.revision();
            tick();
        });
        provide_context(now);
        now
    }

    pub fn use_now() -> Now {
        // Provided by `App` at the root, with `Api`.
        expect_context::<Now>()
    }

    /// The current time (tracked: a view reading it is redrawn as it moves on).
    pub fn get(&self) -> DateTime<Utc> {
        self.0.get()
    }

    pub fn get_untracked(&self) -> DateTime<Utc> {
        self.0.get_untracked()
    }
}

/// A fresh idempotency key: 128 random bits as hex (`Math.random` is enough: keys are scoped to
/// the agent, and only need to differ between one agent's intents).
pub fn new_key() -> String {
    (0..4)
        .map(|_| format!("{:08x}", (js_sys::Math::random() * 4_294_967_296.0) as u32))
        .collect()
}

/// One page of a timeline, oldest first, read backwards from the newest item.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TimelinePage {
    pub items: Vec<Arc<TimelineItem>>,
    /// The cursor of the page before this one; None at the first item.
    pub earlier: Option<String>,
    pub total: Option<usize>,
}

/// Who may act, as the backend says (`GET /me`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Account {
    /// The demo, or a server without accounts (or not asked yet): anyone may act as any agent.
    Open,
    /// A server with accounts and no session (none yet, or it ended): the sign-in page.
    SignedOut,
    /// This agent, signed in: the desk is theirs, and nobody else's to act as.
    SignedIn(AgentId),
}

/// A `Copy` handle to the backend plus a revision counter that every write bumps, so reads that
/// depend on it refetch.
#[derive(Clone, Copy)]
pub struct Api {
    backend: StoredValue<Backend, LocalStorage>,
    revision: RwSignal<u64>,
    /// The conversation as the last write that returned one left it: a header adopts it at once,
    /// without waiting for the page to be read again (an Undo from a toast, say).
    written: RwSignal<Option<Conversation>>,
    pub live: RwSignal<Live>,
    pub account: RwSignal<Account>,
    /// Bumped when an event says the directory changed (an agent added, a membership).
    pub directory: RwSignal<u64>,
}

impl Api {
    pub fn new(backend: Backend) -> Self {
        let live = RwSignal::new(match backend.server() {
            None => Live::Local,
            Some(_) => Live::Connecting,
        });
        let account = RwSignal::new(Account::Open);
        // Drafts and unsent replies are kept (in storage and the outbox): only the desk goes.
        backend.on_signed_out(move || {
            // Once: the sign-in page is not made again by each 401 that follows.
            if account.try_with_untracked(|a| *a != Account::SignedOut) == Some(true) {
                account.try_set(Account::SignedOut);
            }
        });
        Api {
            backend: StoredValue::new_local(backend),
            revision: RwSignal::new(0),
            written: RwSignal::new(None),
            live,
            account,
            directory: RwSignal::new(0),
        }
    }

    /// Asks the backend who may act (see `Account`); the signed-in agent, when there is one.
    pub async fn check_account(self) -> Result<Option<AgentId>, ApiError> {
        let me = self.backend().me().await?;
        self.account
            .try_set(me.clone().map_or(Account::Open, Account::SignedIn));
        Ok(me)
    }

    /// Signs in and saves the session's token for this server; then ask `check_account` again.
    pub async fn sign_in(self, email: String, password: String) -> Result<(), ApiError> {
        let token = self.backend().sign_in(&email, &password).await?;
        if let Some(server) = self.server() {
            config::save_token(&server, &token);
        }
        Ok(())
    }

    /// Signs out here whatever the server says: the token is forgotten, the sign-in page shows.
    pub async fn sign_out(self) {
        let _ = self.backend().sign_out().await;
        self.signed_out_here();
    }

    /// Signs every session of the account out, this one too; here as `sign_out` once it has.
    pub async fn sign_out_everywhere(self) -> Result<(), ApiError> {
        self.backend().sign_out_everywhere().await?;
        self.signed_out_here();
        Ok(())
    }

    /// This browser forgets the server's token and shows the sign-in page.
    fn signed_out_here(self) {
        if let Some(server) = self.server() {
            config::save_token(&server, "");
        }
        self.account.try_set(Account::SignedOut);
    }

    /// Signed out (tracked).
    pub fn signed_out(&self) -> bool {
        self.account.with(|a| *a == Account::SignedOut)
    }

    /// Signed in (tracked).
    pub fn signed_in(&self) -> bool {
        self.account.with(|a| matches!(a, Account::SignedIn(_)))
    }

    /// Follows the server's event stream, for an HTTP backend; the other tabs' changes, for the
    /// demo.
    pub fn start_live(self) {
        let backend = self.backend();
        match backend.server() {
            Some(server) => live::start(self, server.clone()),
            None => backend.on_demo_change(move || self.changed()),
        }
    }

    pub fn provide(self) {
        provide_context(self);
    }

    pub fn use_api() -> Api {
        // Provided by `App` at the root; every component lives under it.
        expect_context::<Api>()
    }

    /// A clone of the backend, to move into a future.
    pub fn backend(&self) -> Backend {
        self.backend.get_value()
    }

    /// A read of the backend for a view: it runs again when `input` changes and after every
    /// change (a write here, or an event from elsewhere). The one way views read.
    pub fn read<K, T, F>(
        self,
        input: impl Fn() -> K + 'static,
        fetch: impl Fn(Backend, K) -> F + 'static,
    ) -> LocalResource<T>
    where
        K: 'static,
        T: 'static,
        F: std::future::Future<Output = T> + 'static,
    {
        LocalResource::new(move || {
            let key = input();
            self.revision();
            fetch(self.backend(), key)
        })
    }

    /// Reading this subscribes a view to every change.
    pub fn revision(&self) -> u64 {
        self.revision.get()
    }

    pub fn changed(&self) {
        self.revision.update(|r| *r += 1);
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.backend.with_value(|b| b.now())
    }

    /// Whether the backend is the embedded demo.
    pub fn is_demo(&self) -> bool {
        self.backend.with_value(Backend::is_demo)
    }

    /// Runs a write and, on success, tells every view to refresh.
    pub async fn execute(self, command: Command) -> Result<Outcome, ApiError> {
        self.refreshed(self.backend().execute(command).await)
    }

    /// `execute` under an idempotency key kept for this one intent (see `new_key`): a repeat
    /// with the same key (Retry, a second click) is answered with the first result.
    pub async fn execute_once(self, command: Command, key: &str) -> Result<Outcome, ApiError> {
        self.refreshed(self.backend().execute_once(command, key).await)
    }

    /// `execute`, and the conversation as the write left it (see `Backend::execute_returning`).
    pub async fn execute_returning(self, command: Command) -> Result<(Outcome, Option<Conversation>), ApiError> {
        let result = self.backend().execute_returning(command).await;
        if let Ok((_, Some(c))) = &result {
            self.written.set(Some(c.clone()));
        }
        self.refreshed(result)
    }

    /// See `written`; reading it subscribes.
    pub fn written(&self) -> Option<Conversation> {
        self.written.get()
    }

    fn refreshed<T>(self, result: Result<T, ApiError>) -> Result<T, ApiError> {
        if result.is_ok() {
            self.changed();
        }
        result
    }

    /// The server's address, for an HTTP backend.
    pub fn server(&self) -> Option<String> {
        self.backend.with_value(|b| b.server().map(|s| s.base().to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_rule_or_a_missing_thing_is_final() {
        let rejected = |code: &str| ApiError::Rejected {
            code: code.into(),
            detail: "x".into(),
        };
        assert!(ApiError::Refused(CoreError::AgentNotInInbox).is_permanent());
        assert!(rejected("conversation_closed").is_permanent());
        assert!(rejected("not_found").is_final());
        assert!(rejected("session_expired").signs_out());
        assert!(rejected("sign_in_required").signs_out());
        assert!(!rejected("bad_credentials").signs_out());
        assert!(!rejected("forbidden").signs_out());
        assert!(
            rejected("forbidden").is_permanent(),
            "a refusal by access control is shown, not retried"
        );
        for retryable in [
            rejected("rate_limited"),
            rejected("unauthorized"),
            rejected("sign_in_required"),
            rejected("session_expired"),
            ApiError::Conflict,
            ApiError::Timeout,
            ApiError::Network("down".into()),
            ApiError::Http {
                status: 500,
                detail: "x".into(),
            },
        ] {
            assert!(!retryable.is_final(), "{retryable:?}");
        }
    }
}
