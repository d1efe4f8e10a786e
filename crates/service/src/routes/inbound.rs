//! The customer writes in (a webhook-style entry for channel integrations and simulators).

use rapport_core::{cmd, Channel, Command, ConversationId, CustomerId, Outcome, Routing};
use serde::{Deserialize, Serialize};

use super::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::log::{Entry, Storage};
use crate::wire::Response;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InboundBody {
    customer_id: CustomerId,
    channel: Channel,
    text: String,
    #[serde(default)]
    subject: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Routed<'a> {
    conversation_id: &'a ConversationId,
    routing: Routing,
}

pub fn inbound<S: Storage>(ctx: &mut Ctx<'_, S>, _: &[String]) -> ApiResult<Response> {
    let body: InboundBody = ctx.body()?;
    let command = Command::Inbound(cmd::Inbound {
        customer_id: body.customer_id,
        channel: body.channel,
        text: body.text,
        subject: body.subject,
    });
    ctx.write(
        |_| Ok(vec![Entry::Command(command)]),
        |_, outcomes| match outcomes {
            [Outcome::Conversation {
                conversation_id,
                routing: Some(routing),
            }] => Ok(Response::json(
                201,
                &Routed {
                    conversation_id,
                    routing: *routing,
                },
            )),
            _ => Err(ApiError::internal("inbound gave an unexpected outcome")),
        },
    )
}
