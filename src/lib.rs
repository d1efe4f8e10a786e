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
pub mod tasks;

pub use app::App;

/// Mounts the app on the page's body.
pub fn mount() {
    leptos::mount::mount_to_body(App);
}
