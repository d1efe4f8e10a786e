//! How a request of the HTTP API travels: `fetch` to a server, or a call into the demo's service
//! in this page. Everything above this (paths, bodies, errors, decoding) is one client for both.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use gloo_net::http::{Request, RequestBuilder, Response};
use gloo_timers::callback::Timeout;
use rapport_service::messages::CallMessage;
use rapport_service::Method;

#[cfg(feature = "inline-demo")]
use super::demo::DemoBackend;
use super::worker::WorkerDemo;
use super::ApiError;

/// How long a request may take before the agent is told the server is not answering.
const TIMEOUT: Duration = Duration::from_secs(15);

/// One request, its path below `/api/v1` (with any `?query`).
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    pub method: Method,
    pub target: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: Option<serde_json::Value>,
}

impl Call {
    pub fn new(method: Method, target: String) -> Call {
        Call {
            method,
            target,
            headers: Vec::new(),
            body: None,
        }
    }

    /// This call as the message the demo's service reads (in the worker, or in this page).
    pub fn message(self, id: u64) -> CallMessage {
        CallMessage {
            id,
            method: self.method.as_str().to_owned(),
            target: self.target,
            headers: self.headers.into_iter().map(|(n, v)| (n.to_owned(), v)).collect(),
            body: self.body.map(|b| b.to_string()),
        }
    }
}

/// What came back: any HTTP status is a reply; only a transport failure is an error.
#[derive(Clone, Debug, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub status_text: String,
    pub text: String,
    /// `Retry-After` in seconds, when the server sent one (a 429 says how long to wait).
    pub retry_after: Option<u32>,
}

impl Reply {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

#[derive(Clone)]
pub enum Transport {
    Fetch(Fetch),
    /// The demo's service in a Web Worker: what the app runs.
    Worker(WorkerDemo),
    /// The demo's service in this page: for the component tests, which have no worker.
    #[cfg(feature = "inline-demo")]
    Demo(DemoBackend),
}

impl Transport {
    pub async fn send(&self, call: Call) -> Result<Reply, ApiError> {
        match self {
            Transport::Fetch(f) => f.send(call).await,
            Transport::Worker(w) => w.send(call).await,
            #[cfg(feature = "inline-demo")]
            Transport::Demo(d) => Ok(demo_send(d, call)),
        }
    }
}

#[cfg(feature = "inline-demo")]
fn demo_send(demo: &DemoBackend, call: Call) -> Reply {
    let response = demo.handle(&call.message(0).request());
    Reply {
        status: response.status,
        status_text: String::new(),
        text: response.text(),
        retry_after: None,
    }
}

/// A server at `base`. The token goes only in the Authorization header, never in a URL or a log.
/// Clones share it: a sign-in (or sign-out) applies to every request from then on, the live
/// stream's too.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fetch {
    base: String,
    token: Rc<RefCell<Option<String>>>,
}

impl Fetch {
    pub fn new(base: &str, token: Option<String>) -> Fetch {
        let fetch = Fetch {
            base: base.trim_end_matches('/').to_owned(),
            token: Rc::default(),
        };
        fetch.set_token(token);
        fetch
    }

    pub fn set_token(&self, token: Option<String>) {
        *self.token.borrow_mut() = token.filter(|t| !t.is_empty());
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn url(&self, target: &str) -> String {
        format!("{}/api/v1{target}", self.base)
    }

    fn builder(&self, method: Method, url: &str) -> RequestBuilder {
        let req = match method {
            Method::Post => Request::post(url),
            Method::Put => Request::put(url),
            Method::Patch => Request::patch(url),
            Method::Delete => Request::delete(url),
            _ => Request::get(url),
        };
        match &*self.token.borrow() {
            Some(t) => req.header("Authorization", &format!("Bearer {t}")),
            None => req,
        }
    }

    async fn send(&self, call: Call) -> Result<Reply, ApiError> {
        let mut req = self.builder(call.method, &self.url(&call.target));
        for (name, value) in &call.headers {
            req = req.header(name, value);
        }
        let response = self.transmit(req, call.body, None).await?;
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.trim().parse().ok());
        let text = response.text().await.map_err(|e| ApiError::Network(e.to_string()))?;
        Ok(Reply {
            status: response.status(),
            status_text: response.status_text(),
            text,
            retry_after,
        })
    }

    /// Opens the live event stream after `last`; its body is read by the caller.
    /// The stream, or why not and how long the server asked to wait (`Retry-After`, in ms).
    pub async fn open_stream(
        &self,
        last: Option<u64>,
        controller: &web_sys::AbortController,
    ) -> Result<Response, (ApiError, Option<u32>)> {
        let mut req = self
            .builder(Method::Get, &self.url("/events"))
            .header("Accept", "text/event-stream");
        if let Some(seq) = last {
            req = req.header("Last-Event-ID", &seq.to_string());
        }
        let response = self
            .transmit(req, None, Some(controller))
            .await
            .map_err(|e| (e, None))?;
        if response.ok() {
            Ok(response)
        } else {
            let wait = response
                .headers()
                .get("retry-after")
                .as_deref()
                .and_then(super::live::retry_after_ms);
            let text = response.text().await.unwrap_or_default();
            let error = super::client::failure(&Reply {
                status: response.status(),
                status_text: response.status_text(),
                text,
                retry_after: None,
            });
            Err((error, wait))
        }
    }

    /// Sends with a deadline on the response head; a body may stream for long. `abort` is the
    /// caller's controller, when it wants to end the request later (a silent event stream).
    async fn transmit(
        &self,
        req: RequestBuilder,
        body: Option<serde_json::Value>,
        abort: Option<&web_sys::AbortController>,
    ) -> Result<Response, ApiError> {
        let controller = match abort {
            Some(c) => c.clone(),
            None => web_sys::AbortController::new().map_err(|_| ApiError::Network("no AbortController".into()))?,
        };
        let signal = controller.signal();
        let req = req.abort_signal(Some(&signal));
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
        timer.cancel();
        result.map_err(|e| {
            if signal.aborted() {
                ApiError::Timeout
            } else {
                ApiError::Network(e.to_string())
            }
        })
    }
}
