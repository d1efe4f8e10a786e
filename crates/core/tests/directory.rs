//! The directory: adding an agent, changing inbox memberships, creating and editing inboxes,
//! over the seed directory (support = ag1 ag2 ag3 ag4 ag5 ag7 with chat, SMS, WhatsApp,
//! Messenger, Instagram, 24 h, topics required; email = Email Care, 72 h, no topics needed;
//! voice = ag2 ag5 ag9 ag10).

mod common;

use common::*;
use rapport_core::access::{Principal, Role};
use rapport_core::*;

fn membership(inbox_id: &str, agent_id: &str, member: bool) -> Command {
    Command::SetMembership(cmd::SetMembership {
        inbox_id: inbox(inbox_id),
        agent_id: agent(agent_id),
        member,
        actor: Actor::agent(&agent("ag1")),
    })
}

fn new_agent(name: &str, email: &str, inboxes: &[&str]) -> Command {
    Command::CreateAgent(cmd::CreateAgent {
        name: name.to_owned(),
        email_address: email.to_owned(),
        inbox_ids: inboxes.iter().map(|i| inbox(i)).collect(),
        actor: Actor::agent(&agent("ag1")),
    })
}

fn new_inbox(name: &str, channels: &[Channel], hours: u32, agents: &[&str]) -> Command {
    Command::CreateInbox(cmd::CreateInbox {
        name: name.to_owned(),
        channels: channels.to_vec(),
        reopen_window_hours: hours,
        topics_required_to_close: false,
        agent_ids: agents.iter().map(|a| agent(a)).collect(),
        actor: Actor::agent(&agent("ag1")),
    })
}

/// An edit that changes nothing until its fields are set.
fn edit(inbox_id: &str) -> cmd::UpdateInbox {
    cmd::UpdateInbox {
        inbox_id: inbox(inbox_id),
        name: None,
        channels: None,
        reopen_window_hours: None,
        topics_required_to_close: None,
        actor: Actor::agent(&agent("ag1")),
    }
}

fn members(s: &Store, inbox_id: &str) -> Vec<String> {
    s.inbox(&inbox(inbox_id))
        .map(|i| i.agent_ids.iter().map(|a| a.to_string()).collect())
        .unwrap_or_default()
}

#[test]
fn a_new_agent_joins_the_directory_and_their_inboxes_with_an_id_nobody_has() {
    let mut s = store();
    let Outcome::Agent { agent_id } = ok(
        &mut s,
        t0(),
        &new_agent("  Rosa Diaz ", "rosa@northwind.example", &["voice"]),
    ) else {
        panic!("an agent outcome")
    };
    let rosa = s.agent(&agent_id).expect("in the directory").clone();
    assert_eq!(rosa.name, "Rosa Diaz", "the name is trimmed");
    assert_eq!(s.directory.agents.iter().filter(|a| a.id == agent_id).count(), 1);
    assert!(members(&s, "voice").contains(&agent_id.to_string()));
    assert!(!members(&s, "support").contains(&agent_id.to_string()));
    // A second one gets another id, also after many other writes moved the counter on.
    let Outcome::Agent { agent_id: second } = ok(&mut s, t0(), &new_agent("Ben", "ben@northwind.example", &[])) else {
        panic!("an agent outcome")
    };
    assert_ne!(second, agent_id);
}

#[test]
fn a_new_agent_needs_a_name_a_plausible_unique_email_and_real_inboxes() {
    let mut s = store();
    let taken = s.directory.agents[0].email_address.to_uppercase();
    for (command, code) in [
        (new_agent(" ", "x@northwind.example", &[]), "invalid"),
        (new_agent("Rosa", "rosa", &[]), "invalid"),
        (new_agent("Rosa", "rosa@localhost", &[]), "invalid"),
        (new_agent("Rosa", "ro sa@northwind.example", &[]), "invalid"),
        (new_agent("Rosa", "rosa@north@wind.example", &[]), "invalid"),
        (new_agent("Rosa", "rosa@northwind..example", &[]), "invalid"),
        (new_agent(" \t\r\n", "rosa@northwind.example", &[]), "invalid"),
        (new_agent("Rosa", &taken, &[]), "taken"),
        (new_agent("Rosa", "rosa@northwind.example", &["nowhere"]), "not_found"),
    ] {
        let e = refused(&mut s, t0(), &command);
        assert_eq!(e.code(), code, "{command:?}: {e}");
    }
}

#[test]
fn an_agent_joins_and_leaves_an_inbox_and_doing_either_twice_changes_nothing() {
    let mut s = store();
    ok(&mut s, t0(), &membership("voice", "ag1", true));
    ok(&mut s, t0(), &membership("voice", "ag1", true));
    assert_eq!(members(&s, "voice"), ["ag2", "ag5", "ag9", "ag10", "ag1"]);
    ok(&mut s, t0(), &membership("voice", "ag1", false));
    ok(&mut s, t0(), &membership("voice", "ag1", false));
    assert_eq!(members(&s, "voice"), ["ag2", "ag5", "ag9", "ag10"]);
    assert_eq!(
        refused(&mut s, t0(), &membership("voice", "ag99", true)).code(),
        "not_found"
    );
    assert_eq!(
        refused(&mut s, t0(), &membership("nowhere", "ag1", true)).code(),
        "not_found"
    );
}

