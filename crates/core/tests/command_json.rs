//! Commands are stored: in the command log of every database and in demo saves. Their JSON must
//! never change, so it is pinned here, one command of each kind, as the code wrote it before the
//! variants were given struct payloads (an internally tagged newtype variant of a struct
//! serializes like a struct variant; this test keeps it so).

use std::collections::BTreeMap;

use chrono::{TimeZone, Utc};
use rapport_core::*;

fn commands() -> Vec<Command> {
    let conv = ConversationId::from("co1");
    let cust = CustomerId::from("cu1");
    let ana = AgentId::from("ana");
    let bo = AgentId::from("bo");
    let owned = Assignee {
        inbox_id: InboxId::from("support"),
        agent_id: Some(ana.clone()),
    };
    let queue = Assignee {
        inbox_id: InboxId::from("support"),
        agent_id: None,
    };
    vec![
        Command::CreateCustomer(cmd::CreateCustomer {
            customer: NewCustomer {
                name: "Ada".into(),
                emails: vec!["ada@example.com".into()],
                phones: vec![],
                handles: vec![Handle {
                    channel: Channel::Chat,
                    value: "@ada".into(),
                }],
                address: None,
                custom_attributes: BTreeMap::from([("plan".to_owned(), "gold".to_owned())]),
            },
        }),
        Command::Inbound(cmd::Inbound {
            customer_id: cust.clone(),
            channel: Channel::Email,
            text: "Hello".into(),
            subject: Some("Order".into()),
        }),
        Command::Reply(cmd::Reply {
            conversation_id: conv.clone(),
            expected_version: Some(3),
            agent_id: ana.clone(),
            channel: Channel::Sms,
            text: "Hi".into(),
            subject: None,
        }),
        Command::AddNote(cmd::AddNote {
            conversation_id: conv.clone(),
            agent_id: ana.clone(),
            body: "Called back".into(),
        }),
        Command::Assign(cmd::Assign {
            conversation_id: conv.clone(),
            expected_version: None,
            assignee: owned.clone(),
            actor: Actor::System,
        }),
        Command::SetStatus(cmd::SetStatus {
            conversation_id: conv.clone(),
            expected_version: Some(7),
            status: Status::Waiting,
            actor: Actor::agent(&ana),
        }),
        Command::SetTopics(cmd::SetTopics {
            conversation_id: conv.clone(),
            expected_version: None,
            topic_ids: vec![TopicId::from("billing"), TopicId::from("refund")],
            actor: Actor::agent(&bo),
        }),
        Command::Undo(cmd::Undo {
            conversation_id: conv.clone(),
            undone: ConversationState {
                status: Status::Closed,
                assignee: owned.clone(),
            },
            restore: ConversationState {
                status: Status::New,
                assignee: queue.clone(),
            },
            actor: Actor::agent(&ana),
        }),
        Command::AddActivity(cmd::AddActivity {
            customer_id: cust.clone(),
            title: "Order shipped".into(),
            body: "Parcel 42".into(),
            link: Some("https://example.com/42".into()),
        }),
        Command::CreateTask(cmd::CreateTask {
            customer_id: cust.clone(),
            body: "Call back".into(),
            due_at: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
            assignee: queue.clone(),
            agent_id: ana.clone(),
        }),
        Command::CommentTask(cmd::CommentTask {
            task_id: TaskId::from("ta1"),
            agent_id: bo.clone(),
            body: "Done?".into(),
        }),
        Command::SetTaskStatus(cmd::SetTaskStatus {
            task_id: TaskId::from("ta1"),
            status: TaskStatus::Closed,
            agent_id: bo.clone(),
        }),
    ]
}

