//! The customer page: profile, and the lifelong timeline with each past conversation folded into
//! a chapter and the current one open.

mod timeline;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use rapport_core::{Channel, CustomerId, TaskStatus};

use crate::api::{Api, ApiError, CustomerPage};
use crate::components::time::{day, local_offset, relative};
use crate::components::{Avatar, ErrorNotice, StatusPill};
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
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading customer…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorNotice errors/> }>
                    {move || Suspend::new(async move {
                        let page = page.await?;
                        Ok::<_, ApiError>(view! { <CustomerLoaded page/> })
                    })}
                </ErrorBoundary>
            </Transition>
        </main>
    }
}

#[component]
fn CustomerLoaded(page: CustomerPage) -> impl IntoView {
    let session = Session::use_session();
    let current = page.conversations.iter().rev().find(|c| !c.status.is_closed()).cloned();
    let header = current.as_ref().map(|c| {
        let assignee = c
            .assignee
            .agent_id
            .as_ref()
            .map(|a| session.agent_name(a))
            .unwrap_or_else(|| "Unassigned".into());
        let topics: Vec<String> = c.topic_ids.iter().map(|t| session.topic_name(t)).collect();
        view! {
            <div class="conversation-header" data-testid="conversation-header">
                <StatusPill status=c.status/>
                <span class="assignee-line">{session.inbox_name(&c.assignee.inbox_id)} " · " {assignee}</span>
                {topics.into_iter().map(|t| view! { <span class="topic">{t}</span> }).collect_view()}
            </div>
        }
    });
    view! {
        <div class="customer-page">
            <header class="customer-head">
                <Avatar name=page.customer.name.clone() large=true/>
                <div>
                    <h1 class="customer-title">{page.customer.name.clone()}</h1>
                    {match header {
                        Some(h) => h.into_any(),
                        None => view! {
                            <div class="conversation-header" data-testid="conversation-header">
                                <span class="muted">"No open conversation"</span>
                            </div>
                        }.into_any(),
                    }}
                </div>
            </header>
            <div class="customer-body">
                <timeline::Timeline page=page.clone()/>
                <Profile page/>
            </div>
        </div>
    }
}

#[component]
fn Profile(page: CustomerPage) -> impl IntoView {
    let api = Api::use_api();
    let session = Session::use_session();
    let now = api.now();
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
    let open_tasks: Vec<_> = page
        .tasks
        .iter()
        .filter(|t| t.status == TaskStatus::Open)
        .cloned()
        .collect();
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
            <section>
                <h2>"Tasks"</h2>
                {if open_tasks.is_empty() {
                    view! { <p class="muted">"No open tasks"</p> }.into_any()
                } else {
                    view! {
                        <ul class="tasks">
                            {open_tasks.into_iter().map(|t| {
                                let overdue = t.due_at < now;
                                view! {
                                    <li class="task" class:overdue=overdue>
                                        <span>{t.body.clone()}</span>
                                        <span class="muted">"Due " {relative(now, t.due_at)} " · " {t.assignee.agent_id.as_ref().map(|a| session.agent_name(a)).unwrap_or_else(|| session.inbox_name(&t.assignee.inbox_id))}</span>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </section>
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
