//! FSE+ reporting over the API: the operations, their indicators by
//! gender, the participants behind a figure, the data-quality list and the
//! proofs of participation, with the permissions and validation of the
//! pages (parcours_app::fse_report).

use super::oarsa::TableBody;
use super::ApiJson;
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Id, Query};
use crate::view::attachment;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use parcours_app::fse_report;
use parcours_domain::fse_report::{Gap, OperationInput};
use parcours_store::fse_report::{FseOperation, OperationAction};
use parcours_store::steering::SteeringPerson;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The operations the caller reports on: every one for the chargé de
/// mission, their structure's for an opérateur.
#[utoipa::path(get, path = "/api/v1/fse/operations", tag = "fse", security(("bearer" = [])),
    responses((status = 200, body = [FseOperation]), (status = 403, body = ErrorBody)))]
pub async fn fse_operations(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
) -> Result<Json<Vec<FseOperation>>, ApiError> {
    Ok(Json(fse_report::fse_operations(&state, &me).await?))
}

/// Creates an FSE+ operation (chargé de mission).
#[utoipa::path(post, path = "/api/v1/fse/operations", tag = "fse", security(("bearer" = [])),
    request_body = OperationInput,
    responses((status = 201, body = FseOperation), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_fse_operation(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiJson(body): ApiJson<OperationInput>,
) -> Result<(StatusCode, Json<FseOperation>), ApiError> {
    let operation = fse_report::create_fse_operation(&state, &me, &body).await?;
    Ok((StatusCode::CREATED, Json(operation)))
}

#[derive(Deserialize, ToSchema)]
pub struct OperationChange {
    #[serde(default)]
    number: String,
    #[serde(default)]
    title: String,
    /// AAAA-MM-JJ.
    #[serde(default)]
    starts_on: String,
    /// AAAA-MM-JJ.
    #[serde(default)]
    ends_on: String,
    #[serde(default)]
    beneficiary: String,
    /// The version read (optimistic locking).
    version: i64,
}

/// Changes an operation read at `version` (chargé de mission); a new
/// number moves its funding lines with it.
#[utoipa::path(put, path = "/api/v1/fse/operations/{number}", tag = "fse", security(("bearer" = [])),
    params(("number" = String, Path)), request_body = OperationChange,
    responses((status = 200, body = FseOperation), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_fse_operation(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<OperationChange>,
) -> Result<Json<FseOperation>, ApiError> {
    let input = OperationInput {
        number: body.number,
        title: body.title,
        starts_on: body.starts_on,
        ends_on: body.ends_on,
        beneficiary: body.beneficiary,
    };
    let operation =
        fse_report::update_fse_operation(&state, &me, &number, body.version, &input).await?;
    Ok(Json(operation))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodParams {
    /// First day (AAAA-MM-JJ); the operation's start when absent.
    #[serde(default)]
    from: String,
    /// Last day (AAAA-MM-JJ); the operation's end when absent.
    #[serde(default)]
    to: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReportBody {
    operation: FseOperation,
    from: time::Date,
    to: time::Date,
    /// The actions whose FSE+ lines carry the operation's number.
    actions: Vec<OperationAction>,
    /// The indicators by gender: columns total, F, M, X.
    indicators: TableBody,
}

/// An operation's indicators over a period, by gender; an opérateur's
/// counted on their structure's participants only.
#[utoipa::path(get, path = "/api/v1/fse/operations/{number}", tag = "fse", security(("bearer" = [])),
    params(("number" = String, Path), PeriodParams),
    responses((status = 200, body = ReportBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn fse_report(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Path(number): Path<String>,
    Query(period): Query<PeriodParams>,
) -> Result<Json<ReportBody>, ApiError> {
    let report = fse_report::fse_report(&state, &me, &number, &period.from, &period.to).await?;
    Ok(Json(ReportBody {
        indicators: (&report.table).into(),
        operation: report.operation,
        from: report.from,
        to: report.to,
        actions: report.actions,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FigureParams {
    /// An indicator's row code: EECO01 … EECR04, or EECO12-declined…
    row: String,
    /// total, F, M or X.
    column: String,
}

/// The participants a figure counts, by name (audited).
#[utoipa::path(get, path = "/api/v1/fse/operations/{number}/participants", tag = "fse", security(("bearer" = [])),
    params(("number" = String, Path), PeriodParams, FigureParams),
    responses((status = 200, body = [SteeringPerson]), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn fse_participants(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Path(number): Path<String>,
    Query(period): Query<PeriodParams>,
    Query(figure): Query<FigureParams>,
) -> Result<Json<Vec<SteeringPerson>>, ApiError> {
    let (_, _, people) = fse_report::fse_participants(
        &state,
        &me,
        &number,
        (&period.from, &period.to),
        &figure.row,
        &figure.column,
    )
    .await?;
    Ok(Json(people))
}

#[derive(Serialize, ToSchema)]
pub struct QualityBody {
    person: SteeringPerson,
    gaps: Vec<Gap>,
    /// The structures to ask.
    structures: Vec<String>,
}

/// The participants whose data keep them out of a figure (audited).
#[utoipa::path(get, path = "/api/v1/fse/operations/{number}/quality", tag = "fse", security(("bearer" = [])),
    params(("number" = String, Path), PeriodParams),
    responses((status = 200, body = [QualityBody]), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn fse_quality(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Path(number): Path<String>,
    Query(period): Query<PeriodParams>,
) -> Result<Json<Vec<QualityBody>>, ApiError> {
    let (_, lines) =
        fse_report::fse_quality(&state, &me, &number, (&period.from, &period.to)).await?;
    Ok(Json(
        lines
            .into_iter()
            .map(|l| QualityBody {
                person: l.person,
                gaps: l.gaps,
                structures: l.structures,
            })
            .collect(),
    ))
}

/// A PDF document, as its bytes.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub(crate) struct PdfDocument(#[allow(dead_code)] Vec<u8>);

/// A session's sign-in sheet (PDF): the structure's opérateur or the
/// chargé de mission.
#[utoipa::path(get, path = "/api/v1/sessions/{id}/sign-in-sheet", tag = "fse", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path)),
    responses((status = 200, description = "PDF", content_type = "application/pdf", body = PdfDocument), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn sign_in_sheet(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
) -> Result<Response, ApiError> {
    let bytes = fse_report::sign_in_sheet(&state, &me, id).await?;
    Ok(attachment("application/pdf", "emargement.pdf", bytes))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MonthParams {
    /// AAAA-MM; this month when absent.
    #[serde(default)]
    month: String,
}

/// A participant's monthly attendance sheet (PDF).
#[utoipa::path(get, path = "/api/v1/referrals/{id}/monthly-sheet", tag = "fse", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path), MonthParams),
    responses((status = 200, description = "PDF", content_type = "application/pdf", body = PdfDocument), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn monthly_sheet(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
    Query(params): Query<MonthParams>,
) -> Result<Response, ApiError> {
    let bytes = fse_report::monthly_sheet(&state, &me, id, &params.month).await?;
    Ok(attachment("application/pdf", "releve-mensuel.pdf", bytes))
}

/// The FSE+ entry questionnaire of a participant (PDF), to sign: the
/// structure's opérateur only (the answers' read is audited).
#[utoipa::path(get, path = "/api/v1/referrals/{id}/fse/questionnaire", tag = "fse", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path)),
    responses((status = 200, description = "PDF", content_type = "application/pdf", body = PdfDocument), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn entry_questionnaire(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
) -> Result<Response, ApiError> {
    let bytes = fse_report::entry_questionnaire(&state, &me, id).await?;
    Ok(attachment(
        "application/pdf",
        "questionnaire-fse.pdf",
        bytes,
    ))
}
