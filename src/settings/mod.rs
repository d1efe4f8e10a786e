//! Settings: who you are, how it looks, where the data comes from.

use leptos::prelude::*;
use rapport_core::AgentId;

use crate::api::config::{self, Choice};
use crate::api::Api;
use crate::session::{Session, Theme};
use crate::signin::{AccountSettings, Whoami};

#[component]
pub fn SettingsPage() -> impl IntoView {
    let api = Api::use_api();
    let session = Session::use_session();
    // The desk shows only once this is known, and a sign-out leaves this page.
    let signed_in = api
        .account
        .with_untracked(|a| matches!(a, crate::api::Account::SignedIn(_)));
    let reset_done = RwSignal::new(false);
    let reset_error = RwSignal::new(None::<String>);
    let sandbox = api.read(|| (), |backend, ()| async move { backend.sandbox().await });
    let changes = move || match sandbox.get() {
        Some(Ok(Some(s))) => format!("{} changes saved in this browser.", s.changes),
        Some(Err(e)) => e.to_string(),
        _ => String::new(),
    };
    let confirming = RwSignal::new(false);
    let reset = move |_| {
        confirming.set(false);
        reset_error.set(None);
        leptos::task::spawn_local(async move {
            match api.backend().reset().await {
                Ok(_) => {
                    api.changed();
                    reset_done.set(true);
                }
                Err(e) => reset_error.set(Some(format!("Could not reset the demo: {e}"))),
            }
        });
    };
    view! {
        <main class="page settings" id="workspace">
            <h1>"Settings"</h1>
            <section class="card">
                <h2>"You"</h2>
                // A server with accounts says who you are; elsewhere anyone can be anyone.
                <p hidden=!signed_in><Whoami/></p>
                {(!signed_in).then(|| view! {
                    <label class="field">
                        <span>"Signed in as"</span>
                        <select
                            prop:value=move || session.agent.get().to_string()
                            on:change:target=move |ev| session.agent.set(AgentId::from(ev.target().value()))
                        >
                            {move || session.directory.with(|d| d.agents.iter().map(|a| view! { <option value=a.id.to_string()>{a.name.clone()}</option> }).collect_view())}
                        </select>
                    </label>
                    <p class="hint">"In the demo anyone can be any agent, to see the desk as they would."</p>
                })}
            </section>
            {signed_in.then(|| view! { <AccountSettings/> })}
            <section class="card">
                <h2>"Appearance"</h2>
                <fieldset class="field">
                    <legend>"Theme"</legend>
                    {Theme::ALL.into_iter().map(|t| view! {
                        <label class="radio">
                            <input type="radio" name="theme" value=t.key()
                                prop:checked=move || session.theme.get() == t
                                on:change=move |_| session.theme.set(t)/>
                            {t.label()}
                        </label>
                    }).collect_view()}
                </fieldset>
            </section>
            <section class="card">
                <h2>"Backend"</h2>
                {if api.is_demo() {
                    view! {
                        <p>"Rapport is running on its built-in demo backend: a seeded organisation that lives in this browser. Nothing leaves your machine."</p>
                        <p class="hint">{changes}</p>
                        // Two steps: one click must not wipe every change made in this browser.
                        <Show when=move || confirming.get() fallback=move || view! {
                            <button class="btn danger" on:click=move |_| confirming.set(true)>"Reset demo data"</button>
                        }>
                            <p role="alert">"Every change made in this browser goes back to the seed."</p>
                            <div class="trial-buttons">
                                <button class="btn danger" on:click=reset>"Yes, reset the demo"</button>
                                <button class="btn" on:click=move |_| confirming.set(false)>"Keep my changes"</button>
                            </div>
                        </Show>
                        <Show when=move || reset_done.get()>
                            <p role="status">"The demo data was reset to the seed."</p>
                        </Show>
                        {move || reset_error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                    }.into_any()
                } else {
                    view! {
                        <p>"Connected to " <code>{api.server().unwrap_or_default()}</code> ": " {move || api.live.get().label()}</p>
                    }.into_any()
                }}
                <ServerForm/>
            </section>
        </main>
    }
}

/// Switching backends reloads the app, so every view starts clean on the new one.
#[component]
fn ServerForm() -> impl IntoView {
    let on_demo = Api::use_api().is_demo();
    let url = RwSignal::new(match config::saved() {
        Some(Choice::Http { base_url }) => base_url,
        _ => String::new(),
    });
    let token = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let reload = || {
        if let Some(w) = web_sys::window() {
            let _ = w.location().reload();
        }
    };
    let connect = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let base_url = url.get_untracked().trim().to_owned();
        if !config::valid_url(&base_url) {
            error.set(Some(
                "Enter the server's address, starting with http:// or https://".into(),
            ));
            return;
        }
        // An empty field keeps the token already saved for this server.
        let t = token.get_untracked();
        if !t.is_empty() {
            config::save_token(&base_url, &t);
        }
        config::save(&Choice::Http { base_url });
        reload();
    };
    view! {
        <form class="server-form" on:submit=connect>
            <label class="field">
                <span>"Server address"</span>
                <input type="url" placeholder="https://rapport.example.com" prop:value=move || url.get() on:input:target=move |ev| url.set(ev.target().value())/>
            </label>
            <label class="field">
                <span>"Access token (optional)"</span>
                <input type="password" autocomplete="off" placeholder=move || if config::token(&url.get()).is_some() { "saved; type to replace" } else { "" }
                    prop:value=move || token.get() on:input:target=move |ev| token.set(ev.target().value())/>
            </label>
            {move || error.get().map(|e| view! { <p class="composer-error" role="alert">{e}</p> })}
            <div class="trial-buttons">
                <button class="btn primary" type="submit">"Connect to this server"</button>
                {(!on_demo).then(|| view! {
                    <button class="btn" type="button" on:click=move |_| config::use_demo()>"Use the demo instead"</button>
                })}
            </div>
            <p class="hint">"The token is kept in this browser only, for this server only, and sent only in the Authorization header."</p>
        </form>
    }
}