#[test]
fn leaving_an_inbox_is_refused_while_they_own_open_work_there_and_says_what() {
    let mut s = store();
    let (customer, id) = open_conversation(&mut s, t0(), "Olivia Smith", Channel::Chat, "support", "ag2");
    let task = Command::CreateTask(cmd::CreateTask {
        customer_id: customer.clone(),
        body: "Call back".into(),
        due_at: t0() + hours(24),
        assignee: Assignee {
            inbox_id: inbox("support"),
            agent_id: Some(agent("ag2")),
        },
        agent_id: agent("ag2"),
    });
    let Outcome::Task { task_id } = ok(&mut s, t0(), &task) else {
        panic!("a task outcome")
    };
    let e = refused(&mut s, t0(), &membership("support", "ag2", false));
    assert_eq!(e.code(), "still_assigned");
    assert_eq!(
        e.to_string(),
        "Noah Patel still has 1 open conversation and 1 open task in General Support: reassign them first."
    );
    // Leaving another inbox is not held up by work in this one.
    ok(&mut s, t0(), &membership("voice", "ag2", false));
    // Waiting counts too; closed work does not.
    ok(&mut s, t0(), &reply_cmd(&id, "ag2", Channel::Chat, "On it"));
    assert_eq!(conv(&s, &id).status, Status::Waiting);
    assert_eq!(
        refused(&mut s, t0(), &membership("support", "ag2", false)).code(),
        "still_assigned"
    );
    ok(&mut s, t0(), &topics_cmd(&id, &["billing"], "ag2"));
    ok(&mut s, t0(), &status_cmd(&id, Status::Closed, "ag2"));
    let close_task = Command::SetTaskStatus(cmd::SetTaskStatus {
        task_id,
        status: TaskStatus::Closed,
        agent_id: agent("ag2"),
    });
    ok(&mut s, t0(), &close_task);
    ok(&mut s, t0(), &membership("support", "ag2", false));
    assert!(!members(&s, "support").contains(&"ag2".to_owned()));
    // Their closed conversation still says who handled it.
    assert_eq!(conv(&s, &id).assignee.agent_id, Some(agent("ag2")));
}

/// A support chat Noah (ag2) had and closed.
fn closed_by_noah(s: &mut Store) -> (CustomerId, ConversationId) {
    let (customer, id) = open_conversation(s, t0(), "Olivia Smith", Channel::Chat, "support", "ag2");
    ok(s, t0(), &topics_cmd(&id, &["billing"], "ag2"));
    ok(s, t0(), &status_cmd(&id, Status::Closed, "ag2"));
    (customer, id)
}

#[test]
fn a_conversation_reopened_after_its_agent_left_the_inbox_goes_to_the_queue() {
    let mut s = store();
    let (customer, id) = closed_by_noah(&mut s);
    ok(&mut s, t0(), &membership("support", "ag2", false));
    let (again, routing) = inbound(&mut s, t0() + hours(1), &customer, Channel::Chat);
    assert_eq!((again.clone(), routing), (id, Routing::Reopened));
    let c = conv(&s, &again);
    assert_eq!((c.status, c.assignee.agent_id), (Status::New, None));
    assert_eq!(invariants::violations(&s), Vec::<String>::new());
}

#[test]
fn a_conversation_reopened_while_its_agent_is_still_a_member_goes_back_to_them() {
    let mut s = store();
    let (customer, id) = closed_by_noah(&mut s);
    inbound(&mut s, t0() + hours(1), &customer, Channel::Chat);
    let c = conv(&s, &id);
    assert_eq!((c.status, c.assignee.agent_id), (Status::Open, Some(agent("ag2"))));
}

#[test]
fn a_new_inbox_takes_new_contacts_on_its_channels_once_no_other_inbox_has_them() {
    let mut s = store();
    let whatsapp = new_inbox(" WhatsApp Desk ", &[Channel::Whatsapp], 12, &["ag3", "ag4", "ag3"]);
    let e = refused(&mut s, t0(), &whatsapp);
    assert_eq!(e.code(), "taken");
    assert_eq!(
        e.to_string(),
        "New WhatsApp contacts go to General Support already: take the channel off there first."
    );
    let social = vec![
        Channel::Chat,
        Channel::Sms,
        Channel::FacebookMessenger,
        Channel::InstagramDirect,
    ];
    ok(
        &mut s,
        t0(),
        &Command::UpdateInbox(cmd::UpdateInbox {
            channels: Some(social.clone()),
            ..edit("support")
        }),
    );
    let Outcome::Inbox { inbox_id } = ok(&mut s, t0(), &whatsapp) else {
        panic!("an inbox outcome")
    };
    let desk = s.inbox(&inbox_id).expect("in the directory").clone();
    assert_eq!(desk.name, "WhatsApp Desk", "the name is trimmed");
    assert_eq!(desk.agent_ids, vec![agent("ag3"), agent("ag4")], "each member once");
    assert_eq!((desk.channels, desk.reopen_window_hours), (vec![Channel::Whatsapp], 12));
    assert_eq!(s.inbox(&inbox("support")).map(|i| i.channels.clone()), Ok(social));
    let customer = new_customer(&mut s, t0(), "Olivia Smith");
    let (id, routing) = inbound(&mut s, t0(), &customer, Channel::Whatsapp);
    assert_eq!(
        (routing, conv(&s, &id).assignee.inbox_id),
        (Routing::Started, inbox_id.clone())
    );
    // A second one gets another id.
    let Outcome::Inbox { inbox_id: second } = ok(&mut s, t0(), &new_inbox("Returns", &[], 24, &[])) else {
        panic!("an inbox outcome")
    };
    assert_ne!(second, inbox_id);
    assert_eq!(invariants::violations(&s), Vec::<String>::new());
}

