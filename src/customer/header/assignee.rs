//! Who has the conversation: one select of every inbox's queue and its agents.

use leptos::prelude::*;

use super::controls::Controls;
use crate::session::Session;

pub(super) fn assignee_select(controls: Controls, session: Session) -> impl IntoView {
    let assignee = controls.assignee;
    let value = move || {
        assignee.with(|a| {
            format!(
                "{}|{}",
                a.inbox_id,
                a.agent_id.as_ref().map(|x| x.as_str()).unwrap_or("")
            )
        })
    };
    let options = move || {
        session.directory.with(|d| {
            d.inboxes
                .iter()
                .map(|inbox| {
                    let agents = inbox
                        .agent_ids
                        .iter()
                        .map(|a| view! { <option value=format!("{}|{a}", inbox.id)>{session.agent_name(a)}</option> })
                        .collect_view();
                    view! {
                        <optgroup label=inbox.name.clone()>
                            <option value=format!("{}|", inbox.id)>{format!("{}: unassigned", inbox.name)}</option>
                            {agents}
                        </optgroup>
                    }
                })
                .collect_view()
        })
    };
    let is_closed = move || controls.status.get() == rapport_core::Status::Closed;
    view! {
        <label class="inline-field">
            <span class="sr-only">"Assignee"</span>
            <select id="assignee-select" aria-label="Assignee" prop:value=value disabled=is_closed
                title=move || if is_closed() { "Reopen the conversation to reassign it" } else { "Assign to an inbox and agent" }
                on:change:target=move |ev| controls.assign(ev.target().value())>
                {options}
            </select>
        </label>
    }
}
