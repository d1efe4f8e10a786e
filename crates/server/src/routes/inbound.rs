//! The customer writes in (a webhook-style entry for channel integrations and simulators).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use rapport_core::{Channel, Command, ConversationId, CustomerId, Outcome, Routing};
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ApiResult};
use crate::extract::JsonBody;
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InboundBody {
    customer_id: CustomerId,
    channel: Channel,
    text: String,
    #[serde(default)]
    subject: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Routed {
    conversation_id: ConversationId,
    routing: Routing,
}

pub async fn inbound(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<InboundBody>,
) -> ApiResult<(StatusCode, Json<Routed>)> {
    let command = Command::Inbound {
        customer_id: body.customer_id,
        channel: body.channel,
        text: body.text,
        subject: body.subject,
    };
    state.write(
        |_| Ok(vec![command]),
        |_, outcomes| match outcomes {
            [Outcome::Conversation {
                conversation_id,
                routing: Some(routing),
            }] => Ok((
                StatusCode::CREATED,
                Json(Routed {
                    conversation_id: conversation_id.clone(),
                    routing: *routing,
                }),
            )),
            _ => Err(ApiError::internal("inbound gave an unexpected outcome")),
        },
    )
}
