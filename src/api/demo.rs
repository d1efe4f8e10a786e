//! The demo's service running in this page over localStorage: for the component tests, which
//! run without the demo worker (built with the `inline-demo` feature). The app itself runs the
//! same service in a Web Worker (`worker.rs`); the save's format is `rapport_service::demo`.

use std::cell::RefCell;
use std::rc::Rc;

use rapport_core::Store;
use rapport_service::demo::{self, DemoLog, DemoSize};
use rapport_service::{Request, Response, Service};

use super::storage;
use super::wall_clock;

struct State {
    key: String,
    service: Service<DemoLog>,
    notice: Option<String>,
}

/// The demo's service, shared by every clone of the client.
#[derive(Clone)]
pub struct DemoBackend(Rc<RefCell<State>>);

impl DemoBackend {
    /// Loads the demo saved under `key`, or seeds a fresh one. Never fails: a save that cannot be
    /// used is replaced, and `take_notice` says why.
    pub fn open(key: &str) -> Self {
        Self::open_sized(key, None)
    }

    /// As `open`, with a chosen size; a save of another size is replaced by a fresh seed.
    pub fn open_sized(key: &str, size: Option<DemoSize>) -> Self {
        let opened = demo::open(storage::get(key).as_deref(), size, wall_clock());
        let backend = DemoBackend(Rc::new(RefCell::new(State {
            key: key.to_owned(),
            service: opened.service,
            notice: opened.notice,
        })));
        backend.save();
        backend
    }

    /// Answers one request of the HTTP API, as the server would.
    pub fn handle(&self, request: &Request) -> Response {
        let response = self.0.borrow_mut().service.handle(wall_clock(), request).response;
        self.save();
        response
    }

    /// A look at the store, for tests and fixtures; the app reads through the API.
    pub fn read<R>(&self, f: impl FnOnce(&Store) -> R) -> R {
        f(self.0.borrow().service.store())
    }

    /// A message for the agent about what happened to their saved data, once.
    pub fn take_notice(&self) -> Option<String> {
        self.0.borrow_mut().notice.take()
    }

    /// How far the demo clock runs ahead of the wall clock, in milliseconds.
    pub fn clock_offset_ms(&self) -> i64 {
        self.0.borrow().service.clock_offset().num_milliseconds()
    }

    fn save(&self) {
        let mut state = self.0.borrow_mut();
        let State { key, service, notice } = &mut *state;
        if let Some(text) = service.storage_mut().take_save() {
            // A full storage does not refuse the change: the demo keeps working in this tab.
            if let Err(e) = storage::set(key, &text) {
                *notice = Some(format!(
                    "{e} Your latest demo changes work in this tab but will be gone after a reload."
                ));
            }
        }
    }
}
