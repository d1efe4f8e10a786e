//! Small widgets used across features.

pub mod time;
pub mod toast;

use leptos::prelude::*;
use rapport_core::{Channel, Status};

use crate::api::ApiError;

/// An inline style of whole pixels, e.g. `height: 96px`. Layout sizes here are sums of whole
/// pixels; printing them as integers keeps float formatting (about 10 KiB) out of the bundle.
pub fn style_px(property: &str, pixels: f64) -> String {
    format!("{property}: {}px", pixels.round() as i64)
}

/// Initials in a circle; the colour follows the name so a customer keeps theirs everywhere.
#[component]
pub fn Avatar(#[prop(into)] name: String, #[prop(optional)] large: bool) -> impl IntoView {
    let initials: String = name
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        // ASCII only: Unicode's case tables cost every agent's download more than the rare
        // name written in lower case with an accented initial is worth.
        .map(|c| c.to_ascii_uppercase())
        .collect::<String>();
    let hue = name
        .bytes()
        .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
        % 360;
    view! {
        <span class="avatar" class:large=large style=format!("--hue: {hue}") aria-hidden="true">{initials}</span>
    }
}

#[component]
pub fn ChannelBadge(channel: Channel) -> impl IntoView {
    let key = format!("{channel:?}").to_lowercase();
    view! { <span class=format!("channel-badge ch-{key}") title=channel.label()>{channel.label()}</span> }
}

#[component]
pub fn StatusPill(status: Status) -> impl IntoView {
    view! { <span class=format!("status-pill st-{}", status.label().to_lowercase())>{status.label()}</span> }
}

/// The fallback of an `ErrorBoundary`: what went wrong, in words, with a way to retry, unless
/// trying again cannot help (a link to something that does not exist, a view there is not).
#[component]
pub fn ErrorNotice(errors: ArcRwSignal<Errors>) -> impl IntoView {
    let api = crate::api::Api::use_api();
    let retryable = {
        let errors = errors.clone();
        move || {
            errors.with(|list| {
                list.iter()
                    .any(|(_, e)| !e.downcast_ref::<ApiError>().is_some_and(ApiError::is_final))
            })
        }
    };
    view! {
        <div class="error-notice" role="alert">
            <ul>
                {move || errors.get().into_iter().map(|(_, e)| view! { <li>{e.to_string()}</li> }).collect_view()}
            </ul>
            <Show when=retryable.clone()>
                <button class="btn" on:click=move |_| api.changed()>"Try again"</button>
            </Show>
        </div>
    }
}

/// One error, in words, with a way to retry; for views that match on a `Result` themselves.
#[component]
pub fn ErrorMessage(error: ApiError) -> impl IntoView {
    let api = crate::api::Api::use_api();
    let retryable = !error.is_final();
    view! {
        <div class="error-notice" role="alert">
            <p>{error.to_string()}</p>
            {retryable.then(|| view! { <button class="btn" on:click=move |_| api.changed()>"Try again"</button> })}
        </div>
    }
}

/// A short message for lists with nothing in them.
#[component]
pub fn EmptyState(#[prop(into)] title: String, #[prop(into, optional)] hint: String) -> impl IntoView {
    view! {
        <div class="empty-state">
            <p class="empty-title">{title}</p>
            <p class="empty-hint">{hint}</p>
        </div>
    }
}

/// `ApiError` as the error type of views that render a `Result`.
pub type ViewResult<T> = Result<T, ApiError>;
