//! The one error body of the API, `{"errors":[{attr?, code, detail}]}` (Gladly's shape), and the
//! mapping from domain refusals to HTTP statuses.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rapport_core::CoreError;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    /// The request field (or header) the error is about, when there is one.
    pub attr: Option<String>,
    pub detail: String,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    errors: [ErrorEntry<'a>; 1],
}

#[derive(Serialize)]
struct ErrorEntry<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    attr: Option<&'a str>,
    code: &'a str,
    detail: &'a str,
}

impl ApiError {
    /// A malformed request: 400 `invalid`.
    pub fn invalid(attr: Option<&str>, detail: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "invalid",
            attr: attr.map(str::to_owned),
            detail: detail.into(),
        }
    }

    pub fn no_route() -> Self {
        ApiError {
            status: StatusCode::NOT_FOUND,
            code: "not_found",
            attr: None,
            detail: "There is no such API endpoint.".into(),
        }
    }

    pub fn method_not_allowed() -> Self {
        ApiError {
            status: StatusCode::METHOD_NOT_ALLOWED,
            code: "invalid",
            attr: None,
            detail: "This endpoint does not support that method.".into(),
        }
    }

    pub fn unauthorized() -> Self {
        ApiError {
            status: StatusCode::UNAUTHORIZED,
            code: "unauthorized",
            attr: Some("Authorization".into()),
            detail: "Sign in again: the access token is missing or wrong.".into(),
        }
    }

    /// Something broke on our side (storage). The detail stays generic; the cause goes to stderr.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        eprintln!("rapport-server: internal error: {cause}");
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "internal",
            attr: None,
            detail: "The server could not save or read data. Try again in a moment.".into(),
        }
    }
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        let status = match &e {
            CoreError::NotFound { .. } => StatusCode::NOT_FOUND,
            CoreError::Conflict { .. } | CoreError::AlreadyOpen => StatusCode::CONFLICT,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        };
        let attr = match &e {
            CoreError::NotFound { kind, .. } => Some(format!("{kind}Id")),
            CoreError::Conflict { .. } => Some("If-Match".to_owned()),
            CoreError::TopicDisabled(_) | CoreError::TopicsRequired => Some("topicIds".to_owned()),
            CoreError::NoContactForChannel(_) | CoreError::ChannelNotReplyable(_) => Some("channel".to_owned()),
            _ => None,
        };
        ApiError {
            status,
            code: e.code(),
            attr,
            detail: e.to_string(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            errors: [ErrorEntry {
                attr: self.attr.as_deref(),
                code: self.code,
                detail: &self.detail,
            }],
        };
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
