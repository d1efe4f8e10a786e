//! The demo's trial controls.

use leptos::prelude::*;

use crate::api::Api;
use crate::components::time::duration;
use crate::session::Session;

/// Demo-only controls for trials: the simulated clock, acting as another agent, reset.
#[component]
pub(super) fn TrialControls() -> impl IntoView {
    let api = Api::use_api();
    let session = Session::use_session();
    let toasts = crate::components::toast::Toasts::use_toasts();
    let clock = move || {
        api.revision();
        let offset = api.backend().clock_offset();
        if offset.is_zero() {
            "Demo clock: real time".to_owned()
        } else {
            format!("Demo clock: +{}", duration(offset))
        }
    };
    let advance = move |hours: i64| {
        leptos::task::spawn_local(async move {
            match api.backend().advance_clock(chrono::Duration::hours(hours)).await {
                Ok(_) => {
                    api.changed();
                    toasts.info(format!("Moved the demo clock {hours} h ahead."));
                }
                Err(e) => toasts.error(format!("Could not move the clock: {e}")),
            }
        });
    };
    view! {
        <details class="trial">
            <summary>"Trial controls"</summary>
            <p class="hint" data-testid="demo-clock">{clock}</p>
            <div class="trial-buttons">
                <button class="btn small" on:click=move |_| advance(1)>"+1 h"</button>
                <button class="btn small" on:click=move |_| advance(24)>"+1 day"</button>
                <button class="btn small" on:click=move |_| advance(72)>"+3 days"</button>
            </div>
            <label class="field">
                <span class="hint">"Act as"</span>
                <select aria-label="Act as agent" prop:value=move || session.agent.get().to_string()
                    on:change:target=move |ev| session.agent.set(rapport_core::AgentId::from(ev.target().value()))>
                    {move || session.directory.with(|d| d.agents.iter().map(|a| view! { <option value=a.id.to_string()>{a.name.clone()}</option> }).collect_view())}
                </select>
            </label>
        </details>
    }
}
