//! One test per domain transition and per refusal (DESIGN.md §2), over the fixed seed directory:
//! inboxes support(24h, topics required) / email(72h, no topics needed) / voice(24h, required) /
//! billing(48h, required); support = ag1 ag2 ag3 ag4 ag5 ag7, email = ag1 ag3 ag6 ag8,
//! voice = ag2 ag5 ag9 ag10, billing = ag1 ag6 ag7 ag9.

mod common;

use std::collections::{BTreeMap, HashSet};

use chrono::{Duration, TimeZone, Utc};
use common::*;
use rapport_core::query::{self, View};
use rapport_core::seed::{self, SeedConfig};
use rapport_core::*;
use serde_json::json;

// ----- inbound routing -----

#[test]
fn inbound_without_a_conversation_starts_a_new_unassigned_one() {
    let mut s = store();
    let c = new_customer(&mut s, t0(), "Olivia Smith");
    let (id, routing) = inbound(&mut s, t0(), &c, Channel::Chat);
    assert_eq!(routing, Routing::Started);
    let conv = conv(&s, &id);
    assert_eq!(conv.customer_id, c);
    assert_eq!(conv.status, Status::New);
    assert_eq!(conv.assignee.agent_id, None);
    assert_eq!(conv.channels, vec![Channel::Chat]);
    assert_eq!(conv.customer_waiting_since, Some(t0()), "the customer now waits on us");
    assert_eq!(conv.closed_at, None);
    assert!(conv.version >= 1);
}

#[test]
fn a_new_conversation_lands_in_the_inbox_of_its_channel() {
    // Billing has no channels; the first inbox (support) takes every channel nobody claims.
    let cases = [
        (Channel::Email, "email"),
        (Channel::Sms, "support"),
        (Channel::Phone, "voice"),
        (Channel::Voicemail, "voice"),
        (Channel::Chat, "support"),
        (Channel::Whatsapp, "support"),
        (Channel::FacebookMessenger, "support"),
        (Channel::InstagramDirect, "support"),
    ];
    let mut s = store();
    for (channel, expected) in cases {
        let c = new_customer(&mut s, t0(), &format!("Customer {channel:?}"));
        let (id, _) = inbound(&mut s, t0(), &c, channel);
        assert_eq!(conv(&s, &id).assignee.inbox_id, inbox(expected), "{channel:?}");
    }
}

#[test]
fn a_second_inbound_appends_to_the_open_conversation_instead_of_starting_another() {
    let mut s = store();
    let c = new_customer(&mut s, t0(), "Olivia Smith");
    let (first, _) = inbound(&mut s, t0(), &c, Channel::Chat);
    let (second, routing) = inbound(&mut s, t0() + hours(1), &c, Channel::Email);
    assert_eq!(routing, Routing::Appended);
    assert_eq!(second, first);
    assert_eq!(s.conversations().count(), 1, "never a duplicate conversation");
    let conv = conv(&s, &first);
    assert_eq!(
        conv.channels,
        vec![Channel::Chat, Channel::Email],
        "channels in first-use order"
    );
    assert_eq!(
        conv.customer_waiting_since,
        Some(t0()),
        "the oldest unanswered message counts"
    );
}

#[test]
fn inbound_for_an_unknown_customer_is_refused() {
    let mut s = store();
    let err = refused(
        &mut s,
        t0(),
        &inbound_cmd(&CustomerId::from("nobody"), Channel::Chat, "hi"),
    );
    assert!(matches!(err, CoreError::NotFound { kind: "customer", .. }), "{err:?}");
}

#[test]
fn inbound_with_blank_text_is_refused() {
    let mut s = store();
    let c = new_customer(&mut s, t0(), "Olivia Smith");
    let err = refused(&mut s, t0(), &inbound_cmd(&c, Channel::Chat, "   "));
    assert!(matches!(err, CoreError::Invalid(_)), "{err:?}");
}

#[test]
fn create_customer_without_a_name_is_refused() {
    let mut s = store();
    let command = Command::CreateCustomer(cmd::CreateCustomer {
        customer: NewCustomer {
            name: "  ".into(),
            emails: vec![],
            phones: vec![],
            handles: vec![],
            address: None,
            custom_attributes: Default::default(),
        },
    });
    assert!(matches!(refused(&mut s, t0(), &command), CoreError::Invalid(_)));
}

// ----- assignment -----

#[test]
fn assigning_an_agent_opens_a_new_conversation() {
    let mut s = store();
    let c = new_customer(&mut s, t0(), "Olivia Smith");
    let (id, _) = inbound(&mut s, t0(), &c, Channel::Chat);
    ok(&mut s, t0(), &assign_cmd(&id, "support", Some("ag1")));
    let conv = conv(&s, &id);
    assert_eq!(conv.status, Status::Open);
    assert_eq!(
        conv.assignee,
        Assignee {
            inbox_id: inbox("support"),
            agent_id: Some(agent("ag1"))
        }
    );
}

#[test]
fn unassigning_the_agent_puts_the_conversation_back_to_new() {
    let mut s = store();
    let (_, id) = open_conversation(&mut s, t0(), "Olivia Smith", Channel::Chat, "support", "ag1");
    ok(&mut s, t0(), &assign_cmd(&id, "support", None));
    let conv = conv(&s, &id);
    assert_eq!(conv.status, Status::New);
    assert_eq!(conv.assignee.agent_id, None);
}

#[test]
fn reassigning_moves_the_conversation_to_another_inbox_and_agent_keeping_its_status() {
    let mut s = store();
    let (_, id) = open_conversation(&mut s, t0(), "Olivia Smith", Channel::Chat, "support", "ag1");
    ok(&mut s, t0(), &reply_cmd(&id, "ag1", Channel::Chat, "Looking into it"));
    ok(&mut s, t0(), &assign_cmd(&id, "billing", Some("ag6")));
    let conv = conv(&s, &id);
    assert_eq!(
        conv.assignee,
        Assignee {
            inbox_id: inbox("billing"),
            agent_id: Some(agent("ag6"))
        }
    );
    assert_eq!(
        conv.status,
        Status::Waiting,
        "a reassignment does not change who waits on whom"
    );
}

#[test]
fn assigning_an_agent_who_is_not_in_the_inbox_is_refused() {
    let mut s = store();
    let c = new_customer(&mut s, t0(), "Olivia Smith");
    let (id, _) = inbound(&mut s, t0(), &c, Channel::Chat);
    // ag8 works only in the email inbox.
    assert_eq!(
        refused(&mut s, t0(), &assign_cmd(&id, "support", Some("ag8"))),
        CoreError::AgentNotInInbox
    );
}

#[test]
fn assigning_to_an_unknown_inbox_or_agent_is_refused() {
    let mut s = store();
    let c = new_customer(&mut s, t0(), "Olivia Smith");
    let (id, _) = inbound(&mut s, t0(), &c, Channel::Chat);
    let err = refused(&mut s, t0(), &assign_cmd(&id, "nowhere", None));
    assert!(matches!(err, CoreError::NotFound { kind: "inbox", .. }), "{err:?}");
    let err = refused(&mut s, t0(), &assign_cmd(&id, "support", Some("ag99")));
    assert!(matches!(err, CoreError::NotFound { kind: "agent", .. }), "{err:?}");
}

#[test]
fn assigning_a_closed_conversation_is_refused() {
    let mut s = store();
    let c = new_customer(&mut s, t0(), "Olivia Smith");
    let (id, _) = inbound(&mut s, t0(), &c, Channel::Email);
    ok(&mut s, t0(), &status_cmd(&id, Status::Closed, "ag1"));
    assert_eq!(
        refused(&mut s, t0(), &assign_cmd(&id, "email", Some("ag3"))),
        CoreError::ConversationClosed
    );
    assert_eq!(
        refused(&mut s, t0(), &assign_cmd(&id, "email", None)),
        CoreError::ConversationClosed
    );
}

#[test]
fn commands_on_an_unknown_conversation_are_refused_as_not_found() {
    let mut s = store();
    let missing = ConversationId::from("co-missing");
    for command in [
        assign_cmd(&missing, "support", Some("ag1")),
        reply_cmd(&missing, "ag1", Channel::Chat, "hi"),
        status_cmd(&missing, Status::Closed, "ag1"),
        topics_cmd(&missing, &["complaint"], "ag1"),
        Command::AddNote(cmd::AddNote {
            conversation_id: missing.clone(),
            agent_id: agent("ag1"),
            body: "note".into(),
        }),
    ] {
        let err = refused(&mut s, t0(), &command);
        assert!(
            matches!(
                err,
                CoreError::NotFound {
                    kind: "conversation",
                    ..
                }
            ),
            "{command:?}: {err:?}"
        );
    }
}

// ----- replies -----

#[test]
fn a_reply_sets_the_conversation_to_waiting() {
    let mut s = store();
    let (_, id) = open_conversation(&mut s, t0(), "Olivia Smith", Channel::Chat, "support", "ag1");
    ok(&mut s, t0() + hours(1), &reply_cmd(&id, "ag1", Channel::Chat, "On it!"));
    let conv = conv(&s, &id);
    assert_eq!(conv.status, Status::Waiting);
    assert_eq!(conv.customer_waiting_since, None, "we answered, nobody waits on us now");
}

#[test]
fn replying_to_a_new_conversation_assigns_the_replying_agent() {
    let mut s = store();
    let c = new_customer(&mut s, t0(), "Olivia Smith");
    let (id, _) = inbound(&mut s, t0(), &c, Channel::Chat);
    let len = s.timeline(&c).len();
    ok(&mut s, t0(), &reply_cmd(&id, "ag3", Channel::Chat, "Hi, I'm Mia"));
    let conv = conv(&s, &id);
    assert_eq!(conv.assignee.agent_id, Some(agent("ag3")));
    assert_eq!(conv.status, Status::Waiting);
    assert_eq!(
        new_item_kinds(&s, &c, len),
        ["ASSIGNMENT_CHANGE", "CHAT_MESSAGE", "CONVERSATION_STATUS_CHANGE"]
    );
}

