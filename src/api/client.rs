//! The one client of the HTTP API (`docs/http-api.md`), whatever answers it: a server over
//! `fetch`, or the demo's service in this page (see `transport`). Paths, bodies, errors and
//! decoding exist here once for both.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;

use chrono::{DateTime, Duration, Utc};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use rapport_core::query::{ConversationSummary, Counts, SearchResults, View};
use rapport_core::{
    Agent, AgentId, Answer, Command, Conversation, ConversationId, Customer, CustomerId, Directory, Inbox, Outcome,
    Routing, Task, Team, TimelineItem, Topic,
};
use rapport_service::Method;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::json;

#[cfg(feature = "inline-demo")]
use super::demo::DemoBackend;
use super::transport::{Call, Fetch, Reply, Transport};
use super::wall_clock;
use super::worker::WorkerDemo;
use super::{ApiError, CustomerPage, TimelinePage, TIMELINE_PAGE};

/// Most ids one `GET /conversations?ids=` may carry (the documented server limit).
const IDS_PER_REQUEST: usize = 200;

#[derive(Clone)]
pub struct Backend {
    transport: Transport,
    /// Shared by every clone: what this client learned about a server without the ids extension.
    legacy: Rc<Legacy>,
    /// How far the backend's clock runs ahead of this browser's (the sandbox can move it).
    clock_ms: Rc<Cell<i64>>,
    /// The idempotency key its writes carry (set by `execute_once` on a copy).
    key: Option<String>,
    /// Where a write answered with a conversation puts it (set by `execute_returning` on a copy).
    written: Option<Rc<RefCell<Option<Conversation>>>>,
    /// Shared by every clone: the sign-in state of a server with accounts.
    auth: Rc<Auth>,
}

#[derive(Default)]
struct Auth {
    /// Signed in: the session says who acts, so writes carry no `X-Agent-Id`.
    signed_in: Cell<bool>,
    /// Told when the server says the session is missing or over.
    on_signed_out: RefCell<Option<Box<dyn Fn()>>>,
}

/// The trial state of a backend with the sandbox endpoints (the demo, a `--sandbox` server).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sandbox {
    pub clock_offset_ms: i64,
    /// Changes accepted since the seed (or the latest reset).
    pub changes: usize,
}

/// Fallback for servers that only speak the paged list: `order` reads whole views and keeps their
/// rows here, so `summaries` can answer without asking the server for what it cannot serve.
#[derive(Default)]
struct Legacy {
    /// Set once `conversation-ids` answered 404.
    active: Cell<bool>,
    /// Rows of every view read so far; the latest read of a conversation wins.
    rows: RefCell<HashMap<ConversationId, ConversationSummary>>,
}

impl fmt::Debug for Legacy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Legacy")
            .field("active", &self.active.get())
            .field("rows", &self.rows.try_borrow().map(|r| r.len()).ok())
            .finish()
    }
}

#[derive(Deserialize)]
struct ErrorBody {
    errors: Vec<ErrorEntry>,
}

