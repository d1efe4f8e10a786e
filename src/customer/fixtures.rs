//! Data for the customer page's native tests: a conversation, a timeline item, a customer.

use std::sync::Arc;

use chrono::DateTime;
use rapport_core::{
    Assignee, Channel, Conversation, ConversationId, Customer, CustomerId, Direction, InboxId, Initiator, ItemContent,
    ItemId, Status, TimelineItem,
};

/// A closed SMS conversation of customer `c`, at version 1.
pub fn conv(id: &str) -> Conversation {
    Conversation {
        id: ConversationId(id.into()),
        customer_id: CustomerId("c".into()),
        status: Status::Closed,
        assignee: Assignee {
            inbox_id: InboxId("i".into()),
            agent_id: None,
        },
        topic_ids: Vec::new(),
        channels: vec![Channel::Sms],
        created_at: DateTime::UNIX_EPOCH,
        closed_at: None,
        updated_at: DateTime::UNIX_EPOCH,
        last_activity_at: None,
        customer_waiting_since: None,
        reopen_count: 0,
        version: 1,
    }
}

/// Item `it{n}`: an inbound SMS, in conversation `conv` (or none).
pub fn item(n: usize, conv: Option<&str>) -> Arc<TimelineItem> {
    with_content(
        n,
        conv,
        ItemContent::Sms {
            content: format!("hello {n}"),
            direction: Direction::Inbound,
        },
    )
}

/// Item `it{n}`: the conversation's status changed to `status`.
pub fn status_item(n: usize, conv: &str, status: Status) -> Arc<TimelineItem> {
    with_content(n, Some(conv), ItemContent::ConversationStatusChange { status })
}

fn with_content(n: usize, conv: Option<&str>, content: ItemContent) -> Arc<TimelineItem> {
    Arc::new(TimelineItem {
        id: ItemId::from(format!("it{n}")),
        customer_id: CustomerId("c".into()),
        conversation_id: conv.map(|c| ConversationId(c.into())),
        timestamp: DateTime::UNIX_EPOCH,
        initiator: Initiator::Customer,
        content,
    })
}

pub fn customer(id: &str) -> Customer {
    Customer {
        id: CustomerId::from(id),
        name: "Ana".into(),
        image: None,
        address: None,
        emails: Vec::new(),
        phones: Vec::new(),
        handles: Vec::new(),
        external_customer_ids: Default::default(),
        custom_attributes: Default::default(),
        created_at: DateTime::UNIX_EPOCH,
    }
}
