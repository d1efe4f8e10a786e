//! The customer page: profile, and the lifelong timeline with each past conversation folded into
//! a chapter and the current one open.

mod composer;
#[cfg(test)]
mod fixtures;
mod header;
mod history;
mod layout;
pub mod outbox;
mod simulator;
pub mod tasks;
mod timeline;

pub use composer::focus_text;

use std::sync::Arc;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use rapport_core::{Channel, Conversation, Customer, CustomerId, Direction, ItemContent, Task};

use crate::api::{Api, ApiError, CustomerPage};
use crate::components::time::{day, Zone};
use crate::components::{Avatar, ErrorMessage, StatusPill};
use crate::session::Session;

/// The customer beside the conversation list (`/inbox/:view/:customer`).
#[component]
pub fn CustomerWorkspace() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| CustomerId::from(params.read().get("customer").unwrap_or_default()));
    view! { <CustomerView id/> }
}

/// The customer on their own (`/customers/:customer`), e.g. from search.
#[component]
pub fn CustomerStandalone() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| CustomerId::from(params.read().get("customer").unwrap_or_default()));
    view! { <div class="standalone"><CustomerView id/></div> }
}

/// The customer's page as last read. A refresh (after any write, or a live event) replaces it in
/// place: the page is not rebuilt, so the timeline keeps its folds, place and measured rows, and
/// the header and composer are rebuilt only when their conversation changed.
type Shown = RwSignal<Option<Arc<CustomerPage>>>;

/// How many past conversations the profile lists.
const PAST_SHOWN: usize = 12;

#[component]
fn CustomerView(id: Memo<CustomerId>) -> impl IntoView {
    let api = Api::use_api();
    let page = api.read(
        move || id.get(),
        |backend, id| async move {
            let result = backend.customer_page(id.clone()).await;
            (id, result)
        },
    );
    let shown: Shown = RwSignal::new(None);
    // The latest failure, with the customer it was for.
    let failed = RwSignal::new(None::<(CustomerId, ApiError)>);
    Effect::new(move |_| match page.get() {
        Some((_, Ok(p))) => {
            failed.set(None);
            // The earlier history the agent loaded stays loaded.
            let page = shown.with_untracked(|old| history::refreshed(old.as_deref(), p));
            shown.set(Some(Arc::new(page)));
        }
        Some((for_id, Err(e))) => failed.set(Some((for_id, e))),
        None => {}
    });
    // Which customer is on screen; the page is built again only when this changes.
    let on_screen = Memo::new(move |_| {
        let want = id.get();
        shown
            .with(|p| p.as_ref().map(|p| p.customer.id == want))
            .unwrap_or(false)
            .then_some(want)
    });
    let error = move || failed.get().filter(|(for_id, _)| *for_id == id.get()).map(|(_, e)| e);
    view! {
        <main class="workspace" id="workspace">
            {move || match on_screen.get() {
                Some(_) => view! {
                    // A refresh that failed leaves the last good page up, with the reason above it.
                    {move || error().map(|error| view! { <ErrorMessage error/> })}
                    <CustomerLoaded shown/>
                }
                .into_any(),
                None => match error() {
                    Some(error) => view! { <ErrorMessage error/> }.into_any(),
                    None => view! { <p class="loading" role="status">"Loading customer…"</p> }.into_any(),
                },
            }}
        </main>
    }
}

/// The conversation the header acts on: the open one, else the latest (so it can be reopened).
fn current(page: &CustomerPage) -> Option<Conversation> {
    page.conversations
        .iter()
        .rev()
        .find(|c| !c.status.is_closed())
        .or(page.conversations.last())
        .cloned()
}