#[test]
fn an_inbox_needs_a_name_of_its_own_real_members_and_a_window_of_at_most_a_year() {
    let mut s = store();
    let rename = |name: &str| {
        Command::UpdateInbox(cmd::UpdateInbox {
            name: Some(name.to_owned()),
            ..edit("support")
        })
    };
    for (command, code) in [
        (new_inbox(" \t", &[], 24, &[]), "invalid"),
        (new_inbox("email care", &[], 24, &[]), "taken"),
        (new_inbox("Returns", &[], 24, &["ag99"]), "not_found"),
        (new_inbox("Returns", &[], REOPEN_WINDOW_HOURS_MAX + 1, &[]), "invalid"),
        (rename("Phone Team"), "taken"),
        (rename(" "), "invalid"),
        (Command::UpdateInbox(edit("nowhere")), "not_found"),
        (
            Command::UpdateInbox(cmd::UpdateInbox {
                channels: Some(vec![Channel::Email]),
                ..edit("support")
            }),
            "taken",
        ),
    ] {
        let e = refused(&mut s, t0(), &command);
        assert_eq!(e.code(), code, "{command:?}: {e}");
    }
    // Its own name in other letters, and a window of exactly a year, are fine.
    ok(&mut s, t0(), &rename("GENERAL SUPPORT"));
    ok(&mut s, t0(), &new_inbox("Returns", &[], REOPEN_WINDOW_HOURS_MAX, &[]));
    assert_eq!(
        s.inbox(&inbox("support")).map(|i| i.name.clone()),
        Ok("GENERAL SUPPORT".to_owned())
    );
}

#[test]
fn a_longer_reopen_window_reopens_what_the_old_one_would_have_left_closed() {
    for (window, expected) in [(None, Routing::Started), (Some(48), Routing::Reopened)] {
        let mut s = store();
        let (customer, id) = closed_by_noah(&mut s);
        if let Some(h) = window {
            ok(
                &mut s,
                t0(),
                &Command::UpdateInbox(cmd::UpdateInbox {
                    reopen_window_hours: Some(h),
                    ..edit("support")
                }),
            );
        }
        let (again, routing) = inbound(&mut s, t0() + hours(30), &customer, Channel::Chat);
        assert_eq!(routing, expected, "window {window:?}");
        assert_eq!(again == id, expected == Routing::Reopened);
    }
}

#[test]
fn requiring_topics_applies_to_closings_from_then_on() {
    let mut s = store();
    let (_, before) = open_conversation(&mut s, t0(), "Olivia Smith", Channel::Email, "email", "ag3");
    ok(&mut s, t0(), &status_cmd(&before, Status::Closed, "ag3"));
    let (_, after) = open_conversation(&mut s, t0(), "Liam Jones", Channel::Email, "email", "ag3");
    ok(
        &mut s,
        t0(),
        &Command::UpdateInbox(cmd::UpdateInbox {
            topics_required_to_close: Some(true),
            ..edit("email")
        }),
    );
    assert_eq!(
        refused(&mut s, t0(), &status_cmd(&after, Status::Closed, "ag3")).code(),
        "topics_required"
    );
    assert_eq!(
        conv(&s, &before).status,
        Status::Closed,
        "what closed before stays closed"
    );
    assert_eq!(invariants::violations(&s), Vec::<String>::new());
}

#[test]
fn only_an_admin_adds_agents_sets_up_inboxes_or_changes_memberships() {
    let s = store();
    for command in [
        membership("voice", "ag1", true),
        new_agent("Rosa", "rosa@northwind.example", &[]),
        new_inbox("Returns", &[], 24, &[]),
        Command::UpdateInbox(edit("voice")),
    ] {
        for role in [Role::Agent, Role::Supervisor] {
            let e = Principal::new("ag1", role).may(&s, &command).expect_err("not an admin");
            assert_eq!(e.code(), "forbidden", "{role:?}");
        }
        assert_eq!(Principal::new("ag1", Role::Admin).may(&s, &command), Ok(()));
        // An admin's command naming another actor is still someone else's name.
        assert!(Principal::new("ag3", Role::Admin).may(&s, &command).is_err());
    }
}
