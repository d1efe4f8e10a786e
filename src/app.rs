//! The shell: backend and session in context, the router, and the three regions
//! (navigation, conversation list, customer workspace).

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes, A};
use leptos_router::path;

use crate::api::{Api, Backend, DemoBackend, DEMO_KEY};
use crate::customer::{CustomerStandalone, CustomerWorkspace};
use crate::inbox::{InboxLayout, Nav, NoSelection};
use crate::routing;
use crate::session::Session;
use crate::settings::SettingsPage;

#[component]
pub fn App() -> impl IntoView {
    let demo = DemoBackend::open(DEMO_KEY);
    let notice = RwSignal::new(demo.take_notice());
    let api = Api::new(Backend::Demo(demo));
    api.provide();
    let session = Session::provide();
    spawn_local(async move {
        match api.backend().directory().await {
            Ok(dir) => session.directory.set(dir),
            Err(e) => notice.set(Some(e.to_string())),
        }
    });
    view! {
        <Router base=routing::base()>
            <div class="app">
                <a class="skip-link" href="#workspace">"Skip to the conversation"</a>
                <Show when=move || notice.with(Option::is_some)>
                    <div class="banner" role="status">
                        <span>{move || notice.get().unwrap_or_default()}</span>
                        <button class="btn-link" on:click=move |_| notice.set(None) aria-label="Dismiss">"Dismiss"</button>
                    </div>
                </Show>
                <Nav/>
                <Routes fallback=NotFound>
                    // Unlike <A>, navigation adds the router base itself.
                    <Route path=path!("") view=|| view! { <Redirect path="/inbox/mine"/> }/>
                    <ParentRoute path=path!("inbox/:view") view=InboxLayout>
                        <Route path=path!("") view=NoSelection/>
                        <Route path=path!(":customer") view=CustomerWorkspace/>
                    </ParentRoute>
                    <Route path=path!("customers/:customer") view=CustomerStandalone/>
                    <Route path=path!("settings") view=SettingsPage/>
                </Routes>
            </div>
        </Router>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    view! {
        <main class="page" id="workspace">
            <h1>"Nothing here"</h1>
            <p>"This address does not lead anywhere in Rapport."</p>
            <A href=routing::to("/inbox/mine")>"Go to my conversations"</A>
        </main>
    }
}
