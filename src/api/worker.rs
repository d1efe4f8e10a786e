//! The page's side of the demo worker (`crates/demo-worker`): starts it, sends each request of the
//! HTTP API as a message, and resolves the answer by its id. Requests sent before the worker has
//! loaded the demo wait in the worker and are answered in order. Where the browser has
//! SharedWorker, every tab of the app connects to one worker, so tabs share one demo and each
//! hears of the others' changes; elsewhere each tab has a dedicated worker of its own.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use js_sys::{Function, Promise};
use rapport_service::demo::DemoSize;
use rapport_service::messages::{FromWorker, ToWorker};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{MessageEvent, MessagePort, SharedWorker, Worker};

use super::storage;
use super::transport::{Call, Reply};
use super::ApiError;

/// The worker's entry script, beside index.html (public/demo-worker.js; Trunk does not hash
/// worker file names).
const ENTRY: &str = "demo-worker.js";

/// How messages reach the worker.
enum Channel {
    /// The worker object is kept so the connection lives as long as the page.
    Shared(SharedWorker, MessagePort),
    Dedicated(Worker),
}

impl Channel {
    fn open(url: &str) -> Option<Channel> {
        let has_shared = js_sys::Reflect::has(&js_sys::global(), &"SharedWorker".into()).unwrap_or(false);
        if has_shared {
            if let Ok(shared) = SharedWorker::new(url) {
                let port = shared.port();
                return Some(Channel::Shared(shared, port));
            }
        }
        Worker::new(url).ok().map(Channel::Dedicated)
    }

    fn post(&self, text: &str) -> Result<(), JsValue> {
        match self {
            Channel::Shared(_, port) => port.post_message(&JsValue::from_str(text)),
            Channel::Dedicated(worker) => worker.post_message(&JsValue::from_str(text)),
        }
    }

    fn on_message(&self, f: &Function) {
        match self {
            Channel::Shared(_, port) => port.set_onmessage(Some(f)),
            Channel::Dedicated(worker) => worker.set_onmessage(Some(f)),
        }
    }

    fn on_error(&self, f: &Function) {
        match self {
            Channel::Shared(shared, _) => shared.set_onerror(Some(f)),
            Channel::Dedicated(worker) => worker.set_onerror(Some(f)),
        }
    }
}

struct Link {
    /// None when the browser would not start it; every request then says so.
    worker: Option<Channel>,
    /// Messages held until the worker listens (None once it does).
    held: RefCell<Option<Vec<String>>>,
    next: Cell<u64>,
    /// Requests in flight: how to resolve each one's promise once its answer is in `answers`.
    pending: RefCell<HashMap<u64, (Function, Function)>>,
    /// Answers (status, body) not yet taken by their caller; parsed once, on arrival.
    answers: RefCell<HashMap<u64, (u16, String)>>,
    /// Callers waiting for the worker to be ready, and whether it is.
    ready: RefCell<Option<Vec<Function>>>,
    notice: RefCell<Option<String>>,
    key: String,
    /// Called when another tab changed the demo.
    on_change: RefCell<Option<Rc<dyn Fn()>>>,
}

/// A handle to the running demo worker, shared by every clone of the client.
#[derive(Clone)]
pub struct WorkerDemo(Rc<Link>);

