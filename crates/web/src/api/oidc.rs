//! Sign-in through identity providers over the API: the requests of
//! partners' staff to join a structure, and who may still use a password
//! (parcours_app::oidc, the same permissions as the pages).

use super::account::UserBody;
use super::ApiJson;
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::extract::Id;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use parcours_app::oidc;
use parcours_domain::oidc::PasswordPolicy;
use parcours_store::oidc::JoinRequest;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The requests to join a structure, those waiting first (chargé de
/// mission, administrateur).
#[utoipa::path(get, path = "/api/v1/join-requests", tag = "comptes", security(("bearer" = [])),
    responses((status = 200, body = [JoinRequest]), (status = 403, body = ErrorBody)))]
pub async fn join_requests(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
) -> Result<Json<Vec<JoinRequest>>, ApiError> {
    Ok(Json(oidc::join_requests(&state, &me).await?))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct DecisionBody {
    /// The version read: a request changed since is refused (409).
    version: i64,
    /// true: an opérateur account of the structure, reached through the
    /// provider only; false: refused.
    accept: bool,
}

/// Accepts or refuses a request to join a structure.
#[utoipa::path(post, path = "/api/v1/join-requests/{id}/decision", tag = "comptes", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = DecisionBody,
    responses((status = 200, body = JoinRequest), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
               (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn decide_join_request(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
    ApiJson(body): ApiJson<DecisionBody>,
) -> Result<Json<JoinRequest>, ApiError> {
    Ok(Json(
        oidc::decide_join_request(&state, &me, id, body.version, body.accept).await?,
    ))
}

#[derive(Serialize, Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct PolicyBody {
    /// tous: every account whose password is on; administrateurs: the
    /// administrators only (the others sign in through a provider).
    policy: String,
}

/// Who may sign in with a password (administrateur).
#[utoipa::path(get, path = "/api/v1/settings/password-policy", tag = "comptes", security(("bearer" = [])),
    responses((status = 200, body = PolicyBody), (status = 403, body = ErrorBody)))]
pub async fn password_policy(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
) -> Result<Json<PolicyBody>, ApiError> {
    let policy = oidc::password_policy(&state, &me).await?;
    Ok(Json(body(policy)))
}

fn body(policy: PasswordPolicy) -> PolicyBody {
    PolicyBody {
        policy: policy.code().to_owned(),
    }
}

/// Sets who may sign in with a password (administrateur); refused while no
/// identity provider is configured.
#[utoipa::path(put, path = "/api/v1/settings/password-policy", tag = "comptes", security(("bearer" = [])),
    request_body = PolicyBody,
    responses((status = 200, body = PolicyBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_password_policy(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiJson(input): ApiJson<PolicyBody>,
) -> Result<Json<PolicyBody>, ApiError> {
    let policy = oidc::set_password_policy(&state, &me, &input.policy).await?;
    Ok(Json(body(policy)))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct PasswordLoginBody {
    /// false: the account signs in through an identity provider only.
    password_login: bool,
}

/// Switches an account's password login on or off (administrateur).
#[utoipa::path(put, path = "/api/v1/users/{id}/password-login", tag = "comptes", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = PasswordLoginBody,
    responses((status = 200, body = UserBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
               (status = 422, body = ErrorBody)))]
pub async fn set_password_login(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
    ApiJson(body): ApiJson<PasswordLoginBody>,
) -> Result<Json<UserBody>, ApiError> {
    let user = oidc::set_password_login(&state, &me, id, body.password_login).await?;
    Ok(Json(user.into()))
}
