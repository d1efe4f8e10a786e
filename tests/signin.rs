//! The sign-in page in headless Chromium: an accessible form that says why a sign-in failed, and
//! the demo, which has no accounts, opening without it.
#![cfg(all(target_arch = "wasm32", feature = "inline-demo"))]

use leptos::prelude::*;
use rapport::api::{storage, Api, Backend, DemoBackend};
use rapport::signin::SignInPage;
use rapport::App;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};

mod common;

use common::{eventually, host};

wasm_bindgen_test_configure!(run_in_browser);

fn find(host: &HtmlElement, selector: &str) -> Element {
    host.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector}"))
}

fn type_into(input: &Element, text: &str) {
    js_sys::Reflect::set(input, &"value".into(), &JsValue::from_str(text)).unwrap();
    let event = web_sys::Event::new("input").unwrap();
    input.dispatch_event(&event).unwrap();
}

#[wasm_bindgen_test]
async fn the_form_is_labelled_and_says_why_a_sign_in_failed() {
    let key = "rapport.test.signin.form";
    storage::remove(key);
    let backend = Backend::demo(DemoBackend::open(key));
    let host = host();
    let _app = leptos::mount::mount_to(host.clone(), move || {
        Api::new(backend).provide();
        view! { <SignInPage signed_in=|| ()/> }
    });
    let email = find(&host, "input[autocomplete=username]");
    let password = find(&host, "input[autocomplete=current-password]");
    assert_eq!(email.get_attribute("type").as_deref(), Some("email"));
    assert_eq!(password.get_attribute("type").as_deref(), Some("password"));
    // Each field is named by its label.
    for (input, name) in [(&email, "Email"), (&password, "Password")] {
        let label = input.closest("label").unwrap().expect("inside a label");
        assert!(label.text_content().unwrap_or_default().contains(name));
    }
    let region = find(&host, "[data-testid=sign-in-error]");
    assert_eq!(region.get_attribute("role").as_deref(), Some("alert"));
    assert_eq!(region.text_content().unwrap_or_default(), "");

    type_into(&email, "ann@example.com");
    type_into(&password, "not her password");
    find(&host, "button[type=submit]")
        .unchecked_into::<HtmlElement>()
        .click();
    // The demo has no accounts: its refusal is said in the live region, and the form is ready again.
    assert!(
        eventually(|| !region.text_content().unwrap_or_default().is_empty()).await,
        "no message after a failed sign-in"
    );
    let button = find(&host, "button[type=submit]");
    assert!(eventually(|| !button.has_attribute("disabled")).await, "still busy");
    assert_eq!(button.text_content().as_deref(), Some("Sign in"));
    host.remove();
    storage::remove(key);
}

#[wasm_bindgen_test]
async fn the_demo_opens_without_a_sign_in() {
    let key = "rapport.test.signin.demo";
    storage::remove(key);
    let backend = Backend::demo(DemoBackend::open(key));
    let host = host();
    let _app = leptos::mount::mount_to(host.clone(), move || {
        Api::new(backend).provide();
        view! { <App/> }
    });
    assert!(
        eventually(|| host.query_selector("[data-testid=conversation-row]").unwrap().is_some()).await,
        "the desk did not open"
    );
    assert!(host
        .query_selector("input[autocomplete=current-password]")
        .unwrap()
        .is_none());
    // Only a name: no "Signed in as", no Sign out.
    let whoami = find(&host, "[data-testid=whoami]");
    assert!(eventually(|| !whoami.text_content().unwrap_or_default().is_empty()).await);
    let text = whoami.text_content().unwrap_or_default();
    assert!(
        !text.contains("Signed in as") && whoami.query_selector("button").unwrap().is_none(),
        "{text}"
    );
    host.remove();
    storage::remove(key);
}
