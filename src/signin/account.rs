//! A signed-in agent's own account, in Settings: change the password, sign out everywhere, and
//! the personal API tokens integrations use (made, shown once, revoked).

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{Api, TokenInfo};

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

#[component]
fn PasswordForm() -> impl IntoView {
    let api = Api::use_api();
    let (current, new) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    // Always in the page, so a screen reader announces each new message.
    let message = RwSignal::new(String::new());
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let (c, n) = (current.get_untracked(), new.get_untracked());
        spawn_local(async move {
            let text = match api.backend().change_password(&c, &n).await {
                Ok(()) => {
                    current.try_set(String::new());
                    new.try_set(String::new());
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
                <input type="password" autocomplete="current-password" required
                    prop:value=move || current.get() on:input:target=move |ev| current.set(ev.target().value())/>
            </label>
            <label class="field">
                <span>"New password (12 characters or more)"</span>
                <input type="password" autocomplete="new-password" required minlength="12"
                    prop:value=move || new.get() on:input:target=move |ev| new.set(ev.target().value())/>
            </label>
            <p role="status" data-testid="password-message">{move || message.get()}</p>
            <button class="btn" type="submit">"Change password"</button>
        </form>
    }
}

#[component]
fn Tokens() -> impl IntoView {
    let api = Api::use_api();
    let version = RwSignal::new(0u32);
    let list = LocalResource::new(move || {
        version.track();
        let backend = api.backend();
        async move { backend.tokens().await }
    });
    let name = RwSignal::new(String::new());
    let created = RwSignal::new(None::<String>);
    let error = RwSignal::new(String::new());
    let create = move |ev: SubmitEvent| {
        ev.prevent_default();
        let n = name.get_untracked().trim().to_owned();
        spawn_local(async move {
            match api.backend().create_token(&n).await {
                Ok(secret) => {
                    name.try_set(String::new());
                    created.try_set(Some(secret));
                    error.try_set(String::new());
                    version.try_update(|v| *v += 1);
                }
                Err(e) => {
                    error.try_set(e.to_string());
                }
            }
        });
    };
    let revoke = move |id: String| {
        spawn_local(async move {
            let result = api.backend().revoke_token(&id).await;
            error.try_set(result.err().map(|e| e.to_string()).unwrap_or_default());
            version.try_update(|v| *v += 1);
        });
    };
    let row = move |t: TokenInfo| {
        let (id, label) = (t.id.clone(), format!("Revoke {}", t.name));
        view! {
            <li>
                <span>{t.name}</span>
                <span class="hint">" · made " {t.created_at.format("%b %-d, %Y").to_string()}</span>
                <button class="btn-link" type="button" aria-label=label on:click=move |_| revoke(id.clone())>"Revoke"</button>
            </li>
        }
    };
    view! {
        <h3>"Personal API tokens"</h3>
        <p class="hint">"For an integration: send one as a Bearer token, or HTTP Basic with your email. It acts as you."</p>
        <Transition fallback=|| view! { <p class="hint">"Loading tokens…"</p> }>
            {move || list.get().map(|r| match r {
                Ok(tokens) if tokens.is_empty() => view! { <p class="hint">"No tokens yet."</p> }.into_any(),
                Ok(tokens) => view! { <ul class="tokens">{tokens.into_iter().map(row).collect_view()}</ul> }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
            })}
        </Transition>
        {move || created.get().map(|secret| view! {
            <p role="status" class="token-secret">
                "Copy it now: it is not shown again. " <code data-testid="new-token">{secret}</code>
            </p>
        })}
        <form class="account-form inline" on:submit=create>
            <label class="field">
                <span>"Token name"</span>
                <input type="text" required maxlength="100" placeholder="CRM sync"
                    prop:value=move || name.get() on:input:target=move |ev| name.set(ev.target().value())/>
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
