//! The diagnostic over the API: the same use cases, permissions and
//! validation as the page (parcours_app::diagnostic).

use super::ApiJson;
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::extract::Id;
use crate::extract::Query;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use parcours_app::diagnostic;
use parcours_domain::declared_situation::DeclaredSituation;
use parcours_domain::diagnostic::DiagnosticData;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct DiagnosticBody {
    version: i64,
    /// The day the diagnostic was made (YYYY-MM-DD).
    revised_on: time::Date,
    created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    created_at: time::OffsetDateTime,
    /// Without health content unless the caller may see it.
    #[schema(value_type = Object)]
    data: DiagnosticData,
}

/// What the person declared when applying for the RSA (the flux
/// instruction's socio-professional data, codes as the CAF writes them),
/// `null` when no file said it. Read as the diagnostic is: the same people,
/// without health content unless the caller may see it; the read audited.
#[utoipa::path(get, path = "/api/v1/persons/{id}/declared-situation", tag = "diagnostic", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = Option<DeclaredSituation>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn declared_situation(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
) -> Result<Json<Option<DeclaredSituation>>, ApiError> {
    let declared =
        diagnostic::declared_situation(&state, &me, id, "situation déclarée (API)").await?;
    Ok(Json(declared))
}

/// Every revision of a person's diagnostic, newest first (read audited).
#[utoipa::path(get, path = "/api/v1/persons/{id}/diagnostic", tag = "diagnostic", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = [DiagnosticBody]), (status = 403, body = ErrorBody)))]
pub async fn revisions(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
) -> Result<Json<Vec<DiagnosticBody>>, ApiError> {
    let diagnostic = diagnostic::open(&state, &me, id, "diagnostic (API)").await?;
    Ok(Json(
        diagnostic
            .revisions
            .into_iter()
            .map(|r| DiagnosticBody {
                version: r.version,
                revised_on: r.revised_on,
                created_by: r.created_by,
                created_at: r.created_at,
                data: r.data,
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct NewRevisionBody {
    /// The latest version the caller saw (0 for the first diagnostic).
    version: i64,
    /// The day the diagnostic was made, YYYY-MM-DD: today when empty;
    /// earlier to catch up a paper file, never in the future nor before the
    /// previous revision.
    #[serde(default)]
    revised_on: String,
    #[schema(value_type = Object)]
    data: DiagnosticInput,
}

#[derive(Deserialize)]
pub struct BarrierInput {
    category: String,
    label: String,
    /// 1 légère, 2 modérée, 3 forte
    severity: String,
}

/// A resource (atout) of the taxonomy's checklist: a driving licence, a smartphone.
#[derive(Deserialize)]
pub struct ResourceInput {
    category: String,
    label: String,
}

#[derive(Deserialize, Default)]
pub struct DiagnosticInput {
    #[serde(default)]
    barriers: Vec<BarrierInput>,
    #[serde(default)]
    resources: Vec<ResourceInput>,
    #[serde(flatten)]
    texts: std::collections::HashMap<String, String>,
}

#[derive(Serialize, ToSchema)]
pub struct VersionBody {
    version: i64,
}

/// Saves a new revision of the diagnostic (409 if another was saved meanwhile).
#[utoipa::path(post, path = "/api/v1/persons/{id}/diagnostic", tag = "diagnostic", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body = NewRevisionBody, responses((status = 201, body = VersionBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn save(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
    ApiJson(body): ApiJson<NewRevisionBody>,
) -> Result<(StatusCode, Json<VersionBody>), ApiError> {
    // The same parsing as the form: barriers as "category|label" pairs, texts by name.
    let mut pairs: Vec<(String, String)> = Vec::new();
    for barrier in &body.data.barriers {
        pairs.push((
            "frein".into(),
            format!("{}|{}", barrier.category, barrier.label),
        ));
        pairs.push((
            format!("gravite|{}|{}", barrier.category, barrier.label),
            barrier.severity.clone(),
        ));
    }
    for resource in &body.data.resources {
        pairs.push((
            "atout".into(),
            format!("{}|{}", resource.category, resource.label),
        ));
    }
    pairs.extend(body.data.texts);
    let version = diagnostic::save(&state, &me, id, body.version, &pairs, &body.revised_on).await?;
    Ok((StatusCode::CREATED, Json(VersionBody { version })))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CompareParams {
    from: i64,
    to: i64,
}

/// What changed between two revisions, in French sentences.
#[utoipa::path(get, path = "/api/v1/persons/{id}/diagnostic/changes", tag = "diagnostic", security(("bearer" = [])),
    params(("id" = Uuid, Path), CompareParams), responses((status = 200, body = [String]), (status = 404, body = ErrorBody)))]
pub async fn changes(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
    Query(p): Query<CompareParams>,
) -> Result<Json<Vec<String>>, ApiError> {
    Ok(Json(
        diagnostic::changes(&state, &me, id, p.from, p.to).await?,
    ))
}
