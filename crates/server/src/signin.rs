//! The sign-in endpoints of a server with accounts (`/v1/session`, `/v1/me`…), and who every
//! other request comes from. Only a server has accounts: the demo and a server without any are
//! trials, where these paths do not exist (404 tells the app so).

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use rapport_service::extract::{header_text, parse_json, says_json};
use rapport_service::{ApiError, ApiResult, Caller, Method, Request, Response};
use serde::Deserialize;
use serde_json::json;

use rapport_core::access::{Principal, Role};
use rapport_core::AgentId;

use crate::accounts::{Account, Accounts, Refused, Via, MIN_PASSWORD};
use crate::state::AppState;

/// Who `request` comes from, or the 401 that says to sign in. `inbound`: a delivery on the
/// signed webhook, which the service checks itself.
pub fn caller(accounts: &Accounts, request: &Request, inbound: bool, now: DateTime<Utc>) -> ApiResult<Caller> {
    if inbound {
        return Ok(Caller::Integration);
    }
    let (account, via) = authenticate(accounts, request, now)?;
    match header_text(request, "x-on-behalf-of")?.map(str::trim) {
        None => Ok(Caller::Signed(account.principal())),
        Some(agent) => on_behalf(accounts, &account, via, &AgentId::from(agent)).map(Caller::Signed),
    }
}

/// An admin's integration acting for `agent` (`X-On-Behalf-Of`): only with a token made for it,
/// only for an active account; the agent's own rights apply, and the audit names both.
fn on_behalf(accounts: &Accounts, admin: &Account, via: Via, agent: &AgentId) -> ApiResult<Principal> {
    let refuse = |detail: String| ApiError::forbidden(Some("X-On-Behalf-Of"), detail);
    if via != (Via::Token { on_behalf: true }) || admin.role != Role::Admin {
        return Err(refuse(
            "Only an administrator's token made to act on behalf of agents may send X-On-Behalf-Of.".into(),
        ));
    }
    match accounts.account_of(agent).map_err(ApiError::internal)? {
        Some(target) if target.active => Ok(target.principal().acted_for_by(admin.agent_id.clone())),
        _ => Err(refuse(format!(
            "There is no active account for agent `{agent}` to act for."
        ))),
    }
}

/// The credential of the `Authorization` header, without its scheme ("" when none).
fn credential_of(request: &Request) -> ApiResult<String> {
    Ok(header_text(request, "authorization")?
        .and_then(|h| h.split_once(' ').map(|(_, c)| c.trim().to_owned()))
        .unwrap_or_default())
}

fn authenticate(accounts: &Accounts, request: &Request, now: DateTime<Utc>) -> ApiResult<(Account, Via)> {
    let header = header_text(request, "authorization")?;
    accounts.authenticate(header, now).map_err(refusal)
}

fn refusal(refused: Refused) -> ApiError {
    let (code, detail) = match refused {
        Refused::Missing => (
            "sign_in_required",
            "Sign in: this server needs a signed-in agent or a valid token.",
        ),
        Refused::Expired => ("session_expired", "Your session ended: sign in again."),
        Refused::Wrong => (
            "bad_credentials",
            "That email and password do not match an active account.",
        ),
        Refused::Wait(_) => (
            "too_many_attempts",
            "Too many failed sign-ins: wait before trying again.",
        ),
        Refused::Storage(e) => return ApiError::internal(e),
    };
    ApiError {
        status: 401,
        code,
        attr: Some("Authorization".into()),
        detail: detail.into(),
    }
}

