//! "My tasks": open tasks for the current agent, soonest due first.

use leptos::prelude::*;
use leptos_router::components::A;
use rapport_core::TaskStatus;

use crate::api::{Api, ApiError, Now};
use crate::components::time;
use crate::components::{EmptyState, ErrorNotice};
use crate::routing::Route;
use crate::session::Session;

#[component]
pub fn MyTasksPage() -> impl IntoView {
    let api = Api::use_api();
    let session = Session::use_session();
    let clock = Now::use_now();
    let tasks = api.read(
        move || session.agent.get(),
        |backend, me| async move { backend.tasks_for(me).await },
    );
    view! {
        <main class="page" id="workspace">
            <h1>"My tasks"</h1>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading tasks…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorNotice errors/> }>
                {move || Suspend::new(async move {
                    let list = tasks.await?;
                    if list.iter().all(|(t, _)| t.status != TaskStatus::Open) {
                        return Ok::<_, ApiError>(view! { <EmptyState title="No open tasks" hint="Tasks assigned to you show up here."/> }.into_any());
                    }
                    Ok(view! {
                        <ul class="results my-tasks">
                            {list.into_iter().filter(|(t, _)| t.status == TaskStatus::Open).map(|(t, name)| {
                                let due_at = t.due_at;
                                view! {
                                <li class="task" class:overdue=move || due_at < clock.get() data-testid="my-task">
                                    <A href=Route::Customer(t.customer_id.as_str()).href() {..} class="result-link">
                                        <span class="task-body">{t.body.clone()}</span>
                                        <span class="muted">{name} " · " {move || time::due(clock.get(), due_at)}</span>
                                    </A>
                                </li>
                            }}).collect_view()}
                        </ul>
                    }.into_any())
                })}
                </ErrorBoundary>
            </Transition>
        </main>
    }
}
