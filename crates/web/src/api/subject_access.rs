//! The right of access export over the API: the same use case and
//! permissions as the page (`parcours_app::subject_access`).

use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::extract::Id;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use parcours_app::subject_access;
use parcours_store::subject_access::SubjectAccess;

/// Everything held about the person (right of access): identity, household,
/// revisions, orientations, référents, diagnostics, contracts,
/// positionings with attendance, appointments and FSE+ answers, import
/// changes, and who read or changed the file. The DPO for any person; the
/// référent and the cadre within their scope. The export is audited.
#[utoipa::path(get, path = "/api/v1/persons/{id}/export", tag = "personnes", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = SubjectAccess), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
) -> Result<Json<SubjectAccess>, ApiError> {
    Ok(Json(subject_access::export(&state, &me, id).await?))
}