/// Issue 12, step 11: the agent chose no inbox, so the refusal names the one the conversation is
/// in and says why answering needs it, instead of "the chosen inbox".
#[test]
fn replying_to_a_new_conversation_is_refused_for_an_agent_outside_its_inbox() {
    let mut s = store();
    let c = new_customer(&mut s, t0(), "Olivia Smith");
    let (id, _) = inbound(&mut s, t0(), &c, Channel::Chat);
    // ag10 is only in the voice inbox; the conversation is in support.
    let err = refused(&mut s, t0(), &reply_cmd(&id, "ag10", Channel::Chat, "Hello"));
    assert_eq!(
        err,
        CoreError::NotInInboxToTake {
            inbox: "General Support".into()
        }
    );
    let said = err.to_string();
    assert!(
        said.contains("General Support") && said.contains("make it yours"),
        "{said}"
    );
    assert!(!said.contains("chosen"), "{said}");
}

#[test]
fn an_inbound_message_on_a_waiting_conversation_sets_it_back_to_open() {
    let mut s = store();
    let (c, id) = open_conversation(&mut s, t0(), "Olivia Smith", Channel::Chat, "support", "ag1");
    ok(
        &mut s,
        t0(),
        &reply_cmd(&id, "ag1", Channel::Chat, "Could you send a photo?"),
    );
    let (again, routing) = inbound(&mut s, t0() + hours(2), &c, Channel::Chat);
    assert_eq!((again.clone(), routing), (id.clone(), Routing::Appended));
    let conv = conv(&s, &id);
    assert_eq!(conv.status, Status::Open);
    assert_eq!(conv.assignee.agent_id, Some(agent("ag1")), "the owner keeps it");
    assert_eq!(conv.customer_waiting_since, Some(t0() + hours(2)));
}

#[test]
fn replying_on_a_channel_the_customer_has_no_contact_for_is_refused() {
    let mut s = store();
    let (_, id) = open_conversation(&mut s, t0(), "Olivia Smith", Channel::Chat, "support", "ag1");
    // The fixture customer has no Messenger handle.
    let err = refused(&mut s, t0(), &reply_cmd(&id, "ag1", Channel::FacebookMessenger, "Hi"));
    assert_eq!(err, CoreError::NoContactForChannel(Channel::FacebookMessenger));
}

#[test]
fn replying_on_any_channel_the_customer_has_a_contact_for_is_accepted() {
    let mut s = store();
    let (_, id) = open_conversation(&mut s, t0(), "Olivia Smith", Channel::Chat, "support", "ag1");
    let customer = s.customer(&conv(&s, &id).customer_id).unwrap().clone();
    assert_eq!(
        customer.reachable_channels(),
        [
            Channel::Chat,
            Channel::Email,
            Channel::Sms,
            Channel::Phone,
            Channel::Whatsapp
        ]
    );
    for channel in customer.reachable_channels() {
        ok(&mut s, t0(), &reply_cmd(&id, "ag1", channel, "Reaching you here too"));
    }
    assert_eq!(conv(&s, &id).channels.len(), 5);
}

#[test]
fn replying_on_voicemail_is_refused() {
    let mut s = store();
    let (_, id) = open_conversation(&mut s, t0(), "Olivia Smith", Channel::Phone, "voice", "ag2");
    assert_eq!(
        refused(&mut s, t0(), &reply_cmd(&id, "ag2", Channel::Voicemail, "Hi")),
        CoreError::ChannelNotReplyable(Channel::Voicemail)
    );
}

#[test]
fn replying_to_a_closed_conversation_is_refused() {
    let mut s = store();
    let (_, id) = open_conversation(&mut s, t0(), "Olivia Smith", Channel::Email, "email", "ag1");
    ok(&mut s, t0(), &status_cmd(&id, Status::Closed, "ag1"));
    assert_eq!(
        refused(&mut s, t0(), &reply_cmd(&id, "ag1", Channel::Email, "One more thing")),
        CoreError::ConversationClosed
    );
}

#[test]
fn an_empty_reply_is_refused() {
    let mut s = store();
    let (_, id) = open_conversation(&mut s, t0(), "Olivia Smith", Channel::Chat, "support", "ag1");
    let err = refused(&mut s, t0(), &reply_cmd(&id, "ag1", Channel::Chat, " \n\t "));
    assert!(matches!(err, CoreError::Invalid(_)), "{err:?}");
}

#[test]
fn a_reply_by_an_unknown_agent_is_refused() {
    let mut s = store();
    let (_, id) = open_conversation(&mut s, t0(), "Olivia Smith", Channel::Chat, "support", "ag1");
    let err = refused(&mut s, t0(), &reply_cmd(&id, "ag99", Channel::Chat, "Hi"));
    assert!(matches!(err, CoreError::NotFound { kind: "agent", .. }), "{err:?}");
}

#[test]
fn an_email_reply_keeps_its_subject() {
    let mut s = store();
    let (c, id) = open_conversation(&mut s, t0(), "Olivia Smith", Channel::Email, "email", "ag1");
    let command = Command::Reply(cmd::Reply {
        conversation_id: id,
        expected_version: None,
        agent_id: agent("ag1"),
        channel: Channel::Email,
        text: "Here you go".into(),
        subject: Some("Re: invoice".into()),
    });
    ok(&mut s, t0(), &command);
    let item = s
        .timeline(&c)
        .iter()
        .rev()
        .find(|i| i.content.channel() == Some(Channel::Email))
        .unwrap();
    assert!(
        matches!(&item.content, ItemContent::Email(e) if e.direction == Direction::Outbound && e.subject == "Re: invoice")
    );
}

// ----- status machine -----

#[test]
fn open_and_waiting_can_be_set_back_and_forth() {
    let mut s = store();
    let (_, id) = open_conversation(&mut s, t0(), "Olivia Smith", Channel::Chat, "support", "ag1");
    ok(&mut s, t0(), &status_cmd(&id, Status::Waiting, "ag1"));
    assert_eq!(conv(&s, &id).status, Status::Waiting);
    ok(&mut s, t0(), &status_cmd(&id, Status::Open, "ag1"));
    assert_eq!(conv(&s, &id).status, Status::Open);
}

#[test]
fn setting_a_new_conversation_open_or_waiting_without_an_agent_needs_an_agent() {
    let mut s = store();
    let c = new_customer(&mut s, t0(), "Olivia Smith");
    let (id, _) = inbound(&mut s, t0(), &c, Channel::Chat);
    assert_eq!(
        refused(&mut s, t0(), &status_cmd(&id, Status::Open, "ag1")),
        CoreError::NeedsAgent
    );
    assert_eq!(
        refused(&mut s, t0(), &status_cmd(&id, Status::Waiting, "ag1")),
        CoreError::NeedsAgent
    );
}

#[test]
fn no_status_can_be_set_back_to_new() {
    // NEW is reached only by unassigning; SetStatus(New) is always an invalid transition.
    let mut s = store();
    let (_, id) = open_conversation(&mut s, t0(), "Olivia Smith", Channel::Email, "email", "ag1");
    assert_eq!(
        refused(&mut s, t0(), &status_cmd(&id, Status::New, "ag1")),
        CoreError::InvalidTransition {
            from: Status::Open,
            to: Status::New
        }
    );
    ok(&mut s, t0(), &status_cmd(&id, Status::Waiting, "ag1"));
    assert_eq!(
        refused(&mut s, t0(), &status_cmd(&id, Status::New, "ag1")),
        CoreError::InvalidTransition {
            from: Status::Waiting,
            to: Status::New
        }
    );
    ok(&mut s, t0(), &status_cmd(&id, Status::Closed, "ag1"));
    assert_eq!(
        refused(&mut s, t0(), &status_cmd(&id, Status::New, "ag1")),
        CoreError::InvalidTransition {
            from: Status::Closed,
            to: Status::New
        }
    );
}

#[test]
fn a_closed_conversation_cannot_be_set_to_waiting() {
    let mut s = store();
    let (_, id) = open_conversation(&mut s, t0(), "Olivia Smith", Channel::Email, "email", "ag1");
    ok(&mut s, t0(), &status_cmd(&id, Status::Closed, "ag1"));
    assert_eq!(
        refused(&mut s, t0(), &status_cmd(&id, Status::Waiting, "ag1")),
        CoreError::InvalidTransition {
            from: Status::Closed,
            to: Status::Waiting
        }
    );
}

#[test]
fn closing_without_topics_is_refused_where_the_inbox_requires_them() {
    let mut s = store();
    let (_, id) = open_conversation(&mut s, t0(), "Olivia Smith", Channel::Chat, "support", "ag1");
    assert_eq!(
        refused(&mut s, t0(), &status_cmd(&id, Status::Closed, "ag1")),
        CoreError::TopicsRequired
    );
    // Also for an unassigned conversation in a topics-required inbox.
    let c = new_customer(&mut s, t0(), "James Johnson");
    let (id2, _) = inbound(&mut s, t0(), &c, Channel::Phone);
    assert_eq!(
        refused(&mut s, t0(), &status_cmd(&id2, Status::Closed, "ag2")),
        CoreError::TopicsRequired
    );
}

#[test]
fn closing_with_a_topic_is_accepted_where_the_inbox_requires_them() {
    let mut s = store();
    let (_, id) = open_conversation(&mut s, t0(), "Olivia Smith", Channel::Chat, "support", "ag1");
    ok(&mut s, t0(), &topics_cmd(&id, &["where-is-my-order"], "ag1"));
    ok(&mut s, t0() + hours(1), &status_cmd(&id, Status::Closed, "ag1"));
    let conv = conv(&s, &id);
    assert_eq!(conv.status, Status::Closed);
    assert_eq!(conv.closed_at, Some(t0() + hours(1)));
    assert_eq!(conv.customer_waiting_since, None, "closed: nobody is waiting any more");
    assert!(invariants::violations(&s).is_empty());
}

#[test]
fn closing_without_topics_is_accepted_in_the_email_inbox() {
    let mut s = store();
    let (_, id) = open_conversation(&mut s, t0(), "Olivia Smith", Channel::Email, "email", "ag1");
    ok(&mut s, t0(), &status_cmd(&id, Status::Closed, "ag1"));
    assert_eq!(conv(&s, &id).status, Status::Closed);
}

#[test]
fn a_new_unassigned_conversation_can_be_closed_directly() {
    // e.g. spam: closed straight from the queue, still without an owner.
    let mut s = store();
    let c = new_customer(&mut s, t0(), "Olivia Smith");
    let (id, _) = inbound(&mut s, t0(), &c, Channel::Email);
    ok(&mut s, t0(), &status_cmd(&id, Status::Closed, "ag1"));
    let conv = conv(&s, &id);
    assert_eq!((conv.status, conv.assignee.agent_id), (Status::Closed, None));
}

