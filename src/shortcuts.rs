//! Keyboard first: single-key shortcuts, a help dialog (`?`) and a command palette (Ctrl/⌘+K)
//! that runs any action by name. Actions work on what is on screen, through the same buttons and
//! fields a mouse would use, so the keyboard never has a separate code path to go stale.

use leptos::ev;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

use crate::routing::Route;
use crate::session::{Session, Theme};

fn element(selector: &str) -> Option<HtmlElement> {
    document()
        .query_selector(selector)
        .ok()
        .flatten()
        .and_then(|e| e.dyn_into::<HtmlElement>().ok())
}

fn click(selector: &str) -> bool {
    element(selector).map(|e| e.click()).is_some()
}

fn focus(selector: &str) -> bool {
    element(selector).map(|e| e.focus()).is_some()
}

/// Opens the next (`step` = 1) or previous (-1) conversation in the list.
fn move_in_list(step: i32) {
    let Ok(rows) = document().query_selector_all(".conversation-row a") else {
        return;
    };
    let links: Vec<HtmlElement> = (0..rows.length())
        .filter_map(|i| rows.item(i)?.dyn_into().ok())
        .collect();
    if links.is_empty() {
        return;
    }
    let current = links.iter().position(|a| a.has_attribute("aria-current"));
    let next = match current {
        None => 0,
        Some(i) => (i as i32 + step).clamp(0, links.len() as i32 - 1) as usize,
    };
    links[next].click();
    let _ = links[next].focus();
}

const SHORTCUTS: &[(&str, &str)] = &[
    ("j / ↓", "Next conversation"),
    ("k / ↑", "Previous conversation"),
    ("Enter", "Open the focused conversation"),
    ("r", "Reply"),
    ("n", "Internal note"),
    ("Ctrl/⌘ + Enter", "Send"),
    ("c", "Close the conversation"),
    ("a", "Assign"),
    ("t", "Add a topic"),
    ("/", "Search"),
    ("Ctrl/⌘ + K", "Command palette"),
    ("?", "This list"),
];

#[derive(Clone)]
struct Action {
    label: String,
    run: std::sync::Arc<dyn Fn() + Send + Sync>,
}

