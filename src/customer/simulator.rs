//! Trial controls on the demo backend: make this customer write in on any channel and see how the
//! rules route it (appended, reopened inside the window, or a new conversation after it).

use leptos::prelude::*;
use leptos::task::spawn_local;
use rapport_core::{cmd, Channel, Command, Customer, Outcome, Routing};

use crate::api::Api;
use crate::components::toast::Toasts;

#[component]
pub fn SimulateCustomer(
    customer: Customer,
    /// The channel of the customer's latest conversation, which the choice starts on.
    last: Option<Channel>,
) -> impl IntoView {
    let api = Api::use_api();
    let toasts = Toasts::use_toasts();
    // What a customer can send as text, and a voicemail; a live call is not "writing in".
    let mut channels: Vec<Channel> = customer
        .reachable_channels()
        .into_iter()
        .filter(|c| c.is_written())
        .collect();
    channels.push(Channel::Voicemail);
    let channel = RwSignal::new(last.filter(|c| channels.contains(c)).unwrap_or(channels[0]));
    let text = RwSignal::new(String::from("Hi, it's me again. Any news?"));
    let id = customer.id.clone();
    let write_in = move |_| {
        let command = Command::Inbound(cmd::Inbound {
            customer_id: id.clone(),
            channel: channel.get_untracked(),
            text: text.get_untracked(),
            subject: (channel.get_untracked() == Channel::Email).then(|| "A question".to_owned()),
        });
        spawn_local(async move {
            match api.execute(command).await {
                Ok(Outcome::Conversation { routing: Some(r), .. }) => toasts.info(match r {
                    Routing::Appended => "The message joined the open conversation.",
                    Routing::Reopened => "Inside the reopen window: the closed conversation reopened.",
                    Routing::Started => "A new conversation started in the same timeline.",
                }),
                Ok(_) => toasts.info("The customer wrote in."),
                Err(e) => toasts.error(e.to_string()),
            }
        });
    };
    view! {
        <section class="simulator" aria-label="Simulate this customer">
            <h2>"Simulate"</h2>
            <p class="hint">"Demo only: act as the customer."</p>
            <select aria-label="Customer's channel" prop:value=move || format!("{:?}", channel.get())
                on:change:target=move |ev| {
                    let v = ev.target().value();
                    if let Some(c) = Channel::ALL.into_iter().find(|c| format!("{c:?}") == v) { channel.set(c) }
                }>
                {channels.iter().map(|c| view! { <option value=format!("{c:?}")>{c.label()}</option> }).collect_view()}
            </select>
            <textarea rows="2" aria-label="Customer's message" prop:value=move || text.get() on:input:target=move |ev| text.set(ev.target().value())></textarea>
            <button id="simulate-inbound" class="btn" on:click=write_in>"Customer writes in"</button>
        </section>
    }
}