#[test]
fn an_agent_can_reopen_a_closed_conversation_when_the_customer_has_no_other_open_one() {
    let mut s = store();
    let (_, id) = open_conversation(&mut s, t0(), "Olivia Smith", Channel::Email, "email", "ag1");
    ok(&mut s, t0(), &status_cmd(&id, Status::Closed, "ag1"));
    ok(&mut s, t0() + hours(100), &status_cmd(&id, Status::Open, "ag3"));
    let conv = conv(&s, &id);
    assert_eq!(conv.status, Status::Open);
    assert_eq!(conv.closed_at, None);
    assert_eq!(
        conv.assignee.agent_id,
        Some(agent("ag1")),
        "an owned conversation keeps its owner"
    );
}

#[test]
fn reopening_is_refused_when_the_customer_already_has_an_open_conversation() {
    let mut s = store();
    let (c, old) = open_conversation(&mut s, t0(), "Olivia Smith", Channel::Email, "email", "ag1");
    ok(&mut s, t0(), &status_cmd(&old, Status::Closed, "ag1"));
    let (new, routing) = inbound(&mut s, t0() + hours(73), &c, Channel::Email);
    assert_eq!(routing, Routing::Started);
    assert_ne!(new, old);
    assert_eq!(
        refused(&mut s, t0() + hours(74), &status_cmd(&old, Status::Open, "ag1")),
        CoreError::AlreadyOpen
    );
}

#[test]
fn reopening_an_ownerless_closed_conversation_gives_it_to_the_reopening_agent() {
    let mut s = store();
    let c = new_customer(&mut s, t0(), "Olivia Smith");
    let (id, _) = inbound(&mut s, t0(), &c, Channel::Email);
    ok(&mut s, t0(), &status_cmd(&id, Status::Closed, "ag1"));
    let len = s.timeline(&c).len();
    ok(&mut s, t0() + hours(1), &status_cmd(&id, Status::Open, "ag6"));
    let conv = conv(&s, &id);
    assert_eq!(conv.status, Status::Open);
    assert_eq!(
        conv.assignee,
        Assignee {
            inbox_id: inbox("email"),
            agent_id: Some(agent("ag6"))
        }
    );
    assert_eq!(
        new_item_kinds(&s, &c, len),
        ["ASSIGNMENT_CHANGE", "CONVERSATION_STATUS_CHANGE"]
    );
}

#[test]
fn reopening_an_ownerless_closed_conversation_is_refused_for_an_agent_outside_its_inbox() {
    let mut s = store();
    let c = new_customer(&mut s, t0(), "Olivia Smith");
    let (id, _) = inbound(&mut s, t0(), &c, Channel::Email);
    ok(&mut s, t0(), &status_cmd(&id, Status::Closed, "ag1"));
    // ag2 is not in the email inbox.
    assert_eq!(
        refused(&mut s, t0(), &status_cmd(&id, Status::Open, "ag2")),
        CoreError::NotInInboxToTake {
            inbox: "Email Care".into()
        }
    );
}

#[test]
fn the_system_cannot_reopen_an_ownerless_closed_conversation() {
    let mut s = store();
    let c = new_customer(&mut s, t0(), "Olivia Smith");
    let (id, _) = inbound(&mut s, t0(), &c, Channel::Email);
    ok(&mut s, t0(), &status_cmd(&id, Status::Closed, "ag1"));
    let command = Command::SetStatus(cmd::SetStatus {
        conversation_id: id,
        expected_version: None,
        status: Status::Open,
        actor: Actor::System,
    });
    assert_eq!(refused(&mut s, t0(), &command), CoreError::NeedsAgent);
}

#[test]
fn allowed_statuses_lists_exactly_the_legal_targets() {
    use Status::*;
    let cases: [(Status, bool, &[Status]); 8] = [
        (New, false, &[Closed]),
        // NEW never carries an agent; leaving NEW towards OPEN goes through assignment.
        (New, true, &[Closed]),
        (Open, true, &[Waiting, Closed]),
        (Open, false, &[Waiting, Closed]),
        (Waiting, true, &[Open, Closed]),
        (Waiting, false, &[Open, Closed]),
        (Closed, true, &[Open]),
        // An ownerless closed conversation is reopened by an agent taking it (a SetStatus with
        // that agent as actor), which this agent-agnostic list does not offer.
        (Closed, false, &[]),
    ];
    for (from, has_agent, expected) in cases {
        assert_eq!(
            Store::allowed_statuses(from, has_agent),
            expected,
            "from {from:?}, has_agent {has_agent}"
        );
    }
}

#[test]
fn allowed_statuses_agree_with_set_status() {
    // Whatever allowed_statuses offers for an owned conversation, SetStatus accepts (topics set).
    for from in [Status::Open, Status::Waiting, Status::Closed] {
        for to in Status::ALL {
            let mut s = store();
            let (_, id) = open_conversation(&mut s, t0(), "Olivia Smith", Channel::Email, "email", "ag1");
            if from != Status::Open {
                ok(&mut s, t0(), &status_cmd(&id, from, "ag1"));
            }
            let offered = Store::allowed_statuses(from, true).contains(&to);
            let accepted = s.apply(t0(), &status_cmd(&id, to, "ag1")).is_ok();
            assert_eq!(offered || from == to, accepted, "{from:?} → {to:?}");
        }
    }
}

// ----- reopen window -----

/// A support conversation owned by ag1, closed with a topic at t0; returns (customer, conversation).
fn closed_support_conversation(s: &mut Store, name: &str) -> (CustomerId, ConversationId) {
    let (c, id) = open_conversation(s, t0() - hours(1), name, Channel::Chat, "support", "ag1");
    ok(s, t0() - hours(1), &topics_cmd(&id, &["damaged-item"], "ag1"));
    ok(s, t0(), &status_cmd(&id, Status::Closed, "ag1"));
    (c, id)
}

#[test]
fn inbound_inside_the_reopen_window_reopens_the_same_conversation() {
    let mut s = store();
    let (c, id) = closed_support_conversation(&mut s, "Olivia Smith");
    let (back, routing) = inbound(&mut s, t0() + hours(23) + Duration::minutes(59), &c, Channel::Sms);
    assert_eq!(routing, Routing::Reopened);
    assert_eq!(back, id);
    let conv = conv(&s, &id);
    assert_eq!(conv.status, Status::Open);
    assert_eq!(
        conv.assignee.agent_id,
        Some(agent("ag1")),
        "back to the agent who had it"
    );
    assert_eq!(conv.reopen_count, 1);
    assert_eq!(conv.closed_at, None);
    assert_eq!(s.conversations().count(), 1);
}

#[test]
fn inbound_exactly_at_the_end_of_the_reopen_window_still_reopens() {
    let mut s = store();
    let (c, id) = closed_support_conversation(&mut s, "Olivia Smith");
    assert_eq!(
        inbound(&mut s, t0() + hours(24), &c, Channel::Chat),
        (id, Routing::Reopened)
    );
}

#[test]
fn inbound_after_the_reopen_window_starts_a_new_conversation_in_the_same_timeline() {
    let mut s = store();
    let (c, old) = closed_support_conversation(&mut s, "Olivia Smith");
    let (new, routing) = inbound(&mut s, t0() + hours(24) + Duration::seconds(1), &c, Channel::Chat);
    assert_eq!(routing, Routing::Started);
    assert_ne!(new, old);
    assert_eq!(conv(&s, &old).status, Status::Closed, "the old one stays closed");
    assert_eq!(conv(&s, &new).status, Status::New);
    assert_eq!(
        s.conversations_of(&c).map(|c| c.id.clone()).collect::<Vec<_>>(),
        [old.clone(), new.clone()]
    );

    // One lifelong timeline: both conversations' items, in time order, the old ones first.
    let timeline = s.timeline(&c);
    assert!(timeline.windows(2).all(|w| w[0].timestamp <= w[1].timestamp));
    let owners: Vec<&ConversationId> = timeline.iter().filter_map(|i| i.conversation_id.as_ref()).collect();
    let first_new = owners
        .iter()
        .position(|id| **id == new)
        .expect("new conversation has items");
    assert!(first_new > 0);
    assert!(owners[..first_new].iter().all(|id| **id == old));
    assert!(owners[first_new..].iter().all(|id| **id == new));
}

#[test]
fn the_reopen_window_length_is_set_per_inbox() {
    let mut s = store();
    // Email: 72 hours.
    let (a, email_conv) = open_conversation(&mut s, t0(), "Olivia Smith", Channel::Email, "email", "ag1");
    ok(&mut s, t0(), &status_cmd(&email_conv, Status::Closed, "ag1"));
    let (b, email_conv2) = open_conversation(&mut s, t0(), "James Johnson", Channel::Email, "email", "ag1");
    ok(&mut s, t0(), &status_cmd(&email_conv2, Status::Closed, "ag1"));
    // Support: 24 hours.
    let (c, support_conv) = closed_support_conversation(&mut s, "Emma Williams");

    let later = t0() + hours(48);
    assert_eq!(
        inbound(&mut s, later, &a, Channel::Email),
        (email_conv, Routing::Reopened)
    );
    assert_eq!(inbound(&mut s, later, &c, Channel::Chat).1, Routing::Started);
    assert_ne!(inbound(&mut s, later, &c, Channel::Chat).0, support_conv);
    let (_, routing) = inbound(&mut s, t0() + hours(72) + Duration::seconds(1), &b, Channel::Email);
    assert_eq!(routing, Routing::Started, "past the email window");

    // Billing: 48 hours, for a conversation moved there before closing.
    let (d, billing_conv) = open_conversation(&mut s, t0(), "Mateo Brown", Channel::Chat, "support", "ag1");
    ok(&mut s, t0(), &assign_cmd(&billing_conv, "billing", Some("ag6")));
    ok(&mut s, t0(), &topics_cmd(&billing_conv, &["double-charge"], "ag6"));
    ok(&mut s, t0(), &status_cmd(&billing_conv, Status::Closed, "ag6"));
    assert_eq!(
        inbound(&mut s, t0() + hours(47), &d, Channel::Chat),
        (billing_conv, Routing::Reopened)
    );
}

#[test]
fn a_reopened_conversation_without_an_owner_goes_back_to_the_queue() {
    let mut s = store();
    let c = new_customer(&mut s, t0(), "Olivia Smith");
    let (id, _) = inbound(&mut s, t0(), &c, Channel::Email);
    ok(&mut s, t0(), &status_cmd(&id, Status::Closed, "ag1"));
    assert_eq!(
        inbound(&mut s, t0() + hours(1), &c, Channel::Email),
        (id.clone(), Routing::Reopened)
    );
    let conv = conv(&s, &id);
    assert_eq!((conv.status, conv.assignee.agent_id), (Status::New, None));
}