#[component]
fn CustomerLoaded(shown: Shown) -> impl IntoView {
    provide_context(tasks::TaskSeed(RwSignal::new(None)));
    let conv = Memo::new(move |_| shown.with(|p| p.as_deref().and_then(current)));
    let open_id = Memo::new(move |_| conv.get().filter(|c| !c.status.is_closed()).map(|c| c.id));
    let profile = Memo::new(move |_| shown.with(|p| p.as_deref().map(ProfileData::of)));
    let name = Memo::new(move |_| shown.with(|p| p.as_ref().map(|p| p.customer.name.clone()).unwrap_or_default()));
    // The header is rebuilt only for another conversation or inbox (which changes what it offers);
    // otherwise it follows `conv` in place.
    let header_for = Memo::new(move |_| conv.with(|c| c.as_ref().map(|c| (c.id.clone(), c.assignee.inbox_id.clone()))));
    let header = move || match header_for.get().and_then(|_| conv.get_untracked()) {
        Some(first) => view! { <header::ConversationHeader conv=first latest=conv/> }.into_any(),
        None => view! { <p class="muted">"No conversations yet"</p> }.into_any(),
    };
    // Rebuilt only for another conversation, so typing is never interrupted by a refresh.
    let composer = move || {
        let open = open_id.get().and_then(|_| conv.get_untracked());
        match open.zip(shown.get_untracked()) {
            Some((conv, page)) => {
                let last_inbound = page
                    .timeline
                    .iter()
                    .rev()
                    .find(|i| i.content.direction() == Some(Direction::Inbound))
                    .and_then(|i| i.content.channel());
                let last_subject = page
                    .timeline
                    .iter()
                    .rev()
                    .filter(|i| i.conversation_id.as_ref() == Some(&conv.id))
                    .find_map(|i| match &i.content {
                        ItemContent::Email(e) if !e.subject.is_empty() => Some(e.subject.clone()),
                        _ => None,
                    });
                view! {
                    <composer::Composer conv customer=page.customer.clone() default_channel=last_inbound.unwrap_or(Channel::Email) last_subject/>
                }
                .into_any()
            }
            None => view! {
                <p class="composer-closed muted">"No open conversation. When this customer writes in, their message starts or reopens one here."</p>
            }
            .into_any(),
        }
    };
    let profile_open = RwSignal::new(false);
    view! {
        <div class="customer-page">
            <header class="customer-head">
                {move || view! { <Avatar name=name.get() large=true/> }}
                <div class="customer-head-main">
                    <h1 class="customer-title">{name}</h1>
                    {header}
                </div>
                // Narrower than the three columns, the profile is a panel this opens (CSS shows it).
                <button type="button" class="btn profile-toggle" aria-controls="customer-profile"
                    aria-expanded=move || profile_open.get().to_string() on:click=move |_| profile_open.update(|o| *o = !*o)>
                    "Profile"
                </button>
            </header>
            <div class="customer-body" class:show-profile=move || profile_open.get()>
                <div class="conversation-column">
                    {shown.get_untracked().map(|first| view! { <timeline::Timeline shown first customer_name=name/> })}
                    {composer}
                </div>
                {move || profile.get().map(|page| view! { <Profile page/> })}
            </div>
        </div>
    }
}

/// What the profile shows; it is rebuilt only when this changed.
#[derive(Clone, PartialEq)]
struct ProfileData {
    customer: Customer,
    tasks: Vec<Task>,
    /// The latest few conversations, newest first; "Jump to a conversation" reaches the rest.
    past: Vec<Conversation>,
    total: usize,
}

impl ProfileData {
    fn of(page: &CustomerPage) -> ProfileData {
        ProfileData {
            customer: page.customer.clone(),
            tasks: page.tasks.clone(),
            past: page.conversations.iter().rev().take(PAST_SHOWN).cloned().collect(),
            total: page.conversations.len(),
        }
    }
}

#[component]
fn Profile(page: ProfileData) -> impl IntoView {
    let api = Api::use_api();
    let session = Session::use_session();
    let offset = Zone::local();
    let ProfileData {
        customer: c,
        tasks,
        past,
        total,
    } = page;
    let more = total.saturating_sub(past.len());
    let contacts: Vec<(Channel, Vec<(String, bool)>)> = {
        let mut list = Vec::new();
        if !c.emails.is_empty() {
            list.push((
                Channel::Email,
                c.emails.iter().map(|e| (e.original.clone(), e.primary)).collect(),
            ));
        }
        if !c.phones.is_empty() {
            list.push((
                Channel::Phone,
                c.phones.iter().map(|p| (p.original.clone(), p.primary)).collect(),
            ));
        }
        for h in &c.handles {
            list.push((h.channel, vec![(h.value.clone(), false)]));
        }
        list
    };
    let is_demo = api.is_demo();
    view! {
        <aside class="profile" id="customer-profile" aria-label="Customer profile">
            <section>
                <h2>"Contact"</h2>
                <dl class="contacts">
                    {contacts.into_iter().map(|(ch, values)| view! {
                        <dt>{if ch == Channel::Phone { "Phone" } else { ch.label() }}</dt>
                        {values.into_iter().map(|(v, primary)| view! {
                            <dd>{v}{primary.then(|| view! { <span class="primary-mark" title="Primary">" · primary"</span> })}</dd>
                        }).collect_view()}
                    }).collect_view()}
                    {c.address.clone().map(|a| view! { <dt>"Address"</dt><dd>{a}</dd> })}
                </dl>
            </section>
            <section>
                <h2>"Details"</h2>
                <dl class="attributes">
                    {c.custom_attributes.iter().map(|(k, v)| view! { <dt>{k.clone()}</dt><dd>{v.clone()}</dd> }).collect_view()}
                    <dt>"Customer since"</dt><dd>{day(c.created_at, offset)}</dd>
                </dl>
            </section>
            <tasks::Tasks customer=c.clone() tasks/>
            {is_demo.then(|| {
                let last = past.first().and_then(|p| p.channels.last().copied());
                view! { <simulator::SimulateCustomer customer=c.clone() last/> }
            })}
            <section>
                <h2>"Conversations"</h2>
                <ul class="past">
                    {past.into_iter().map(|conv| {
                        let topics = conv.topic_ids.iter().map(|t| session.topic_name(t)).collect::<Vec<_>>().join(", ");
                        view! {
                            <li>
                                <StatusPill status=conv.status/>
                                <span>{day(conv.created_at, offset)}</span>
                                <span class="muted">{if topics.is_empty() { "No topic".to_owned() } else { topics }}</span>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                {(more > 0).then(|| view! { <p class="hint">{format!("and {more} earlier; use Jump to a conversation above the timeline")}</p> })}
            </section>
        </aside>
    }
}
