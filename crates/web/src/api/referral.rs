//! Positioning over the API: the same use cases, permissions and
//! validation as the pages (parcours_app::referral, waiting_list, attendance).

use super::ApiJson;
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Id, Query};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use parcours_app::referral;
use parcours_domain::eligibility::Assessment;
use parcours_domain::referral::{ExitReason, ReferralStatus, RefusalReason, Situation};
use parcours_store::referral::{InboxReferral, PersonReferral, Referral};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A person's positionings, newest first (anyone who may open the file; the read is audited).
#[utoipa::path(get, path = "/api/v1/persons/{id}/referrals", tag = "positionnements", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = [PersonReferral]), (status = 403, body = ErrorBody)))]
pub async fn of_person(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
) -> Result<Json<Vec<PersonReferral>>, ApiError> {
    Ok(Json(
        referral::of_person(&state, &me, id, "positionnements (API)").await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EligibilityParams {
    action_id: uuid::Uuid,
}

#[derive(Serialize, ToSchema)]
pub struct EligibilityBody {
    /// verdict (eligible, not_eligible, unknown), outcomes (verdict and reason per rule), uses_margin.
    #[schema(value_type = Object)]
    assessment: Assessment,
}

/// The person's eligibility to an action, rule by rule (their référent or cadre).
#[utoipa::path(get, path = "/api/v1/persons/{id}/eligibility", tag = "positionnements", security(("bearer" = [])), params(("id" = Uuid, Path), EligibilityParams),
    responses((status = 200, body = EligibilityBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn eligibility(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
    Query(p): Query<EligibilityParams>,
) -> Result<Json<EligibilityBody>, ApiError> {
    Ok(Json(EligibilityBody {
        assessment: referral::eligibility(&state, &me, id, p.action_id).await?,
    }))
}

/// One page of the actions to position a person on, best fit first.
#[derive(Serialize, ToSchema)]
pub struct ChoicesBody {
    total: usize,
    page: usize,
    pages: usize,
    actions: Vec<ChoiceBody>,
}

/// An action as the choice weighs it for the person.
#[derive(Serialize, ToSchema)]
pub struct ChoiceBody {
    action_id: Uuid,
    name: String,
    structure_name: String,
    commune_name: Option<String>,
    eligible: bool,
    /// Éligible, À vérifier or Non éligible.
    verdict: String,
    /// Each rule of eligibility with its verdict.
    reasons: Vec<String>,
    /// Why it fits: barriers, objective, territory, availability.
    fit: Vec<String>,
    /// Where the person already stands on it, if anywhere.
    situation: Option<String>,
    next_session: Option<Date>,
    capacity: Option<i64>,
    places_taken: i64,
    waiting: i64,
}

/// The actions to position the person on, ranked and explained, filtered
/// and by pages of 10, as the page shows them (their référent or cadre).
#[utoipa::path(get, path = "/api/v1/persons/{id}/choices", tag = "positionnements", security(("bearer" = [])),
    params(("id" = Uuid, Path),
        ("q" = Option<String>, Query, description = "Mots du nom, de la description ou de la structure"),
        ("thematique" = Option<String>, Query, description = "Thématique ou catégorie data·inclusion"),
        ("objectif" = Option<String>, Query, description = "Objectif du contrat servi (son id)"),
        ("commune" = Option<String>, Query, description = "Code INSEE de la commune de l'action"),
        ("format" = Option<String>, Query, description = "individual ou collective"),
        ("places" = Option<String>, Query, description = "1 : une place maintenant"),
        ("eligibles" = Option<String>, Query, description = "1 : éligible seulement"),
        ("page" = Option<String>, Query, description = "À partir de 1")),
    responses((status = 200, body = ChoicesBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn choose(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
    Query(query): Query<referral::ChoiceQuery>,
) -> Result<Json<ChoicesBody>, ApiError> {
    let choice = referral::choose(&state, &me, id, &query).await?;
    let actions = choice
        .candidates
        .into_iter()
        .map(|c| ChoiceBody {
            action_id: c.action.id,
            name: c.action.name,
            structure_name: c.action.structure_name,
            commune_name: c.action.commune_name,
            eligible: c.eligible,
            verdict: c.verdict_label.to_owned(),
            reasons: c
                .reasons
                .into_iter()
                .map(|(reason, verdict)| format!("{verdict} : {reason}"))
                .collect(),
            fit: c.fit,
            situation: c.situation.map(str::to_owned),
            next_session: c.next_session,
            capacity: c.action.capacity,
            places_taken: c.action.places_taken,
            waiting: c.action.waiting,
        })
        .collect();
    Ok(Json(ChoicesBody {
        total: choice.total,
        page: choice.page,
        pages: choice.pages,
        actions,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct PrescriptionBody {
    action_id: String,
    /// The contract objective the action serves (one of the person's contracts), if any.
    #[serde(default)]
    objective_id: String,
    /// Required when the person is not found eligible; recorded in the audit trail.
    #[serde(default)]
    override_reason: Option<String>,
    /// The day of the positioning, YYYY-MM-DD: today when empty; earlier to
    /// catch up a paper file, never in the future. The entry comes on or after it.
    #[serde(default)]
    positioned_on: String,
}

/// Positions the person on a published action (their référent or cadre).
#[utoipa::path(post, path = "/api/v1/persons/{id}/referrals", tag = "positionnements", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = PrescriptionBody,
    responses((status = 201, body = Referral), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn prescribe(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
    ApiJson(b): ApiJson<PrescriptionBody>,
) -> Result<(StatusCode, Json<Referral>), ApiError> {
    let prescription = referral::prescribe(
        &state,
        &me,
        id,
        &b.action_id,
        &b.objective_id,
        b.override_reason,
        &b.positioned_on,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(prescription.referral)))
}

/// The positionings on the caller's structure's actions (opérateur): identity and contact only.
#[utoipa::path(get, path = "/api/v1/referrals/inbox", tag = "positionnements", security(("bearer" = [])),
    responses((status = 200, body = [InboxReferral]), (status = 403, body = ErrorBody)))]
pub async fn inbox(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
) -> Result<Json<Vec<InboxReferral>>, ApiError> {
    Ok(Json(referral::inbox(&state, &me).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct AcceptBody {
    version: i64,
    /// YYYY-MM-DD; today when empty.
    #[serde(default)]
    entered_on: String,
}

/// Accepts a positioning: entry when a place is free, the waiting list otherwise.
#[utoipa::path(post, path = "/api/v1/referrals/{id}/accept", tag = "positionnements", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = AcceptBody,
    responses((status = 200, body = StructureAnswer), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn accept(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
    ApiJson(b): ApiJson<AcceptBody>,
) -> Result<Json<StructureAnswer>, ApiError> {
    Ok(Json(
        referral::accept(&state, &me, id, b.version, &b.entered_on)
            .await?
            .into(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct RefuseBody {
    version: i64,
    #[schema(value_type = RefusalReason)]
    reason: String,
    /// Required with `other`.
    #[serde(default)]
    comment: String,
}

/// Refuses a positioning with a reason.
#[utoipa::path(post, path = "/api/v1/referrals/{id}/refuse", tag = "positionnements", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = RefuseBody,
    responses((status = 200, body = StructureAnswer), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn refuse(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
    ApiJson(b): ApiJson<RefuseBody>,
) -> Result<Json<StructureAnswer>, ApiError> {
    Ok(Json(
        referral::refuse(&state, &me, id, b.version, &b.reason, &b.comment)
            .await?
            .into(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct OfferAnswerBody {
    version: i64,
    /// true: the person takes the place offered; false: they turn it down.
    accept: bool,
}

/// Records the person's answer to a place offered from the waiting list (the structure).
#[utoipa::path(post, path = "/api/v1/referrals/{id}/offer", tag = "positionnements", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = OfferAnswerBody,
    responses((status = 200, body = StructureAnswer), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn offer(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
    ApiJson(b): ApiJson<OfferAnswerBody>,
) -> Result<Json<StructureAnswer>, ApiError> {
    Ok(Json(
        referral::answer_offer(&state, &me, id, b.version, b.accept)
            .await?
            .into(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct ExitBody {
    version: i64,
    exited_on: String,
    #[schema(value_type = ExitReason)]
    reason: String,
    #[schema(value_type = Situation)]
    situation: String,
}

/// A participant leaves the action; the place goes to the first in line (the structure).
#[utoipa::path(post, path = "/api/v1/referrals/{id}/exit", tag = "positionnements", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = ExitBody,
    responses((status = 200, body = StructureAnswer), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn exit(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
    ApiJson(b): ApiJson<ExitBody>,
) -> Result<Json<StructureAnswer>, ApiError> {
    Ok(Json(
        referral::exit(
            &state,
            &me,
            id,
            b.version,
            &b.exited_on,
            &b.reason,
            &b.situation,
        )
        .await?
        .into(),
    ))
}

/// The people currently in the caller's structure's actions (opérateur).
#[utoipa::path(get, path = "/api/v1/referrals/participants", tag = "positionnements", security(("bearer" = [])),
    responses((status = 200, body = [InboxReferral]), (status = 403, body = ErrorBody)))]
pub async fn participants(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
) -> Result<Json<Vec<InboxReferral>>, ApiError> {
    Ok(Json(referral::participants(&state, &me).await?))
}

/// The caller's structure's exits of the last 90 days whose situation at 4 weeks is to record (opérateur).
#[utoipa::path(get, path = "/api/v1/referrals/exits-to-follow-up", tag = "positionnements", security(("bearer" = [])),
    responses((status = 200, body = [InboxReferral]), (status = 403, body = ErrorBody)))]
pub async fn exits_to_follow_up(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
) -> Result<Json<Vec<InboxReferral>>, ApiError> {
    Ok(Json(referral::exits_to_follow_up(&state, &me).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct SituationBody {
    version: i64,
    #[schema(value_type = Situation)]
    situation: String,
    /// The day the situation was observed, YYYY-MM-DD (today when empty):
    /// between the exit and 4 weeks after it, not in the future. It may be recorded later.
    #[serde(default)]
    situation_4_weeks_on: String,
}

/// Records the situation 4 weeks after the exit (the structure, once the person has left).
#[utoipa::path(post, path = "/api/v1/referrals/{id}/situation-4-weeks", tag = "positionnements", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = SituationBody,
    responses((status = 200, body = StructureAnswer), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn situation_4_weeks(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
    ApiJson(b): ApiJson<SituationBody>,
) -> Result<Json<StructureAnswer>, ApiError> {
    Ok(Json(
        referral::situation_4_weeks(
            &state,
            &me,
            id,
            b.version,
            &b.situation,
            &b.situation_4_weeks_on,
        )
        .await?
        .into(),
    ))
}

/// A positioning as its structure sees it after answering: its state and
/// dates, never the référent's reasons nor the eligibility drawn from the
/// person's file.
#[derive(Serialize, ToSchema)]
pub struct StructureAnswer {
    id: Uuid,
    action_id: Uuid,
    person_id: Uuid,
    status: ReferralStatus,
    positioned_on: Date,
    uses_margin: bool,
    refusal_reason: Option<RefusalReason>,
    refusal_comment: Option<String>,
    entered_on: Option<Date>,
    #[serde(with = "time::serde::rfc3339::option")]
    offer_until: Option<OffsetDateTime>,
    exited_on: Option<Date>,
    exit_reason: Option<ExitReason>,
    exit_situation: Option<Situation>,
    situation_4_weeks: Option<Situation>,
    situation_4_weeks_on: Option<Date>,
    #[serde(with = "time::serde::rfc3339::option")]
    situation_4_weeks_recorded_at: Option<OffsetDateTime>,
    /// Send it back with the next answer: a stale version is refused (409).
    version: i64,
}

impl From<Referral> for StructureAnswer {
    fn from(r: Referral) -> Self {
        StructureAnswer {
            id: r.id,
            action_id: r.action_id,
            person_id: r.person_id,
            status: r.status,
            positioned_on: r.positioned_on,
            uses_margin: r.uses_margin,
            refusal_reason: r.refusal_reason,
            refusal_comment: r.refusal_comment,
            entered_on: r.entered_on,
            offer_until: r.offer_until,
            exited_on: r.exited_on,
            exit_reason: r.exit_reason,
            exit_situation: r.exit_situation,
            situation_4_weeks: r.situation_4_weeks,
            situation_4_weeks_on: r.situation_4_weeks_on,
            situation_4_weeks_recorded_at: r.situation_4_weeks_recorded_at,
            version: r.version,
        }
    }
}