#[test]
fn the_reopen_count_counts_every_return_inside_the_window() {
    let mut s = store();
    let (c, id) = closed_support_conversation(&mut s, "Olivia Smith");
    inbound(&mut s, t0() + hours(1), &c, Channel::Chat);
    ok(&mut s, t0() + hours(2), &status_cmd(&id, Status::Closed, "ag1"));
    inbound(&mut s, t0() + hours(3), &c, Channel::Chat);
    assert_eq!(conv(&s, &id).reopen_count, 2);
}

#[test]
fn inbound_reopens_the_most_recently_closed_conversation_not_the_most_recently_created() {
    // A (support, 24h) closes; the customer comes back after the window, so B (email) starts and
    // closes. An agent then reopens A by hand and closes it again. A customer message one hour
    // later continues A — the conversation they just finished — not B, which closed days ago.
    let mut s = store();
    let (c, a) = closed_support_conversation(&mut s, "Olivia Smith");
    let (b, routing) = inbound(&mut s, t0() + hours(30), &c, Channel::Email);
    assert_eq!(routing, Routing::Started);
    ok(&mut s, t0() + hours(31), &status_cmd(&b, Status::Closed, "ag1"));
    ok(&mut s, t0() + hours(90), &status_cmd(&a, Status::Open, "ag1"));
    ok(&mut s, t0() + hours(91), &status_cmd(&a, Status::Closed, "ag1"));
    assert_eq!(
        inbound(&mut s, t0() + hours(92), &c, Channel::Chat),
        (a, Routing::Reopened)
    );
}

// ----- topics -----

#[test]
fn setting_topics_appends_a_topic_change_with_what_was_added_and_removed() {
    let mut s = store();
    let (c, id) = open_conversation(&mut s, t0(), "Olivia Smith", Channel::Chat, "support", "ag1");
    ok(
        &mut s,
        t0(),
        &topics_cmd(&id, &["where-is-my-order", "complaint"], "ag1"),
    );
    let last = s.timeline(&c).last().unwrap().clone();
    assert_eq!(
        last.content,
        ItemContent::TopicChange {
            added: vec![topic("where-is-my-order"), topic("complaint")],
            removed: vec![]
        }
    );
    assert_eq!(last.conversation_id.as_ref(), Some(&id));
    assert_eq!(last.initiator, Initiator::agent(&agent("ag1")));

    ok(&mut s, t0(), &topics_cmd(&id, &["complaint", "refund-status"], "ag1"));
    assert_eq!(
        s.timeline(&c).last().unwrap().content,
        ItemContent::TopicChange {
            added: vec![topic("refund-status")],
            removed: vec![topic("where-is-my-order")]
        }
    );
    assert_eq!(conv(&s, &id).topic_ids, [topic("complaint"), topic("refund-status")]);
}

#[test]
fn duplicate_topics_in_a_request_are_kept_once() {
    let mut s = store();
    let (_, id) = open_conversation(&mut s, t0(), "Olivia Smith", Channel::Chat, "support", "ag1");
    ok(&mut s, t0(), &topics_cmd(&id, &["complaint", "complaint"], "ag1"));
    assert_eq!(conv(&s, &id).topic_ids, [topic("complaint")]);
}

#[test]
fn a_disabled_topic_cannot_be_added() {
    let mut s = store();
    let (_, id) = open_conversation(&mut s, t0(), "Olivia Smith", Channel::Chat, "support", "ag1");
    let err = refused(
        &mut s,
        t0(),
        &topics_cmd(&id, &["complaint", "summer-promo-2023"], "ag1"),
    );
    assert_eq!(err, CoreError::TopicDisabled("Summer promo 2023".into()));
}

#[test]
fn an_unknown_topic_is_refused_as_not_found() {
    let mut s = store();
    let (_, id) = open_conversation(&mut s, t0(), "Olivia Smith", Channel::Chat, "support", "ag1");
    let err = refused(&mut s, t0(), &topics_cmd(&id, &["no-such-topic"], "ag1"));
    assert!(matches!(err, CoreError::NotFound { kind: "topic", .. }), "{err:?}");
}

#[test]
fn removing_every_topic_of_a_closed_conversation_is_refused_where_topics_are_required() {
    let mut s = store();
    let (_, id) = closed_support_conversation(&mut s, "Olivia Smith");
    assert_eq!(
        refused(&mut s, t0(), &topics_cmd(&id, &[], "ag1")),
        CoreError::TopicsRequired
    );
    // Replacing the topic with another one is fine: it still has one.
    ok(&mut s, t0(), &topics_cmd(&id, &["complaint"], "ag1"));
    assert_eq!(conv(&s, &id).topic_ids, [topic("complaint")]);
}

#[test]
fn removing_every_topic_of_a_closed_email_conversation_is_accepted() {
    let mut s = store();
    let (_, id) = open_conversation(&mut s, t0(), "Olivia Smith", Channel::Email, "email", "ag1");
    ok(&mut s, t0(), &topics_cmd(&id, &["invoice-copy"], "ag1"));
    ok(&mut s, t0(), &status_cmd(&id, Status::Closed, "ag1"));
    ok(&mut s, t0(), &topics_cmd(&id, &[], "ag1"));
    assert!(conv(&s, &id).topic_ids.is_empty());
}

// ----- versions -----

#[test]
fn every_successful_change_bumps_the_version() {
    let mut s = store();
    let c = new_customer(&mut s, t0(), "Olivia Smith");
    let (id, _) = inbound(&mut s, t0(), &c, Channel::Chat);
    let mut last = conv(&s, &id).version;
    let steps = [
        assign_cmd(&id, "support", Some("ag1")),
        reply_cmd(&id, "ag1", Channel::Chat, "Hi"),
        inbound_cmd(&c, Channel::Chat, "Thanks"),
        Command::AddNote(cmd::AddNote {
            conversation_id: id.clone(),
            agent_id: agent("ag1"),
            body: "VIP".into(),
        }),
        status_cmd(&id, Status::Waiting, "ag1"),
        topics_cmd(&id, &["compliment"], "ag1"),
        assign_cmd(&id, "billing", Some("ag7")),
        status_cmd(&id, Status::Closed, "ag7"),
        status_cmd(&id, Status::Open, "ag7"),
    ];
    for command in steps {
        ok(&mut s, t0(), &command);
        let v = conv(&s, &id).version;
        assert!(v > last, "{command:?} did not bump the version ({last} → {v})");
        last = v;
    }
}

#[test]
fn a_command_with_the_current_version_is_accepted() {
    let mut s = store();
    let (_, id) = open_conversation(&mut s, t0(), "Olivia Smith", Channel::Chat, "support", "ag1");
    let v = conv(&s, &id).version;
    let command = Command::SetStatus(cmd::SetStatus {
        conversation_id: id.clone(),
        expected_version: Some(v),
        status: Status::Waiting,
        actor: Actor::agent(&agent("ag1")),
    });
    ok(&mut s, t0(), &command);
    assert_eq!(conv(&s, &id).version, v + 1);
}

#[test]
fn a_command_with_a_stale_version_is_refused_as_a_conflict_and_changes_nothing() {
    let mut s = store();
    let (_, id) = open_conversation(&mut s, t0(), "Olivia Smith", Channel::Chat, "support", "ag1");
    let current = conv(&s, &id).version;
    let stale = current - 1;
    let conflict = CoreError::Conflict {
        expected: stale,
        current,
    };
    let commands = [
        Command::Assign(cmd::Assign {
            conversation_id: id.clone(),
            expected_version: Some(stale),
            assignee: Assignee {
                inbox_id: inbox("support"),
                agent_id: Some(agent("ag2")),
            },
            actor: Actor::System,
        }),
        Command::SetStatus(cmd::SetStatus {
            conversation_id: id.clone(),
            expected_version: Some(stale),
            status: Status::Waiting,
            actor: Actor::System,
        }),
        Command::SetTopics(cmd::SetTopics {
            conversation_id: id.clone(),
            expected_version: Some(stale),
            topic_ids: vec![topic("complaint")],
            actor: Actor::System,
        }),
        Command::Reply(cmd::Reply {
            conversation_id: id.clone(),
            expected_version: Some(stale),
            agent_id: agent("ag1"),
            channel: Channel::Chat,
            text: "Hi".into(),
            subject: None,
        }),
    ];
    for command in commands {
        // `refused` also compares the whole store with a clone taken before the command.
        assert_eq!(refused(&mut s, t0(), &command), conflict, "{command:?}");
    }
    // A version from the future is just as stale.
    let command = Command::SetStatus(cmd::SetStatus {
        conversation_id: id.clone(),
        expected_version: Some(current + 5),
        status: Status::Waiting,
        actor: Actor::System,
    });
    assert_eq!(
        refused(&mut s, t0(), &command),
        CoreError::Conflict {
            expected: current + 5,
            current
        }
    );
}

#[test]
fn a_no_op_does_not_bump_the_version_or_write_to_the_timeline() {
    let mut s = store();
    let (c, id) = open_conversation(&mut s, t0(), "Olivia Smith", Channel::Chat, "support", "ag1");
    ok(&mut s, t0(), &topics_cmd(&id, &["complaint"], "ag1"));
    let before = s.clone();
    ok(&mut s, t0() + hours(1), &status_cmd(&id, Status::Open, "ag1"));
    ok(&mut s, t0() + hours(1), &assign_cmd(&id, "support", Some("ag1")));
    ok(&mut s, t0() + hours(1), &topics_cmd(&id, &["complaint"], "ag1"));
    assert!(s == before, "a no-op changed the store");
    assert_eq!(s.timeline(&c).len(), before.timeline(&c).len());
}

// ----- audit trail -----

