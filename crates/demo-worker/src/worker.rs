//! The worker's side: requests queue until the demo is loaded, then each is answered in turn and
//! the save written to IndexedDB after every change.

use std::cell::RefCell;

use chrono::{DateTime, Utc};
use js_sys::{Function, Promise};
use rapport_service::demo::{self, DemoLog};
use rapport_service::messages::{CallMessage, FromWorker, ToWorker};
use rapport_service::Service;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{
    DedicatedWorkerGlobalScope, IdbDatabase, IdbRequest, IdbTransactionMode, MessageEvent, WorkerGlobalScope,
};

const DB_NAME: &str = "rapport";
const STORE: &str = "saves";
const UNSAVED: &str = "This browser does not let the demo save its data here: your changes work until you close the \
                       tab but will be gone after that.";

enum State {
    /// Not loaded yet: requests wait here, in order.
    Loading(Vec<CallMessage>),
    Ready(Box<Demo>),
}

struct Demo {
    key: String,
    service: Service<DemoLog>,
    db: Option<IdbDatabase>,
}

thread_local! {
    static STATE: RefCell<State> = const { RefCell::new(State::Loading(Vec::new())) };
}

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

fn wall_clock() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
}

fn post(message: &FromWorker) {
    if let Ok(text) = serde_json::to_string(message) {
        let _ = scope().post_message(&JsValue::from_str(&text));
    }
}

/// The worker's wasm memory in bytes, for the benchmark (called as `wasm_bindgen.memory_bytes()`
/// inside the worker).
#[wasm_bindgen]
pub fn memory_bytes() -> f64 {
    (core::arch::wasm32::memory_size(0) * 65_536) as f64
}

pub fn start() {
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(|event: MessageEvent| {
        let Some(text) = event.data().as_string() else { return };
        // A message this build does not understand is dropped; the page times nothing out on it.
        if let Ok(message) = serde_json::from_str::<ToWorker>(&text) {
            receive(message);
        }
    });
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    on_message.forget();
    post(&FromWorker::Booted);
}

fn receive(message: ToWorker) {
    match message {
        ToWorker::Init { key, size, legacy } => spawn_local(load(key, size, legacy)),
        ToWorker::Request(request) => {
            let queued = STATE.with(|s| match &mut *s.borrow_mut() {
                State::Loading(queue) => {
                    queue.push(request);
                    None
                }
                State::Ready(_) => Some(request),
            });
            if let Some(request) = queued {
                answer(request);
            }
        }
    }
}

async fn load(key: String, size: Option<demo::DemoSize>, legacy: Option<String>) {
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
    let queue = STATE.with(|s| {
        let demo = Demo {
            key,
            service: opened.service,
            db,
        };
        match std::mem::replace(&mut *s.borrow_mut(), State::Ready(Box::new(demo))) {
            State::Loading(queue) => queue,
            State::Ready(_) => Vec::new(),
        }
    });
    post(&FromWorker::Ready {
        notice,
        clock_offset_ms,
        saved: stored,
    });
    for request in queue {
        answer(request);
    }
}

fn answer(call: CallMessage) {
    let save = STATE.with(|s| match &mut *s.borrow_mut() {
        State::Ready(demo) => {
            let response = demo.service.handle(wall_clock(), &call.request()).response;
            post(&FromWorker::response(call.id, &response));
            let text = demo.service.storage_mut().take_save()?;
            Some((demo.db.clone(), demo.key.clone(), text))
        }
        State::Loading(_) => None,
    });
    if let Some((db, key, text)) = save {
        spawn_local(async move {
            let written = match &db {
                Some(db) => put(db, &key, &text).await.is_ok(),
                None => false,
            };
            if !written {
                post(&FromWorker::Notice {
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
