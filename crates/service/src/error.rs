//! The one error body of the API, `{"errors":[{attr?, code, detail}]}` (Gladly's shape), and the
//! mapping from domain refusals to HTTP statuses.

use rapport_core::CoreError;
use serde::Serialize;

use crate::wire::Response;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
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
            status: 400,
            code: "invalid",
            attr: attr.map(str::to_owned),
            detail: detail.into(),
        }
    }

    pub fn no_route() -> Self {
        ApiError {
            status: 404,
            code: "not_found",
            attr: None,
            detail: "There is no such API endpoint.".into(),
        }
    }

    pub fn method_not_allowed() -> Self {
        ApiError {
            status: 405,
            code: "invalid",
            attr: None,
            detail: "This endpoint does not support that method.".into(),
        }
    }

    pub fn too_large() -> Self {
        ApiError {
            status: 413,
            code: "invalid",
            attr: None,
            detail: "The request body is too large.".into(),
        }
    }

    /// A body that does not say it is JSON. Browsers send a cross-site form or a plain `fetch`
    /// without asking first only with a few content types, none of them JSON: so a page an agent
    /// happens to visit cannot write here in their name.
    pub fn not_json() -> Self {
        ApiError {
            status: 415,
            code: "unsupported_media_type",
            attr: Some("Content-Type".into()),
            detail: "Send the body as JSON, with Content-Type: application/json.".into(),
        }
    }

    pub fn unauthorized() -> Self {
        ApiError {
            status: 401,
            code: "unauthorized",
            attr: Some("Authorization".into()),
            detail: "Sign in again: the access token is missing or wrong.".into(),
        }
    }

    /// 403 `forbidden`: who is signed in may not do this; `detail` says why.
    pub fn forbidden(attr: Option<&str>, detail: impl Into<String>) -> Self {
        ApiError {
            status: 403,
            code: "forbidden",
            attr: attr.map(str::to_owned),
            detail: detail.into(),
        }
    }

    /// Something broke on our side (storage). The detail stays generic; the cause goes to stderr.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        eprintln!("rapport: internal error: {cause}");
        ApiError {
            status: 500,
            code: "internal",
            attr: None,
            detail: "The server could not save or read data. Try again in a moment.".into(),
        }
    }

    pub fn into_response(self) -> Response {
        let body = ErrorBody {
            errors: [ErrorEntry {
                attr: self.attr.as_deref(),
                code: self.code,
                detail: &self.detail,
            }],
        };
        let response = Response::json(self.status, &body);
        if self.status == 401 {
            response.with_header("www-authenticate", "Bearer".to_owned())
        } else {
            response
        }
    }
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        let status = match &e {
            CoreError::NotFound { .. } => 404,
            CoreError::Forbidden(_) => 403,
            CoreError::Conflict { .. }
            | CoreError::AlreadyOpen
            | CoreError::ChangedSince(_)
            | CoreError::StillAssigned { .. }
            | CoreError::Taken { .. } => 409,
            _ => 422,
        };
        let attr = match &e {
            CoreError::NotFound { kind, .. } => Some(format!("{kind}Id")),
            CoreError::Conflict { .. } => Some("If-Match".to_owned()),
            CoreError::TopicDisabled(_) | CoreError::TopicsRequired => Some("topicIds".to_owned()),
            CoreError::NoContactForChannel(_) | CoreError::ChannelNotReplyable(_) => Some("channel".to_owned()),
            CoreError::TooLong { field, .. } | CoreError::Taken { field, .. } => Some((*field).to_owned()),
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

pub type ApiResult<T> = Result<T, ApiError>;