#[test]
fn every_status_assignment_and_topic_change_appends_its_own_timeline_item() {
    let mut s = store();
    let c = new_customer(&mut s, t0(), "Olivia Smith");
    let (id, _) = inbound(&mut s, t0(), &c, Channel::Chat);
    assert_eq!(
        new_item_kinds(&s, &c, 0),
        ["ASSIGNMENT_CHANGE", "CONVERSATION_STATUS_CHANGE", "CHAT_MESSAGE"]
    );

    let cases: [(Command, &[&str]); 6] = [
        (
            assign_cmd(&id, "support", Some("ag1")),
            &["ASSIGNMENT_CHANGE", "CONVERSATION_STATUS_CHANGE"],
        ),
        (assign_cmd(&id, "support", Some("ag2")), &["ASSIGNMENT_CHANGE"]),
        (status_cmd(&id, Status::Waiting, "ag2"), &["CONVERSATION_STATUS_CHANGE"]),
        (topics_cmd(&id, &["compliment"], "ag2"), &["TOPIC_CHANGE"]),
        (status_cmd(&id, Status::Closed, "ag2"), &["CONVERSATION_STATUS_CHANGE"]),
        (
            inbound_cmd(&c, Channel::Chat, "Me again"),
            &["CONVERSATION_STATUS_CHANGE", "CHAT_MESSAGE"],
        ),
    ];
    for (command, kinds) in cases {
        let len = s.timeline(&c).len();
        ok(&mut s, t0(), &command);
        assert_eq!(new_item_kinds(&s, &c, len), kinds, "{command:?}");
        assert!(s.timeline(&c)[len..]
            .iter()
            .all(|i| i.conversation_id.as_ref() == Some(&id)));
    }
    // The audit items say what the state is now.
    let items = s.timeline(&c);
    let last_status = items.iter().rev().find_map(|i| match i.content {
        ItemContent::ConversationStatusChange { status } => Some(status),
        _ => None,
    });
    assert_eq!(last_status, Some(Status::Open));
    assert!(invariants::violations(&s).is_empty());
}

#[test]
fn audit_items_name_who_made_the_change() {
    let mut s = store();
    let (c, id) = open_conversation(&mut s, t0(), "Olivia Smith", Channel::Chat, "support", "ag1");
    ok(&mut s, t0(), &status_cmd(&id, Status::Waiting, "ag4"));
    assert_eq!(
        s.timeline(&c).last().unwrap().initiator,
        Initiator::agent(&agent("ag4"))
    );
    let first = &s.timeline(&c)[0];
    assert_eq!(
        first.initiator,
        Initiator::Customer,
        "a conversation the customer started"
    );
}

#[test]
fn a_note_is_added_to_the_conversation_by_its_agent() {
    let mut s = store();
    let (c, id) = open_conversation(&mut s, t0(), "Olivia Smith", Channel::Chat, "support", "ag1");
    let out = ok(
        &mut s,
        t0(),
        &Command::AddNote(cmd::AddNote {
            conversation_id: id.clone(),
            agent_id: agent("ag5"),
            body: "Called the carrier".into(),
        }),
    );
    let Outcome::Item { item_id } = out else {
        panic!("{out:?}")
    };
    let item = s.timeline(&c).last().unwrap();
    assert_eq!(item.id, item_id);
    assert_eq!(
        item.content,
        ItemContent::ConversationNote {
            body: "Called the carrier".into()
        }
    );
    assert_eq!(item.conversation_id, Some(id.clone()));
    let err = refused(
        &mut s,
        t0(),
        &Command::AddNote(cmd::AddNote {
            conversation_id: id,
            agent_id: agent("ag5"),
            body: " ".into(),
        }),
    );
    assert!(matches!(err, CoreError::Invalid(_)));
}

#[test]
fn an_activity_is_filed_in_the_customer_timeline_outside_any_conversation() {
    let mut s = store();
    let c = new_customer(&mut s, t0(), "Olivia Smith");
    ok(
        &mut s,
        t0(),
        &Command::AddActivity(cmd::AddActivity {
            customer_id: c.clone(),
            title: "Order #12345 placed".into(),
            body: "3 items".into(),
            link: None,
        }),
    );
    let item = s.timeline(&c).last().unwrap();
    assert_eq!(item.content.kind(), "CUSTOMER_ACTIVITY");
    assert_eq!(item.conversation_id, None);
    let err = refused(
        &mut s,
        t0(),
        &Command::AddActivity(cmd::AddActivity {
            customer_id: c,
            title: "".into(),
            body: "".into(),
            link: None,
        }),
    );
    assert!(matches!(err, CoreError::Invalid(_)));
}

#[test]
fn the_timeline_stays_in_order_when_the_clock_is_behind() {
    // An imported item may be newer than the server's clock; items never go back in time.
    let mut s = store();
    let c = new_customer(&mut s, t0(), "Olivia Smith");
    inbound(&mut s, t0() + hours(5), &c, Channel::Chat);
    inbound(&mut s, t0(), &c, Channel::Chat);
    let timeline = s.timeline(&c);
    assert!(timeline.windows(2).all(|w| w[0].timestamp <= w[1].timestamp));
    assert!(invariants::violations(&s).is_empty());
}

// ----- tasks -----

fn create_task_cmd(customer: &CustomerId, inbox_id: &str, owner: Option<&str>) -> Command {
    Command::CreateTask(cmd::CreateTask {
        customer_id: customer.clone(),
        body: "Call back about the replacement".into(),
        due_at: t0() + hours(24),
        assignee: Assignee {
            inbox_id: inbox(inbox_id),
            agent_id: owner.map(agent),
        },
        agent_id: agent("ag1"),
    })
}

#[test]
fn a_task_goes_through_create_comment_close_and_reopen_with_a_timeline_item_each() {
    let mut s = store();
    let (c, conv_id) = open_conversation(&mut s, t0(), "Olivia Smith", Channel::Chat, "support", "ag1");
    let Outcome::Task { task_id } = ok(&mut s, t0(), &create_task_cmd(&c, "billing", Some("ag6"))) else {
        panic!()
    };
    let task = s.task(&task_id).unwrap().clone();
    assert_eq!(task.status, TaskStatus::Open);
    assert_eq!(task.customer_id, c);
    assert_eq!(task.created_by, agent("ag1"));
    assert_eq!(s.tasks().map(|t| &t.id).collect::<Vec<_>>(), [&task_id]);
    let created = s.timeline(&c).last().unwrap();
    assert!(
        matches!(&created.content, ItemContent::Task { task_id: t, event: TaskEvent::Created, .. } if *t == task_id)
    );
    assert_eq!(
        created.conversation_id,
        Some(conv_id),
        "filed under the open conversation"
    );

    let events = [
        (
            Command::CommentTask(cmd::CommentTask {
                task_id: task_id.clone(),
                agent_id: agent("ag6"),
                body: "Left a voicemail".into(),
            }),
            TaskEvent::Commented,
        ),
        (
            Command::SetTaskStatus(cmd::SetTaskStatus {
                task_id: task_id.clone(),
                status: TaskStatus::Closed,
                agent_id: agent("ag6"),
            }),
            TaskEvent::Closed,
        ),
        (
            Command::SetTaskStatus(cmd::SetTaskStatus {
                task_id: task_id.clone(),
                status: TaskStatus::Open,
                agent_id: agent("ag6"),
            }),
            TaskEvent::Reopened,
        ),
    ];
    let mut version = task.version;
    for (command, event) in events {
        ok(&mut s, t0(), &command);
        assert!(
            matches!(s.timeline(&c).last().unwrap().content, ItemContent::Task { event: e, .. } if e == event),
            "{command:?}"
        );
        let v = s.task(&task_id).unwrap().version;
        assert!(v > version);
        version = v;
    }
    let task = s.task(&task_id).unwrap();
    assert_eq!(task.status, TaskStatus::Open);
    assert_eq!(task.comments.len(), 1);
    assert_eq!(task.comments[0].body, "Left a voicemail");

    // Setting the status it already has changes nothing.
    let before = s.clone();
    ok(
        &mut s,
        t0(),
        &Command::SetTaskStatus(cmd::SetTaskStatus {
            task_id,
            status: TaskStatus::Open,
            agent_id: agent("ag6"),
        }),
    );
    assert!(s == before);
}

#[test]
fn a_task_for_an_agent_outside_its_inbox_is_refused() {
    let mut s = store();
    let c = new_customer(&mut s, t0(), "Olivia Smith");
    // ag8 is only in the email inbox.
    assert_eq!(
        refused(&mut s, t0(), &create_task_cmd(&c, "billing", Some("ag8"))),
        CoreError::AgentNotInInbox
    );
}

#[test]
fn a_task_without_an_owner_waits_in_its_inbox() {
    let mut s = store();
    let c = new_customer(&mut s, t0(), "Olivia Smith");
    let Outcome::Task { task_id } = ok(&mut s, t0(), &create_task_cmd(&c, "voice", None)) else {
        panic!()
    };
    assert_eq!(s.task(&task_id).unwrap().assignee.agent_id, None);
    assert_eq!(
        s.timeline(&c).last().unwrap().conversation_id,
        None,
        "no open conversation to file it under"
    );
}

#[test]
fn task_refusals_empty_body_unknown_customer_unknown_task() {
    let mut s = store();
    let c = new_customer(&mut s, t0(), "Olivia Smith");
    let mut empty = create_task_cmd(&c, "voice", None);
    if let Command::CreateTask(cmd::CreateTask { body, .. }) = &mut empty {
        *body = "  ".into();
    }
    assert!(matches!(refused(&mut s, t0(), &empty), CoreError::Invalid(_)));
    let err = refused(
        &mut s,
        t0(),
        &create_task_cmd(&CustomerId::from("nobody"), "voice", None),
    );
    assert!(matches!(err, CoreError::NotFound { kind: "customer", .. }));
    let missing = TaskId::from("ta-missing");
    let err = refused(
        &mut s,
        t0(),
        &Command::CommentTask(cmd::CommentTask {
            task_id: missing.clone(),
            agent_id: agent("ag1"),
            body: "x".into(),
        }),
    );
    assert!(matches!(err, CoreError::NotFound { kind: "task", .. }));
    let err = refused(
        &mut s,
        t0(),
        &Command::SetTaskStatus(cmd::SetTaskStatus {
            task_id: missing,
            status: TaskStatus::Closed,
            agent_id: agent("ag1"),
        }),
    );
    assert!(matches!(err, CoreError::NotFound { kind: "task", .. }));
}

// ----- error messages -----