impl WorkerDemo {
    /// Starts the worker on the demo saved under `key`. `clock_ms` follows the demo's clock.
    pub fn start(key: &str, size: Option<DemoSize>, clock_ms: Rc<Cell<i64>>) -> WorkerDemo {
        let url = format!("{}/{ENTRY}", crate::routing::base());
        let link = Rc::new(Link {
            worker: Channel::open(&url),
            held: RefCell::new(Some(Vec::new())),
            next: Cell::new(1),
            pending: RefCell::default(),
            answers: RefCell::default(),
            ready: RefCell::new(Some(Vec::new())),
            notice: RefCell::default(),
            key: key.to_owned(),
            on_change: RefCell::default(),
        });
        let Some(worker) = &link.worker else {
            link.fail_all();
            return WorkerDemo(link);
        };
        let weak = Rc::downgrade(&link);
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            if let (Some(link), Some(text)) = (weak.upgrade(), event.data().as_string()) {
                link.receive(&text, &clock_ms);
            }
        });
        worker.on_message(on_message.as_ref().unchecked_ref());
        // The page keeps one worker for its whole life.
        on_message.forget();
        let weak = Rc::downgrade(&link);
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            if let Some(link) = weak.upgrade() {
                link.fail_all();
            }
        });
        worker.on_error(on_error.as_ref().unchecked_ref());
        on_error.forget();
        let init = ToWorker::Init {
            key: key.to_owned(),
            size,
            // A save from before the demo ran in a worker, still in localStorage.
            legacy: storage::get(key),
        };
        if link.post(&init).is_err() {
            link.fail_all();
        }
        WorkerDemo(link)
    }

    /// Runs `f` whenever another tab changes the demo (a shared worker tells of each change).
    pub fn on_change(&self, f: impl Fn() + 'static) {
        *self.0.on_change.borrow_mut() = Some(Rc::new(f));
    }

    pub async fn send(&self, call: Call) -> Result<Reply, ApiError> {
        let id = self.0.next.get();
        self.0.next.set(id + 1);
        let message = ToWorker::Request(call.message(id));
        let link = self.0.clone();
        let promise = Promise::new(&mut |resolve, reject| {
            link.pending.borrow_mut().insert(id, (resolve, reject));
        });
        if let Err(e) = self.0.post(&message) {
            self.0.pending.borrow_mut().remove(&id);
            return Err(e);
        }
        JsFuture::from(promise)
            .await
            .map_err(|_| ApiError::Network("the demo stopped; reload the page".into()))?;
        let (status, text) = self
            .0
            .answers
            .borrow_mut()
            .remove(&id)
            .ok_or_else(|| ApiError::Decode("an answer of the demo worker".into()))?;
        Ok(Reply {
            status,
            status_text: String::new(),
            text,
            retry_after: None,
        })
    }

    /// What happened to the saved demo, once the worker has loaded it (then None).
    pub async fn take_notice(&self) -> Option<String> {
        let waiting = {
            let mut ready = self.0.ready.borrow_mut();
            ready.as_mut().map(|waiters| {
                let mut slot = None;
                let promise = Promise::new(&mut |resolve, _| slot = Some(resolve));
                waiters.extend(slot);
                promise
            })
        };
        if let Some(promise) = waiting {
            let _ = JsFuture::from(promise).await;
        }
        self.0.notice.borrow_mut().take()
    }
}

impl Link {
    fn post(&self, message: &ToWorker) -> Result<(), ApiError> {
        let worker = self.worker.as_ref().ok_or_else(|| {
            ApiError::Network("the demo could not start in this browser (it needs Web Workers)".into())
        })?;
        let text = serde_json::to_string(message).map_err(|e| ApiError::Decode(e.to_string()))?;
        if let Some(held) = self.held.borrow_mut().as_mut() {
            held.push(text);
            return Ok(());
        }
        worker
            .post(&text)
            .map_err(|_| ApiError::Network("the demo stopped; reload the page".into()))
    }

    /// The worker listens: send what was held, in order.
    fn flush(&self) {
        let held = self.held.borrow_mut().take().unwrap_or_default();
        if let Some(worker) = &self.worker {
            for text in held {
                if worker.post(&text).is_err() {
                    self.fail_all();
                    return;
                }
            }
        }
    }

    fn receive(&self, text: &str, clock_ms: &Cell<i64>) {
        match serde_json::from_str::<FromWorker>(text) {
            Ok(FromWorker::Booted) => self.flush(),
            Ok(FromWorker::Response { id, status, body, .. }) => {
                if let Some((resolve, _)) = self.pending.borrow_mut().remove(&id) {
                    self.answers.borrow_mut().insert(id, (status, body));
                    let _ = resolve.call0(&JsValue::NULL);
                }
            }
            Ok(FromWorker::Ready {
                notice,
                clock_offset_ms,
                saved,
            }) => {
                clock_ms.set(clock_offset_ms);
                *self.notice.borrow_mut() = notice;
                if saved {
                    // IndexedDB holds it now: the old copy would only go stale.
                    storage::remove(&self.key);
                }
                for waiter in self.ready.borrow_mut().take().unwrap_or_default() {
                    let _ = waiter.call0(&JsValue::NULL);
                }
            }
            Ok(FromWorker::Notice { text }) => *self.notice.borrow_mut() = Some(text),
            Ok(FromWorker::Changed { .. }) => {
                // Cloned out first: the callback may send requests, which borrow the link.
                let on_change = self.on_change.borrow().clone();
                if let Some(f) = on_change {
                    f();
                }
            }
            Err(_) => {}
        }
    }

    /// The worker died: every request in flight fails instead of waiting forever.
    fn fail_all(&self) {
        for (_, (_, reject)) in self.pending.borrow_mut().drain() {
            let _ = reject.call0(&JsValue::NULL);
        }
        for waiter in self.ready.borrow_mut().take().unwrap_or_default() {
            let _ = waiter.call0(&JsValue::NULL);
        }
    }
}
