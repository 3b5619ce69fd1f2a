//! Individual appointments over the API: the same use cases, permission
//! (the action's structure, or the chargé de mission) and validation as the
//! page (parcours_app::appointment). Attendance at an appointment goes
//! through `/sessions/{id}/attendance`, cancellation through `/sessions/{id}/cancel`.

use super::ApiJson;
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::extract::Id;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use parcours_app::appointment;
use parcours_domain::appointment::AppointmentInput;
use parcours_store::appointment::Appointment;

/// A participant's appointments, oldest first, cancelled ones included, with their attendance mark.
#[utoipa::path(get, path = "/api/v1/referrals/{id}/appointments", tag = "positionnements", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = [Appointment]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
) -> Result<Json<Vec<Appointment>>, ApiError> {
    Ok(Json(appointment::list(&state, &me, id).await?.1))
}

/// Fixes an appointment with a participant of an individual action: within the participation
/// (422 on `on_date`), start before end (422 on `ends_at`), the person entered on the action (422 on `referral_id`).
#[utoipa::path(post, path = "/api/v1/referrals/{id}/appointments", tag = "positionnements", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body = AppointmentInput,
    responses((status = 201, body = Appointment), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
    ApiJson(input): ApiJson<AppointmentInput>,
) -> Result<(StatusCode, Json<Appointment>), ApiError> {
    let fixed = appointment::fix(&state, &me, id, &input).await?;
    Ok((StatusCode::CREATED, Json(fixed)))
}
