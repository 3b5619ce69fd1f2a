//! The caller's notifications over the API: the same use cases as the page
//! (parcours_app::notification); each user reaches their own only.

use super::ApiJson;
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use parcours_app::notification;
use parcours_domain::notification::NotificationKind;
use parcours_store::notification::Notification;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct NotificationList {
    /// How many are not read yet.
    unread: i64,
    /// The newest first (at most 200).
    notifications: Vec<Notification>,
}

/// The caller's notifications, the newest first, with the unread count.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = NotificationList), (status = 401, body = ErrorBody)))]
pub async fn notifications(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
) -> Result<Json<NotificationList>, ApiError> {
    let (notifications, unread) = notification::notifications(&state, &me).await?;
    Ok(Json(NotificationList {
        unread,
        notifications,
    }))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct ReadBody {
    /// The notifications read; none: all of them.
    ids: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Marked {
    /// How many were marked read.
    marked: u64,
}

/// Marks the caller's notifications read (those named, or all).
#[utoipa::path(post, path = "/api/v1/notifications/read", tag = "notifications", security(("bearer" = [])),
    request_body = ReadBody,
    responses((status = 200, body = Marked), (status = 422, body = ErrorBody)))]
pub async fn mark_read(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiJson(body): ApiJson<ReadBody>,
) -> Result<Json<Marked>, ApiError> {
    let marked = notification::mark_read(&state, &me, &body.ids).await?;
    Ok(Json(Marked { marked }))
}

#[derive(Serialize, Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct EmailChoices {
    /// The kinds received in the daily e-mail: auto_positionnement,
    /// place_proposee, entree, refus, sortie, absences, contrat_a_valider, echeance_proche.
    by_email: Vec<String>,
}

fn choices(kinds: &[NotificationKind]) -> EmailChoices {
    EmailChoices {
        by_email: kinds.iter().map(|k| k.code().to_owned()).collect(),
    }
}

/// The kinds the caller receives by e-mail.
#[utoipa::path(get, path = "/api/v1/notifications/email-choices", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = EmailChoices)))]
pub async fn email_choices(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
) -> Result<Json<EmailChoices>, ApiError> {
    Ok(Json(choices(
        &notification::email_choices(&state, &me).await?,
    )))
}

/// Replaces the kinds the caller receives by e-mail (422 when e-mail is not configured).
#[utoipa::path(put, path = "/api/v1/notifications/email-choices", tag = "notifications", security(("bearer" = [])),
    request_body = EmailChoices,
    responses((status = 200, body = EmailChoices), (status = 422, body = ErrorBody)))]
pub async fn set_email_choices(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiJson(body): ApiJson<EmailChoices>,
) -> Result<Json<EmailChoices>, ApiError> {
    Ok(Json(choices(
        &notification::set_email_choices(&state, &me, &body.by_email).await?,
    )))
}
