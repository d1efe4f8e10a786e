//! Tasks on the customer: create (also from a message), comment, close and reopen.

use chrono::{DateTime, Duration, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;
use rapport_core::{cmd, Assignee, Command, Customer, Task, TaskStatus};

use crate::api::{new_key, Api, ApiError, Now};
use crate::components::time::{self, Zone};
use crate::components::toast::Toasts;
use crate::session::Session;

/// Text to start a new task with, set by "Task" on a timeline message.
#[derive(Clone, Copy)]
pub struct TaskSeed(pub RwSignal<Option<String>>);

/// One write at a time, under one idempotency key until it goes through: a double click on
/// "Create task" or a second Enter in a comment can never make two.
#[derive(Clone, Copy)]
struct Once {
    busy: RwSignal<bool>,
    /// The key of the last attempt, and what it sent: an edited task is a new intent.
    key: StoredValue<(String, Option<Command>)>,
}

impl Once {
    fn new() -> Once {
        Once {
            busy: RwSignal::new(false),
            key: StoredValue::new((new_key(), None)),
        }
    }

    fn run(self, api: Api, command: Command, ok: impl FnOnce() + 'static, failed: impl FnOnce(ApiError) + 'static) {
        if self.busy.get_untracked() {
            return;
        }
        self.busy.set(true);
        let key = self
            .key
            .with_value(|(key, last)| (last.as_ref() == Some(&command) || last.is_none()).then(|| key.clone()));
        let key = key.unwrap_or_else(new_key);
        self.key.set_value((key.clone(), Some(command.clone())));
        spawn_local(async move {
            let result = api.execute_once(command, &key).await;
            // The form may be gone by now (the page refreshed): try_.
            self.busy.try_set(false);
            match result {
                Ok(_) => {
                    let _ = self.key.try_update_value(|k| *k = (new_key(), None));
                    ok();
                }
                Err(e) => failed(e),
            }
        });
    }
}

fn run(api: Api, toasts: Toasts, command: Command, done: &'static str) {
    spawn_local(async move {
        match api.execute(command).await {
            Ok(_) => toasts.info(done),
            Err(e) => toasts.error(e.to_string()),
        }
    });
}

/// Our own English phrases ("overdue 1 d"): ASCII, so no Unicode case tables in the bundle.
fn capitalised(s: &str) -> String {
    let mut out = s.to_owned();
    if let Some(first) = out.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    out
}

/// `datetime-local` input value in the browser's zone → UTC.
fn parse_local(value: &str) -> Option<DateTime<Utc>> {
    time::from_local(time::parse_input(value)?, Zone::local())
}

fn to_local_input(t: DateTime<Utc>) -> String {
    time::to_input(t, Zone::local())
}

#[component]
pub fn Tasks(customer: Customer, tasks: Vec<Task>) -> impl IntoView {
    let api = Api::use_api();
    let session = Session::use_session();
    let toasts = Toasts::use_toasts();
    let seed = expect_context::<TaskSeed>();
    let now = api.now();
    let clock = Now::use_now();
    let (open, closed): (Vec<Task>, Vec<Task>) = tasks.into_iter().partition(|t| t.status == TaskStatus::Open);

    let body = RwSignal::new(String::new());
    let due = RwSignal::new(to_local_input(now + Duration::days(1)));
    let me = session.agent.get_untracked();
    let my_inbox = session.directory.with_untracked(|d| {
        d.inboxes
            .iter()
            .find(|i| i.agent_ids.contains(&me))
            .map(|i| i.id.clone())
    });
    let owner = RwSignal::new(my_inbox.map(|i| format!("{i}|{me}")).unwrap_or_default());
    let form_open = RwSignal::new(false);
    let form_error = RwSignal::new(None::<String>);
    // "Task" on a message opens the form with that message quoted.
    Effect::new(move |_| {
        if let Some(text) = seed.0.get() {
            body.set(text);
            form_open.set(true);
            seed.0.set(None);
        }
    });
    let customer_id = customer.id.clone();
    let creating = Once::new();
    let past_ok = RwSignal::new(false);
    let create = move |_| {
        let Some(due_at) = parse_local(&due.get_untracked()) else {
            form_error.set(Some("Pick a due date and time.".into()));
            return;
        };
        // A time already past is asked about once: a typo in the year reads like a real task.
        if due_at <= clock.get_untracked() && !past_ok.get_untracked() {
            past_ok.set(true);
            form_error.set(Some(
                "That time has already passed, so the task would be overdue at once. Press Create task again to \
                 create it anyway, or pick a later time."
                    .into(),
            ));
            return;
        }
        let owner_value = owner.get_untracked();
        let Some((inbox, agent)) = owner_value.split_once('|') else {
            form_error.set(Some("Pick who the task is for.".into()));
            return;
        };
        let command = Command::CreateTask(cmd::CreateTask {
            customer_id: customer_id.clone(),
            body: body.get_untracked(),
            due_at,
            assignee: Assignee {
                inbox_id: inbox.into(),
                agent_id: (!agent.is_empty()).then(|| agent.into()),
            },
            agent_id: session.agent.get_untracked(),
        });
        form_error.set(None);
        creating.run(
            api,
            command,
            move || toasts.info("Task created."),
            move |e| {
                form_error.try_set(Some(e.to_string()));
            },
        );
    };

    let row = move |task: Task| {
        let is_open = task.status == TaskStatus::Open;
        let due_at = task.due_at;
        let overdue = move || is_open && due_at < clock.get();
        let who = task
            .assignee
            .agent_id
            .as_ref()
            .map(|a| session.agent_name(a))
            .unwrap_or_else(|| session.inbox_name(&task.assignee.inbox_id));
        let comment = RwSignal::new(String::new());
        let commenting = Once::new();
        let (id, id2) = (task.id.clone(), task.id.clone());
        view! {
            <li class="task" class:overdue=overdue class:done=!is_open data-testid="task">
                <span class="task-body">{task.body.clone()}</span>
                <span class="muted">{move || capitalised(&time::due(clock.get(), due_at))} " · " {who}</span>
                <ul class="task-comments">
                    {task.comments.iter().map(|c| view! { <li><span class="author">{session.agent_name(&c.agent_id)}</span> ": " {c.body.clone()}</li> }).collect_view()}
                </ul>
                <div class="task-actions">
                    <input type="text" aria-label="Comment on this task" placeholder="Comment…" prop:value=move || comment.get()
                        on:input:target=move |ev| comment.set(ev.target().value())
                        on:keydown=move |ev| {
                            if ev.key() == "Enter" && !comment.get_untracked().trim().is_empty() {
                                let command = Command::CommentTask(cmd::CommentTask { task_id: id.clone(), agent_id: session.agent.get_untracked(), body: comment.get_untracked() });
                                commenting.run(api, command, move || {
                                    comment.try_set(String::new());
                                    toasts.info("Comment added.");
                                }, move |e| toasts.error(e.to_string()));
                            }
                        }/>
                    <button class="btn small" on:click=move |_| {
                        let status = if is_open { TaskStatus::Closed } else { TaskStatus::Open };
                        run(api, toasts, Command::SetTaskStatus(cmd::SetTaskStatus { task_id: id2.clone(), status, agent_id: session.agent.get_untracked() }), if is_open { "Task closed." } else { "Task reopened." });
                    }>{if is_open { "Close task" } else { "Reopen" }}</button>
                </div>
            </li>
        }
    };

    let closed_count = closed.len();
    view! {
        <section class="tasks-section">
            <div class="section-head">
                <h2>"Tasks"</h2>
                <button class="btn-link" aria-expanded=move || form_open.get().to_string() on:click=move |_| form_open.update(|o| *o = !*o)>"New task"</button>
            </div>
            <Show when=move || form_open.get()>
                <div class="task-form">
                    <textarea aria-label="Task" rows="2" placeholder="What needs doing?" prop:value=move || body.get() on:input:target=move |ev| body.set(ev.target().value())></textarea>
                    <label class="field"><span>"Due"</span>
                        <input type="datetime-local" prop:value=move || due.get() on:input:target=move |ev| {
                            past_ok.set(false);
                            due.set(ev.target().value());
                        }/>
                    </label>
                    <label class="field"><span>"For"</span>
                        <select prop:value=move || owner.get() on:change:target=move |ev| owner.set(ev.target().value())>
                            {move || session.directory.with(|d| d.inboxes.iter().map(|inbox| view! {
                                <optgroup label=inbox.name.clone()>
                                    <option value=format!("{}|", inbox.id)>{format!("{} (anyone)", inbox.name)}</option>
                                    {inbox.agent_ids.iter().map(|a| view! { <option value=format!("{}|{a}", inbox.id)>{session.agent_name(a)}</option> }).collect_view()}
                                </optgroup>
                            }).collect_view())}
                        </select>
                    </label>
                    {move || form_error.get().map(|e| view! { <p class="composer-error" role="alert">{e}</p> })}
                    <button class="btn primary" disabled=move || creating.busy.get() on:click=create.clone()>"Create task"</button>
                </div>
            </Show>
            {if open.is_empty() { Some(view! { <p class="muted">"No open tasks"</p> }) } else { None }}
            <ul class="tasks">{open.into_iter().map(row).collect_view()}</ul>
            {(closed_count > 0).then(|| view! {
                <details class="closed-tasks">
                    <summary>{format!("{closed_count} closed")}</summary>
                    <ul class="tasks">{closed.into_iter().map(row).collect_view()}</ul>
                </details>
            })}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn local_input_round_trips() {
        let t = Utc.with_ymd_and_hms(2026, 11, 25, 9, 30, 0).unwrap();
        assert_eq!(parse_local(&to_local_input(t)), Some(t));
        assert_eq!(parse_local("not a date"), None);
    }
}
