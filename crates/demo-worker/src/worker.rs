//! The worker's side. It runs as a SharedWorker where the browser has them, so every tab of the app
//! talks to one demo (and hears the others' changes), or as a dedicated worker of one tab. Requests
//! queue until the demo is loaded, then each is answered in turn and the save written to IndexedDB
//! after every change.

use std::cell::RefCell;

use chrono::{DateTime, Utc};
use js_sys::{Array, Function, Promise};
use rapport_service::demo::{self, DemoLog, DemoSize};
use rapport_service::messages::{CallMessage, FromWorker, ToWorker};
use rapport_service::Service;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{
    DedicatedWorkerGlobalScope, IdbDatabase, IdbRequest, IdbTransactionMode, MessageEvent, MessagePort,
    SharedWorkerGlobalScope, WorkerGlobalScope,
};

const DB_NAME: &str = "rapport";
const STORE: &str = "saves";
const UNSAVED: &str = "This browser does not let the demo save its data here: your changes work until you close the \
                       tab but will be gone after that.";

/// Who a message came from, and where its answer goes: a tab's port of the shared worker, or
/// the one tab of a dedicated worker.
#[derive(Clone, PartialEq)]
enum Peer {
    Port(MessagePort),
    Own,
}

impl Peer {
    fn post(&self, message: &FromWorker) {
        let Ok(text) = serde_json::to_string(message) else {
            return;
        };
        let text = JsValue::from_str(&text);
        let _ = match self {
            Peer::Port(port) => port.post_message(&text),
            Peer::Own => js_sys::global()
                .unchecked_into::<DedicatedWorkerGlobalScope>()
                .post_message(&text),
        };
    }
}

enum State {
    /// Not loaded yet: requests wait here in order, and the tabs that asked for the demo wait to
    /// hear that it is ready.
    Loading {
        queue: Vec<(Peer, CallMessage)>,
        waiting: Vec<Peer>,
    },
    Ready(Box<Demo>),
}

struct Demo {
    key: String,
    service: Service<DemoLog>,
    db: Option<IdbDatabase>,
}

thread_local! {
    static STATE: RefCell<State> = const { RefCell::new(State::Loading { queue: Vec::new(), waiting: Vec::new() }) };
    /// Every tab connected to the shared worker, to tell of each change.
    static PEERS: RefCell<Vec<Peer>> = const { RefCell::new(Vec::new()) };
}

fn wall_clock() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
}

/// The worker's wasm memory in bytes, for the benchmark (called as `wasm_bindgen.memory_bytes()`
/// inside the worker).
#[wasm_bindgen]
pub fn memory_bytes() -> f64 {
    (core::arch::wasm32::memory_size(0) * 65_536) as f64
}

pub fn start() {
    let global = js_sys::global();
    if global.is_instance_of::<SharedWorkerGlobalScope>() {
        // Tabs that connected while the wasm loaded were kept by the entry script
        // (public/demo-worker.js): a `connect` event nobody listens to is lost.
        let early = js_sys::Reflect::get(&global, &"rapportEarlyPorts".into()).unwrap_or(JsValue::UNDEFINED);
        if let Some(early) = early.dyn_ref::<Array>() {
            for port in early.iter() {
                connect(port.unchecked_into());
            }
        }
        let on_connect = Closure::<dyn FnMut(MessageEvent)>::new(|event: MessageEvent| {
            if let Ok(port) = event.ports().get(0).dyn_into::<MessagePort>() {
                connect(port);
            }
        });
        global
            .unchecked_ref::<SharedWorkerGlobalScope>()
            .set_onconnect(Some(on_connect.as_ref().unchecked_ref()));
        // The handler lives as long as the worker.
        on_connect.forget();
    } else {
        let scope: DedicatedWorkerGlobalScope = global.unchecked_into();
        scope.set_onmessage(Some(&listener(Peer::Own)));
        PEERS.with(|p| p.borrow_mut().push(Peer::Own));
        Peer::Own.post(&FromWorker::Booted);
    }
}

fn connect(port: MessagePort) {
    let peer = Peer::Port(port.clone());
    port.set_onmessage(Some(&listener(peer.clone())));
    PEERS.with(|p| p.borrow_mut().push(peer.clone()));
    peer.post(&FromWorker::Booted);
}

/// A message handler for one peer, kept for the worker's life.
fn listener(peer: Peer) -> Function {
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let Some(text) = event.data().as_string() else { return };
        // A message this build does not understand is dropped; the page times nothing out on it.
        if let Ok(message) = serde_json::from_str::<ToWorker>(&text) {
            receive(&peer, message);
        }
    });
    on_message.into_js_value().unchecked_into()
}

fn receive(peer: &Peer, message: ToWorker) {
    match message {
        ToWorker::Init { key, size, legacy } => init(peer, key, size, legacy),
        ToWorker::Request(request) => {
            let queued = STATE.with(|s| match &mut *s.borrow_mut() {
                State::Loading { queue, .. } => {
                    queue.push((peer.clone(), request));
                    None
                }
                State::Ready(_) => Some(request),
            });
            if let Some(request) = queued {
                answer(peer, request);
            }
        }
    }
}

