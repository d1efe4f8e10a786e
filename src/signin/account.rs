//! A signed-in agent's own account, in Settings: change the password, sign out everywhere, and
//! the personal API tokens integrations use (made, shown once, revoked).

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use web_sys::{FormData, HtmlFormElement};

use crate::api::{Api, TokenInfo};
use crate::components::time::{day, Zone};

#[component]
pub fn AccountSettings() -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="account-heading">
            <h2 id="account-heading">"Your account"</h2>
            <PasswordForm/>
            <Tokens/>
            <h3>"Sessions"</h3>
            <SignOutEverywhere/>
        </section>
    }
}

/// The named fields of the form a submit came from, and the form (to reset it). The fields are
/// read once, on submit: no signal per input, which keeps this rarely opened page light.
fn submitted(ev: &SubmitEvent, names: &[&str]) -> Option<(HtmlFormElement, Vec<String>)> {
    ev.prevent_default();
    let form: HtmlFormElement = ev.target()?.dyn_into().ok()?;
    let data = FormData::new_with_form(&form).ok()?;
    let values = names
        .iter()
        .map(|n| data.get(n).as_string().unwrap_or_default())
        .collect();
    Some((form, values))
}

#[component]
fn PasswordForm() -> impl IntoView {
    let api = Api::use_api();
    // Always in the page, so a screen reader announces each new message.
    let message = RwSignal::new(String::new());
    let submit = move |ev: SubmitEvent| {
        let Some((form, v)) = submitted(&ev, &["current", "new"]) else {
            return;
        };
        spawn_local(async move {
            let text = match api.backend().change_password(&v[0], &v[1]).await {
                Ok(()) => {
                    form.reset();
                    "Password changed. Your other sessions were signed out.".to_owned()
                }
                Err(e) => e.to_string(),
            };
            message.try_set(text);
        });
    };
    view! {
        <form class="account-form" on:submit=submit>
            <h3>"Password"</h3>
            <label class="field">
                <span>"Current password"</span>
                <input name="current" type="password" autocomplete="current-password" required/>
            </label>
            <label class="field">
                <span>"New password (12 characters or more)"</span>
                <input name="new" type="password" autocomplete="new-password" required minlength="12"/>
            </label>
            <p role="status" data-testid="password-message">{move || message.get()}</p>
            <button class="btn" type="submit">"Change password"</button>
        </form>
    }
}

#[component]
fn Tokens() -> impl IntoView {
    let api = Api::use_api();
    // A signal filled by a task, not a resource: a resource's suspense machinery would cost every
    // agent's download more than this rarely opened list is worth.
    let tokens = RwSignal::new(None::<Vec<TokenInfo>>);
    let created = RwSignal::new(None::<String>);
    let error = RwSignal::new(String::new());
    let reload = move || {
        spawn_local(async move {
            match api.backend().tokens().await {
                Ok(list) => drop(tokens.try_set(Some(list))),
                Err(e) => drop(error.try_set(e.to_string())),
            }
        })
    };
    reload();
    let create = move |ev: SubmitEvent| {
        let Some((form, v)) = submitted(&ev, &["name"]) else {
            return;
        };
        spawn_local(async move {
            let made = api.backend().create_token(v[0].trim()).await;
            error.try_set(made.as_ref().err().map(|e| e.to_string()).unwrap_or_default());
            if let Ok(secret) = made {
                form.reset();
                created.try_set(Some(secret));
                reload();
            }
        });
    };
    let revoke = move |id: String| {
        spawn_local(async move {
            let result = api.backend().revoke_token(&id).await;
            error.try_set(result.err().map(|e| e.to_string()).unwrap_or_default());
            reload();
        });
    };
    let row = move |t: TokenInfo| {
        let (id, label) = (t.id, format!("Revoke {}", t.name));
        let made = format!("{} · made {}", t.name, day(t.created_at, Zone::local()));
        view! {
            <li>
                <span>{made}</span>
                <button class="btn-link" type="button" aria-label=label on:click=move |_| revoke(id.clone())>"Revoke"</button>
            </li>
        }
    };
    let list = move || match tokens.get() {
        None => view! { <p class="hint">"Loading tokens…"</p> }.into_any(),
        Some(list) if list.is_empty() => view! { <p class="hint">"No tokens yet."</p> }.into_any(),
        Some(list) => view! { <ul class="tokens">{list.into_iter().map(row).collect_view()}</ul> }.into_any(),
    };
    view! {
        <h3>"Personal API tokens"</h3>
        <p class="hint">"For an integration: send one as a Bearer token, or HTTP Basic with your email. It acts as you."</p>
        {list}
        {move || created.get().map(|secret| view! {
            <p role="status" class="token-secret">
                "Copy it now: it is not shown again. " <code data-testid="new-token">{secret}</code>
            </p>
        })}
        <form class="account-form inline" on:submit=create>
            <label class="field">
                <span>"Token name"</span>
                <input name="name" type="text" required maxlength="100" placeholder="CRM sync"/>
            </label>
            <button class="btn" type="submit">"Make a token"</button>
        </form>
        <p class="composer-error" role="alert">{move || error.get()}</p>
    }
}

#[component]
fn SignOutEverywhere() -> impl IntoView {
    let api = Api::use_api();
    let error = RwSignal::new(String::new());
    let click = move |_| {
        spawn_local(async move {
            if let Err(e) = api.sign_out_everywhere().await {
                error.try_set(e.to_string());
            }
        });
    };
    view! {
        <p class="hint">"Ends every session of your account, on every device, this one too. Tokens stay until revoked."</p>
        <button class="btn danger" type="button" on:click=click>"Sign out everywhere"</button>
        <p class="composer-error" role="alert">{move || error.get()}</p>
    }
}
