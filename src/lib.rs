//! Rapport: a browser agent desktop where each customer has one lifelong conversation.

pub mod api;
pub mod app;
pub mod components;
pub mod customer;
pub mod inbox;
pub mod routing;
pub mod search;
pub mod session;
pub mod settings;
pub mod shortcuts;
pub mod signin;
pub mod tasks;

pub use app::App;

/// Picks the backend (see `api::config`), then mounts the app on the page's body.
pub fn mount() {
    use api::config::{self, Choice};
    use api::{Api, Backend, DemoSize};
    // Leptos' executor starts with the mount, so this first task goes to the browser directly.
    wasm_bindgen_futures::spawn_local(async move {
        let choice = config::choose().await;
        leptos::mount::mount_to_body(move || {
            let backend = match &choice {
                Choice::Demo => {
                    let search = web_sys::window()
                        .and_then(|w| w.location().search().ok())
                        .unwrap_or_default();
                    api::embedded_demo(DemoSize::from_query(&search))
                }
                Choice::Http { base_url } => Backend::http(base_url, config::token(base_url)),
            };
            let api = Api::new(backend);
            api.provide();
            api.start_live();
            leptos::view! { <App/> }
        });
    });
}
