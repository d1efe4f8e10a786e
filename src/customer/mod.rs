//! The customer page: profile, and the lifelong timeline with each past conversation folded into
//! a chapter and the current one open.

mod composer;
mod header;
pub mod outbox;
mod simulator;
pub mod tasks;
mod timeline;

pub use composer::focus_text;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use rapport_core::{Channel, CustomerId, Direction, ItemContent};

use crate::api::{Api, CustomerPage};
use crate::components::time::{day, local_offset};
use crate::components::{Avatar, ErrorMessage, StatusPill};
use crate::session::Session;

/// The customer beside the conversation list (`/inbox/:view/:customer`).
#[component]
pub fn CustomerWorkspace() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| CustomerId(params.read().get("customer").unwrap_or_default()));
    view! { <CustomerView id/> }
}

/// The customer on their own (`/customers/:customer`), e.g. from search.
#[component]
pub fn CustomerStandalone() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| CustomerId(params.read().get("customer").unwrap_or_default()));
    view! { <div class="standalone"><CustomerView id/></div> }
}

#[component]
fn CustomerView(id: Memo<CustomerId>) -> impl IntoView {
    let api = Api::use_api();
    let page = LocalResource::new(move || {
        let id = id.get();
        api.revision();
        let backend = api.backend();
        async move { backend.customer_page(id).await }
    });
    view! {
        <main class="workspace" id="workspace">
            // The Result is matched here rather than by an ErrorBoundary: nested in the list's
            // Outlet, a boundary left the workspace blank when this read failed first.
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading customer…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(page) => view! { <CustomerLoaded page/> }.into_any(),
                        Err(error) => view! { <ErrorMessage error/> }.into_any(),
                    }
                })}
            </Transition>
        </main>
    }
}

#[component]
fn CustomerLoaded(page: CustomerPage) -> impl IntoView {
    provide_context(tasks::TaskSeed(RwSignal::new(None)));
    // The conversation the header acts on: the open one, else the latest (so it can be reopened).
    let current = page
        .conversations
        .iter()
        .rev()
        .find(|c| !c.status.is_closed())
        .or(page.conversations.last())
        .cloned();
    let open = current.clone().filter(|c| !c.status.is_closed());
    let last_inbound = page
        .timeline
        .iter()
        .rev()
        .find(|i| i.content.direction() == Some(Direction::Inbound))
        .and_then(|i| i.content.channel());
    let last_subject = open.as_ref().and_then(|c| {
        page.timeline
            .iter()
            .rev()
            .filter(|i| i.conversation_id.as_ref() == Some(&c.id))
            .find_map(|i| match &i.content {
                ItemContent::Email { subject, .. } if !subject.is_empty() => Some(subject.clone()),
                _ => None,
            })
    });
    let composer = match open {
        Some(conv) => view! {
            <composer::Composer conv customer=page.customer.clone() default_channel=last_inbound.unwrap_or(Channel::Email) last_subject/>
        }
        .into_any(),
        None => view! {
            <p class="composer-closed muted">"No open conversation. When this customer writes in, their message starts or reopens one here."</p>
        }
        .into_any(),
    };
    view! {
        <div class="customer-page">
            <header class="customer-head">
                <Avatar name=page.customer.name.clone() large=true/>
                <div class="customer-head-main">
                    <h1 class="customer-title">{page.customer.name.clone()}</h1>
                    {match current {
                        Some(conv) => view! { <header::ConversationHeader conv/> }.into_any(),
                        None => view! { <p class="muted">"No conversations yet"</p> }.into_any(),
                    }}
                </div>
            </header>
            <div class="customer-body">
                <div class="conversation-column">
                    <timeline::Timeline page=page.clone()/>
                    {composer}
                </div>
                <Profile page/>
            </div>
        </div>
    }
}

#[component]
fn Profile(page: CustomerPage) -> impl IntoView {
    let api = Api::use_api();
    let session = Session::use_session();
    let offset = local_offset();
    let c = page.customer;
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
    let is_demo = api.demo().is_some();
    view! {
        <aside class="profile" aria-label="Customer profile">
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
            <tasks::Tasks customer=c.clone() tasks=page.tasks.clone()/>
            {is_demo.then(|| view! { <simulator::SimulateCustomer customer=c.clone()/> })}
            <section>
                <h2>"Conversations"</h2>
                <ul class="past">
                    {page.conversations.iter().rev().map(|conv| {
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
            </section>
        </aside>
    }
}