/// The sign-in endpoints, when `request` is for one of them (another method on their paths goes
/// on to the service, which answers 405 with `Allow`).
pub fn route(
    state: &AppState,
    accounts: &Accounts,
    request: &Request,
    peer: IpAddr,
    now: DateTime<Utc>,
) -> Option<Response> {
    let path = request.path.trim_end_matches('/');
    let method = request.method;
    let answer = match (method, path) {
        (Method::Post, "/v1/session") => sign_in(state, accounts, request, peer, now),
        (Method::Delete, "/v1/session") => signed(accounts, request, now, |a, _| {
            let credential = credential_of(request)?;
            accounts.sign_out(&credential).map_err(ApiError::internal)?;
            drop(a);
            Ok(no_content())
        }),
        (Method::Delete, "/v1/sessions") => signed(accounts, request, now, |a, _| {
            accounts.sign_out_everywhere(&a.email).map_err(ApiError::internal)?;
            Ok(no_content())
        }),
        (Method::Get | Method::Head, "/v1/me") => signed(accounts, request, now, |a, via| Ok(me(state, &a, via))),
        (Method::Post, "/v1/me/password") => {
            signed(accounts, request, now, |a, _| change_password(accounts, request, &a))
        }
        (Method::Get | Method::Head, "/v1/me/tokens") => signed(accounts, request, now, |a, _| {
            let list = accounts.tokens(&a.email).map_err(ApiError::internal)?;
            Ok(Response::json(200, &json!({ "tokens": list })))
        }),
        (Method::Post, "/v1/me/tokens") => signed(accounts, request, now, |a, _| {
            let body: NewToken = body(request)?;
            let name = body.name.trim();
            if name.is_empty() || name.chars().count() > 100 {
                return Err(ApiError::invalid(
                    Some("name"),
                    "Name the token (1 to 100 characters), so you know what uses it.",
                ));
            }
            if body.on_behalf && a.role != Role::Admin {
                return Err(ApiError::forbidden(
                    Some("onBehalf"),
                    "Only an administrator makes tokens that act on behalf of other agents.",
                ));
            }
            let (info, token) = accounts
                .create_token(&a.email, name, body.on_behalf, now)
                .map_err(ApiError::internal)?;
            Ok(Response::json(
                201,
                &json!({ "id": info.id, "name": info.name, "createdAt": info.created_at,
                         "onBehalf": info.on_behalf, "token": token }),
            ))
        }),
        (Method::Delete, p) if p.starts_with("/v1/me/tokens/") => signed(accounts, request, now, |a, _| {
            let id = p.trim_start_matches("/v1/me/tokens/");
            match accounts.revoke_token(&a.email, id).map_err(ApiError::internal)? {
                true => Ok(no_content()),
                false => Err(ApiError {
                    status: 404,
                    code: "not_found",
                    attr: Some("tokenId".into()),
                    detail: "You have no such token.".into(),
                }),
            }
        }),
        (Method::Get | Method::Head, "/v1/accounts") => admin(accounts, request, now, |_| {
            let list: Vec<serde_json::Value> = accounts
                .list()
                .map_err(ApiError::internal)?
                .iter()
                .map(account_json)
                .collect();
            Ok(Response::json(200, &json!({ "accounts": list })))
        }),
        (Method::Post, "/v1/accounts") => admin(accounts, request, now, |_| invite(state, accounts, request)),
        (Method::Patch, p) if p.starts_with("/v1/accounts/") => admin(accounts, request, now, |me| {
            let email = percent_decode(p.trim_start_matches("/v1/accounts/"));
            let body: AccountChange = body(request)?;
            if email.eq_ignore_ascii_case(&me.email) && !body.active {
                return Err(ApiError::invalid(
                    Some("active"),
                    "You cannot deactivate your own account.",
                ));
            }
            accounts.set_active(&email, body.active).map_err(|e| ApiError {
                status: 404,
                code: "not_found",
                attr: Some("email".into()),
                detail: format!("{e}."),
            })?;
            let account = account_now(accounts, &email)?;
            Ok(Response::json(200, &account_json(&account)))
        }),
        _ => return None,
    };
    Some(
        answer
            .unwrap_or_else(ApiError::into_response)
            .with_header("cache-control", "no-store".to_owned()),
    )
}

fn signed(
    accounts: &Accounts,
    request: &Request,
    now: DateTime<Utc>,
    then: impl FnOnce(Account, Via) -> ApiResult<Response>,
) -> ApiResult<Response> {
    let (account, via) = authenticate(accounts, request, now)?;
    then(account, via)
}

/// `signed`, for admins only.
fn admin(
    accounts: &Accounts,
    request: &Request,
    now: DateTime<Utc>,
    then: impl FnOnce(Account) -> ApiResult<Response>,
) -> ApiResult<Response> {
    signed(accounts, request, now, |account, _| {
        if account.role != Role::Admin {
            return Err(ApiError::forbidden(None, "Only an administrator manages accounts."));
        }
        then(account)
    })
}

/// The account just written (it is there: a write just found or made it).
fn account_now(accounts: &Accounts, email: &str) -> ApiResult<Account> {
    match accounts.account(email).map_err(ApiError::internal)? {
        Some((account, _)) => Ok(account),
        None => Err(ApiError::internal(format!(
            "the account {email} is not there after a write"
        ))),
    }
}

