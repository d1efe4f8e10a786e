//! The HTTP backend: any server that speaks `docs/http-api.md` (the reference server is
//! `crates/server`). The token goes only in the Authorization header, never in a URL or a log.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;
use std::time::Duration;

use gloo_net::http::{Request, RequestBuilder, Response};
use gloo_timers::callback::Timeout;
use rapport_core::query::{ConversationSummary, Counts, SearchResults, View};
use rapport_core::{
    Agent, AgentId, Answer, Command, Conversation, ConversationId, Customer, CustomerId, Directory, Inbox, Outcome,
    Routing, Task, TaskId, Team, TimelineItem, Topic,
};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::json;

use super::{ApiError, CustomerPage, TimelinePage, TIMELINE_PAGE};

/// How long a request may take before the agent is told the server is not answering.
const TIMEOUT: Duration = Duration::from_secs(15);

/// Most ids one `GET /conversations?ids=` may carry (the documented server limit).
const IDS_PER_REQUEST: usize = 200;

#[derive(Clone, Debug)]
pub struct HttpBackend {
    base: String,
    token: Option<String>,
    /// Shared by every clone: what this backend learned about a server without the ids extension.
    legacy: Rc<Legacy>,
}

/// Two backends are the same server for the same address and token; the cache is not identity.
impl PartialEq for HttpBackend {
    fn eq(&self, other: &Self) -> bool {
        self.base == other.base && self.token == other.token
    }
}

impl Eq for HttpBackend {}

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

fn enc(s: &str) -> String {
    String::from(js_sys::encode_uri_component(s))
}

impl HttpBackend {
    pub fn new(base: &str, token: Option<String>) -> Self {
        HttpBackend {
            base: base.trim_end_matches('/').to_owned(),
            token: token.filter(|t| !t.is_empty()),
            legacy: Rc::default(),
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base)
    }

    fn auth(&self, req: RequestBuilder) -> RequestBuilder {
        match &self.token {
            Some(t) => req.header("Authorization", &format!("Bearer {t}")),
            None => req,
        }
    }

    /// Sends with a deadline; maps transport failures and error bodies to `ApiError`.
    pub(super) async fn send(
        &self,
        req: RequestBuilder,
        body: Option<serde_json::Value>,
    ) -> Result<Response, ApiError> {
        let response = self.transmit(req, body).await?;
        if response.ok() {
            Ok(response)
        } else {
            Err(failure(response).await)
        }
    }

    /// Sends with a deadline. Transport failures are errors; every HTTP status is a response, for
    /// callers that treat one (a 404 from an older server) differently.
    async fn transmit(&self, req: RequestBuilder, body: Option<serde_json::Value>) -> Result<Response, ApiError> {
        let controller = web_sys::AbortController::new().map_err(|_| ApiError::Network("no AbortController".into()))?;
        let req = self.auth(req).abort_signal(Some(&controller.signal()));
        let request = match body {
            Some(b) => req.json(&b),
            None => req.build(),
        }
        .map_err(|e| ApiError::Network(e.to_string()))?;
        let timer = {
            let controller = controller.clone();
            Timeout::new(TIMEOUT.as_millis() as u32, move || controller.abort())
        };
        let result = request.send().await;
        // Only the wait for the response head is bounded; a body may stream for long.
        timer.cancel();
        result.map_err(|e| {
            if controller.signal().aborted() {
                ApiError::Timeout
            } else {
                ApiError::Network(e.to_string())
            }
        })
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        let response = self.send(Request::get(&self.url(path)), None).await?;
        decode(response).await
    }

