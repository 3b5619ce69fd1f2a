//! Accounts, tokens and reference lists over the API.

use super::ApiJson;
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::extract::Id;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use parcours_app::{account, Failure};
use parcours_domain::account::{AccountChangeInput, NewUserInput, PasswordChangeInput};
use parcours_store::account::Account;
use parcours_store::organisation::{Organisation, Territory};
use parcours_store::token::ApiToken;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Serialize, ToSchema)]
pub struct UserBody {
    id: Uuid,
    email: String,
    display_name: String,
    phone: Option<String>,
    role: parcours_domain::Role,
    organisation_id: Uuid,
    organisation_name: String,
    territory_id: Option<Uuid>,
    disabled: bool,
    /// The password was set by an administrator: the holder changes it at
    /// their next login.
    must_change_password: bool,
    /// Off: the account signs in through an identity provider only.
    password_login: bool,
    /// Send it back with a change: a stale version is refused (409).
    version: i64,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    updated_at: OffsetDateTime,
}

impl From<Account> for UserBody {
    fn from(u: Account) -> Self {
        UserBody {
            id: u.id,
            email: u.email,
            display_name: u.display_name,
            phone: u.phone,
            role: u.role,
            organisation_id: u.organisation_id,
            organisation_name: u.organisation_name,
            territory_id: u.territory_id,
            disabled: u.disabled,
            must_change_password: u.must_change_password,
            password_login: u.password_login,
            version: u.version,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct NewUserBody {
    email: String,
    display_name: String,
    role: String,
    organisation_id: String,
    #[serde(default)]
    territory_id: Option<String>,
    password: String,
}

#[derive(Deserialize, ToSchema)]
pub struct UserChangeBody {
    version: i64,
    display_name: String,
    /// A work phone, shown with the référent's name on the person's page.
    #[serde(default)]
    phone: Option<String>,
    role: String,
    organisation_id: String,
    #[serde(default)]
    territory_id: Option<String>,
    disabled: bool,
    /// Optional new password (12 characters at least).
    #[serde(default)]
    new_password: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TokenBody {
    id: Uuid,
    user_id: Uuid,
    name: String,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    last_used_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    revoked_at: Option<OffsetDateTime>,
    /// After this instant the token no longer opens the API.
    #[serde(with = "time::serde::rfc3339::option")]
    expires_at: Option<OffsetDateTime>,
}

impl From<ApiToken> for TokenBody {
    fn from(t: ApiToken) -> Self {
        TokenBody {
            id: t.id,
            user_id: t.user_id,
            name: t.name,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            revoked_at: t.revoked_at,
            expires_at: t.expires_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct NewTokenBody {
    name: String,
    /// Days of validity, 1 to 1095 (a year when left out).
    #[serde(default)]
    valid_days: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedTokenBody {
    token: TokenBody,
    /// The bearer secret, returned once and never again.
    secret: String,
}

#[derive(Serialize, ToSchema)]
pub struct OrganisationBody {
    id: Uuid,
    name: String,
    kind: parcours_domain::organisation::OrganisationKind,
    territory_id: Option<Uuid>,
}

impl From<Organisation> for OrganisationBody {
    fn from(o: Organisation) -> Self {
        OrganisationBody {
            id: o.id,
            name: o.name,
            kind: o.kind,
            territory_id: o.territory_id,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TerritoryBody {
    id: Uuid,
    code: String,
    name: String,
}

impl From<Territory> for TerritoryBody {
    fn from(t: Territory) -> Self {
        TerritoryBody {
            id: t.id,
            code: t.code,
            name: t.name,
        }
    }
}

/// The caller's own account.
#[utoipa::path(get, path = "/api/v1/me", tag = "comptes", security(("bearer" = [])),
    responses((status = 200, body = UserBody), (status = 401, body = ErrorBody)))]
pub async fn me(ApiUser(me): ApiUser) -> Json<UserBody> {
    Json(me.user.into())
}

/// All accounts (administrateur).
#[utoipa::path(get, path = "/api/v1/users", tag = "comptes", security(("bearer" = [])),
    responses((status = 200, body = [UserBody]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
) -> Result<Json<Vec<UserBody>>, ApiError> {
    Ok(Json(
        account::list(&state, &me)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// Creates an account (administrateur); its password is temporary.
#[utoipa::path(post, path = "/api/v1/users", tag = "comptes", security(("bearer" = [])), request_body = NewUserBody,
    responses((status = 201, body = UserBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiJson(body): ApiJson<NewUserBody>,
) -> Result<(StatusCode, Json<UserBody>), ApiError> {
    let input = NewUserInput {
        email: body.email,
        display_name: body.display_name,
        role: body.role,
        organisation_id: body.organisation_id,
        territory_id: body.territory_id.unwrap_or_default(),
        password: body.password,
    };
    let user = account::create(&state, &me, &input, true).await?;
    Ok((StatusCode::CREATED, Json(user.into())))
}

/// One account (administrateur).
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "comptes", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = UserBody), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
) -> Result<Json<UserBody>, ApiError> {
    Ok(Json(account::show(&state, &me, id).await?.into()))
}

/// Changes an account: name, role, organisation, territory, disabled, password
/// (administrateur). A new password is temporary and ends the account's sessions.
#[utoipa::path(put, path = "/api/v1/users/{id}", tag = "comptes", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = UserChangeBody,
    responses((status = 200, body = UserBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
    ApiJson(body): ApiJson<UserChangeBody>,
) -> Result<Json<UserBody>, ApiError> {
    let input = AccountChangeInput {
        display_name: body.display_name,
        phone: body.phone.unwrap_or_default(),
        role: body.role,
        organisation_id: body.organisation_id,
        territory_id: body.territory_id.unwrap_or_default(),
        disabled: body.disabled,
    };
    let password = body.new_password.unwrap_or_default();
    let user = account::update(&state, &me, id, body.version, &input, &password).await?;
    Ok(Json(user.into()))
}

/// Ends every web session of an account; its API tokens stay (administrateur).
#[utoipa::path(delete, path = "/api/v1/users/{id}/sessions", tag = "comptes", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn end_sessions(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
) -> Result<StatusCode, ApiError> {
    account::end_sessions(&state, &me, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Changes the caller's own password, given the current one; every web
/// session of the account ends.
#[utoipa::path(put, path = "/api/v1/me/password", tag = "comptes", security(("bearer" = [])),
    request_body = PasswordChangeInput,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn change_password(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiJson(body): ApiJson<PasswordChangeInput>,
) -> Result<StatusCode, ApiError> {
    account::change_own_password(&state, &me, &body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An account's API tokens (administrateur).
#[utoipa::path(get, path = "/api/v1/users/{id}/tokens", tag = "jetons", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = [TokenBody])))]
pub async fn tokens(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
) -> Result<Json<Vec<TokenBody>>, ApiError> {
    Ok(Json(
        account::tokens(&state, &me, id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// Issues a token for an account; the secret is in this response only (administrateur).
#[utoipa::path(post, path = "/api/v1/users/{id}/tokens", tag = "jetons", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = NewTokenBody,
    responses((status = 201, body = CreatedTokenBody), (status = 422, body = ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
    ApiJson(body): ApiJson<NewTokenBody>,
) -> Result<(StatusCode, Json<CreatedTokenBody>), ApiError> {
    let days = body.valid_days.map(|d| d.to_string()).unwrap_or_default();
    let (token, secret) = account::create_token(&state, &me, id, &body.name, &days).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedTokenBody {
            token: token.into(),
            secret,
        }),
    ))
}

/// Revokes a token (administrateur).
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "jetons", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
) -> Result<StatusCode, ApiError> {
    let token = account::revoke_token(&state, &me, id).await?;
    // Over the API, a token revoked earlier is no longer there to revoke.
    if token.revoked_at.is_some() {
        return Err(Failure::NotFound.into());
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Organisations (administrateur, chargé de mission, DPO).
#[utoipa::path(get, path = "/api/v1/organisations", tag = "référentiels", security(("bearer" = [])),
    responses((status = 200, body = [OrganisationBody])))]
pub async fn organisations(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
) -> Result<Json<Vec<OrganisationBody>>, ApiError> {
    Ok(Json(
        account::organisations(&state, &me)
            .await?
            .iter()
            .cloned()
            .map(Into::into)
            .collect(),
    ))
}

/// Territories (administrateur, chargé de mission, DPO).
#[utoipa::path(get, path = "/api/v1/territories", tag = "référentiels", security(("bearer" = [])),
    responses((status = 200, body = [TerritoryBody])))]
pub async fn territories(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
) -> Result<Json<Vec<TerritoryBody>>, ApiError> {
    Ok(Json(
        account::territories(&state, &me)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}