fn every_error() -> Vec<CoreError> {
    vec![
        CoreError::NotFound {
            kind: "conversation",
            id: "co1".into(),
        },
        CoreError::Conflict {
            expected: 3,
            current: 4,
        },
        CoreError::InvalidTransition {
            from: Status::Closed,
            to: Status::Waiting,
        },
        CoreError::NeedsAgent,
        CoreError::AgentNotInInbox,
        CoreError::NotInInboxToTake { inbox: "Voice".into() },
        CoreError::TopicsRequired,
        CoreError::ConversationClosed,
        CoreError::AlreadyOpen,
        CoreError::TopicDisabled("Summer promo 2023".into()),
        CoreError::NoContactForChannel(Channel::FacebookMessenger),
        CoreError::ChannelNotReplyable(Channel::Voicemail),
        CoreError::Invalid("The reply is empty.".into()),
        CoreError::TooLong {
            what: "note",
            field: "body",
            max: 20_000,
            length: 20_001,
        },
        CoreError::StillAssigned {
            agent: "Noah Patel".into(),
            inbox: "Billing".into(),
            conversations: 2,
            tasks: 0,
        },
        CoreError::Taken {
            field: "emailAddress",
            detail: "Ava Thompson already has the address ava@northwind.example.".into(),
        },
        CoreError::Forbidden("Only an administrator adds agents.".into()),
    ]
}

#[test]
fn every_error_reads_as_a_sentence_an_agent_can_understand() {
    for err in every_error() {
        let msg = err.to_string();
        assert!(msg.chars().next().is_some_and(char::is_uppercase), "{err:?}: {msg:?}");
        assert!(msg.ends_with('.'), "{err:?}: {msg:?}");
        assert!(msg.split_whitespace().count() >= 3, "{err:?}: {msg:?}");
        // Internal spellings must not leak into what an agent reads.
        assert!(
            !msg.contains("Some(") && !msg.contains("FacebookMessenger"),
            "{err:?}: {msg:?}"
        );
    }
    assert_eq!(
        CoreError::InvalidTransition {
            from: Status::Closed,
            to: Status::Waiting
        }
        .to_string(),
        "A Closed conversation cannot be set to Waiting."
    );
    assert!(CoreError::NoContactForChannel(Channel::FacebookMessenger)
        .to_string()
        .contains("Messenger"));
}

#[test]
fn every_error_has_its_own_stable_code() {
    let errors = every_error();
    let codes: HashSet<&str> = errors.iter().map(CoreError::code).collect();
    assert_eq!(codes.len(), errors.len(), "codes must be distinct");
    for code in codes {
        assert!(
            !code.is_empty() && code.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
            "{code}"
        );
    }
    assert_eq!(
        CoreError::Conflict {
            expected: 1,
            current: 2
        }
        .code(),
        "conflict"
    );
}

// ----- queries -----

fn demo_anchor() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).single().unwrap()
}

fn all_views(s: &Store) -> Vec<View> {
    let mut views = View::standard().to_vec();
    views.extend(s.directory.inboxes.iter().map(|i| View::Inbox(i.id.clone())));
    views
}

#[test]
fn every_view_round_trips_through_its_url_slug() {
    let s = store();
    for view in all_views(&s) {
        assert_eq!(View::from_slug(&view.slug()), Some(view.clone()), "{}", view.slug());
    }
    assert_eq!(
        View::standard().map(|v| v.slug()),
        ["mine", "new", "open", "waiting", "closed"]
    );
    assert_eq!(View::from_slug("inbox-"), None);
    assert_eq!(View::from_slug("nonsense"), None);
}

#[test]
fn view_counts_match_the_length_of_every_list_over_the_demo_seed() {
    let s = seed::generate(&SeedConfig::demo(demo_anchor()));
    for me in [None, Some(agent("ag1")), Some(agent("ag10"))] {
        let counts = query::counts(&s, me.as_ref());
        for view in all_views(&s) {
            let rows = query::list(&s, &view, me.as_ref());
            assert_eq!(counts.for_view(&view), rows.len(), "{} for {me:?}", view.slug());
            assert!(rows.iter().all(|r| view.matches(&r.conversation, me.as_ref())));
        }
    }
    let counts = query::counts(&s, None);
    assert_eq!(
        counts.new + counts.open + counts.waiting + counts.closed,
        s.conversations().count()
    );
    assert_eq!(counts.mine, 0, "nobody is 'me' without an agent");
}

/// What a view is by its definition: a filter over every conversation and the documented sort.
fn naive_order(s: &Store, view: &View, me: Option<&AgentId>) -> Vec<ConversationId> {
    let mut convs: Vec<&Conversation> = s.conversations().filter(|c| view.matches(c, me)).collect();
    let rank = |c: &Conversation| match (c.status, c.customer_waiting_since) {
        // Closed: most recently closed first.
        (Status::Closed, _) => (2, -c.closed_at.map_or(0, |t| t.timestamp_millis())),
        // Waiting on us: longest wait first.
        (_, Some(since)) => (0, since.timestamp_millis()),
        // The rest: latest activity first.
        (_, None) => (1, -c.last_activity_at.map_or(0, |t| t.timestamp_millis())),
    };
    convs.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.id.cmp(&b.id)));
    convs.into_iter().map(|c| c.id.clone()).collect()
}

#[test]
fn every_view_is_its_filter_in_list_order_as_conversations_change() {
    let mut s = seed::generate(&SeedConfig::demo(demo_anchor()));
    let check = |s: &Store, when: &str| {
        for me in [None, Some(agent("ag1")), Some(agent("ag3"))] {
            let counts = query::counts(s, me.as_ref());
            for view in all_views(s) {
                let want = naive_order(s, &view, me.as_ref());
                assert_eq!(
                    query::order(s, &view, me.as_ref()),
                    want,
                    "{} for {me:?} {when}",
                    view.slug()
                );
                assert_eq!(counts.for_view(&view), want.len(), "count of {} {when}", view.slug());
            }
        }
    };
    check(&s, "after seeding");
    // Writes move conversations between views and within them.
    let open: Vec<Conversation> = s
        .conversations()
        .filter(|c| !c.status.is_closed())
        .take(40)
        .cloned()
        .collect();
    let later = demo_anchor() + hours(1);
    for (k, c) in open.iter().enumerate() {
        let actor = Actor::System;
        let command = match k % 4 {
            0 => Command::SetStatus(cmd::SetStatus {
                conversation_id: c.id.clone(),
                expected_version: None,
                status: Status::Closed,
                actor,
            }),
            1 => Command::Inbound(cmd::Inbound {
                customer_id: c.customer_id.clone(),
                channel: Channel::Sms,
                text: "Any news?".into(),
                subject: None,
            }),
            2 => Command::Assign(cmd::Assign {
                conversation_id: c.id.clone(),
                expected_version: None,
                assignee: Assignee {
                    inbox_id: c.assignee.inbox_id.clone(),
                    agent_id: s.inbox(&c.assignee.inbox_id).unwrap().agent_ids.first().cloned(),
                },
                actor,
            }),
            _ => Command::AddNote(cmd::AddNote {
                conversation_id: c.id.clone(),
                agent_id: agent("ag1"),
                body: "Checked the order".into(),
            }),
        };
        let _ = s.apply(later + Duration::minutes(k as i64), &command);
    }
    check(&s, "after 40 writes");
    assert_eq!(invariants::violations(&s), Vec::<String>::new());
}

#[test]
fn a_list_puts_the_longest_waiting_customer_first() {
    let mut s = store();
    let a = new_customer(&mut s, t0(), "Olivia Smith");
    let b = new_customer(&mut s, t0(), "James Johnson");
    let c = new_customer(&mut s, t0(), "Emma Williams");
    // b writes first, then c, then a: b has waited longest.
    let (conv_b, _) = inbound(&mut s, t0(), &b, Channel::Chat);
    let (conv_c, _) = inbound(&mut s, t0() + hours(1), &c, Channel::Chat);
    let (conv_a, _) = inbound(&mut s, t0() + hours(2), &a, Channel::Chat);
    let order = |s: &Store, view: &View| {
        query::list(s, view, None)
            .into_iter()
            .map(|r| r.conversation.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        order(&s, &View::Status(Status::New)),
        [conv_b.clone(), conv_c.clone(), conv_a.clone()]
    );
    // Once b is answered nobody waits on us there, so it drops below the waiting customers.
    ok(&mut s, t0() + hours(3), &reply_cmd(&conv_b, "ag1", Channel::Chat, "Hi"));
    assert_eq!(order(&s, &View::Inbox(inbox("support"))), [conv_c, conv_a, conv_b]);
}

#[test]
fn a_list_row_carries_the_customer_name_and_latest_message_as_preview() {
    let mut s = store();
    let c = new_customer(&mut s, t0(), "Olivia Smith");
    let (id, _) = inbound(&mut s, t0(), &c, Channel::Chat);
    ok(
        &mut s,
        t0(),
        &reply_cmd(&id, "ag1", Channel::Chat, "We   will\nsort it out"),
    );
    let rows = query::list(&s, &View::Mine, Some(&agent("ag1")));
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].customer_name, "Olivia Smith");
    assert_eq!(rows[0].preview, "We will sort it out", "one line");
    assert_eq!(rows[0].preview_direction, Some(Direction::Outbound));
}

#[test]
fn order_is_the_order_of_list_in_every_view() {
    let s = seed::generate(&SeedConfig::demo(demo_anchor()));
    for me in [None, Some(agent("ag1"))] {
        for view in all_views(&s) {
            let listed: Vec<ConversationId> = query::list(&s, &view, me.as_ref())
                .into_iter()
                .map(|r| r.conversation.id)
                .collect();
            assert_eq!(
                query::order(&s, &view, me.as_ref()),
                listed,
                "{} for {me:?}",
                view.slug()
            );
        }
    }
    assert!(
        !query::order(&s, &View::Status(Status::Closed), None).is_empty(),
        "the seed has rows"
    );
}

#[test]
fn summaries_keep_the_requested_order_and_skip_unknown_ids() {
    let s = seed::generate(&SeedConfig::demo(demo_anchor()));
    let order = query::order(&s, &View::Status(Status::Open), None);
    assert!(order.len() >= 3, "the seed has open conversations");
    // Reversed, with an unknown id in the middle and one id asked twice.
    let (a, b, c) = (order[0].clone(), order[1].clone(), order[2].clone());
    let ask = [
        c.clone(),
        ConversationId::from("co-nope"),
        a.clone(),
        b.clone(),
        a.clone(),
    ];
    let rows = query::summaries(&s, &ask);
    let ids: Vec<ConversationId> = rows.iter().map(|r| r.conversation.id.clone()).collect();
    assert_eq!(ids, [c, a.clone(), b, a]);
    for r in &rows {
        let conv = s.conversation(&r.conversation.id).unwrap();
        assert_eq!(*r, query::summarize(&s, conv), "a batch row is the single-row summary");
    }
    assert!(query::summaries(&s, &[]).is_empty());
    assert!(query::summaries(&s, &[ConversationId::from("co-nope")]).is_empty());
}

