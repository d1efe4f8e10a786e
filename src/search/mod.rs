//! Search: customers by name, email or phone; messages by text. Results open the customer page.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;

use crate::api::{Api, ApiError};
use crate::components::time::relative;
use crate::components::{Avatar, EmptyState, ErrorNotice};
use crate::routing::Route;

/// The search box in the navigation. `/` focuses it.
#[component]
pub fn SearchBox() -> impl IntoView {
    let navigate = use_navigate();
    let query = use_query_map();
    let value = RwSignal::new(query.with_untracked(|q| q.get("q")).unwrap_or_default());
    view! {
        <form class="search-box" role="search" on:submit=move |ev| {
            ev.prevent_default();
            let q = value.get_untracked();
            navigate(&Route::Search(&q).path(), NavigateOptions::default());
        }>
            <input id="search-input" type="search" placeholder="Search  /" aria-label="Search customers and messages"
                prop:value=move || value.get() on:input:target=move |ev| value.set(ev.target().value())/>
        </form>
    }
}

#[component]
pub fn SearchPage() -> impl IntoView {
    let api = Api::use_api();
    let query = use_query_map();
    let q = Memo::new(move |_| query.with(|m| m.get("q")).unwrap_or_default());
    let results = api.read(move || q.get(), |backend, q| async move { backend.search(q).await });
    view! {
        <main class="page search-page" id="workspace">
            <h1>"Search"</h1>
            <p class="hint">{move || format!("Results for “{}”", q.get())}</p>
            <Transition fallback=|| view! { <p class="loading" role="status">"Searching…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorNotice errors/> }>
                    {move || Suspend::new(async move {
                        let r = results.await?;
                        let now = api.now();
                        Ok::<_, ApiError>(if r.customers.is_empty() && r.messages.is_empty() {
                            view! { <EmptyState title="No matches" hint="Try a name, an email address, a phone number or words from a message."/> }.into_any()
                        } else {
                            view! {
                                <section class="card">
                                    <h2>"Customers"</h2>
                                    {r.customers.is_empty().then(|| view! { <p class="muted">"No customer matches this search."</p> })}
                                    <ul class="results" data-testid="customer-results">
                                        {r.customers.into_iter().map(|c| view! {
                                            <li><A href=Route::Customer(c.customer_id.as_str()).href() {..} class="result-link">
                                                <Avatar name=c.name.clone()/>
                                                <span class="customer-name">{c.name.clone()}</span>
                                                <span class="muted">{c.matched}</span>
                                            </A></li>
                                        }).collect_view()}
                                    </ul>
                                </section>
                                <section class="card">
                                    <h2>"Messages"</h2>
                                    {r.messages.is_empty().then(|| view! { <p class="muted">"No message matches this search."</p> })}
                                    <ul class="results">
                                        {r.messages.into_iter().map(|m| view! {
                                            <li><A href=Route::Customer(m.customer_id.as_str()).href() {..} class="result-link">
                                                <span class="customer-name">{m.customer_name}</span>
                                                <span class="snippet">{m.snippet}</span>
                                                <span class="muted">{relative(now, m.timestamp)}</span>
                                            </A></li>
                                        }).collect_view()}
                                    </ul>
                                </section>
                            }.into_any()
                        })
                    })}
                </ErrorBoundary>
            </Transition>
        </main>
    }
}
