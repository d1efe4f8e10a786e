//! A deterministic, realistic organisation with multi-year, multi-channel customer histories.
//! Everything after the directory is made through [`Store::apply`], so the seed obeys every rule.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use fastrand::Rng;

use crate::cmd;
use crate::model::*;
use crate::store::{Actor, Command, Directory, NewCustomer, Outcome, Store};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedConfig {
    pub seed: u64,
    /// Total conversations to make (past and current); customers follow from it.
    pub conversations: usize,
    /// The seed's "now": every item is at or before it.
    pub anchor: DateTime<Utc>,
}

impl SeedConfig {
    /// The demo organisation: about three hundred customers.
    pub fn demo(anchor: DateTime<Utc>) -> Self {
        SeedConfig {
            seed: 20_26,
            conversations: 1_000,
            anchor,
        }
    }
}

/// Bump when the generator's output changes, so stored demo data made by an older one is refused.
pub const GENERATOR_VERSION: u32 = 1;

pub fn directory() -> Directory {
    let agent = |id: &str, name: &str| Agent {
        id: AgentId::from(id),
        name: name.to_owned(),
        email_address: format!(
            "{}@rapport.example",
            name.split_whitespace().next().unwrap_or(id).to_lowercase()
        ),
    };
    let agents = vec![
        agent("ag1", "Ava Thompson"),
        agent("ag2", "Noah Patel"),
        agent("ag3", "Mia Rossi"),
        agent("ag4", "Liam O'Brien"),
        agent("ag5", "Zoe Nakamura"),
        agent("ag6", "Ethan Brooks"),
        agent("ag7", "Sofia García"),
        agent("ag8", "Lucas Meyer"),
        agent("ag9", "Amara Okafor"),
        agent("ag10", "Jonas Lindqvist"),
    ];
    let ids = |list: &[&str]| list.iter().map(|s| AgentId::from(*s)).collect::<Vec<_>>();
    let inboxes = vec![
        Inbox {
            id: InboxId::from("support"),
            name: "General Support".into(),
            agent_ids: ids(&["ag1", "ag2", "ag3", "ag4", "ag5", "ag7"]),
            channels: vec![
                Channel::Chat,
                Channel::Sms,
                Channel::Whatsapp,
                Channel::FacebookMessenger,
                Channel::InstagramDirect,
            ],
            reopen_window_hours: 24,
            topics_required_to_close: true,
        },
        Inbox {
            id: InboxId::from("email"),
            name: "Email Care".into(),
            agent_ids: ids(&["ag1", "ag3", "ag6", "ag8"]),
            channels: vec![Channel::Email],
            reopen_window_hours: 72,
            topics_required_to_close: false,
        },
        Inbox {
            id: InboxId::from("voice"),
            name: "Phone Team".into(),
            agent_ids: ids(&["ag2", "ag5", "ag9", "ag10"]),
            channels: vec![Channel::Phone, Channel::Voicemail],
            reopen_window_hours: 24,
            topics_required_to_close: true,
        },
        Inbox {
            id: InboxId::from("billing"),
            name: "Billing".into(),
            agent_ids: ids(&["ag1", "ag6", "ag7", "ag9"]),
            channels: vec![],
            reopen_window_hours: 48,
            topics_required_to_close: true,
        },
    ];
    let teams = vec![
        Team {
            id: TeamId::from("frontline"),
            name: "Frontline".into(),
            agent_ids: ids(&["ag1", "ag2", "ag3", "ag4", "ag5"]),
        },
        Team {
            id: TeamId::from("billing-team"),
            name: "Billing specialists".into(),
            agent_ids: ids(&["ag6", "ag7", "ag9"]),
        },
        Team {
            id: TeamId::from("phones"),
            name: "Phone team".into(),
            agent_ids: ids(&["ag2", "ag5", "ag9", "ag10"]),
        },
    ];
    let mut topics = Vec::new();
    for (parent, children) in TOPIC_TREE {
        let pid = TopicId::from(slug(parent));
        topics.push(Topic {
            id: pid.clone(),
            name: (*parent).into(),
            parent_id: None,
            disabled: false,
        });
        for child in *children {
            topics.push(Topic {
                id: TopicId::from(slug(child)),
                name: (*child).into(),
                parent_id: Some(pid.clone()),
                disabled: false,
            });
        }
    }
    topics.push(Topic {
        id: TopicId::from("summer-promo-2023"),
        name: "Summer promo 2023".into(),
        parent_id: None,
        disabled: true,
    });
    let answers = vec![
        Answer { id: AnswerId::from("an1"), name: "Greeting".into(), body: "Hi {customer.firstName}, thanks for reaching out! This is {agent.firstName}; I'm happy to help.".into() },
        Answer { id: AnswerId::from("an2"), name: "Refund on its way".into(), body: "Hi {customer.firstName}, I've issued a refund of {refund.amount}. It should reach your account within 3–5 business days.".into() },
        Answer { id: AnswerId::from("an3"), name: "Order status".into(), body: "Your order {order.number} left our warehouse and is with the carrier; you'll get tracking by email today.".into() },
        Answer { id: AnswerId::from("an4"), name: "Anything else?".into(), body: "Is there anything else I can help you with today, {customer.firstName}?".into() },
        Answer { id: AnswerId::from("an5"), name: "Password reset".into(), body: "I've sent a password reset link to your email address. It's valid for one hour.".into() },
    ];
    Directory {
        org_name: "Northwind Outfitters".into(),
        inboxes,
        agents,
        teams,
        topics,
        answers,
    }
}

