//! The follow-up log over the API: the same use cases, permissions and
//! validation as the person's page (parcours_app::follow_up).

use super::ApiJson;
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::extract::Id;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use parcours_app::follow_up;
use parcours_domain::follow_up::LogEntryInput;
use parcours_store::follow_up::LogEntry;

/// The person's follow-up log, newest first (read audited). The person's
/// référent, their cadre and the chargé de mission read it; the sensitive
/// entries only the référent and the cadre.
#[utoipa::path(get, path = "/api/v1/persons/{id}/log", tag = "follow_up", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = [LogEntry]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn log_entries(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
) -> Result<Json<Vec<LogEntry>>, ApiError> {
    Ok(Json(follow_up::log_entries(&state, &me, id).await?))
}

/// Adds an entry to the person's follow-up log (the référent or the cadre,
/// on an open file). `kind`: entretien, appel, note, document.
#[utoipa::path(post, path = "/api/v1/persons/{id}/log", tag = "follow_up", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body = LogEntryInput,
    responses((status = 201, body = LogEntry), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_log_entry(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
    ApiJson(input): ApiJson<LogEntryInput>,
) -> Result<(StatusCode, Json<LogEntry>), ApiError> {
    let entry = follow_up::add_log_entry(&state, &me, id, &input).await?;
    Ok((StatusCode::CREATED, Json(entry)))
}