#[test]
fn summaries_of_a_page_equal_that_slice_of_list() {
    let s = seed::generate(&SeedConfig::demo(demo_anchor()));
    let mut with_task = 0;
    for view in all_views(&s) {
        let all = query::list(&s, &view, None);
        // Rows built in a batch (one pass over the tasks) are the rows built one by one.
        for r in &all {
            assert_eq!(*r, query::summarize(&s, &conv(&s, &r.conversation.id)));
            with_task += usize::from(r.next_task_due.is_some());
        }
        let order = query::order(&s, &view, None);
        for (page, ids) in order.chunks(7).enumerate() {
            let start = page * 7;
            assert_eq!(
                query::summaries(&s, ids),
                all[start..start + ids.len()],
                "{} page {page}",
                view.slug()
            );
        }
    }
    assert!(with_task > 0, "some rows of the seed show a task due");
}

#[test]
fn a_list_row_shows_the_earliest_open_task_of_its_customer() {
    let mut s = store();
    let (c, conv_id) = open_conversation(&mut s, t0(), "Olivia Smith", Channel::Chat, "support", "ag1");
    let (_, other) = open_conversation(&mut s, t0(), "James Johnson", Channel::Chat, "support", "ag1");
    let task_due = |s: &mut Store, h: i64| {
        let mut command = create_task_cmd(&c, "support", Some("ag1"));
        if let Command::CreateTask(cmd::CreateTask { due_at, .. }) = &mut command {
            *due_at = t0() + hours(h);
        }
        match ok(s, t0(), &command) {
            Outcome::Task { task_id } => task_id,
            other => panic!("creating a task: {other:?}"),
        }
    };
    let soonest = task_due(&mut s, 5);
    task_due(&mut s, 30);
    task_due(&mut s, 10);
    // Closing the soonest leaves the next open one.
    ok(
        &mut s,
        t0(),
        &Command::SetTaskStatus(cmd::SetTaskStatus {
            task_id: soonest,
            status: TaskStatus::Closed,
            agent_id: agent("ag1"),
        }),
    );
    let rows = query::summaries(&s, &[conv_id.clone(), other.clone()]);
    assert_eq!(rows[0].next_task_due, Some(t0() + hours(10)));
    assert_eq!(rows[1].next_task_due, None, "the other customer has no tasks");
    let single = query::summarize(&s, &conv(&s, &conv_id));
    assert_eq!(single.next_task_due, Some(t0() + hours(10)));
}

fn search_store() -> (Store, CustomerId) {
    let mut s = store();
    let customer = NewCustomer {
        name: "Olivia Smith".into(),
        emails: vec!["olivia.smith42@mail.example".into()],
        phones: vec!["+1 (555) 234-0042".into()],
        handles: vec![],
        address: None,
        custom_attributes: Default::default(),
    };
    let Outcome::Customer { customer_id } =
        ok(&mut s, t0(), &Command::CreateCustomer(cmd::CreateCustomer { customer }))
    else {
        panic!()
    };
    new_customer(&mut s, t0(), "James Johnson");
    ok(
        &mut s,
        t0(),
        &inbound_cmd(
            &customer_id,
            Channel::Chat,
            "My Alpine 600 sleeping bag has a broken zipper",
        ),
    );
    (s, customer_id)
}

#[test]
fn search_finds_a_customer_by_a_phone_number_typed_with_other_formatting() {
    let (s, olivia) = search_store();
    for typed in [
        "5552340042",
        "555-234-0042",
        "(555) 234 0042",
        "+15552340042",
        "234-0042",
    ] {
        let hits = query::search(&s, typed, 10).customers;
        assert_eq!(hits.len(), 1, "{typed}");
        assert_eq!(hits[0].customer_id, olivia, "{typed}");
        assert_eq!(hits[0].matched, "+1 (555) 234-0042");
    }
}

#[test]
fn search_finds_a_customer_by_a_fragment_of_their_email() {
    let (s, olivia) = search_store();
    let hits = query::search(&s, "smith42@mail", 10).customers;
    assert_eq!(hits.iter().map(|h| &h.customer_id).collect::<Vec<_>>(), [&olivia]);
    assert_eq!(hits[0].matched, "olivia.smith42@mail.example");
}

#[test]
fn search_finds_a_customer_by_name_ignoring_case() {
    let (s, olivia) = search_store();
    for typed in ["olivia", "SMITH", "  Olivia Sm  "] {
        let hits = query::search(&s, typed, 10).customers;
        assert_eq!(
            hits.iter().map(|h| &h.customer_id).collect::<Vec<_>>(),
            [&olivia],
            "{typed}"
        );
    }
}

#[test]
fn search_lists_the_newest_messages_first_wherever_they_are_stored() {
    // Issue 14: the first `limit` matches in storage order hid the newest.
    let (mut s, olivia) = search_store();
    for n in 1..=5 {
        ok(
            &mut s,
            t0() + hours(n),
            &inbound_cmd(&olivia, Channel::Chat, &format!("zipper again {n}")),
        );
    }
    let later = new_customer(&mut s, t0(), "Zoe Later");
    ok(
        &mut s,
        t0() + hours(48),
        &inbound_cmd(&later, Channel::Chat, "my zipper broke today"),
    );
    let hits = query::search(&s, "zipper", 3).messages;
    let texts: Vec<&str> = hits.iter().map(|h| h.snippet.as_str()).collect();
    assert_eq!(texts, ["my zipper broke today", "zipper again 5", "zipper again 4"]);
}

#[test]
fn search_finds_message_text() {
    let (s, olivia) = search_store();
    let hits = query::search(&s, "BROKEN zipper", 10).messages;
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].customer_id, olivia);
    assert_eq!(hits[0].customer_name, "Olivia Smith");
    assert!(hits[0].snippet.contains("broken zipper"), "{}", hits[0].snippet);
    assert!(hits[0].conversation_id.is_some());
}

#[test]
fn search_ignores_one_letter_queries() {
    let (s, _) = search_store();
    assert_eq!(query::search(&s, "o", 10), query::SearchResults::default());
}

#[test]
fn fill_placeholders_fills_known_keys_and_reports_missing_ones() {
    let values = BTreeMap::from([
        ("customer.firstName", "Olivia".to_owned()),
        ("agent.firstName", "Ava".to_owned()),
        ("blank", "  ".to_owned()),
    ]);
    let (text, missing) = query::fill_placeholders(
        "Hi {customer.firstName}, this is { agent.firstName }. Refund: {refund.amount}.",
        &values,
    );
    assert_eq!(text, "Hi Olivia, this is Ava. Refund: {refund.amount}.");
    assert_eq!(missing, ["refund.amount"]);
    // A value that is only whitespace counts as missing, so the agent sees the gap.
    let (text, missing) = query::fill_placeholders("x {blank} y", &values);
    assert_eq!((text.as_str(), missing), ("x {blank} y", vec!["blank".to_owned()]));
}

#[test]
fn fill_placeholders_leaves_stray_braces_intact() {
    let values = BTreeMap::from([("name", "Olivia".to_owned())]);
    for text in ["a { b", "a } b", "}{", "{", "}", "emoji :-{ and :-}", "nested {{name}"] {
        let (out, _) = query::fill_placeholders(text, &values);
        let expected = text.replace("{name}", "Olivia");
        assert_eq!(out, expected, "{text:?}");
    }
    assert_eq!(query::fill_placeholders("", &values), (String::new(), vec![]));
}

// ----- content codec -----

fn item_json(content: serde_json::Value) -> serde_json::Value {
    json!({
        "id": "it1",
        "customerId": "cu1",
        "conversationId": "co2",
        "timestamp": "2026-03-02T09:00:00Z",
        "initiator": { "type": "CUSTOMER" },
        "content": content,
    })
}

#[test]
fn an_unknown_content_type_decodes_to_unknown_keeping_the_raw_json() {
    let raw = json!({ "type": "HOLOGRAM", "x": 1 });
    let item: TimelineItem = serde_json::from_value(item_json(raw.clone())).expect("never fails the item");
    assert_eq!(
        item.content,
        ItemContent::Unknown {
            kind: "HOLOGRAM".into(),
            raw: Box::new(raw.clone())
        }
    );
    assert_eq!(item.content.kind(), "HOLOGRAM");
    assert_eq!(item.content.text(), None);
    // Written back exactly as it came.
    assert_eq!(serde_json::to_value(&item).unwrap(), item_json(raw));
}

#[test]
fn a_known_type_with_a_missing_required_field_decodes_to_unknown() {
    let raw = json!({ "type": "EMAIL", "subject": "Hello" }); // no content, no direction
    let item: TimelineItem = serde_json::from_value(item_json(raw.clone())).expect("never fails the item");
    assert_eq!(
        item.content,
        ItemContent::Unknown {
            kind: "EMAIL".into(),
            raw: Box::new(raw.clone())
        }
    );
    assert_eq!(serde_json::to_value(&item).unwrap(), item_json(raw));
}

#[test]
fn content_without_a_type_decodes_to_unknown() {
    for raw in [
        json!({ "x": 1 }),
        json!(null),
        json!("text"),
        json!(42),
        json!({ "type": 7 }),
    ] {
        assert_eq!(
            content_codec::decode(raw.clone()),
            ItemContent::Unknown {
                kind: "UNKNOWN".into(),
                raw: Box::new(raw.clone())
            },
            "{raw}"
        );
    }
}

#[test]
fn a_timeline_with_one_unknown_item_still_decodes_whole() {
    let list = json!([
        item_json(json!({ "type": "CHAT_MESSAGE", "content": "hi", "direction": "INBOUND" })),
        item_json(json!({ "type": "HOLOGRAM", "x": 1 })),
        item_json(json!({ "type": "CONVERSATION_NOTE", "body": "ok" })),
    ]);
    let items: Vec<TimelineItem> = serde_json::from_value(list.clone()).expect("whole timeline decodes");
    assert_eq!(
        items.iter().map(|i| i.content.kind()).collect::<Vec<_>>(),
        ["CHAT_MESSAGE", "HOLOGRAM", "CONVERSATION_NOTE"]
    );
    assert_eq!(serde_json::to_value(&items).unwrap(), list);
}

