//! Signing in to a server with accounts (`POST /session`) and out again. The token is kept for
//! this server only (see `api::config`); after a sign-in the desk opens where it was, with its
//! drafts and unsent replies, which a sign-out or an ended session never touches.

mod account;

pub use account::AccountSettings;

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::Api;
use crate::session::Session;

/// Shown instead of the desk while a server with accounts has no session for this browser;
/// `signed_in` runs once the server has given one.
#[component]
pub fn SignInPage(signed_in: impl Fn() + Copy + 'static) -> impl IntoView {
    let api = Api::use_api();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    // Always in the page, so a screen reader announces each new message.
    let error = RwSignal::new(String::new());
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(String::new());
        let (e, p) = (email.get_untracked().trim().to_owned(), password.get_untracked());
        spawn_local(async move {
            let result = api.sign_in(e, p).await;
            busy.try_set(false);
            match result {
                Ok(()) => signed_in(),
                Err(e) => {
                    error.try_set(e.to_string());
                }
            }
        });
    };
    view! {
        <h1>"Sign in to Rapport"</h1>
        <form class="card" on:submit=submit>
            <p class="hint">{api.server()}</p>
            <label class="field">
                <span>"Email"</span>
                <input type="email" name="email" autocomplete="username" required autofocus
                    on:input:target=move |ev| email.set(ev.target().value())/>
            </label>
            <label class="field">
                <span>"Password"</span>
                <input type="password" name="password" autocomplete="current-password" required
                    on:input:target=move |ev| password.set(ev.target().value())/>
            </label>
            <p class="composer-error" role="alert" data-testid="sign-in-error">{move || error.get()}</p>
            <div class="trial-buttons">
                <button class="btn primary" type="submit" disabled=move || busy.get()>
                    {move || if busy.get() { "Signing in…" } else { "Sign in" }}
                </button>
            </div>
        </form>
    }
}

/// Who is at the keyboard: the agent's name, and for a signed-in agent "Signed in as <name> ·
/// Sign out", which ends the session and shows the sign-in page.
#[component]
pub fn Whoami() -> impl IntoView {
    let api = Api::use_api();
    let session = Session::use_session();
    let sign_out = move |_| spawn_local(api.sign_out());
    view! {
        <span data-testid="whoami">
            {move || {
                let name = session.me().map(|a| a.name).unwrap_or_default();
                if api.signed_in() {
                    format!("Signed in as {name}")
                } else {
                    name
                }
            }}
            {move || api.signed_in().then(|| view! { " · " <button class="btn-link" on:click=sign_out>"Sign out"</button> })}
        </span>
    }
}