fn account_json(a: &Account) -> serde_json::Value {
    json!({ "email": a.email, "agentId": a.agent_id, "role": a.role, "active": a.active })
}

fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NewAccount {
    email: String,
    agent_id: rapport_core::AgentId,
    #[serde(default = "agent_role")]
    role: Role,
}

fn agent_role() -> Role {
    Role::Agent
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountChange {
    active: bool,
}

/// An admin invites an agent of the directory: the answer holds their first password, once.
fn invite(state: &AppState, accounts: &Accounts, request: &Request) -> ApiResult<Response> {
    let new: NewAccount = body(request)?;
    if state.read(|s| s.agent(&new.agent_id).is_err()) {
        return Err(ApiError::invalid(
            Some("agentId"),
            format!("There is no agent `{}`.", new.agent_id),
        ));
    }
    let password = accounts
        .create(&new.email, &new.agent_id, new.role)
        .map_err(|e| ApiError {
            status: 409,
            code: "conflict",
            attr: Some("email".into()),
            detail: format!("Cannot create it: {e}."),
        })?;
    let account = account_now(accounts, new.email.trim())?;
    let mut answer = account_json(&account);
    answer["password"] = json!(password);
    Ok(Response::json(201, &answer))
}

fn body<T: serde::de::DeserializeOwned>(request: &Request) -> ApiResult<T> {
    if !says_json(request) {
        return Err(ApiError::not_json());
    }
    parse_json(&request.body)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Credentials {
    email: String,
    password: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewToken {
    name: String,
    #[serde(default)]
    on_behalf: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PasswordChange {
    current_password: String,
    new_password: String,
}

fn sign_in(
    state: &AppState,
    accounts: &Accounts,
    request: &Request,
    peer: IpAddr,
    now: DateTime<Utc>,
) -> ApiResult<Response> {
    let c: Credentials = body(request)?;
    match accounts.sign_in(&c.email, &c.password, peer, now) {
        Ok(s) => {
            let mut answer = who(state, &s.account);
            answer["token"] = json!(s.token);
            answer["expiresAt"] = json!(s.expires_at);
            Ok(Response::json(201, &answer))
        }
        Err(Refused::Wait(wait)) => {
            // Rounded up: a client that waits what it is told is never early.
            let seconds = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
            Ok(ApiError {
                status: 429,
                code: "too_many_attempts",
                attr: None,
                detail: format!("Too many failed sign-ins: try again in {seconds} s."),
            }
            .into_response()
            .with_header("retry-after", seconds.to_string()))
        }
        Err(e) => Err(refusal(e)),
    }
}

fn change_password(accounts: &Accounts, request: &Request, account: &Account) -> ApiResult<Response> {
    let c: PasswordChange = body(request)?;
    if c.new_password.chars().count() < MIN_PASSWORD {
        return Err(ApiError::invalid(
            Some("newPassword"),
            format!("Choose a password of at least {MIN_PASSWORD} characters."),
        ));
    }
    let credential = credential_of(request)?;
    match accounts.change_password(&account.email, &c.current_password, &c.new_password, &credential) {
        Ok(()) => Ok(no_content()),
        Err(Refused::Wrong) => Err(ApiError {
            status: 403,
            code: "forbidden",
            attr: Some("currentPassword".into()),
            detail: "The current password is not right.".into(),
        }),
        Err(e) => Err(refusal(e)),
    }
}

fn me(state: &AppState, account: &Account, via: Via) -> Response {
    let mut answer = who(state, account);
    answer["via"] = json!(match via {
        Via::Session => "session",
        Via::Token { .. } => "token",
    });
    Response::json(200, &answer)
}

/// The account as the app shows it: the agent of the directory, the role, the inboxes seen.
fn who(state: &AppState, account: &Account) -> serde_json::Value {
    let principal = account.principal();
    state.read(|store| {
        json!({
            "agentId": account.agent_id,
            "agent": store.agent(&account.agent_id).ok(),
            "email": account.email,
            "role": account.role,
            "inboxIds": principal.inboxes(store),
        })
    })
}

fn no_content() -> Response {
    Response {
        status: 204,
        headers: Vec::new(),
        body: Vec::new(),
    }
}
