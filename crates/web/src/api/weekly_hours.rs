//! The weekly hours of a contrat d'engagement over the API: the same use
//! cases as the person's page and the caseload (parcours_app::weekly_hours).

use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::extract::Id;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use parcours_app::{deadline, weekly_hours};
use parcours_domain::weekly_hours::WeeklyHours;

/// The person's weeks under their contrat d'engagement in force (null
/// without one): hours planned and done, weeks short, the alert. Read as
/// their contracts are.
#[utoipa::path(get, path = "/api/v1/persons/{id}/weekly-hours", tag = "contrats", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = Option<WeeklyHours>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn weekly_hours(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
) -> Result<Json<Option<WeeklyHours>>, ApiError> {
    Ok(Json(weekly_hours::weekly_hours(&state, &me, id).await?))
}

/// The weeks of everyone in the référent's caseload under a contrat d'engagement.
#[utoipa::path(get, path = "/api/v1/caseload/weekly-hours", tag = "orientation", security(("bearer" = [])),
    responses((status = 200, body = [WeeklyHours]), (status = 403, body = ErrorBody)))]
pub async fn of_caseload(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
) -> Result<Json<Vec<WeeklyHours>>, ApiError> {
    let lines =
        deadline::caseload(&state, &me, &Default::default(), deadline::Delivery::Shown).await?;
    let mut weeks: Vec<WeeklyHours> = weekly_hours::of_caseload(&state, &me, &lines)
        .await?
        .into_values()
        .collect();
    weeks.sort_by_key(|w| w.person_id);
    Ok(Json(weeks))
}
