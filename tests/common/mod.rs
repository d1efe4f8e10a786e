//! Helpers shared by the browser tests.
#![allow(dead_code)]

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::HtmlElement;

pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    JsFuture::from(promise).await.unwrap();
}

/// Polls until `check` holds, for up to five seconds.
pub async fn eventually(mut check: impl FnMut() -> bool) -> bool {
    for _ in 0..250 {
        if check() {
            return true;
        }
        sleep(20).await;
    }
    false
}

/// A fresh element in the page to mount into; each test gets its own.
pub fn host() -> HtmlElement {
    let doc = web_sys::window().unwrap().document().unwrap();
    let host = doc.create_element("div").unwrap();
    doc.body().unwrap().append_child(&host).unwrap();
    host.unchecked_into()
}

/// Applies a command through the demo's API, as the app would; panics if it is refused.
pub async fn run(demo: &rapport::api::DemoBackend, command: rapport_core::Command) -> rapport_core::Outcome {
    match rapport::api::Backend::demo(demo.clone()).execute(command).await {
        Ok(outcome) => outcome,
        Err(e) => panic!("the demo refused a fixture command: {e}"),
    }
}

/// The demo's sandbox state (changes since the seed, clock offset).
pub async fn sandbox(demo: &rapport::api::DemoBackend) -> rapport::api::Sandbox {
    match rapport::api::Backend::demo(demo.clone()).sandbox().await {
        Ok(Some(state)) => state,
        other => panic!("the demo has no sandbox state: {other:?}"),
    }
}