fn every_known_content() -> Vec<ItemContent> {
    let mut all: Vec<ItemContent> = Channel::ALL
        .into_iter()
        .map(|ch| {
            ItemContent::message(
                ch,
                Direction::Inbound,
                format!("via {}", ch.label()),
                Some("Subject".into()),
            )
        })
        .collect();
    all.extend([
        ItemContent::Email(Box::new(EmailContent {
            subject: "Re: order".into(),
            content: "Hi".into(),
            html: Some("<p>Hi</p>".into()),
            from: "ava@rapport.example".into(),
            to: vec!["olivia@example.com".into()],
            direction: Direction::Outbound,
        })),
        ItemContent::PhoneCall {
            direction: Direction::Outbound,
            duration_secs: 185,
            summary: "Called back".into(),
        },
        ItemContent::Voicemail {
            duration_secs: 31,
            transcript: "Please call me".into(),
        },
        ItemContent::ConversationNote { body: "VIP".into() },
        ItemContent::ConversationStatusChange {
            status: Status::Waiting,
        },
        ItemContent::TopicChange {
            added: vec![topic("complaint")],
            removed: vec![topic("compliment")],
        },
        ItemContent::AssignmentChange {
            inbox_id: inbox("billing"),
            agent_id: Some(agent("ag6")),
        },
        ItemContent::AssignmentChange {
            inbox_id: inbox("billing"),
            agent_id: None,
        },
        ItemContent::CustomerActivity(Box::new(ActivityContent {
            title: "Order placed".into(),
            body: "3 items".into(),
            link: Some("https://shop.example/o/1".into()),
        })),
        ItemContent::Task {
            task_id: TaskId::from("ta1"),
            event: TaskEvent::Commented,
            body: "Left a voicemail".into(),
        },
    ]);
    all
}

#[test]
fn every_known_content_type_round_trips_through_json() {
    for content in every_known_content() {
        let value = serde_json::to_value(&content).unwrap();
        assert_eq!(content_codec::decode(value.clone()), content, "{value}");
        let back: ItemContent = serde_json::from_value(value.clone()).unwrap();
        assert_eq!(back, content);
        assert_eq!(value["type"].as_str(), Some(content.kind()));
        // And inside a timeline item, through a string.
        let item = TimelineItem {
            id: ItemId::from("it9"),
            customer_id: CustomerId::from("cu1"),
            conversation_id: None,
            timestamp: t0(),
            initiator: Initiator::agent(&agent("ag1")),
            content: content.clone(),
        };
        let text = serde_json::to_string(&item).unwrap();
        assert_eq!(serde_json::from_str::<TimelineItem>(&text).unwrap(), item, "{text}");
    }
}

#[test]
fn content_and_channels_use_gladly_wire_names() {
    let kinds: Vec<String> = every_known_content().iter().map(|c| c.kind().to_owned()).collect();
    for expected in [
        "CHAT_MESSAGE",
        "EMAIL",
        "SMS",
        "PHONE_CALL",
        "VOICEMAIL",
        "FACEBOOK_MESSAGE",
        "INSTAGRAM_DIRECT",
        "WHATSAPP",
        "CONVERSATION_NOTE",
        "CONVERSATION_STATUS_CHANGE",
        "TOPIC_CHANGE",
        "CUSTOMER_ACTIVITY",
        "ASSIGNMENT_CHANGE",
        "TASK",
    ] {
        assert!(
            kinds.iter().any(|k| k == expected),
            "no content kind {expected} in {kinds:?}"
        );
    }
    assert_eq!(
        serde_json::to_value(ItemContent::ConversationNote { body: "b".into() }).unwrap(),
        json!({ "type": "CONVERSATION_NOTE", "body": "b" })
    );
    assert_eq!(
        serde_json::to_value(ItemContent::PhoneCall {
            direction: Direction::Inbound,
            duration_secs: 5,
            summary: "s".into()
        })
        .unwrap(),
        json!({ "type": "PHONE_CALL", "direction": "INBOUND", "durationSecs": 5, "summary": "s" })
    );
    assert_eq!(
        serde_json::to_value(ItemContent::AssignmentChange {
            inbox_id: inbox("email"),
            agent_id: None
        })
        .unwrap(),
        json!({ "type": "ASSIGNMENT_CHANGE", "inboxId": "email" })
    );
    let channels: Vec<serde_json::Value> = Channel::ALL.iter().map(|c| serde_json::to_value(c).unwrap()).collect();
    assert_eq!(
        channels,
        [
            json!("CHAT"),
            json!("EMAIL"),
            json!("SMS"),
            json!("PHONE_CALL"),
            json!("VOICEMAIL"),
            json!("WHATSAPP"),
            json!("FB_MESSENGER"),
            json!("INSTAGRAM_DIRECT")
        ]
    );
    assert_eq!(serde_json::to_value(Status::Waiting).unwrap(), json!("WAITING"));
}

#[test]
fn a_message_item_knows_its_channel_and_direction() {
    for channel in Channel::ALL {
        let content = ItemContent::message(channel, Direction::Outbound, "text".into(), None);
        assert_eq!(content.channel(), Some(channel));
        assert_eq!(content.text(), Some("text"));
        let expected = if channel == Channel::Voicemail {
            Direction::Inbound
        } else {
            Direction::Outbound
        };
        assert_eq!(content.direction(), Some(expected));
    }
    assert_eq!(ItemContent::ConversationNote { body: "n".into() }.channel(), None);
}

// ----- seed -----

fn small_seed(seed: u64) -> SeedConfig {
    SeedConfig {
        seed,
        conversations: 300,
        anchor: demo_anchor(),
    }
}

/// Every instant recorded anywhere in the store.
fn all_timestamps(s: &Store) -> Vec<chrono::DateTime<Utc>> {
    let mut out = Vec::new();
    for c in s.customers() {
        out.push(c.created_at);
    }
    for c in s.conversations() {
        out.extend(
            [
                Some(c.created_at),
                Some(c.updated_at),
                c.closed_at,
                c.last_activity_at,
                c.customer_waiting_since,
            ]
            .into_iter()
            .flatten(),
        );
    }
    for (_, timeline) in s.timelines() {
        out.extend(timeline.iter().map(|i| i.timestamp));
    }
    for t in s.tasks() {
        out.push(t.created_at);
        out.extend(t.comments.iter().map(|c| c.created_at));
    }
    out
}

#[test]
fn the_seed_is_deterministic() {
    let a = seed::generate(&small_seed(7));
    let b = seed::generate(&small_seed(7));
    assert!(a == b, "same config, same store");
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&b).unwrap(),
        "byte for byte"
    );
    let c = seed::generate(&small_seed(8));
    assert!(a != c, "a different seed gives a different organisation");
}

#[test]
fn the_demo_seed_obeys_every_invariant_and_looks_like_a_real_organisation() {
    let config = SeedConfig::demo(demo_anchor());
    let s = seed::generate(&config);
    assert_eq!(invariants::violations(&s), Vec::<String>::new());
    assert_eq!(
        s.conversations().count(),
        config.conversations,
        "the configured count, exactly"
    );
    for c in s.customers() {
        assert!(
            s.conversations_of(&c.id).next().is_some(),
            "{} has no conversation",
            c.name
        );
    }
    assert!(s.customers().count() >= 150, "hundreds of customers");
    assert!(
        s.conversations().any(|c| c.channels.len() >= 2),
        "multi-channel conversations"
    );
    assert!(
        s.conversations().any(|c| c.reopen_count > 0),
        "some came back inside the window"
    );
    for status in Status::ALL {
        assert!(
            s.conversations().any(|c| c.status == status),
            "no {status:?} conversation"
        );
    }
    assert!(s.tasks().next().is_some());
    let years = s
        .customers()
        .map(|c| (config.anchor - c.created_at).num_days())
        .max()
        .unwrap();
    assert!(years >= 365, "multi-year histories");
    let late: Vec<_> = all_timestamps(&s).into_iter().filter(|t| *t > config.anchor).collect();
    assert!(
        late.is_empty(),
        "{} instants after the anchor, e.g. {:?}",
        late.len(),
        late.first()
    );
}

#[test]
fn no_seed_records_an_instant_after_its_anchor() {
    // The anchor is the seed's "now". Conversations started minutes before it used to have their
    // assignment and reply land up to ~45 minutes after it for many seeds (2, 4, 5, … ; not the
    // demo seed), so sweep a few.
    for seed in 0..10 {
        let config = SeedConfig {
            seed,
            conversations: 1_000,
            anchor: demo_anchor(),
        };
        let s = seed::generate(&config);
        let late = all_timestamps(&s).into_iter().filter(|t| *t > config.anchor).count();
        assert_eq!(late, 0, "seed {seed}: {late} instants after the anchor");
        assert_eq!(s.conversations().count(), 1_000, "seed {seed}");
    }
}

#[test]
fn a_seeded_store_survives_a_json_round_trip() {
    // The demo backend keeps the store in browser storage and rebuilds the indexes on load.
    let s = seed::generate(&small_seed(3));
    let text = serde_json::to_string(&s).unwrap();
    let mut back: Store = serde_json::from_str(&text).unwrap();
    back.reindex();
    assert!(back == s);
    assert!(invariants::violations(&back).is_empty());
}

#[test]
fn a_ten_thousand_conversation_seed_meets_its_count_with_no_violations() {
    // A size test for benchmarks, not a timing test.
    let config = SeedConfig {
        seed: 42,
        conversations: 10_000,
        anchor: demo_anchor(),
    };
    let s = seed::generate(&config);
    assert_eq!(s.conversations().count(), 10_000);
    assert_eq!(invariants::violations(&s), Vec::<String>::new());
    // The demo holds all of this in the browser: no timeline keeps room it does not use.
    let spare: usize = s.timelines().map(|(_, t)| t.capacity() - t.len()).sum();
    assert_eq!(spare, 0, "spare timeline slots after seeding");
}

#[test]
fn a_heavy_customer_has_thousands_of_items_and_keeps_every_rule() {
    let anchor = chrono::DateTime::parse_from_rfc3339("2026-11-24T12:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let base = rapport_core::seed::generate(&rapport_core::seed::SeedConfig {
        conversations: 50,
        ..rapport_core::seed::SeedConfig::demo(anchor)
    });
    let (store, id) = rapport_core::seed::add_heavy_customer(base, anchor, 5_000);
    let id = id.expect("the heavy customer was made");
    assert!(
        store.timeline(&id).len() >= 5_000,
        "only {} items",
        store.timeline(&id).len()
    );
    assert!(store.conversations_of(&id).count() > 100);
    assert!(store.timeline(&id).iter().all(|i| i.timestamp <= anchor));
    assert!(store.timelines().all(|(_, t)| t.capacity() == t.len()));
    assert_eq!(rapport_core::invariants::violations(&store), Vec::<String>::new());
}
