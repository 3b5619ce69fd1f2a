//! Waiting lists over the API (parcours_app::waiting_list).

use super::ApiJson;
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::extract::Id;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use parcours_app::waiting_list;
use parcours_store::referral::{Referral, WaitingLine};
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
pub struct PriorityBody {
    /// Higher goes first; 0 by default.
    priority: i64,
}

/// The cadre (or the chargé de mission) moves a waiting person up or down the action's waiting list.
#[utoipa::path(post, path = "/api/v1/referrals/{id}/priority", tag = "positionnements", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = PriorityBody,
    responses((status = 200, body = Referral), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn priority(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
    ApiJson(b): ApiJson<PriorityBody>,
) -> Result<Json<Referral>, ApiError> {
    Ok(Json(
        waiting_list::prioritise(&state, &me, id, b.priority).await?,
    ))
}

/// The people of the caller's scope on a waiting list, with their rank (the cadre; every list for the chargé de mission).
#[utoipa::path(get, path = "/api/v1/waiting-lists", tag = "positionnements", security(("bearer" = [])),
    responses((status = 200, body = [WaitingLine]), (status = 403, body = ErrorBody)))]
pub async fn waiting_lists(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
) -> Result<Json<Vec<WaitingLine>>, ApiError> {
    Ok(Json(waiting_list::waiting(&state, &me).await?))
}