const TOPIC_TREE: &[(&str, &[&str])] = &[
    ("Orders", &["Where is my order", "Change order", "Cancel order"]),
    ("Shipping", &["Delayed delivery", "Damaged item", "Wrong address"]),
    ("Returns & refunds", &["Return request", "Refund status"]),
    ("Billing", &["Double charge", "Invoice copy", "Payment failed"]),
    ("Account", &["Password reset", "Update details"]),
    ("Product question", &[]),
    ("Feedback", &["Compliment", "Complaint"]),
];

fn slug(name: &str) -> String {
    let mut s = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.ends_with('-') {
            s.push('-');
        }
    }
    s.trim_matches('-').to_owned()
}

/// A small conversation script: what the customer says, what the agent answers.
struct Script {
    topic: &'static str,
    opener: &'static str,
    subject: &'static str,
    reply: &'static str,
    follow_up: &'static str,
    wrap_up: &'static str,
}

const SCRIPTS: &[Script] = &[
    Script { topic: "where-is-my-order", subject: "Where is my order {order}?", opener: "Hi, I ordered a rain jacket last week ({order}) and the tracking hasn't moved in four days. Any idea where it is?", reply: "Hi {first}, I checked with the carrier: {order} is at their regional hub and should arrive by Thursday.", follow_up: "Thanks! Will I get a text when it's out for delivery?", wrap_up: "Yes, the carrier texts you on the morning of delivery. Enjoy the jacket!" },
    Script { topic: "change-order", subject: "Change size on {order}", opener: "Can I still change the size on {order}? I picked M but need L.", reply: "Hi {first}, it hasn't shipped yet, so I've switched it to L for you.", follow_up: "Perfect, thank you so much.", wrap_up: "You're welcome! The updated confirmation is in your inbox." },
    Script { topic: "cancel-order", subject: "Cancel {order}", opener: "Please cancel {order}, I found the boots locally.", reply: "Done, {first}: {order} is cancelled and you won't be charged.", follow_up: "Great, appreciate the quick help.", wrap_up: "Anytime. Have a good week!" },
    Script { topic: "delayed-delivery", subject: "Delivery is late", opener: "My delivery was supposed to come yesterday and nothing arrived. It's a birthday gift!", reply: "I'm sorry, {first}. The carrier reports a one-day delay; I've upgraded the shipping so it arrives tomorrow morning.", follow_up: "It just arrived, thank you!", wrap_up: "Wonderful, happy birthday to the lucky one!" },
    Script { topic: "damaged-item", subject: "Tent arrived damaged", opener: "The tent I received has a torn rain fly. Photos attached. What can I do?", reply: "That's not the quality we promise, {first}. A replacement ships today and you can keep the damaged one.", follow_up: "Oh wow, that's generous. Thanks.", wrap_up: "Our pleasure. Let me know when the new one lands." },
    Script { topic: "wrong-address", subject: "Wrong shipping address", opener: "I just noticed {order} is going to my old address!", reply: "Good catch, {first}. I've updated the address with the carrier before it left the depot.", follow_up: "Phew. Thank you!", wrap_up: "All set; you'll get a new tracking email shortly." },
    Script { topic: "return-request", subject: "Return for {order}", opener: "I'd like to return the hiking boots from {order}, they're too narrow.", reply: "Of course, {first}. I've emailed you a prepaid return label; drop it at any post office.", follow_up: "Got the label, sending them tomorrow.", wrap_up: "Great, the refund goes out as soon as they're scanned." },
    Script { topic: "refund-status", subject: "Refund not received", opener: "I returned my order two weeks ago and haven't seen the refund yet.", reply: "Hi {first}, the refund was issued on Monday; banks take 3–5 business days to show it.", follow_up: "I see it now, thanks.", wrap_up: "Glad it arrived. Thanks for your patience!" },
    Script { topic: "double-charge", subject: "Charged twice", opener: "I was charged twice for {order}. Can you fix this?", reply: "I'm sorry about that, {first}. The second charge was a pre-authorisation; I've voided it so it drops off within two days.", follow_up: "OK, I'll keep an eye on it.", wrap_up: "Please write back here if it's still there on Friday." },
    Script { topic: "invoice-copy", subject: "Invoice for {order}", opener: "Could you send me an invoice for {order}? I need it for expenses.", reply: "Sure, {first}, the invoice is attached to this message.", follow_up: "Received, thanks.", wrap_up: "You're welcome!" },
    Script { topic: "payment-failed", subject: "Payment keeps failing", opener: "My card keeps getting declined at checkout even though it works elsewhere.", reply: "Hi {first}, our payment provider flagged a postcode mismatch. Could you check the billing address on file?", follow_up: "That was it, it went through now.", wrap_up: "Great! Your order is confirmed." },
    Script { topic: "password-reset", subject: "Can't log in", opener: "I can't log in to my account, the reset email never arrives.", reply: "I've sent a fresh reset link, {first}; please also check your spam folder.", follow_up: "Found it in spam. I'm in, thanks!", wrap_up: "Glad you're back in." },
    Script { topic: "update-details", subject: "New phone number", opener: "I have a new phone number, can you update my account?", reply: "Updated, {first}. Texts will go to the new number from now on.", follow_up: "Thanks a lot.", wrap_up: "Anytime!" },
    Script { topic: "product-question", subject: "Sleeping bag temperature rating", opener: "Is the Alpine 600 sleeping bag warm enough for -10°C?", reply: "Hi {first}, its comfort rating is -7°C and its limit -14°C; for -10°C I'd add a liner.", follow_up: "Makes sense, I'll order both.", wrap_up: "Great choice. Happy camping!" },
    Script { topic: "compliment", subject: "Great service", opener: "Just wanted to say your team was super helpful last week. Thank you!", reply: "That's lovely to hear, {first}. I'll pass it on to the team.", follow_up: "Please do!", wrap_up: "Done. Thanks for being a customer." },
    Script { topic: "complaint", subject: "Disappointed with delivery", opener: "Third late delivery this year. I'm honestly considering shopping elsewhere.", reply: "I understand, {first}, and I'm sorry. I've added free express shipping to your account for a year.", follow_up: "Alright, that helps. Thanks for listening.", wrap_up: "Thank you for giving us another chance." },
];