/// A tab asks for the demo: the first one loads it; later ones share it, unless they ask for
/// an organisation of another size (the bench's `?demo-conversations=`), which is then made.
fn init(peer: &Peer, key: String, size: Option<DemoSize>, legacy: Option<String>) {
    enum Next {
        Load,
        Wait,
        Ready(FromWorker),
    }
    let next = STATE.with(|s| {
        let mut state = s.borrow_mut();
        match &mut *state {
            State::Loading { waiting, .. } => {
                let first = waiting.is_empty();
                waiting.push(peer.clone());
                if first {
                    Next::Load
                } else {
                    Next::Wait
                }
            }
            State::Ready(demo) if demo.key == key && size.is_none_or(|z| z == demo.service.storage().size()) => {
                Next::Ready(FromWorker::Ready {
                    notice: None,
                    clock_offset_ms: demo.service.clock_offset().num_milliseconds(),
                    saved: demo.db.is_some(),
                })
            }
            State::Ready(_) => {
                *state = State::Loading {
                    queue: Vec::new(),
                    waiting: vec![peer.clone()],
                };
                Next::Load
            }
        }
    });
    match next {
        Next::Load => spawn_local(load(key, size, legacy)),
        Next::Wait => {}
        Next::Ready(ready) => peer.post(&ready),
    }
}

async fn load(key: String, size: Option<DemoSize>, legacy: Option<String>) {
    let db = open_db().await.ok();
    let saved = match &db {
        Some(db) => get(db, &key).await.ok().flatten(),
        None => None,
    };
    let mut opened = demo::open(saved.or(legacy).as_deref(), size, wall_clock());
    let mut notice = opened.notice.take();
    let mut stored = false;
    if let Some(text) = opened.service.storage_mut().take_save() {
        if let Some(db) = &db {
            stored = put(db, &key, &text).await.is_ok();
        }
    } else {
        stored = db.is_some();
    }
    if !stored && notice.is_none() {
        notice = Some(UNSAVED.to_owned());
    }
    let clock_offset_ms = opened.service.clock_offset().num_milliseconds();
    let seq = opened.service.last_seq().unwrap_or(0);
    let (queue, waiting) = STATE.with(|s| {
        let demo = Demo {
            key,
            service: opened.service,
            db,
        };
        match std::mem::replace(&mut *s.borrow_mut(), State::Ready(Box::new(demo))) {
            State::Loading { queue, waiting } => (queue, waiting),
            State::Ready(_) => (Vec::new(), Vec::new()),
        }
    });
    for peer in &waiting {
        peer.post(&FromWorker::Ready {
            notice: notice.clone(),
            clock_offset_ms,
            saved: stored,
        });
    }
    // Tabs already on the demo (a reload at another size replaced it) read it again.
    broadcast(&waiting, seq);
    for (peer, request) in queue {
        answer(&peer, request);
    }
}

/// Tells every tab but `except` that the demo changed.
fn broadcast(except: &[Peer], seq: u64) {
    PEERS.with(|peers| {
        for peer in peers.borrow().iter().filter(|p| !except.contains(p)) {
            peer.post(&FromWorker::Changed { seq });
        }
    });
}

fn answer(peer: &Peer, call: CallMessage) {
    let save = STATE.with(|s| match &mut *s.borrow_mut() {
        State::Ready(demo) => {
            let handled = demo.service.handle(wall_clock(), &call.request());
            peer.post(&FromWorker::response(call.id, &handled.response));
            if let Some(last) = handled.changes.last() {
                broadcast(std::slice::from_ref(peer), last.seq);
            }
            let text = demo.service.storage_mut().take_save()?;
            Some((demo.db.clone(), demo.key.clone(), text, peer.clone()))
        }
        State::Loading { .. } => None,
    });
    if let Some((db, key, text, peer)) = save {
        spawn_local(async move {
            let written = match &db {
                Some(db) => put(db, &key, &text).await.is_ok(),
                None => false,
            };
            if !written {
                peer.post(&FromWorker::Notice {
                    text: "The demo could not save your latest change in this browser (is its storage full?). It \
                           works until you close the tab."
                        .to_owned(),
                });
            }
        });
    }
}

/// Waits for an IndexedDB request; its result, or the error it failed with.
async fn done(request: &IdbRequest) -> Result<JsValue, JsValue> {
    let promise = Promise::new(&mut |resolve: Function, reject: Function| {
        request.set_onsuccess(Some(&resolve));
        request.set_onerror(Some(&reject));
    });
    JsFuture::from(promise).await?;
    request.result()
}

async fn open_db() -> Result<IdbDatabase, JsValue> {
    let global: WorkerGlobalScope = js_sys::global().unchecked_into();
    let factory = global.indexed_db()?.ok_or_else(|| JsValue::from_str("no IndexedDB"))?;
    let open = factory.open_with_u32(DB_NAME, 1)?;
    let upgrading = open.clone();
    let on_upgrade = Closure::once_into_js(move |_: web_sys::Event| {
        if let Ok(db) = upgrading.result() {
            let _ = db.unchecked_into::<IdbDatabase>().create_object_store(STORE);
        }
    });
    open.set_onupgradeneeded(Some(on_upgrade.unchecked_ref()));
    let db = done(&open).await?;
    db.dyn_into::<IdbDatabase>()
}

async fn get(db: &IdbDatabase, key: &str) -> Result<Option<String>, JsValue> {
    let store = db.transaction_with_str(STORE)?.object_store(STORE)?;
    let value = done(&store.get(&JsValue::from_str(key))?).await?;
    Ok(value.as_string())
}

async fn put(db: &IdbDatabase, key: &str, text: &str) -> Result<(), JsValue> {
    let store = db
        .transaction_with_str_and_mode(STORE, IdbTransactionMode::Readwrite)?
        .object_store(STORE)?;
    done(&store.put_with_key(&JsValue::from_str(text), &JsValue::from_str(key))?).await?;
    Ok(())
}
