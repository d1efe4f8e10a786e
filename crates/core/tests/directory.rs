//! The directory's people: adding an agent and changing inbox memberships, over the seed
//! directory (support = ag1 ag2 ag3 ag4 ag5 ag7; voice = ag2 ag5 ag9 ag10).

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
fn only_an_admin_adds_agents_or_changes_memberships() {
    let s = store();
    for command in [
        membership("voice", "ag1", true),
        new_agent("Rosa", "rosa@northwind.example", &[]),
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
