//! Self-referrals over the API: the same use cases, permissions and
//! validation as the pages (parcours_app::self_referral).

use super::ApiJson;
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::extract::Id;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use parcours_app::self_referral::{self, Recorded};
use parcours_domain::eligibility::Assessment;
use parcours_domain::referral::SelfReferralInput;
use parcours_store::referral::Referral;
use parcours_store::self_referral::PendingSelfReferral;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct RecordedBody {
    referral: Referral,
    /// true when no file matched the identity and one was created.
    new_file: bool,
    /// The eligibility recorded, from what was typed (never from a file):
    /// verdict (eligible, not_eligible, unknown), outcomes (verdict and reason per rule), uses_margin.
    #[schema(value_type = Object)]
    eligibility: Assessment,
}

#[derive(Serialize, ToSchema)]
pub struct CheckBody {
    /// verdict (eligible, not_eligible, unknown), outcomes (verdict and reason per rule), uses_margin.
    #[schema(value_type = Object)]
    eligibility: Assessment,
}

/// Checks, without recording anything, a person's eligibility to one of
/// the caller's actions (opérateur), rule by rule: from the identity's birth
/// date and commune and the declared facts (`declared_*`), and the places
/// outside the action's publics used now. No file is looked up.
#[utoipa::path(post, path = "/api/v1/self-referrals/eligibility", tag = "positionnements", security(("bearer" = [])), request_body = SelfReferralInput,
    responses((status = 200, body = CheckBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn check(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiJson(input): ApiJson<SelfReferralInput>,
) -> Result<Json<CheckBody>, ApiError> {
    Ok(Json(CheckBody {
        eligibility: self_referral::check(&state, &me, &input).await?,
    }))
}

/// Records a person who came directly to the caller's structure (opérateur):
/// their file is found by identity (or created), eligibility is checked, and
/// the request waits for validation.
#[utoipa::path(post, path = "/api/v1/self-referrals", tag = "positionnements", security(("bearer" = [])), request_body = SelfReferralInput,
    responses((status = 201, body = RecordedBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiJson(input): ApiJson<SelfReferralInput>,
) -> Result<(StatusCode, Json<RecordedBody>), ApiError> {
    let Recorded {
        referral,
        new_file,
        assessment,
    } = self_referral::record(&state, &me, &input).await?;
    Ok((
        StatusCode::CREATED,
        Json(RecordedBody {
            referral,
            new_file,
            eligibility: assessment,
        }),
    ))
}

/// The requests waiting for the caller's validation: the cadre's (people whose
/// référent works in their organisation) or the chargé de mission's (people without a référent).
#[utoipa::path(get, path = "/api/v1/self-referrals/to-validate", tag = "positionnements", security(("bearer" = [])),
    responses((status = 200, body = [PendingSelfReferral]), (status = 403, body = ErrorBody)))]
pub async fn to_validate(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
) -> Result<Json<Vec<PendingSelfReferral>>, ApiError> {
    Ok(Json(self_referral::to_validate(&state, &me).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct ValidateBody {
    version: i64,
    /// YYYY-MM-DD; today when empty.
    #[serde(default)]
    entered_on: String,
}

/// Validates a request: entry when a place is free, the waiting list otherwise.
#[utoipa::path(post, path = "/api/v1/self-referrals/{id}/validate", tag = "positionnements", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = ValidateBody,
    responses((status = 200, body = Referral), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn validate(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
    ApiJson(b): ApiJson<ValidateBody>,
) -> Result<Json<Referral>, ApiError> {
    Ok(Json(
        self_referral::validate(&state, &me, id, b.version, &b.entered_on).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct RejectBody {
    version: i64,
    /// Why the request is not validated (required).
    #[serde(default)]
    cancel_reason: String,
}

/// Turns a request down, saying why.
#[utoipa::path(post, path = "/api/v1/self-referrals/{id}/reject", tag = "positionnements", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = RejectBody,
    responses((status = 200, body = Referral), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reject(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
    ApiJson(b): ApiJson<RejectBody>,
) -> Result<Json<Referral>, ApiError> {
    Ok(Json(
        self_referral::reject(&state, &me, id, b.version, &b.cancel_reason).await?,
    ))
}
