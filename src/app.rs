//! The shell: backend and session in context, the router, and the three regions
//! (navigation, conversation list, customer workspace).

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes, A};
use leptos_router::path;

use crate::api::Api;
use crate::components::toast::{ToastHost, Toasts};
use crate::customer::{CustomerStandalone, CustomerWorkspace};
use crate::inbox::{InboxLayout, Nav, NoSelection};
use crate::routing;
use crate::search::SearchPage;
use crate::session::Session;
use crate::settings::SettingsPage;
use crate::shortcuts::Shortcuts;
use crate::signin::SignInPage;
use crate::tasks::MyTasksPage;

#[component]
pub fn App() -> impl IntoView {
    // Tests may provide their own backend; otherwise the embedded demo.
    let api = use_context::<Api>().unwrap_or_else(|| {
        let api = Api::new(crate::api::embedded_demo(None));
        api.provide();
        api
    });
    let notice = RwSignal::new(None::<String>);
    spawn_local(async move {
        if let Some(text) = api.backend().take_notice().await {
            notice.set(Some(text));
        }
    });
    let session = Session::provide();
    Toasts::provide();
    crate::customer::outbox::Outbox::provide();
    crate::api::Now::provide(api);
    // The directory (agents, inboxes, topics) names everything on screen, so the desk waits for
    // it; a failure says why and offers Try again, which reads it anew. First, who may act: a
    // server with accounts names the signed-in agent, or asks for a sign-in.
    let directory_error = RwSignal::new(None::<String>);
    let load_directory = move || {
        // Only when set: a change would make the sign-in form anew (below).
        if directory_error.with_untracked(Option::is_some) {
            directory_error.set(None);
        }
        spawn_local(async move {
            match api.check_account().await {
                Ok(Some(me)) => session.agent.set(me),
                Ok(None) => {}
                // The sign-in page shows instead.
                Err(e) if e.signs_out() => return,
                Err(e) => return directory_error.set(Some(e.to_string())),
            }
            match api.backend().directory().await {
                Ok(dir) => {
                    session.directory.set(dir);
                    session.loaded.set(true);
                }
                Err(e) => directory_error.set(Some(e.to_string())),
            }
        });
    };
    load_directory();
    // Another desk changed the directory (a new agent, who is in which inbox): read it again,
    // quietly; the desk stays as it is meanwhile.
    Effect::watch(
        move || api.directory.get(),
        move |_, _, _| {
            spawn_local(async move {
                if let Ok(dir) = api.backend().directory().await {
                    session.directory.set(dir);
                }
            });
        },
        false,
    );
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
                <Show when=move || session.loaded.get() && !api.signed_out() fallback=move || view! {
                    <main class="page" id="workspace">
                        {move || match directory_error.get() {
                            _ if api.signed_out() => view! { <SignInPage signed_in=load_directory/> }.into_any(),
                            None => view! { <p class="loading" role="status">"Loading Rapport…"</p> }.into_any(),
                            Some(e) => view! {
                                <div class="error-notice" role="alert">
                                    <p>"Rapport could not load your organisation: " {e}</p>
                                    <button class="btn" on:click=move |_| load_directory()>"Try again"</button>
                                    <button class="btn" on:click=move |_| {
                                        crate::api::config::use_demo();
                                    }>"Use the demo instead"</button>
                                </div>
                            }.into_any(),
                        }}
                    </main>
                }>
                <Nav/>
                <Routes fallback=NotFound>
                    // Unlike <A>, navigation adds the router base itself.
                    <Route path=path!("") view=|| view! { <Redirect path="/inbox/mine"/> }/>
                    <ParentRoute path=path!("inbox/:view") view=InboxLayout>
                        <Route path=path!("") view=NoSelection/>
                        <Route path=path!(":customer") view=CustomerWorkspace/>
                    </ParentRoute>
                    <Route path=path!("customers/:customer") view=CustomerStandalone/>
                    <Route path=path!("search") view=SearchPage/>
                    <Route path=path!("tasks") view=MyTasksPage/>
                    <Route path=path!("settings") view=SettingsPage/>
                </Routes>
                </Show>
                <ToastHost/>
                <Shortcuts/>
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
            <A href=routing::Route::View("mine").href()>"Go to my conversations"</A>
        </main>
    }
}
