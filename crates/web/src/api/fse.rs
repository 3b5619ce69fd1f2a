//! FSE+ participant data at entry over the API: the same use case, access
//! rule and validation as the form (parcours_app::fse): the opérateur of
//! the action's structure only; everyone else gets 403.

use super::ApiJson;
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody, Failure};
use crate::extract::Id;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use parcours_app::fse;
use parcours_domain::fse::FseEntryInput;
use parcours_store::fse::FseEntry;
use serde::Deserialize;
use utoipa::ToSchema;

/// A participant's FSE+ data at entry, with the special-category answers
/// (the read is audited). 404 while nothing is recorded; 422 when the
/// positioning takes no FSE+ data (`action_id`: not co-financed, `status`:
/// the person has not entered the action).
#[utoipa::path(get, path = "/api/v1/referrals/{id}/fse", tag = "positionnements", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = FseEntry), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
) -> Result<Json<FseEntry>, ApiError> {
    let entry = fse::entry(&state, &me, id).await?;
    Ok(Json(entry.ok_or(Failure::NotFound)?))
}

/// The documented body of [`save`], which reads it in two steps.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct FseEntryBody {
    /// 0 (or absent) to record for the first time; the version read to correct.
    #[serde(default)]
    version: i64,
    #[serde(flatten)]
    entry: FseEntryInput,
}

/// Records or corrects a participant's FSE+ data at entry (the structure's
/// opérateur). Every answer is required; « declined » is always accepted
/// for the special-category questions (disability, foreign_background,
/// minority); without `gender`, the person file's sex.
#[utoipa::path(put, path = "/api/v1/referrals/{id}/fse", tag = "positionnements", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = FseEntryBody,
    responses((status = 200, body = FseEntry), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn save(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
    ApiJson(mut body): ApiJson<serde_json::Map<String, serde_json::Value>>,
) -> Result<Json<FseEntry>, ApiError> {
    // Read as `FseEntryBody` is documented, `version` beside the flattened
    // answers: the answers alone, so that an unknown field is refused as
    // everywhere else (serde does not report those a flattened struct
    // leaves).
    let version: i64 = match body.remove("version") {
        Some(version) => super::strict(serde_json::json!({ "version": version }))
            .map(|v: VersionOnly| v.version)?,
        None => 0,
    };
    let entry: FseEntryInput = super::strict(serde_json::Value::Object(body))?;
    Ok(Json(
        fse::record(&state, &me, id, version, &entry).await?.entry,
    ))
}

#[derive(Deserialize)]
struct VersionOnly {
    version: i64,
}