const FIRST: &[&str] = &[
    "Olivia",
    "James",
    "Emma",
    "Mateo",
    "Charlotte",
    "Benjamin",
    "Amelia",
    "Elijah",
    "Harper",
    "Lucas",
    "Evelyn",
    "Henry",
    "Aria",
    "Alexander",
    "Chloe",
    "Daniel",
    "Priya",
    "Omar",
    "Hana",
    "Diego",
    "Fatima",
    "Kenji",
    "Ingrid",
    "Tomás",
    "Leila",
    "Samuel",
    "Grace",
    "Ravi",
    "Nora",
    "Felix",
    "Yara",
    "Owen",
    "Elena",
    "Isaac",
    "Maya",
    "Theo",
];
const LAST: &[&str] = &[
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor", "Moore",
    "Martin", "Lee", "Walker", "Hall", "Young", "King", "Wright", "Lopez", "Hill", "Green", "Adams", "Baker", "Nelson",
    "Carter", "Mitchell", "Perez", "Roberts", "Turner", "Phillips", "Chen", "Singh", "Kowalski", "Haddad",
];
const CITIES: &[&str] = &[
    "Portland, OR",
    "Denver, CO",
    "Austin, TX",
    "Madison, WI",
    "Burlington, VT",
    "Boise, ID",
    "Asheville, NC",
    "Santa Fe, NM",
    "Bend, OR",
    "Duluth, MN",
];
const PLANS: &[&str] = &["Basic", "Silver", "Gold"];
const ACTIVITIES: &[(&str, &str)] = &[
    ("Order {order} placed", "3 items · web store"),
    ("Order {order} shipped", "Carrier: UPS Ground"),
    ("Left a 5-star review", "“Best rain jacket I've owned.”"),
    ("Joined the loyalty programme", "Welcome bonus: 500 points"),
];