    async fn write(
        &self,
        req: RequestBuilder,
        agent: Option<&AgentId>,
        version: Option<u64>,
        body: serde_json::Value,
    ) -> Result<Response, ApiError> {
        let mut req = req;
        if let Some(a) = agent {
            req = req.header("X-Agent-Id", a.as_str());
        }
        if let Some(v) = version {
            req = req.header("If-Match", &format!("\"{v}\""));
        }
        self.send(req, Some(body)).await
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
            let url = self.url(&format!("/conversation-ids?view={}{agent}", enc(&view.slug())));
            let response = self.transmit(Request::get(&url), None).await?;
            if response.status() != 404 {
                if !response.ok() {
                    return Err(failure(response).await);
                }
                let list: IdList = decode(response).await?;
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
        let customer: Customer = self.get(&format!("/customer-profiles/{cid}")).await?;
        let conversations: Vec<Conversation> = lenient(
            self.get::<Vec<serde_json::Value>>(&format!("/customers/{cid}/conversations"))
                .await?,
        );
        let timeline = self.timeline(&id, None).await?;
        let tasks: Vec<Task> = self.get(&format!("/customers/{cid}/tasks")).await?;
        Ok(CustomerPage {
            customer,
            conversations,
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

    pub async fn execute(&self, command: Command) -> Result<Outcome, ApiError> {
        let conv_outcome = |id: &rapport_core::ConversationId| Outcome::Conversation {
            conversation_id: id.clone(),
            routing: None,
        };
        match command {
            Command::Inbound {
                customer_id,
                channel,
                text,
                subject,
            } => {
                let body = json!({ "customerId": customer_id, "channel": channel, "text": text, "subject": subject });
                let r: InboundResult = decode(
                    self.write(Request::post(&self.url("/inbound")), None, None, body)
                        .await?,
                )
                .await?;
                Ok(Outcome::Conversation {
                    conversation_id: r.conversation_id,
                    routing: Some(r.routing),
                })
            }
            Command::Reply {
                conversation_id,
                expected_version,
                agent_id,
                channel,
                text,
                subject,
            } => {
                let url = self.url(&format!("/conversations/{}/replies", enc(conversation_id.as_str())));
                let body = json!({ "channel": channel, "body": text, "subject": subject });
                self.write(Request::post(&url), Some(&agent_id), expected_version, body)
                    .await?;
                Ok(conv_outcome(&conversation_id))
            }
            Command::AddNote {
                conversation_id,
                agent_id,
                body,
            } => {
                let url = self.url(&format!("/conversations/{}/notes", enc(conversation_id.as_str())));
                let item: TimelineItem = decode(
                    self.write(Request::post(&url), Some(&agent_id), None, json!({ "body": body }))
                        .await?,
                )
                .await?;
                Ok(Outcome::Item { item_id: item.id })
            }
            Command::Assign {
                conversation_id,
                expected_version,
                assignee,
                actor,
            } => {
                let url = self.url(&format!("/conversations/{}", enc(conversation_id.as_str())));
                self.write(
                    Request::patch(&url),
                    actor_agent(&actor),
                    expected_version,
                    json!({ "assignee": assignee }),
                )
                .await?;
                Ok(conv_outcome(&conversation_id))
            }
            Command::SetStatus {
                conversation_id,
                expected_version,
                status,
                actor,
            } => {
                let url = self.url(&format!("/conversations/{}", enc(conversation_id.as_str())));
                let body = json!({ "status": { "value": status } });
                self.write(Request::patch(&url), actor_agent(&actor), expected_version, body)
                    .await?;
                Ok(conv_outcome(&conversation_id))
            }
            Command::SetTopics {
                conversation_id,
                expected_version,
                topic_ids,
                actor,
            } => {
                let url = self.url(&format!("/conversations/{}/topics", enc(conversation_id.as_str())));
                self.write(
                    Request::put(&url),
                    actor_agent(&actor),
                    expected_version,
                    json!({ "topicIds": topic_ids }),
                )
                .await?;
                Ok(conv_outcome(&conversation_id))
            }
            Command::CreateTask {
                customer_id,
                body,
                due_at,
                assignee,
                agent_id,
            } => {
                let url = self.url(&format!("/customers/{}/tasks", enc(customer_id.as_str())));
                let body = json!({ "body": body, "dueAt": due_at, "assignee": assignee });
                let task: Task = decode(self.write(Request::post(&url), Some(&agent_id), None, body).await?).await?;
                Ok(Outcome::Task { task_id: task.id })
            }
            Command::CommentTask {
                task_id,
                agent_id,
                body,
            } => {
                let url = self.url(&format!("/tasks/{}/comments", enc(task_id.as_str())));
                let body = json!({ "comment": body, "agentId": agent_id });
                self.write(Request::post(&url), Some(&agent_id), None, body).await?;
                Ok(Outcome::Task { task_id })
            }
            Command::SetTaskStatus {
                task_id,
                status,
                agent_id,
            } => {
                let url = self.url(&format!("/tasks/{}", enc(task_id.as_str())));
                self.write(Request::patch(&url), Some(&agent_id), None, json!({ "status": status }))
                    .await?;
                Ok(Outcome::Task {
                    task_id: TaskId(task_id.0),
                })
            }
            Command::CreateCustomer { .. } | Command::AddActivity { .. } => Err(ApiError::Rejected {
                code: "unsupported".into(),
                detail: "This server does not accept that change from the desk.".into(),
            }),
        }
    }
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

/// The `ApiError` for a response that is not 2xx, from its error body when it has one.
async fn failure(response: Response) -> ApiError {
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    let entry = serde_json::from_str::<ErrorBody>(&text)
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
            detail: response.status_text(),
        },
    }
}

async fn decode<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    let text = response.text().await.map_err(|e| ApiError::Network(e.to_string()))?;
    serde_json::from_str(&text).map_err(|e| ApiError::Decode(e.to_string()))
}
