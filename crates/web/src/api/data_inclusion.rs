//! The catalogue exchanged in data·inclusion v1 over the API
//! (parcours_app::data_inclusion).

use super::ApiJson;
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use parcours_app::data_inclusion;
use parcours_store::data_inclusion::{DiService, DiStructure};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The published catalogue's partner structures, in data·inclusion v1 (any signed-in caller).
#[utoipa::path(get, path = "/api/v1/data-inclusion/structures", tag = "catalogue", security(("bearer" = [])),
    responses((status = 200, description = "Tableau de structures data·inclusion v1", body = [Object]), (status = 401, body = ErrorBody)))]
pub async fn data_inclusion_structures(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
) -> Result<Json<Vec<DiStructure>>, ApiError> {
    let (structures, _) = data_inclusion::export(&state, &me).await?;
    Ok(Json(structures))
}

/// The published, current actions as data·inclusion v1 services (any signed-in caller).
#[utoipa::path(get, path = "/api/v1/data-inclusion/services", tag = "catalogue", security(("bearer" = [])),
    responses((status = 200, description = "Tableau de services data·inclusion v1", body = [Object]), (status = 401, body = ErrorBody)))]
pub async fn data_inclusion_services(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
) -> Result<Json<Vec<DiService>>, ApiError> {
    let (_, services) = data_inclusion::export(&state, &me).await?;
    Ok(Json(services))
}

#[derive(Deserialize, ToSchema)]
pub struct DataInclusionImport {
    /// The content of `structures.json`: an array of data·inclusion v1 structures.
    #[schema(value_type = Vec<Object>)]
    structures: serde_json::Value,
    /// The content of `services.json`: an array of data·inclusion v1 services.
    #[schema(value_type = Vec<Object>)]
    services: serde_json::Value,
}

#[derive(Serialize, ToSchema)]
pub struct ImportReportBody {
    structures_created: usize,
    structures_updated: usize,
    services_created: usize,
    services_updated: usize,
    /// One entry per problem: file, row (from 1), id, field, French message.
    #[schema(value_type = Vec<Object>)]
    rejected: serde_json::Value,
}

/// Imports data·inclusion v1 structures and services (chargé de mission): upsert by id, valid
/// rows kept, each rejected row reported; anything but two arrays is refused whole (422).
#[utoipa::path(post, path = "/api/v1/data-inclusion/import", tag = "catalogue", security(("bearer" = [])), request_body = DataInclusionImport,
    responses((status = 200, body = ImportReportBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn data_inclusion_import(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiJson(body): ApiJson<DataInclusionImport>,
) -> Result<Json<ImportReportBody>, ApiError> {
    let report = data_inclusion::import(
        &state,
        &me,
        &body.structures.to_string(),
        &body.services.to_string(),
    )
    .await?;
    Ok(Json(ImportReportBody {
        structures_created: report.structures_created,
        structures_updated: report.structures_updated,
        services_created: report.services_created,
        services_updated: report.services_updated,
        rejected: serde_json::to_value(&report.rejected).unwrap_or_default(),
    }))
}
