//! Orientations and référents over the API: the same use cases, permissions
//! and validation as the pages (parcours_app::orientation).

use super::ApiJson;
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::extract::Id;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use parcours_app::orientation;
use parcours_domain::orientation::{DesignationInput, OrientationInput, ReviewInput};
use parcours_store::orientation::{Assignment, Orientation, PendingOrientation};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Records an orientation decision (pending the cadre's validation).
#[utoipa::path(post, path = "/api/v1/persons/{id}/orientations", tag = "orientation", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body = OrientationInput, responses((status = 201, body = Orientation), (status = 422, body = ErrorBody)))]
pub async fn decide(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
    ApiJson(body): ApiJson<OrientationInput>,
) -> Result<(StatusCode, Json<Orientation>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(orientation::decide(&state, &me, id, &body).await?),
    ))
}

/// Designates the référent unique.
#[utoipa::path(post, path = "/api/v1/persons/{id}/referent", tag = "orientation", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body = DesignationInput, responses((status = 201, body = Assignment), (status = 422, body = ErrorBody)))]
pub async fn designate(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
    ApiJson(body): ApiJson<DesignationInput>,
) -> Result<(StatusCode, Json<Assignment>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(orientation::designate(&state, &me, id, &body).await?),
    ))
}

/// Records the joint review of a social pathway.
#[utoipa::path(post, path = "/api/v1/persons/{id}/joint-reviews", tag = "orientation", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body = ReviewInput, responses((status = 204), (status = 422, body = ErrorBody)))]
pub async fn review(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
    ApiJson(body): ApiJson<ReviewInput>,
) -> Result<StatusCode, ApiError> {
    orientation::review(&state, &me, id, &body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The cadre's queue of orientations to validate.
#[utoipa::path(get, path = "/api/v1/orientations/pending", tag = "orientation", security(("bearer" = [])),
    responses((status = 200, body = [PendingOrientation]), (status = 403, body = ErrorBody)))]
pub async fn pending(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
) -> Result<Json<Vec<PendingOrientation>>, ApiError> {
    Ok(Json(orientation::pending(&state, &me).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct ValidationBody {
    ids: Vec<Uuid>,
    /// YYYY-MM-DD
    notified_on: String,
}

#[derive(Serialize, ToSchema)]
pub struct CountBody {
    validated: usize,
}

/// Validates several orientations at once (all or none).
#[utoipa::path(post, path = "/api/v1/orientations/validate", tag = "orientation", security(("bearer" = [])),
    request_body = ValidationBody, responses((status = 200, body = CountBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn validate(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiJson(body): ApiJson<ValidationBody>,
) -> Result<Json<CountBody>, ApiError> {
    let validated = orientation::validate(&state, &me, &body.ids, &body.notified_on).await?;
    Ok(Json(CountBody { validated }))
}

#[derive(Deserialize, ToSchema)]
pub struct RejectionBody {
    rejection_reason: String,
}

/// Refuses a pending orientation, with a reason.
#[utoipa::path(post, path = "/api/v1/orientations/{id}/reject", tag = "orientation", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body = RejectionBody, responses((status = 204), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reject(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
    ApiJson(body): ApiJson<RejectionBody>,
) -> Result<StatusCode, ApiError> {
    orientation::reject(&state, &me, id, &body.rejection_reason).await?;
    Ok(StatusCode::NO_CONTENT)
}
