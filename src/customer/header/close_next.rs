//! Close & Next: close this conversation, then open the next one of the view the agent is in.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_params_map};
use rapport_core::query::View;
use rapport_core::{cmd, Command, CustomerId, Status};

use super::controls::Controls;
use crate::api::Api;
use crate::components::toast::Toasts;
use crate::routing::Route;
use crate::session::Session;

/// The button's action, for the conversation of `customer`.
pub(super) fn close_and_next(controls: Controls, customer: CustomerId) -> impl Fn() + Clone + 'static {
    let api = Api::use_api();
    let toasts = Toasts::use_toasts();
    let navigate = use_navigate();
    let params = use_params_map();
    let session = Session::use_session();
    move || {
        if controls.ask_topic_to_close() {
            return;
        }
        let from = controls.status.get_untracked();
        controls.status.set(Status::Closed);
        controls.writer.queue();
        let slug = params
            .with_untracked(|p| p.get("view"))
            .unwrap_or_else(|| "mine".into());
        let (id, actor, me) = (controls.id(), controls.actor(), session.agent.get_untracked());
        let (customer, navigate) = (customer.clone(), navigate.clone());
        spawn_local(async move {
            let close = |v| {
                Command::SetStatus(cmd::SetStatus {
                    conversation_id: id,
                    expected_version: Some(v),
                    status: Status::Closed,
                    actor,
                })
            };
            if let Err(e) = controls.writer.run(close).await {
                controls.status.set(from);
                toasts.error(e.to_string());
                return;
            }
            let view = View::from_slug(&slug).unwrap_or(View::Mine);
            let backend = api.backend();
            // The closed one may still head the view (e.g. Closed); the next is among the first few.
            let first = match backend.order(view, Some(me)).await {
                Ok(ids) => ids.into_iter().take(10).collect(),
                Err(_) => Vec::new(),
            };
            let next = backend
                .summaries(first)
                .await
                .ok()
                .and_then(|rows| rows.into_iter().find(|r| r.conversation.customer_id != customer));
            match next {
                Some(row) => {
                    toasts.info("Closed. Here is the next one.");
                    let customer = row.conversation.customer_id.as_str();
                    navigate(&Route::InView { view: &slug, customer }.path(), Default::default());
                }
                None => {
                    toasts.info("Closed. That was the last one in this view.");
                    navigate(&Route::View(&slug).path(), Default::default());
                }
            }
        });
    }
}
