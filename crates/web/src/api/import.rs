//! Imports over the API (chargé de mission): a CAF/MSA XML or CSV file as
//! the raw request body, imported synchronously; the imports, their
//! changes; the CSV column mappings. Same use cases as the pages
//! (parcours_app::import).

use crate::api::ApiJson;
use crate::auth::{ApiUser, CurrentUser};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Id, Query};
use crate::importing::upload_body;
use crate::AppState;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use parcours_app::import::{self, clean_file_name, FileFormat, Outcome};
use parcours_domain::caf::CsvMapping;
use parcours_store::import::{ImportChange, ImportRecord};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// The routes taking a whole file as their body.
pub fn upload_routes() -> Router<AppState> {
    Router::new()
        .route("/imports/caf", post(import_caf))
        .route("/imports/csv", post(import_csv))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CafQuery {
    /// The file's name, kept with the import (default `flux-caf.xml`).
    #[serde(default)]
    file_name: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CsvQuery {
    /// The name of a saved CSV column mapping.
    #[serde(default)]
    mapping: String,
    /// The file's name, kept with the import (default `import.csv`).
    #[serde(default)]
    file_name: Option<String>,
}

/// A file refused as a whole: nothing of it was imported.
#[derive(Serialize, ToSchema)]
pub struct RefusedBody {
    pub error: RefusedDetail,
}

#[derive(Serialize, ToSchema)]
pub struct RefusedDetail {
    /// `file_refused`
    pub code: String,
    /// French message, with the line when known.
    pub message: String,
    /// The line of the file where the problem is, when known.
    pub line: Option<u64>,
    /// The recorded (failed) import.
    pub import_id: Uuid,
}

/// Streams the body to a temporary file and imports it.
async fn import_body(
    state: &AppState,
    me: &CurrentUser,
    file_name: String,
    format: FileFormat,
    body: Body,
) -> Result<Response, ApiError> {
    let upload = upload_body(body, &state.config.upload_dir).await?;
    Ok(
        match import::import_now(state, me, file_name, format, upload).await? {
            Outcome::Done(record) => (StatusCode::CREATED, Json(record)).into_response(),
            Outcome::Refused { error, record } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(RefusedBody {
                    error: RefusedDetail {
                        code: "file_refused".into(),
                        message: format!("Fichier refusé, rien n'a été importé : {error}"),
                        line: error.line,
                        import_id: record.id,
                    },
                }),
            )
                .into_response(),
        },
    )
}

/// Imports a CAF/MSA XML file (flux bénéficiaires or instruction), sent as the raw body (up to 512 MB),
/// in one transaction: 201 with the import's counts and rejected records; a file refused as a whole
/// (malformed, truncated…) is a 422 naming the line, and nothing of it is imported.
#[utoipa::path(post, path = "/api/v1/imports/caf", tag = "imports", security(("bearer" = [])), params(CafQuery),
    request_body(content = Vec<u8>, content_type = "application/xml", description = "The CAF/MSA XML file"),
    responses((status = 201, body = ImportRecord), (status = 403, body = ErrorBody), (status = 422, body = RefusedBody)))]
pub async fn import_caf(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Query(query): Query<CafQuery>,
    body: Body,
) -> Result<Response, ApiError> {
    let format = import::caf_format(&me)?;
    let file_name = clean_file_name(query.file_name.as_deref().unwrap_or(""), "flux-caf.xml");
    import_body(&state, &me, file_name, format, body).await
}

/// Imports a CSV file of people through a saved column mapping (`mapping`), sent as the raw body:
/// 201 with the import; an unknown mapping is a 422 naming `mapping`; a file refused as a whole
/// (missing column, bad encoding…) is a 422 naming the line.
#[utoipa::path(post, path = "/api/v1/imports/csv", tag = "imports", security(("bearer" = [])), params(CsvQuery),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "The CSV file, headers on the first line"),
    responses((status = 201, body = ImportRecord), (status = 403, body = ErrorBody), (status = 422, body = RefusedBody)))]
pub async fn import_csv(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Query(query): Query<CsvQuery>,
    body: Body,
) -> Result<Response, ApiError> {
    let format = import::csv_format(&state, &me, "mapping", &query.mapping).await?;
    let file_name = clean_file_name(query.file_name.as_deref().unwrap_or(""), "import.csv");
    import_body(&state, &me, file_name, format, body).await
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// How many imports, newest first (default 50, at most 500).
    #[serde(default)]
    limit: Option<i64>,
}

/// The latest imports, newest first, with their counts and reports (chargé de mission).
#[utoipa::path(get, path = "/api/v1/imports", tag = "imports", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, body = Vec<ImportRecord>), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Query(query): Query<ListQuery>,
) -> Result<Json<Vec<ImportRecord>>, ApiError> {
    Ok(Json(
        import::imports(&state, &me, query.limit.unwrap_or(50)).await?,
    ))
}

/// One import: counts, rejected records, warnings, or why the file was refused.
#[utoipa::path(get, path = "/api/v1/imports/{id}", tag = "imports", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = ImportRecord), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
) -> Result<Json<ImportRecord>, ApiError> {
    Ok(Json(import::import(&state, &me, id).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// new_entrant, left_duties, identity, address, household_moved, rsa_state or household; all when absent.
    #[serde(default)]
    kind: Option<String>,
    /// At most this many (default 10 000).
    #[serde(default)]
    limit: Option<i64>,
}

/// What an import changed, of one kind or all, by dossier: new entrants (an orientation to decide),
/// exits from droits et devoirs, identity, address, household and RSA state changes.
#[utoipa::path(get, path = "/api/v1/imports/{id}/changes", tag = "imports", security(("bearer" = [])), params(("id" = Uuid, Path), ChangesQuery),
    responses((status = 200, body = Vec<ImportChange>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn changes(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
    Query(query): Query<ChangesQuery>,
) -> Result<Json<Vec<ImportChange>>, ApiError> {
    let kind = query.kind.filter(|k| !k.is_empty());
    let limit = query.limit.unwrap_or(10_000);
    Ok(Json(
        import::changes(&state, &me, id, kind.as_deref(), limit).await?,
    ))
}

/// The saved CSV column mappings (chargé de mission).
#[utoipa::path(get, path = "/api/v1/csv-mappings", tag = "imports", security(("bearer" = [])),
    responses((status = 200, body = Vec<CsvMapping>), (status = 403, body = ErrorBody)))]
pub async fn mappings(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
) -> Result<Json<Vec<CsvMapping>>, ApiError> {
    Ok(Json(import::mappings(&state, &me).await?))
}

/// A CSV column mapping, without its name (given by the path).
#[derive(Deserialize, ToSchema)]
pub struct MappingBody {
    /// `;`, `,`, `|` or `\t`.
    #[serde(default)]
    pub delimiter: String,
    /// Field code → column header: rsa_number, last_name, first_names, birth_date and sex are required.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
}

/// Creates or replaces the CSV column mapping of this name; 422 naming each wrong field.
#[utoipa::path(put, path = "/api/v1/csv-mappings/{name}", tag = "imports", security(("bearer" = [])), params(("name" = String, Path)),
    request_body = MappingBody,
    responses((status = 200, body = CsvMapping), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn save(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<MappingBody>,
) -> Result<Json<CsvMapping>, ApiError> {
    let mapping = CsvMapping {
        name,
        delimiter: body.delimiter,
        columns: body.columns,
    };
    Ok(Json(import::save_mapping(&state, &me, mapping).await?))
}
