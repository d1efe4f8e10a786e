//! Settings: who you are, how it looks, where the data comes from.

use leptos::prelude::*;
use rapport_core::AgentId;

use crate::api::Api;
use crate::session::{Session, Theme};

#[component]
pub fn SettingsPage() -> impl IntoView {
    let api = Api::use_api();
    let session = Session::use_session();
    let demo = api.demo();
    let reset_done = RwSignal::new(false);
    view! {
        <main class="page settings" id="workspace">
            <h1>"Settings"</h1>
            <section class="card">
                <h2>"You"</h2>
                <label class="field">
                    <span>"Signed in as"</span>
                    <select
                        prop:value=move || session.agent.get().to_string()
                        on:change:target=move |ev| session.agent.set(AgentId(ev.target().value()))
                    >
                        {move || session.directory.with(|d| d.agents.iter().map(|a| view! { <option value=a.id.to_string()>{a.name.clone()}</option> }).collect_view())}
                    </select>
                </label>
                <p class="hint">"In the demo anyone can be any agent, to see the desk as they would."</p>
            </section>
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
                {match demo {
                    Some(_) => view! {
                        <p>"Rapport is running on its built-in demo backend: a seeded organisation that lives in this browser. Nothing leaves your machine."</p>
                        <p class="hint">{move || { reset_done.get(); format!("{} changes saved in this browser.", api.demo().map(|d| d.changes_saved()).unwrap_or(0)) }}</p>
                        <button class="btn danger" on:click=move |_| {
                            if let Some(demo) = api.demo() {
                                demo.reset();
                                api.changed();
                                reset_done.set(true);
                            }
                        }>"Reset demo data"</button>
                        <Show when=move || reset_done.get()>
                            <p role="status">"The demo data was reset to the seed."</p>
                        </Show>
                    }.into_any(),
                    None => view! { <p>"Connected to a server."</p> }.into_any(),
                }}
            </section>
        </main>
    }
}