#[derive(Deserialize)]
struct ErrorEntry {
    #[serde(default)]
    code: String,
    #[serde(default)]
    detail: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Page<T> {
    items: Vec<T>,
    #[serde(default)]
    next_cursor: Option<String>,
    /// How many there are in all (the timeline's extension); other lists leave it out.
    #[serde(default)]
    total: Option<usize>,
}

#[derive(Deserialize)]
struct IdList {
    ids: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TaskWithCustomer {
    #[serde(flatten)]
    task: Task,
    #[serde(default)]
    customer_name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InboundResult {
    conversation_id: rapport_core::ConversationId,
    routing: Routing,
}

#[derive(Deserialize)]
struct Organization {
    #[serde(default)]
    name: String,
}

/// A path segment percent-encoded: everything but RFC 3986's unreserved characters.
fn enc(s: &str) -> String {
    const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
    utf8_percent_encode(s, SEGMENT).to_string()
}

impl Backend {
    pub fn http(base: &str, token: Option<String>) -> Self {
        Self::over(Transport::Fetch(Fetch::new(base, token)))
    }

    /// The demo in a Web Worker, on the organisation saved under `key`.
    pub fn worker(key: &str, size: Option<rapport_service::demo::DemoSize>) -> Self {
        let clock_ms = Rc::new(Cell::new(0));
        let demo = WorkerDemo::start(key, size, clock_ms.clone());
        Backend {
            transport: Transport::Worker(demo),
            legacy: Rc::default(),
            clock_ms,
            key: None,
            written: None,
            auth: Rc::default(),
        }
    }

    /// The demo in this page (component tests).
    #[cfg(feature = "inline-demo")]
    pub fn demo(demo: DemoBackend) -> Self {
        let backend = Self::over(Transport::Demo(demo.clone()));
        backend.clock_ms.set(demo.clock_offset_ms());
        backend
    }

    fn over(transport: Transport) -> Self {
        Backend {
            transport,
            legacy: Rc::default(),
            clock_ms: Rc::default(),
            key: None,
            written: None,
            auth: Rc::default(),
        }
    }

    /// The server this client talks to over `fetch`; None for the demo.
    pub fn server(&self) -> Option<&Fetch> {
        match &self.transport {
            Transport::Fetch(f) => Some(f),
            _ => None,
        }
    }

    /// Runs `f` whenever another tab changes the demo (None to do for a server or the in-page demo,
    /// whose changes come from this page only).
    pub fn on_demo_change(&self, f: impl Fn() + 'static) {
        if let Transport::Worker(w) = &self.transport {
            w.on_change(f);
        }
    }

    /// Whether this is the embedded demo (in a worker or, in tests, in the page).
    pub fn is_demo(&self) -> bool {
        self.server().is_none()
    }

    /// What happened to the demo's saved data, once (None for a server).
    pub async fn take_notice(&self) -> Option<String> {
        match &self.transport {
            Transport::Fetch(_) => None,
            Transport::Worker(w) => w.take_notice().await,
            #[cfg(feature = "inline-demo")]
            Transport::Demo(d) => d.take_notice(),
        }
    }

    /// The backend's time: this browser's clock plus the sandbox's offset, as last read.
    pub fn now(&self) -> DateTime<Utc> {
        wall_clock() + Duration::milliseconds(self.clock_ms.get())
    }

    /// How far the backend's clock runs ahead of this browser's, as last read.
    pub fn clock_offset(&self) -> Duration {
        Duration::milliseconds(self.clock_ms.get())
    }

    /// Sends one call; every HTTP status but 2xx becomes an `ApiError`.
    async fn send(&self, call: Call) -> Result<Reply, ApiError> {
        let reply = self.transport.send(call).await?;
        if reply.ok() {
            Ok(reply)
        } else {
            Err(self.failed(&reply))
        }
    }

    /// `failure`, noticing when the server says the session is missing or over.
    fn failed(&self, reply: &Reply) -> ApiError {
        let error = failure(reply);
        self.check_session(&error);
        error
    }

    /// Runs `f` whenever a request is answered "sign in" (`ApiError::signs_out`).
    pub fn on_signed_out(&self, f: impl Fn() + 'static) {
        *self.auth.on_signed_out.borrow_mut() = Some(Box::new(f));
    }

    /// Tells `on_signed_out` when `error` says the session is missing or over.
    pub fn check_session(&self, error: &ApiError) {
        if error.signs_out() {
            self.auth.signed_in.set(false);
            if let Some(f) = &*self.auth.on_signed_out.borrow() {
                f();
            }
        }
    }

    /// Who is signed in (`GET /me`); None for the demo or a server without accounts, where any
    /// agent may act.
    pub async fn me(&self) -> Result<Option<AgentId>, ApiError> {
        if self.is_demo() {
            return Ok(None);
        }
        let reply = self.transport.send(Call::new(Method::Get, "/me".into())).await?;
        let me = signed_in(&reply);
        if let Err(e) = &me {
            self.check_session(e);
        }
        self.auth.signed_in.set(matches!(me, Ok(Some(_))));
        me
    }

    /// Signs in (`POST /session`): every request from now on carries the new session's token,
    /// which is returned to be saved.
    pub async fn sign_in(&self, email: &str, password: &str) -> Result<String, ApiError> {
        let mut call = Call::new(Method::Post, "/session".into());
        call.body = Some(json!({ "email": email, "password": password }));
        let token = session_token(&self.transport.send(call).await?)?;
        if let Some(server) = self.server() {
            server.set_token(Some(token.clone()));
        }
        Ok(token)
    }

    /// Ends this session on the server (`DELETE /session`) and stops sending its token, whatever
    /// the server answered.
    pub async fn sign_out(&self) -> Result<(), ApiError> {
        let result = self.send(Call::new(Method::Delete, "/session".into())).await;
        self.forget_session();
        result.map(drop)
    }

    /// Ends every session of the account, this one too (`DELETE /sessions`). Kept here when that
    /// fails, so the agent can try again.
    pub async fn sign_out_everywhere(&self) -> Result<(), ApiError> {
        self.send(Call::new(Method::Delete, "/sessions".into())).await?;
        self.forget_session();
        Ok(())
    }

    fn forget_session(&self) {
        if let Some(server) = self.server() {
            server.set_token(None);
        }
        self.auth.signed_in.set(false);
    }

    /// `POST /me/password`; the server ends the account's other sessions.
    pub async fn change_password(&self, current: &str, new: &str) -> Result<(), ApiError> {
        let mut call = Call::new(Method::Post, "/me/password".into());
        call.body = Some(json!({ "currentPassword": current, "newPassword": new }));
        self.send(call).await.map(drop)
    }

    /// The account's personal API tokens (`GET /me/tokens`), never their secrets.
    pub async fn tokens(&self) -> Result<Vec<TokenInfo>, ApiError> {
        #[derive(serde::Deserialize)]
        struct Tokens {
            tokens: Vec<TokenInfo>,
        }
        Ok(self.get::<Tokens>("/me/tokens").await?.tokens)
    }

    /// A new personal token named `name`: its secret, shown once.
    pub async fn create_token(&self, name: &str) -> Result<String, ApiError> {
        let mut call = Call::new(Method::Post, "/me/tokens".into());
        call.body = Some(json!({ "name": name }));
        text_at(&self.send(call).await?, "", "token")
    }

    pub async fn revoke_token(&self, id: &str) -> Result<(), ApiError> {
        let target = format!("/me/tokens/{}", enc(id));
        self.send(Call::new(Method::Delete, target)).await.map(drop)
    }

    async fn get<T: DeserializeOwned>(&self, target: &str) -> Result<T, ApiError> {
        decode(&self.send(Call::new(Method::Get, target.to_owned())).await?)
    }

    async fn write(
        &self,
        method: Method,
        target: String,
        agent: Option<&AgentId>,
        version: Option<u64>,
        body: serde_json::Value,
    ) -> Result<Reply, ApiError> {
        let mut call = Call::new(method, target);
        if let Some(a) = agent.filter(|_| !self.auth.signed_in.get()) {
            call.headers.push(("X-Agent-Id", a.as_str().to_owned()));
        }
        if let Some(key) = &self.key {
            call.headers.push(("Idempotency-Key", key.clone()));
        }
        if let Some(v) = version {
            call.headers.push(("If-Match", format!("\"{v}\"")));
        }
        call.body = Some(body);
        let reply = self.send(call).await?;
        if let Some(sink) = &self.written {
            *sink.borrow_mut() = serde_json::from_str::<Conversation>(&reply.text).ok();
        }
        Ok(reply)
    }

    /// The sandbox's state; `Ok(None)` for a backend without the trial endpoints.
    pub async fn sandbox(&self) -> Result<Option<Sandbox>, ApiError> {
        let reply = self.transport.send(Call::new(Method::Get, "/sandbox".into())).await?;
        if reply.status == 404 {
            return Ok(None);
        }
        if !reply.ok() {
            return Err(self.failed(&reply));
        }
        let state: Sandbox = decode(&reply)?;
        self.clock_ms.set(state.clock_offset_ms);
        Ok(Some(state))
    }

    /// Moves the backend's clock forward (a trial of the reopen window, say).
    pub async fn advance_clock(&self, by: Duration) -> Result<Sandbox, ApiError> {
        let body = json!({ "advanceMs": by.num_milliseconds() });
        let state: Sandbox = decode(
            &self
                .write(Method::Post, "/sandbox/clock".into(), None, None, body)
                .await?,
        )?;
        self.clock_ms.set(state.clock_offset_ms);
        Ok(state)
    }

    /// Throws away every change and starts again from the seed.
    pub async fn reset(&self) -> Result<Sandbox, ApiError> {
        let state: Sandbox = decode(
            &self
                .write(Method::Post, "/sandbox/reset".into(), None, None, json!({}))
                .await?,
        )?;
        self.clock_ms.set(state.clock_offset_ms);
        self.legacy.rows.borrow_mut().clear();
        Ok(state)
    }

    pub async fn directory(&self) -> Result<Directory, ApiError> {
        let org: Organization = self.get("/organization").await?;
        let inboxes: Vec<Inbox> = self.get("/inboxes").await?;
        let agents: Vec<Agent> = self.get("/agents").await?;
        let teams: Vec<Team> = self.get("/teams").await?;
        let topics: Vec<Topic> = self.get("/topics").await?;
        let answers: Vec<Answer> = self.get("/answers").await?;
        Ok(Directory {
            org_name: org.name,
            inboxes,
            agents,
            teams,
            topics,
            answers,
        })
    }

    pub async fn counts(&self, me: Option<AgentId>) -> Result<Counts, ApiError> {
        let agent = me.map(|a| format!("?agentId={}", enc(a.as_str()))).unwrap_or_default();
        self.get(&format!("/conversation-counts{agent}")).await
    }

    pub async fn list(&self, view: View, me: Option<AgentId>) -> Result<Vec<ConversationSummary>, ApiError> {
        let agent = me.map(|a| format!("&agentId={}", enc(a.as_str()))).unwrap_or_default();
        let mut rows = Vec::new();
        let mut cursor: Option<String> = None;
        // Bounded: a view is read in pages of 500, at most 20 of them.
        for _ in 0..20 {
            let after = cursor
                .as_deref()
                .map(|c| format!("&cursor={}", enc(c)))
                .unwrap_or_default();
            let page: Page<serde_json::Value> = self
                .get(&format!(
                    "/conversations?view={}{agent}&limit=500{after}",
                    enc(&view.slug())
                ))
                .await?;
            rows.extend(lenient::<ConversationSummary>(page.items));
            match page.next_cursor {
                Some(c) if !c.is_empty() => cursor = Some(c),
                _ => break,
            }
        }
        Ok(rows)
    }

    /// The ids of a view in list order (`GET /conversation-ids`, an extension). A server without
    /// it (404) is read the old way, every page of the list, and its rows are kept for `summaries`.
    pub async fn order(&self, view: View, me: Option<AgentId>) -> Result<Vec<ConversationId>, ApiError> {
        if !self.legacy.active.get() {
            let agent = me
                .as_ref()
                .map(|a| format!("&agentId={}", enc(a.as_str())))
                .unwrap_or_default();
            let target = format!("/conversation-ids?view={}{agent}", enc(&view.slug()));
            let reply = self.transport.send(Call::new(Method::Get, target)).await?;
            if reply.status != 404 {
                if !reply.ok() {
                    return Err(self.failed(&reply));
                }
                let list: IdList = decode(&reply)?;
                return Ok(lenient(list.ids));
            }
            // Remembered, so later reads go straight to the list instead of a 404 each time.
            self.legacy.active.set(true);
        }
        let rows = self.list(view, me).await?;
        let ids = rows.iter().map(|r| r.conversation.id.clone()).collect();
        self.legacy
            .rows
            .borrow_mut()
            .extend(rows.into_iter().map(|r| (r.conversation.id.clone(), r)));
        Ok(ids)
    }

    /// List rows for these ids, in the given order; ids the server does not know are left out, as
    /// are rows that do not decode. Asks in batches of at most 200; after `order` fell back to the
    /// old list, answers from the rows it read (call `order` for a view before its summaries).
    pub async fn summaries(&self, ids: Vec<ConversationId>) -> Result<Vec<ConversationSummary>, ApiError> {
        if self.legacy.active.get() {
            let cache = self.legacy.rows.borrow();
            return Ok(ids.iter().filter_map(|id| cache.get(id).cloned()).collect());
        }
        let mut rows = Vec::with_capacity(ids.len());
        for batch in ids.chunks(IDS_PER_REQUEST) {
            // Each id is encoded on its own, so a comma inside one cannot split it.
            let list = batch.iter().map(|id| enc(id.as_str())).collect::<Vec<_>>().join(",");
            let page: Page<serde_json::Value> = self.get(&format!("/conversations?ids={list}")).await?;
            rows.extend(lenient::<ConversationSummary>(page.items));
        }
        Ok(rows)
    }

    pub async fn customer_page(&self, id: CustomerId) -> Result<CustomerPage, ApiError> {
        let cid = enc(id.as_str());
        // Four reads at once: one waits for the others' answers, not for their turns.
        let (profile, conversations, tasks) = (
            format!("/customer-profiles/{cid}"),
            format!("/customers/{cid}/conversations"),
            format!("/customers/{cid}/tasks"),
        );
        let (customer, conversations, timeline, tasks) = futures_util::future::try_join4(
            self.get::<Customer>(&profile),
            self.get::<Vec<serde_json::Value>>(&conversations),
            self.timeline(&id, None),
            self.get::<Vec<Task>>(&tasks),
        )
        .await?;
        Ok(CustomerPage {
            customer,
            conversations: lenient(conversations),
            timeline: timeline.items,
            earlier: timeline.earlier,
            total: timeline.total,
            tasks,
        })
    }

    /// A page of the timeline, newest first when `before` is None.
    pub async fn timeline(&self, id: &CustomerId, before: Option<&str>) -> Result<TimelinePage, ApiError> {
        let mut path = format!("/customers/{}/timeline?limit={TIMELINE_PAGE}", enc(id.as_str()));
        if let Some(cursor) = before {
            path.push_str("&before=");
            path.push_str(&enc(cursor));
        }
        let page: Page<TimelineItem> = self.get(&path).await?;
        Ok(TimelinePage {
            items: page.items.into_iter().map(std::sync::Arc::new).collect(),
            earlier: page.next_cursor,
            total: page.total,
        })
    }

    pub async fn search(&self, q: String) -> Result<SearchResults, ApiError> {
        self.get(&format!("/search?q={}", enc(&q))).await
    }

    pub async fn tasks_for(&self, agent: AgentId) -> Result<Vec<(Task, String)>, ApiError> {
        let list: Vec<TaskWithCustomer> = self.get(&format!("/tasks?agentId={}", enc(agent.as_str()))).await?;
        Ok(list.into_iter().map(|t| (t.task, t.customer_name)).collect())
    }

    /// `execute`, sent with an idempotency key the caller keeps for this one intent (a reply,
    /// a task): sending it again (Retry, a second click) can never make two.
    pub async fn execute_once(&self, command: Command, key: &str) -> Result<Outcome, ApiError> {
        let keyed = Backend {
            key: Some(key.to_owned()),
            ..self.clone()
        };
        keyed.execute(command).await
    }

    /// `execute`, and the conversation as the write left it, when the answer carries it (a change
    /// of status, assignee or topics): what an undo of this change compares with.
    pub async fn execute_returning(&self, command: Command) -> Result<(Outcome, Option<Conversation>), ApiError> {
        let sink = Rc::new(RefCell::new(None));
        let watched = Backend {
            written: Some(sink.clone()),
            ..self.clone()
        };
        let outcome = watched.execute(command).await?;
        let conversation = sink.borrow_mut().take();
        Ok((outcome, conversation))
    }

    pub async fn execute(&self, command: Command) -> Result<Outcome, ApiError> {
        // One request per command, built by a pure function: one await point here instead of one
        // per command keeps this future (and the app's wasm) small.
        let w = write_of(command)?;
        let reply = self
            .write(w.method, w.target, w.agent.as_ref(), w.version, w.body)
            .await?;
        w.yields.outcome(&reply)
    }
}

/// The request that makes a command, and what its answer names.
#[derive(Debug, PartialEq)]
struct Write {
    method: Method,
    target: String,
    agent: Option<AgentId>,
    version: Option<u64>,
    body: serde_json::Value,
    yields: Yields,
}

#[derive(Debug, PartialEq)]
enum Yields {
    /// The inbound webhook's answer: the conversation and how it was routed.
    Inbound,
    Conversation(ConversationId),
    /// A new timeline item (its id is in the answer).
    Item,
    /// A new task (its id is in the answer).
    NewTask,
    Task(rapport_core::TaskId),
}

impl Yields {
    fn outcome(self, reply: &Reply) -> Result<Outcome, ApiError> {
        Ok(match self {
            Yields::Inbound => {
                let r: InboundResult = decode(reply)?;
                Outcome::Conversation {
                    conversation_id: r.conversation_id,
                    routing: Some(r.routing),
                }
            }
            Yields::Conversation(conversation_id) => Outcome::Conversation {
                conversation_id,
                routing: None,
            },
            Yields::Item => Outcome::Item {
                item_id: decode::<TimelineItem>(reply)?.id,
            },
            Yields::NewTask => Outcome::Task {
                task_id: decode::<Task>(reply)?.id,
            },
            Yields::Task(task_id) => Outcome::Task { task_id },
        })
    }
}

fn write_of(command: Command) -> Result<Write, ApiError> {
    let write = |method, target: String, agent: Option<&AgentId>, version, body, yields| Write {
        method,
        target,
        agent: agent.cloned(),
        version,
        body,
        yields,
    };
    let conversation = |id: &ConversationId, tail: &str| format!("/conversations/{}{tail}", enc(id.as_str()));
    Ok(match command {
        Command::Inbound(c) => write(
            Method::Post,
            "/inbound".into(),
            None,
            None,
            json!({ "customerId": c.customer_id, "channel": c.channel, "text": c.text, "subject": c.subject }),
            Yields::Inbound,
        ),
        Command::Reply(c) => write(
            Method::Post,
            conversation(&c.conversation_id, "/replies"),
            Some(&c.agent_id),
            c.expected_version,
            json!({ "channel": c.channel, "body": c.text, "subject": c.subject }),
            Yields::Conversation(c.conversation_id),
        ),
        Command::AddNote(c) => write(
            Method::Post,
            conversation(&c.conversation_id, "/notes"),
            Some(&c.agent_id),
            None,
            json!({ "body": c.body }),
            Yields::Item,
        ),
        Command::Assign(c) => write(
            Method::Patch,
            conversation(&c.conversation_id, ""),
            actor_agent(&c.actor),
            c.expected_version,
            json!({ "assignee": c.assignee }),
            Yields::Conversation(c.conversation_id),
        ),
        Command::SetStatus(c) => write(
            Method::Patch,
            conversation(&c.conversation_id, ""),
            actor_agent(&c.actor),
            c.expected_version,
            json!({ "status": { "value": c.status } }),
            Yields::Conversation(c.conversation_id),
        ),
        Command::SetTopics(c) => write(
            Method::Put,
            conversation(&c.conversation_id, "/topics"),
            actor_agent(&c.actor),
            c.expected_version,
            json!({ "topicIds": c.topic_ids }),
            Yields::Conversation(c.conversation_id),
        ),
        Command::Undo(c) => write(
            Method::Post,
            conversation(&c.conversation_id, "/undo"),
            actor_agent(&c.actor),
            None,
            json!({ "undone": c.undone, "restore": c.restore }),
            Yields::Conversation(c.conversation_id),
        ),
        Command::CreateTask(c) => write(
            Method::Post,
            format!("/customers/{}/tasks", enc(c.customer_id.as_str())),
            Some(&c.agent_id),
            None,
            json!({ "body": c.body, "dueAt": c.due_at, "assignee": c.assignee }),
            Yields::NewTask,
        ),
        Command::CommentTask(c) => write(
            Method::Post,
            format!("/tasks/{}/comments", enc(c.task_id.as_str())),
            Some(&c.agent_id),
            None,
            json!({ "comment": c.body, "agentId": c.agent_id }),
            Yields::Task(c.task_id),
        ),
        Command::SetTaskStatus(c) => write(
            Method::Patch,
            format!("/tasks/{}", enc(c.task_id.as_str())),
            Some(&c.agent_id),
            None,
            json!({ "status": c.status }),
            Yields::Task(c.task_id),
        ),
        // The directory is managed through the API (docs/http-api.md), not from the desk.
        Command::CreateCustomer(_)
        | Command::AddActivity(_)
        | Command::CreateAgent(_)
        | Command::SetMembership(_)
        | Command::CreateInbox(_)
        | Command::UpdateInbox(_) => {
            return Err(ApiError::Rejected {
                code: "unsupported".into(),
                detail: "This server does not accept that change from the desk.".into(),
            })
        }
    })
}

fn actor_agent(actor: &rapport_core::Actor) -> Option<&AgentId> {
    match actor {
        rapport_core::Actor::Agent { id } => Some(id),
        rapport_core::Actor::System => None,
    }
}

/// Rows that do not decode (a newer server's status, say) are left out rather than failing
/// the whole view; the rest still shows.
fn lenient<T: DeserializeOwned>(values: Vec<serde_json::Value>) -> Vec<T> {
    values
        .into_iter()
        .filter_map(|v| serde_json::from_value(v).ok())
        .collect()
}

/// The `ApiError` for a reply that is not 2xx, from its error body when it has one.
pub(super) fn failure(reply: &Reply) -> ApiError {
    let status = reply.status;
    let entry = serde_json::from_str::<ErrorBody>(&reply.text)
        .ok()
        .and_then(|b| b.errors.into_iter().next());
    match entry {
        Some(e) if e.code == "conflict" => ApiError::Conflict,
        Some(e) if (400..500).contains(&status) && !e.detail.is_empty() => ApiError::Rejected {
            code: e.code,
            detail: e.detail,
        },
        Some(e) => ApiError::Http {
            status,
            detail: if e.detail.is_empty() { e.code } else { e.detail },
        },
        None if status == 409 => ApiError::Conflict,
        None => ApiError::Http {
            status,
            detail: reply.status_text.clone(),
        },
    }
}

/// What `GET /me` answered: who is signed in, or None when the backend has no accounts (a trial
/// says `{"trial":true}`; a server without the endpoint answers 404).
fn signed_in(reply: &Reply) -> Result<Option<AgentId>, ApiError> {
    match reply.status {
        404 => Ok(None),
        _ if reply.ok() && reply.text.contains("\"trial\":true") => Ok(None),
        _ if reply.ok() => text_at(reply, "agent", "id").map(|id| Some(AgentId::from(id))),
        _ => Err(failure(reply)),
    }
}

/// A personal API token as listed.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenInfo {
    pub id: String,
    pub name: String,
    #[serde(deserialize_with = "rapport_core::dates::de")]
    pub created_at: DateTime<Utc>,
}

/// The string at `outer.inner` (or `inner`, for an empty `outer`) of a JSON answer: less code
/// than a struct to decode it into.
fn text_at(reply: &Reply, outer: &str, inner: &str) -> Result<String, ApiError> {
    let value = decode::<serde_json::Value>(reply)?;
    let object = if outer.is_empty() { &value } else { &value[outer] };
    object[inner]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| ApiError::Decode(inner.to_owned()))
}

/// The token of a new session (`POST /session`), or why not; a 429 says how long to wait.
fn session_token(reply: &Reply) -> Result<String, ApiError> {
    match reply.status {
        429 => Err(ApiError::Rejected {
            code: "too_many_attempts".into(),
            detail: match reply.retry_after {
                Some(s) => format!("Too many attempts: try again in {s} s"),
                None => "Too many attempts: try again in a moment".into(),
            },
        }),
        _ if reply.ok() => text_at(reply, "", "token"),
        _ => Err(failure(reply)),
    }
}

fn decode<T: DeserializeOwned>(reply: &Reply) -> Result<T, ApiError> {
    serde_json::from_str(&reply.text).map_err(|e| ApiError::Decode(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, text: &str) -> Reply {
        Reply {
            status,
            status_text: String::new(),
            text: text.into(),
            retry_after: None,
        }
    }

    fn error(code: &str, detail: &str) -> String {
        json!({ "errors": [{ "code": code, "detail": detail }] }).to_string()
    }

    #[test]
    fn me_decides_the_mode() {
        let me = r#"{"agent":{"id":"ag2","name":"Ann","emailAddress":"a@x","role":"agent"},"role":"agent",
            "inboxIds":["ib1"],"via":"session","expiresAt":null}"#;
        assert_eq!(signed_in(&reply(200, me)), Ok(Some(AgentId::from("ag2"))));
        // A trial server or the demo: no accounts, the desk as always.
        assert_eq!(
            signed_in(&reply(404, &error("not_found", "There is no such API endpoint."))),
            Ok(None)
        );
        assert_eq!(signed_in(&reply(404, "")), Ok(None));
        assert_eq!(
            signed_in(&reply(200, r#"{"trial":true}"#)),
            Ok(None),
            "a trial server says so"
        );
        let asked = signed_in(&reply(401, &error("sign_in_required", "Sign in.")));
        assert!(asked.is_err_and(|e| e.signs_out()));
        let expired = signed_in(&reply(401, &error("session_expired", "Your session ended.")));
        assert!(expired.is_err_and(|e| e.signs_out()));
        // A trial server's shared token, wrong: an error to show, not a sign-in page.
        let token = signed_in(&reply(401, &error("unauthorized", "Wrong token.")));
        assert!(token.is_err_and(|e| !e.signs_out()));
        assert!(matches!(signed_in(&reply(200, "{}")), Err(ApiError::Decode(_))));
    }

    #[test]
    fn a_sign_in_gives_a_token_or_says_why_not() {
        let ok = r#"{"token":"t-1","expiresAt":"2030-01-01T00:00:00Z","agent":{"id":"ag1","name":"A"}}"#;
        assert_eq!(session_token(&reply(201, ok)), Ok("t-1".into()));
        let bad = "That email and password do not match an active account.";
        assert_eq!(
            session_token(&reply(401, &error("bad_credentials", bad))).map_err(|e| e.to_string()),
            Err(bad.into())
        );
        let mut slow = reply(429, &error("too_many_attempts", "Slow down."));
        slow.retry_after = Some(30);
        assert_eq!(
            session_token(&slow).map_err(|e| e.to_string()),
            Err("Too many attempts: try again in 30 s".into())
        );
        slow.retry_after = None;
        assert!(session_token(&slow).is_err_and(|e| !e.signs_out() && e.to_string().contains("Too many")));
    }

    #[test]
    fn a_forbidden_write_says_why() {
        let why = "You are not in the Phone Team inbox: only its members, its assignee or a supervisor can act on this conversation.";
        let e = failure(&reply(403, &error("forbidden", why)));
        assert_eq!(e.to_string(), why);
        assert!(e.is_permanent() && !e.signs_out());
    }

    #[test]
    fn a_command_is_one_request_and_its_answer_names_the_outcome() {
        let id = ConversationId::from("cv/1");
        let reply_cmd = Command::Reply(rapport_core::cmd::Reply {
            conversation_id: id.clone(),
            expected_version: Some(7),
            agent_id: AgentId::from("ag1"),
            channel: rapport_core::Channel::Email,
            text: "Hello".into(),
            subject: Some("Re: parcel".into()),
        });
        let w = write_of(reply_cmd).expect("a reply is a request");
        assert_eq!(
            (w.method, w.target.as_str()),
            (Method::Post, "/conversations/cv%2F1/replies")
        );
        assert_eq!((w.agent, w.version), (Some(AgentId::from("ag1")), Some(7)));
        assert_eq!(
            w.body,
            json!({ "channel": "EMAIL", "body": "Hello", "subject": "Re: parcel" })
        );
        assert_eq!(
            w.yields.outcome(&reply(200, "{}")),
            Ok(Outcome::Conversation {
                conversation_id: id,
                routing: None
            })
        );
        // A note's answer is the new item; an answer that is not one is a decode error, not a panic.
        let note = write_of(Command::AddNote(rapport_core::cmd::AddNote {
            conversation_id: ConversationId::from("cv1"),
            agent_id: AgentId::from("ag1"),
            body: "n".into(),
        }))
        .expect("a note is a request");
        assert_eq!(note.yields, Yields::Item);
        assert!(matches!(
            note.yields.outcome(&reply(201, "[]")),
            Err(ApiError::Decode(_))
        ));
    }
}