/// Exactly what `serde_json::to_string` wrote for `commands()` before the refactor.
const PINNED: [&str; 12] = [
    r#"{"command":"CREATE_CUSTOMER","customer":{"name":"Ada","emails":["ada@example.com"],"phones":[],"handles":[{"channel":"CHAT","value":"@ada"}],"address":null,"customAttributes":{"plan":"gold"}}}"#,
    r#"{"command":"INBOUND","customerId":"cu1","channel":"EMAIL","text":"Hello","subject":"Order"}"#,
    r#"{"command":"REPLY","conversationId":"co1","expectedVersion":3,"agentId":"ana","channel":"SMS","text":"Hi","subject":null}"#,
    r#"{"command":"ADD_NOTE","conversationId":"co1","agentId":"ana","body":"Called back"}"#,
    r#"{"command":"ASSIGN","conversationId":"co1","expectedVersion":null,"assignee":{"inboxId":"support","agentId":"ana"},"actor":{"type":"SYSTEM"}}"#,
    r#"{"command":"SET_STATUS","conversationId":"co1","expectedVersion":7,"status":"WAITING","actor":{"type":"AGENT","id":"ana"}}"#,
    r#"{"command":"SET_TOPICS","conversationId":"co1","expectedVersion":null,"topicIds":["billing","refund"],"actor":{"type":"AGENT","id":"bo"}}"#,
    r#"{"command":"UNDO","conversationId":"co1","undone":{"status":"CLOSED","assignee":{"inboxId":"support","agentId":"ana"}},"restore":{"status":"NEW","assignee":{"inboxId":"support"}},"actor":{"type":"AGENT","id":"ana"}}"#,
    r#"{"command":"ADD_ACTIVITY","customerId":"cu1","title":"Order shipped","body":"Parcel 42","link":"https://example.com/42"}"#,
    r#"{"command":"CREATE_TASK","customerId":"cu1","body":"Call back","dueAt":"2026-01-02T03:04:05Z","assignee":{"inboxId":"support"},"agentId":"ana"}"#,
    r#"{"command":"COMMENT_TASK","taskId":"ta1","agentId":"bo","body":"Done?"}"#,
    r#"{"command":"SET_TASK_STATUS","taskId":"ta1","status":"CLOSED","agentId":"bo"}"#,
];

#[test]
fn every_command_serializes_as_before() {
    let commands = commands();
    assert_eq!(commands.len(), PINNED.len());
    for (command, pinned) in commands.iter().zip(PINNED) {
        assert_eq!(serde_json::to_string(command).unwrap(), pinned);
    }
}

#[test]
fn the_pinned_json_reads_back_to_the_same_commands() {
    for (command, pinned) in commands().into_iter().zip(PINNED) {
        let read: Command = serde_json::from_str(pinned).unwrap_or_else(|e| panic!("{pinned}: {e}"));
        assert_eq!(read, command);
    }
}

#[test]
fn fields_with_defaults_may_be_left_out() {
    // Older logs and hand-written requests omit `subject` and `expectedVersion`.
    let read: Command =
        serde_json::from_str(r#"{"command":"INBOUND","customerId":"cu1","channel":"CHAT","text":"Hi"}"#).unwrap();
    assert_eq!(
        read,
        Command::Inbound(cmd::Inbound {
            customer_id: CustomerId::from("cu1"),
            channel: Channel::Chat,
            text: "Hi".into(),
            subject: None,
        })
    );
    let read: Command = serde_json::from_str(
        r#"{"command":"SET_STATUS","conversationId":"co1","status":"OPEN","actor":{"type":"SYSTEM"}}"#,
    )
    .unwrap();
    assert_eq!(
        read,
        Command::SetStatus(cmd::SetStatus {
            conversation_id: ConversationId::from("co1"),
            expected_version: None,
            status: Status::Open,
            actor: Actor::System,
        })
    );
}

#[test]
fn a_timestamp_is_read_as_rfc_3339() {
    let read: Command = serde_json::from_str(
        r#"{"command":"CREATE_TASK","customerId":"cu1","body":"b","dueAt":"2026-01-02T04:04:05.500+01:00","assignee":{"inboxId":"support"},"agentId":"ana"}"#,
    )
    .unwrap();
    let Command::CreateTask(task) = read else {
        panic!("not a task: {read:?}");
    };
    assert_eq!(
        task.due_at,
        Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap() + chrono::Duration::milliseconds(500)
    );
}
