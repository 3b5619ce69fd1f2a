//! A structure's dashboard over the API: the same use case and permission
//! as the page (parcours_app::structure_dashboard).

use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::extract::Id;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use parcours_app::structure_dashboard;
use parcours_store::structure_dashboard::StructureDashboard;

/// A structure's actions (published and draft) with capacity, places taken, occupation, waiting list,
/// positionings to answer and participants, totals, and the sessions of the next 14 days
/// (the structure's opérateurs, or the chargé de mission).
#[utoipa::path(get, path = "/api/v1/structures/{id}/dashboard", tag = "catalogue", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = StructureDashboard), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn dashboard(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
) -> Result<Json<StructureDashboard>, ApiError> {
    Ok(Json(structure_dashboard::dashboard(&state, &me, id).await?))
}
