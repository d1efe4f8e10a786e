//! The only module that does I/O. Components talk to an [`Api`] handle from context and never see
//! which backend answers: the embedded demo store (default) or, later, an HTTP server.

pub mod config;
mod demo;
mod http;
pub mod live;
pub mod sse;
pub mod storage;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use rapport_core::query::{ConversationSummary, Counts, SearchResults, View};
use rapport_core::{
    AgentId, Command, Conversation, ConversationId, CoreError, Customer, CustomerId, Directory, Outcome, Task,
    TimelineItem,
};
use thiserror::Error;

pub use demo::{DemoBackend, DemoSize, DEFAULT_KEY as DEMO_KEY};
pub use http::HttpBackend;
pub use live::Live;

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
pub const TIMELINE_PAGE: usize = 500;

/// One page of a timeline, oldest first, read backwards from the newest item.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TimelinePage {
    pub items: Vec<Arc<TimelineItem>>,
    /// The cursor of the page before this one; None at the first item.
    pub earlier: Option<String>,
    pub total: Option<usize>,
}

#[derive(Clone)]
pub enum Backend {
    Demo(DemoBackend),
    Http(HttpBackend),
}

impl Backend {
    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Backend::Demo(d) => d.now(),
            Backend::Http(_) => DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default(),
        }
    }

    pub async fn directory(&self) -> Result<Directory, ApiError> {
        match self {
            Backend::Demo(d) => Ok(d.read(|s| s.directory.clone())),
            Backend::Http(h) => h.directory().await,
        }
    }

    pub async fn counts(&self, me: Option<AgentId>) -> Result<Counts, ApiError> {
        match self {
            Backend::Demo(d) => Ok(d.read(|s| rapport_core::query::counts(s, me.as_ref()))),
            Backend::Http(h) => h.counts(me).await,
        }
    }

    /// The ids of a view's conversations, in list order: cheap, so a list knows its length and
    /// order without reading every row.
    pub async fn order(&self, view: View, me: Option<AgentId>) -> Result<Vec<ConversationId>, ApiError> {
        match self {
            Backend::Demo(d) => Ok(d.read(|s| rapport_core::query::order(s, &view, me.as_ref()))),
            Backend::Http(h) => h.order(view, me).await,
        }
    }

    /// List rows for these ids, in that order; ids no longer known are left out.
    pub async fn summaries(&self, ids: Vec<ConversationId>) -> Result<Vec<ConversationSummary>, ApiError> {
        match self {
            Backend::Demo(d) => Ok(d.read(|s| rapport_core::query::summaries(s, &ids))),
            Backend::Http(h) => h.summaries(ids).await,
        }
    }

    pub async fn customer_page(&self, id: CustomerId) -> Result<CustomerPage, ApiError> {
        match self {
            Backend::Demo(d) => {
                let (customer, conversations, tasks) = d.read(|s| {
                    Ok::<_, CoreError>((
                        s.customer(&id)?.clone(),
                        s.conversations_of(&id).cloned().collect(),
                        s.tasks().filter(|t| t.customer_id == id).cloned().collect(),
                    ))
                })?;
                let page = d.timeline(&id, None, TIMELINE_PAGE)?;
                Ok(CustomerPage {
                    customer,
                    conversations,
                    timeline: page.items,
                    earlier: page.earlier,
                    total: page.total,
                    tasks,
                })
            }
            Backend::Http(h) => h.customer_page(id).await,
        }
    }

    /// The page of the customer's timeline before `before` (a cursor from an earlier read).
    pub async fn timeline(&self, id: CustomerId, before: String) -> Result<TimelinePage, ApiError> {
        match self {
            Backend::Demo(d) => d.timeline(&id, Some(&before), TIMELINE_PAGE),
            Backend::Http(h) => h.timeline(&id, Some(&before)).await,
        }
    }

    pub async fn search(&self, query: String) -> Result<SearchResults, ApiError> {
        match self {
            Backend::Demo(d) => Ok(d.read(|s| rapport_core::query::search(s, &query, 20))),
            Backend::Http(h) => h.search(query).await,
        }
    }

    /// Open and closed tasks assigned to `agent`, soonest due first, with the customer's name.
    pub async fn tasks_for(&self, agent: AgentId) -> Result<Vec<(Task, String)>, ApiError> {
        match self {
            Backend::Demo(d) => Ok(d.read(|s| {
                let mut list: Vec<(Task, String)> = s
                    .tasks()
                    .filter(|t| t.assignee.agent_id.as_ref() == Some(&agent))
                    .map(|t| {
                        (
                            t.clone(),
                            s.customer(&t.customer_id).map(|c| c.name.clone()).unwrap_or_default(),
                        )
                    })
                    .collect();
                list.sort_by_key(|(t, _)| t.due_at);
                list
            })),
            Backend::Http(h) => h.tasks_for(agent).await,
        }
    }

    /// Performs one write. Every change the app makes goes through here.
    pub async fn execute(&self, command: Command) -> Result<Outcome, ApiError> {
        match self {
            Backend::Demo(d) => d.execute(command),
            Backend::Http(h) => h.execute(command).await,
        }
    }
}

/// A `Copy` handle to the backend plus a revision counter that every write bumps, so reads that
/// depend on it refetch.
#[derive(Clone, Copy)]
pub struct Api {
    backend: StoredValue<Backend, LocalStorage>,
    revision: RwSignal<u64>,
    pub live: RwSignal<Live>,
}

impl Api {
    pub fn new(backend: Backend) -> Self {
        let live = RwSignal::new(match backend {
            Backend::Demo(_) => Live::Local,
            Backend::Http(_) => Live::Connecting,
        });
        Api {
            backend: StoredValue::new_local(backend),
            revision: RwSignal::new(0),
            live,
        }
    }

    /// Follows the server's event stream, for an HTTP backend.
    pub fn start_live(self) {
        if let Backend::Http(h) = self.backend() {
            live::start(self, h);
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

    pub fn demo(&self) -> Option<DemoBackend> {
        self.backend.with_value(|b| match b {
            Backend::Demo(d) => Some(d.clone()),
            Backend::Http(_) => None,
        })
    }

    /// Runs a write and, on success, tells every view to refresh.
    pub async fn execute(self, command: Command) -> Result<Outcome, ApiError> {
        let result = self.backend().execute(command).await;
        if result.is_ok() {
            self.changed();
        }
        result
    }

    /// The server's address, for an HTTP backend.
    pub fn server(&self) -> Option<String> {
        self.backend.with_value(|b| match b {
            Backend::Demo(_) => None,
            Backend::Http(h) => Some(h.base().to_owned()),
        })
    }
}
