//! The conversation's topics as chips, and a picker that adds one (enabled topics by parent).

use leptos::prelude::*;
use rapport_core::TopicId;

use super::controls::Controls;
use crate::session::Session;

pub(super) fn topics(controls: Controls, session: Session) -> impl IntoView {
    let topics = controls.topics;
    let options = move || {
        let chosen = topics.get();
        session.directory.with(|d| {
            let parents = d.topics.iter().filter(|t| t.parent_id.is_none() && !t.disabled);
            parents
                .map(|p| {
                    let children = d
                        .topics
                        .iter()
                        .filter(|t| t.parent_id.as_ref() == Some(&p.id) && !t.disabled);
                    let family = std::iter::once(p)
                        .chain(children)
                        .filter(|t| !chosen.contains(&t.id))
                        .map(|t| view! { <option value=t.id.to_string()>{t.name.clone()}</option> })
                        .collect_view();
                    view! { <optgroup label=p.name.clone()>{family}</optgroup> }
                })
                .collect_view()
        })
    };
    let add = move |value: String| {
        if !value.is_empty() {
            let mut next = topics.get_untracked();
            next.push(TopicId::from(value));
            controls.set_topics(next);
        }
    };
    let chips = move || {
        topics
            .get()
            .into_iter()
            .map(|t| {
                let name = session.topic_name(&t);
                let remove = move |_| {
                    let next: Vec<TopicId> = topics.get_untracked().into_iter().filter(|x| x != &t).collect();
                    controls.set_topics(next);
                };
                view! {
                    <span class="topic chip">
                        {name.clone()}
                        <button class="chip-x" aria-label=format!("Remove topic {name}") on:click=remove>"✕"</button>
                    </span>
                }
            })
            .collect_view()
    };
    view! {
        <div class="topics" class:attention=move || controls.topic_hint.get()>
            {chips}
            <select id="topic-select" aria-label="Add a topic" prop:value="" on:change:target=move |ev| {
                // Back to "+ Topic" at once: the picker adds, it does not show a choice.
                let picker = ev.target();
                add(picker.value());
                picker.set_value("");
            }>
                <option value="">"+ Topic"</option>
                {options}
            </select>
        </div>
    }
}
