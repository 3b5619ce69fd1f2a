//! Attendance over the API (parcours_app::attendance).

use super::ApiJson;
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::extract::Id;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use parcours_app::attendance;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A session's attendance sheet: the participants that day and their mark (the structure or the chargé de mission).
#[utoipa::path(get, path = "/api/v1/sessions/{id}/attendance", tag = "positionnements", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = [parcours_store::attendance::SheetLine]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn attendance_sheet(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
) -> Result<Json<Vec<parcours_store::attendance::SheetLine>>, ApiError> {
    Ok(Json(attendance::sheet(&state, &me, id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct Mark {
    referral_id: String,
    #[schema(value_type = parcours_domain::referral::Attendance)]
    status: String,
}

#[derive(Deserialize, ToSchema)]
pub struct AttendanceBody {
    marks: Vec<Mark>,
}

#[derive(Serialize, ToSchema)]
pub struct RecordedBody {
    recorded: usize,
}

/// Records a group's attendance in one go; someone not on the sheet refuses the whole sheet (422).
#[utoipa::path(put, path = "/api/v1/sessions/{id}/attendance", tag = "positionnements", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = AttendanceBody,
    responses((status = 200, body = RecordedBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record_attendance(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
    ApiJson(b): ApiJson<AttendanceBody>,
) -> Result<Json<RecordedBody>, ApiError> {
    let marks: Vec<(String, String)> = b
        .marks
        .into_iter()
        .map(|m| (m.referral_id, m.status))
        .collect();
    let recorded = attendance::record(&state, &me, id, &marks).await?;
    Ok(Json(RecordedBody { recorded }))
}