/// Builds the store. Deterministic: the same config gives the same store, byte for byte.
pub fn generate(config: &SeedConfig) -> Store {
    let mut store = Store::new(directory());
    // Views are built once at the end instead of kept sorted through every write.
    store.pause_views();
    let mut g = Gen {
        rng: Rng::with_seed(config.seed),
        store,
        anchor: config.anchor,
    };
    let mut made = 0;
    let mut index = 0;
    while made < config.conversations {
        let wanted = g.rng.usize(1..=6).min(config.conversations - made);
        made += g.customer(index, wanted);
        index += 1;
    }
    g.store.resume_views();
    g.store
}

/// Adds one customer with a very long history (at least `items` timeline items, many
/// conversations over the years), for performance work. Deterministic, through the same rules.
pub fn add_heavy_customer(mut store: Store, anchor: DateTime<Utc>, items: usize) -> (Store, Option<CustomerId>) {
    store.pause_views();
    let mut g = Gen {
        rng: Rng::with_seed(7_777),
        store,
        anchor,
    };
    let id = g.heavy_customer(items);
    g.store.resume_views();
    (g.store, id)
}

struct Gen {
    rng: Rng,
    store: Store,
    anchor: DateTime<Utc>,
}

impl Gen {
    fn pick<'a, T>(&mut self, list: &'a [T]) -> &'a T {
        &list[self.rng.usize(..list.len())]
    }

    fn minutes(&mut self, lo: i64, hi: i64) -> Duration {
        Duration::minutes(self.rng.i64(lo..=hi))
    }

    fn apply(&mut self, at: DateTime<Utc>, command: Command) -> Option<Outcome> {
        // A script step the rules refuse is simply skipped: the seed never bypasses a rule.
        // Steps of a conversation started just before the anchor may add up to past it; the
        // anchor is the seed's "now", so they happen at it, never after.
        self.store.apply(at.min(self.anchor), &command).ok()
    }

    /// One customer with `conversations` conversations; returns how many it made.
    fn customer(&mut self, index: usize, conversations: usize) -> usize {
        let first = *self.pick(FIRST);
        let last = *self.pick(LAST);
        let name = format!("{first} {last}");
        let mail_domain = *self.pick(&["example.com", "mail.example", "inbox.example"]);
        let phone = format!("+1 (555) {:03}-{:04}", self.rng.u32(100..1000), index % 10_000);
        let mut handles = Vec::new();
        for ch in [
            Channel::Chat,
            Channel::Whatsapp,
            Channel::FacebookMessenger,
            Channel::InstagramDirect,
        ] {
            if self.rng.f32() < 0.4 {
                handles.push(Handle {
                    channel: ch,
                    value: format!("{}.{}{}", first.to_lowercase(), last.to_lowercase(), index),
                });
            }
        }
        let mut attrs = BTreeMap::new();
        attrs.insert("Plan".to_owned(), (*self.pick(PLANS)).to_owned());
        attrs.insert("Lifetime value".to_owned(), format!("${}", self.rng.u32(40..4_000)));
        let years = self.rng.i64(1..=4);
        let since = self.anchor - Duration::days(365 * years) - self.minutes(0, 60 * 24 * 60);
        let new = NewCustomer {
            name,
            emails: vec![format!("{}.{}{}@{mail_domain}", ascii(first), ascii(last), index)],
            phones: vec![phone],
            handles,
            address: Some(format!(
                "{} {} St, {}",
                self.rng.u32(10..999),
                self.pick(&["Maple", "Cedar", "Pine", "Oak", "Birch"]),
                self.pick(CITIES)
            )),
            custom_attributes: attrs,
        };
        let Some(Outcome::Customer { customer_id }) =
            self.apply(since, Command::CreateCustomer(cmd::CreateCustomer { customer: new }))
        else {
            return 0;
        };
        let channels: Vec<Channel> = {
            let c = self
                .store
                .customer(&customer_id)
                .map(|c| c.reachable_channels())
                .unwrap_or_default();
            c.into_iter().chain([Channel::Voicemail]).collect()
        };
        // A current, unfinished conversation for about a third of customers.
        let current = self.rng.f32() < 0.35;
        let past = if current { conversations - 1 } else { conversations };
        let span = (self.anchor - Duration::days(4)) - since;
        let step = span / (past as i32 + 1);
        let mut at = since;
        for _ in 0..past {
            at += step.max(Duration::days(6)) - self.minutes(0, 60 * 24 * 3);
            let at = at.min(self.anchor - Duration::days(4));
            let channel = *self.pick(&channels);
            self.conversation(&customer_id, first, channel, at, &channels, true);
        }
        if current {
            let at = self.anchor - self.minutes(5, 60 * 24 * 3);
            let channel = *self.pick(&channels);
            self.conversation(&customer_id, first, channel, at, &channels, false);
        }
        if self.rng.f32() < 0.3 {
            let (title, body) = *self.pick(ACTIVITIES);
            let order = self.order();
            let at = self.anchor - self.minutes(60, 60 * 24 * 20);
            self.apply(
                at,
                Command::AddActivity(cmd::AddActivity {
                    customer_id: customer_id.clone(),
                    title: title.replace("{order}", &order),
                    body: body.into(),
                    link: None,
                }),
            );
        }
        if self.rng.f32() < 0.12 {
            self.task(&customer_id, first);
        }
        self.store.shrink_timeline(&customer_id);
        conversations
    }

    fn heavy_customer(&mut self, items: usize) -> Option<CustomerId> {
        let new = NewCustomer {
            name: "Morgan Longhistory".into(),
            emails: vec!["morgan.longhistory@example.com".into()],
            phones: vec!["+1 (555) 010-4242".into()],
            handles: [Channel::Chat, Channel::Whatsapp, Channel::FacebookMessenger]
                .into_iter()
                .map(|channel| Handle {
                    channel,
                    value: "morgan.longhistory".into(),
                })
                .collect(),
            address: Some("1 Archive Way, Portland, OR".into()),
            custom_attributes: BTreeMap::from([("Plan".to_owned(), "Gold".to_owned())]),
        };
        // About ten items a conversation, four days apart: past every reopen window.
        let conversations = items / 9 + 1;
        let gap = Duration::days(4);
        let start = self.anchor - gap * (conversations as i32 + 2);
        let Some(Outcome::Customer { customer_id }) =
            self.apply(start, Command::CreateCustomer(cmd::CreateCustomer { customer: new }))
        else {
            return None;
        };
        let channels = self
            .store
            .customer(&customer_id)
            .map(|c| c.reachable_channels())
            .unwrap_or_default();
        let mut at = start;
        while self.store.timeline(&customer_id).len() < items && at < self.anchor - gap {
            at += gap;
            let channel = *self.pick(&channels);
            self.conversation(&customer_id, "Morgan", channel, at, &channels, true);
        }
        self.store.shrink_timeline(&customer_id);
        Some(customer_id)
    }

    fn order(&mut self) -> String {
        // A shop's order number, not "#12345": in the desk that would read like a ticket number.
        format!("W{}", self.rng.u32(10_000..99_999))
    }

    /// Plays one conversation from the first contact. `finish` closes it; otherwise it stops in a
    /// random current state (New, Open or Waiting).
    fn conversation(
        &mut self,
        customer: &CustomerId,
        first: &str,
        channel: Channel,
        start: DateTime<Utc>,
        channels: &[Channel],
        finish: bool,
    ) {
        let script = self.pick(SCRIPTS);
        let order = self.order();
        let fill = |s: &str| s.replace("{order}", &order).replace("{first}", first);
        let subject = (channel == Channel::Email).then(|| fill(script.subject));
        let mut at = start;
        let Some(Outcome::Conversation {
            conversation_id: conv, ..
        }) = self.apply(
            at,
            Command::Inbound(cmd::Inbound {
                customer_id: customer.clone(),
                channel,
                text: fill(script.opener),
                subject: subject.clone(),
            }),
        )
        else {
            return;
        };
        let stage = if finish { 3 } else { self.rng.u8(0..3) };
        if stage == 0 {
            return; // New: waiting in the inbox.
        }
        let Ok(inbox) = self.store.conversation(&conv).map(|c| c.assignee.inbox_id.clone()) else {
            return;
        };
        let agents = self
            .store
            .inbox(&inbox)
            .map(|i| i.agent_ids.clone())
            .unwrap_or_default();
        if agents.is_empty() {
            return;
        }
        let agent = self.pick(&agents).clone();
        at += self.minutes(1, if finish { 240 } else { 20 });
        self.apply(
            at,
            Command::Assign(cmd::Assign {
                conversation_id: conv.clone(),
                expected_version: None,
                assignee: Assignee {
                    inbox_id: inbox.clone(),
                    agent_id: Some(agent.clone()),
                },
                actor: Actor::System,
            }),
        );
        // Sometimes the agent answers on another channel the customer has (chat → email, say).
        let reply_channel = if !channel.can_reply() || self.rng.f32() < 0.25 {
            *self.pick(&channels.iter().copied().filter(|c| c.can_reply()).collect::<Vec<_>>())
        } else {
            channel
        };
        at += self.minutes(1, 30);
        let subject = (reply_channel == Channel::Email).then(|| format!("Re: {}", fill(script.subject)));
        self.apply(
            at,
            Command::Reply(cmd::Reply {
                conversation_id: conv.clone(),
                expected_version: None,
                agent_id: agent.clone(),
                channel: reply_channel,
                text: fill(script.reply),
                subject: subject.clone(),
            }),
        );
        if stage == 1 {
            // Open: the customer answered and waits on us.
            at += self.minutes(1, 90).min(self.anchor - at);
            if at <= self.anchor {
                self.apply(
                    at,
                    Command::Inbound(cmd::Inbound {
                        customer_id: customer.clone(),
                        channel: reply_channel,
                        text: fill(script.follow_up),
                        subject: None,
                    }),
                );
            }
            return;
        }
        if stage == 2 {
            return; // Waiting on the customer.
        }
        at += self.minutes(20, 60 * 20);
        self.apply(
            at,
            Command::Inbound(cmd::Inbound {
                customer_id: customer.clone(),
                channel: reply_channel,
                text: fill(script.follow_up),
                subject: None,
            }),
        );
        at += self.minutes(1, 60);
        self.apply(
            at,
            Command::Reply(cmd::Reply {
                conversation_id: conv.clone(),
                expected_version: None,
                agent_id: agent.clone(),
                channel: reply_channel,
                text: fill(script.wrap_up),
                subject,
            }),
        );
        if self.rng.f32() < 0.2 {
            at += self.minutes(1, 5);
            self.apply(
                at,
                Command::AddNote(cmd::AddNote {
                    conversation_id: conv.clone(),
                    agent_id: agent.clone(),
                    body: "Customer was happy with the outcome. Flagged for the monthly quality review.".into(),
                }),
            );
        }
        let mut topics = vec![TopicId::from(script.topic)];
        if self.rng.f32() < 0.2 {
            topics.push(TopicId::from("complaint"));
        }
        at += self.minutes(1, 10);
        self.apply(
            at,
            Command::SetTopics(cmd::SetTopics {
                conversation_id: conv.clone(),
                expected_version: None,
                topic_ids: topics,
                actor: Actor::agent(&agent),
            }),
        );
        at += self.minutes(1, 10);
        self.apply(
            at,
            Command::SetStatus(cmd::SetStatus {
                conversation_id: conv.clone(),
                expected_version: None,
                status: Status::Closed,
                actor: Actor::agent(&agent),
            }),
        );
        if self.rng.f32() < 0.15 {
            // Came back inside the reopen window: the same conversation reopens.
            at += self.minutes(60, 60 * 10);
            self.apply(
                at,
                Command::Inbound(cmd::Inbound {
                    customer_id: customer.clone(),
                    channel: reply_channel,
                    text: "Sorry, one more question: can I use the same return label for a second item?".into(),
                    subject: None,
                }),
            );
            at += self.minutes(2, 40);
            self.apply(
                at,
                Command::Reply(cmd::Reply {
                    conversation_id: conv.clone(),
                    expected_version: None,
                    agent_id: agent.clone(),
                    channel: reply_channel,
                    text: "Yes, as long as both fit in one box.".into(),
                    subject: None,
                }),
            );
            at += self.minutes(1, 10);
            self.apply(
                at,
                Command::SetStatus(cmd::SetStatus {
                    conversation_id: conv,
                    expected_version: None,
                    status: Status::Closed,
                    actor: Actor::agent(&agent),
                }),
            );
        }
    }

    fn task(&mut self, customer: &CustomerId, first: &str) {
        let inbox = self.pick(&self.store.directory.inboxes.clone()).clone();
        let Some(agent) = inbox.agent_ids.first().cloned() else {
            return;
        };
        let owner = self.pick(&inbox.agent_ids).clone();
        let created = self.anchor - self.minutes(60, 60 * 24 * 5);
        let due = self.anchor + Duration::hours(self.rng.i64(-30..=72));
        let body = format!("Call {first} back about the replacement order");
        let Some(Outcome::Task { task_id }) = self.apply(
            created,
            Command::CreateTask(cmd::CreateTask {
                customer_id: customer.clone(),
                body,
                due_at: due,
                assignee: Assignee {
                    inbox_id: inbox.id.clone(),
                    agent_id: Some(owner),
                },
                agent_id: agent.clone(),
            }),
        ) else {
            return;
        };
        if self.rng.f32() < 0.5 {
            self.apply(
                created + Duration::minutes(30),
                Command::CommentTask(cmd::CommentTask {
                    task_id,
                    agent_id: agent,
                    body: "Left a voicemail; will try again tomorrow.".into(),
                }),
            );
        }
    }
}

/// Email-safe form of a name: letters only, accents dropped.
fn ascii(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            'á' | 'à' | 'â' => Some('a'),
            'é' | 'è' => Some('e'),
            'í' => Some('i'),
            'ó' => Some('o'),
            'ú' => Some('u'),
            c if c.is_ascii_alphabetic() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

/// Where a store starts: a seed, and optionally the heavy customer for performance trials; or an
/// organisation given as data (`snapshot`), which then replaces the seed. Every backend rebuilds
/// it the same way before replaying its log.
#[derive(Clone, Debug, PartialEq)]
pub struct Origin {
    pub config: SeedConfig,
    pub heavy_customer_items: Option<usize>,
    pub snapshot: Option<std::sync::Arc<Store>>,
}

impl Origin {
    pub fn build(&self) -> Store {
        if let Some(snapshot) = &self.snapshot {
            return Store::clone(snapshot);
        }
        let store = generate(&self.config);
        match self.heavy_customer_items {
            Some(items) => add_heavy_customer(store, self.config.anchor, items).0,
            None => store,
        }
    }
}
