//! The référent's appointments over the API: the same use cases,
//! permissions and validation as the pages (parcours_app::meeting).

use super::fse_report::PdfDocument;
use super::ApiJson;
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Id, Query};
use crate::view::attachment;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use parcours_app::meeting::{self, AgendaRequest};
use parcours_app::outbox;
use parcours_domain::meeting::{BatchInput, MeetingInput};
use parcours_domain::outbox::DeliveryReport;
use parcours_store::meeting::Meeting;
use parcours_store::outbox::Message;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The person's appointments with their référent, the latest first (read
/// audited): the person's référent and cadre, and before a référent the
/// organisation's orientation agents.
#[utoipa::path(get, path = "/api/v1/persons/{id}/appointments", tag = "appointments", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = [Meeting]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn meetings(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
) -> Result<Json<Vec<Meeting>>, ApiError> {
    Ok(Json(meeting::meetings(&state, &me, id).await?))
}

/// Plans an appointment the caller holds with the person: ahead, in Paris
/// time, without overlapping another of the caller's or the person's.
#[utoipa::path(post, path = "/api/v1/persons/{id}/appointments", tag = "appointments", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body = MeetingInput,
    responses((status = 201, body = Meeting), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn plan_meeting(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
    ApiJson(input): ApiJson<MeetingInput>,
) -> Result<(StatusCode, Json<Meeting>), ApiError> {
    let planned = meeting::plan_meeting(&state, &me, id, &input).await?;
    Ok((StatusCode::CREATED, Json(planned)))
}

#[derive(Deserialize, ToSchema)]
pub struct OutcomeBody {
    /// The version read (409 when someone recorded it meanwhile).
    version: i64,
    /// venu, absent, excuse (once its time has come); annule_personne, annule_service (before).
    outcome: String,
}

/// Records what became of an appointment, or cancels it before its time.
#[utoipa::path(post, path = "/api/v1/appointments/{id}/outcome", tag = "appointments", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body = OutcomeBody,
    responses((status = 200, body = Meeting), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record_meeting_outcome(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
    ApiJson(body): ApiJson<OutcomeBody>,
) -> Result<Json<Meeting>, ApiError> {
    Ok(Json(
        meeting::record_meeting_outcome(&state, &me, id, body.version, &body.outcome).await?,
    ))
}

/// The convocation letter (PDF for a window envelope: only the name and
/// the address show through the window). 422 when the person has no postal address.
#[utoipa::path(get, path = "/api/v1/appointments/{id}/letter", tag = "appointments", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, description = "PDF", content_type = "application/pdf", body = PdfDocument), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn convocation_letter(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
) -> Result<Response, ApiError> {
    let bytes = meeting::convocation_letter(&state, &me, id).await?;
    Ok(attachment("application/pdf", "convocation.pdf", bytes))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AgendaParams {
    /// AAAA-Wnn (2026-W50) or a day of the week; this week when absent.
    #[serde(default)]
    week: String,
    /// A colleague's id (a cadre); the whole organisation with `organisation=true`; the caller's own otherwise.
    #[serde(default)]
    holder_id: Option<uuid::Uuid>,
    #[serde(default)]
    organisation: bool,
}

#[derive(Serialize, ToSchema)]
pub struct AgendaBody {
    /// The Monday of the week.
    monday: time::Date,
    /// The week's appointments, in order.
    appointments: Vec<Meeting>,
}

/// A week of appointments: the caller's, their organisation's, or (for a
/// cadre) a colleague's of their organisation. The people named are audited.
#[utoipa::path(get, path = "/api/v1/agenda", tag = "appointments", security(("bearer" = [])), params(AgendaParams),
    responses((status = 200, body = AgendaBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn agenda(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Query(params): Query<AgendaParams>,
) -> Result<Json<AgendaBody>, ApiError> {
    let monday = meeting::week("week", &params.week)?;
    let request = match (params.organisation, params.holder_id) {
        (true, _) => AgendaRequest::Organisation,
        (false, Some(id)) => AgendaRequest::Holder(id),
        (false, None) => AgendaRequest::Mine,
    };
    let agenda = meeting::agenda(&state, &me, monday, request).await?;
    Ok(Json(AgendaBody {
        monday,
        appointments: agenda.days.into_iter().flat_map(|(_, m)| m).collect(),
    }))
}

/// Convokes several people at once, each to the next of `slots`, all held
/// by the caller: all planned (201, in the people's order) or none (422
/// naming the people the caller may not convoke and the slots taken).
#[utoipa::path(post, path = "/api/v1/appointments/batch", tag = "appointments", security(("bearer" = [])),
    request_body = BatchInput,
    responses((status = 201, body = [Meeting]), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn plan_meetings(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiJson(input): ApiJson<BatchInput>,
) -> Result<(StatusCode, Json<Vec<Meeting>>), ApiError> {
    let planned = meeting::plan_meetings(&state, &me, &input).await?;
    Ok((StatusCode::CREATED, Json(planned)))
}

/// The convocations and reminders sent to the person by e-mail or SMS and
/// their delivery state, as whoever sees their appointments.
#[utoipa::path(get, path = "/api/v1/persons/{id}/messages", tag = "appointments", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = [Message]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn messages(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
) -> Result<Json<Vec<Message>>, ApiError> {
    Ok(Json(outbox::messages(&state, &me, id).await?))
}

/// Sends again a message that failed, bounced or whose result is unknown,
/// for an appointment still to come.
#[utoipa::path(post, path = "/api/v1/messages/{id}/resend", tag = "appointments", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = Message), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn resend_message(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
) -> Result<Json<Message>, ApiError> {
    Ok(Json(outbox::resend_message(&state, &me, id).await?))
}

/// A provider's delivery report (delivered, bounced, failed) on a message
/// it accepted, found by the provider's id: for the administrator's
/// integration account.
#[utoipa::path(post, path = "/api/v1/messages/delivery", tag = "appointments", security(("bearer" = [])),
    request_body = DeliveryReport,
    responses((status = 200, body = Message), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn report_delivery(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiJson(report): ApiJson<DeliveryReport>,
) -> Result<Json<Message>, ApiError> {
    Ok(Json(outbox::report_delivery(&state, &me, &report).await?))
}