#[component]
pub fn Shortcuts() -> impl IntoView {
    let session = Session::use_session();
    let help = RwSignal::new(false);
    let palette = RwSignal::new(false);
    let navigate = use_navigate();

    let actions = {
        let navigate = navigate.clone();
        move || {
            let go = |label: String, path: String| {
                let navigate = navigate.clone();
                Action {
                    label,
                    run: std::sync::Arc::new(move || navigate(&path, NavigateOptions::default())),
                }
            };
            let dom = |label: &str, f: fn()| Action {
                label: label.to_owned(),
                run: std::sync::Arc::new(f),
            };
            let mut list = vec![
                go("Go to Mine".into(), Route::View("mine").path()),
                go("Go to New".into(), Route::View("new").path()),
                go("Go to Open".into(), Route::View("open").path()),
                go("Go to Waiting".into(), Route::View("waiting").path()),
                go("Go to Closed".into(), Route::View("closed").path()),
                go("Go to My tasks".into(), Route::Tasks.path()),
                go("Go to Settings".into(), Route::Settings.path()),
            ];
            session.directory.with_untracked(|d| {
                for inbox in &d.inboxes {
                    list.push(go(
                        format!("Go to inbox {}", inbox.name),
                        Route::View(&rapport_core::query::View::Inbox(inbox.id.clone()).slug()).path(),
                    ));
                }
            });
            list.extend([
                dom("Reply", || {
                    click("#mode-reply");
                    focus("#composer-text");
                }),
                dom("Add an internal note", || {
                    click("#mode-note");
                    focus("#composer-text");
                }),
                dom("Close the conversation", || {
                    click("button[data-status=Closed]");
                }),
                dom("Close & Next", || {
                    click("#close-next-btn");
                }),
                dom("Assign the conversation", || {
                    focus("#assignee-select");
                }),
                dom("Add a topic", || {
                    focus("#topic-select");
                }),
                dom("Search", || {
                    focus("#search-input");
                }),
                dom("Create a task", || {
                    click(".tasks-section .section-head button");
                }),
                dom("Customer writes in (demo)", || {
                    click("#simulate-inbound");
                }),
                Action {
                    label: "Show keyboard shortcuts".into(),
                    run: std::sync::Arc::new(move || help.set(true)),
                },
                Action {
                    label: "Switch light/dark theme".into(),
                    run: std::sync::Arc::new(move || {
                        session
                            .theme
                            .update(|t| *t = if *t == Theme::Dark { Theme::Light } else { Theme::Dark })
                    }),
                },
            ]);
            list
        }
    };

    let handle = window_event_listener(ev::keydown, move |e: web_sys::KeyboardEvent| {
        let key = e.key();
        let modifier = e.ctrl_key() || e.meta_key();
        if modifier && key.eq_ignore_ascii_case("k") {
            e.prevent_default();
            palette.update(|p| *p = !*p);
            return;
        }
        if key == "Escape" {
            help.set(false);
            palette.set(false);
            return;
        }
        let typing = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|el| {
                matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT") || el.has_attribute("contenteditable")
            });
        if typing || modifier || e.alt_key() || palette.get_untracked() {
            return;
        }
        let in_list = || {
            document()
                .active_element()
                .is_some_and(|a| a.closest(".conversation-list").ok().flatten().is_some())
        };
        let handled = match key.as_str() {
            "j" => {
                move_in_list(1);
                true
            }
            "k" => {
                move_in_list(-1);
                true
            }
            "ArrowDown" | "ArrowUp" if in_list() => {
                move_in_list(if key == "ArrowDown" { 1 } else { -1 });
                true
            }
            "r" => click("#mode-reply") && focus("#composer-text"),
            "n" => click("#mode-note") && focus("#composer-text"),
            "c" => click("button[data-status=Closed]"),
            "a" => focus("#assignee-select"),
            "t" => focus("#topic-select"),
            "/" => focus("#search-input"),
            "?" => {
                help.update(|h| *h = !*h);
                true
            }
            _ => false,
        };
        if handled {
            e.prevent_default();
        }
    });
    on_cleanup(move || handle.remove());

    view! {
        <Show when=move || help.get()>
            <div class="overlay" on:click=move |_| help.set(false)>
                <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="help-title" on:click=|e| e.stop_propagation()>
                    <h2 id="help-title">"Keyboard shortcuts"</h2>
                    <dl class="shortcut-list">
                        {SHORTCUTS.iter().map(|(k, what)| view! { <dt><kbd>{*k}</kbd></dt><dd>{*what}</dd> }).collect_view()}
                    </dl>
                    <button class="btn" on:click=move |_| help.set(false)>"Close"</button>
                </div>
            </div>
        </Show>
        <Show when=move || palette.get()>
            <Palette actions=actions.clone()() open=palette/>
        </Show>
    }
}

#[component]
fn Palette(actions: Vec<Action>, open: RwSignal<bool>) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let selected = RwSignal::new(0usize);
    let actions = StoredValue::new(actions);
    let matches = move || {
        let q = query.get().to_lowercase();
        actions.with_value(|a| {
            a.iter()
                .filter(|x| x.label.to_lowercase().contains(&q))
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let run = move |i: usize| {
        if let Some(action) = matches().get(i).cloned() {
            open.set(false);
            (action.run)();
        }
    };
    let input = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let Some(el) = input.get() {
            let _ = el.focus();
        }
    });
    view! {
        <div class="overlay" on:click=move |_| open.set(false)>
            <div class="dialog palette" role="dialog" aria-modal="true" aria-label="Command palette" on:click=|e| e.stop_propagation()>
                <input node_ref=input type="text" role="combobox" aria-label="Command" aria-expanded="true" aria-controls="palette-list"
                    aria-activedescendant=move || format!("palette-{}", selected.get())
                    placeholder="Type a command…" prop:value=move || query.get()
                    on:input:target=move |ev| { query.set(ev.target().value()); selected.set(0); }
                    on:keydown=move |ev| match ev.key().as_str() {
                        "ArrowDown" => { ev.prevent_default(); selected.update(|s| *s = (*s + 1).min(matches().len().saturating_sub(1))); }
                        "ArrowUp" => { ev.prevent_default(); selected.update(|s| *s = s.saturating_sub(1)); }
                        "Enter" => { ev.prevent_default(); run(selected.get_untracked()); }
                        _ => {}
                    }/>
                <ul id="palette-list" role="listbox" aria-label="Commands">
                    {move || matches().into_iter().enumerate().map(|(i, a)| view! {
                        <li id=format!("palette-{i}") role="option" aria-selected=move || (selected.get() == i).to_string()
                            on:click=move |_| run(i)>{a.label}</li>
                    }).collect_view()}
                </ul>
            </div>
        </div>
    }
}
