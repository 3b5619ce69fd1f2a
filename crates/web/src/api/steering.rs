//! Steering over the API: the same figures, permissions and validation as
//! `/pilotage` (parcours_app::steering).

use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::extract::Query;
use crate::AppState;
use axum::extract::{Path, State};
use axum::Json;
use parcours_app::steering;
use parcours_domain::occupation::{OccupationFigures, Participation, OCCUPATION_DEFINITION};
use parcours_domain::steering::{
    DelayCase, DelayReport, OfferFigures, OfferLine, SteeringInput, StockFigures, OFFER_DEFINITION,
    STOCK_DEFINITION,
};
use parcours_store::steering::SteeringPerson;
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct DelaysBody {
    /// The period the delays start in.
    from: Date,
    to: Date,
    /// The day the figures are seen at.
    at: Date,
    /// Entry → first orientation, then notification → first contract.
    reports: Vec<DelayReport>,
}

/// The pathway's two legal delays over a period, month by month, seen at a
/// date; the chargé de mission's département, the cadre's scope.
#[utoipa::path(get, path = "/api/v1/statistics/delays", tag = "pilotage", security(("bearer" = [])),
    params(SteeringInput),
    responses((status = 200, body = DelaysBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn delays(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Query(input): Query<SteeringInput>,
) -> Result<Json<DelaysBody>, ApiError> {
    let delays = steering::delays(&state, &me, &input).await?;
    Ok(Json(DelaysBody {
        from: delays.filter.from,
        to: delays.filter.to,
        at: delays.filter.at,
        reports: delays.reports,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeopleParams {
    /// entres, termines, en_attente, dans_la_cible, dans_le_delai_legal or hors_delai_legal.
    cell: String,
    /// A month's cohort (AAAA-MM); the whole period when absent.
    #[serde(default)]
    month: String,
}

#[derive(Serialize, ToSchema)]
pub struct DelayPersonBody {
    person: SteeringPerson,
    delay: DelayCase,
}

/// The people a figure counts, by name (a read of their files, audited).
#[utoipa::path(get, path = "/api/v1/statistics/delays/{kind}/people", tag = "pilotage", security(("bearer" = [])),
    params(("kind" = String, Path, description = "orientation or contrat"), PeopleParams, SteeringInput),
    responses((status = 200, body = [DelayPersonBody]), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn people(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Path(kind): Path<String>,
    Query(params): Query<PeopleParams>,
    Query(filter): Query<SteeringInput>,
) -> Result<Json<Vec<DelayPersonBody>>, ApiError> {
    let list =
        steering::delay_people(&state, &me, &filter, &kind, &params.cell, &params.month).await?;
    Ok(Json(
        list.people
            .into_iter()
            .map(|(person, delay)| DelayPersonBody { person, delay })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct StockBody {
    /// The day the stock is seen at.
    at: Date,
    /// What each figure counts.
    definition: &'static str,
    figures: StockFigures,
}

/// Who is in droits et devoirs at a date and where they stand: oriented (by
/// kind and by DREES category of the organisation), with a contract in force, without référent, late by clock.
#[utoipa::path(get, path = "/api/v1/statistics/stock", tag = "pilotage", security(("bearer" = [])),
    params(SteeringInput),
    responses((status = 200, body = StockBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn stock(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Query(input): Query<SteeringInput>,
) -> Result<Json<StockBody>, ApiError> {
    let (filter, figures) = steering::stock(&state, &me, &input).await?;
    Ok(Json(StockBody {
        at: filter.at,
        definition: STOCK_DEFINITION,
        figures,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StockPeopleParams {
    /// droits_et_devoirs, orientes, orientes:KIND, orientes_vers:CATEGORY, non_orientes, contrat_en_cours,
    /// sans_referent, retard or retard:CLOCK.
    cell: String,
}

/// The people a figure of the stock counts, by name (audited).
#[utoipa::path(get, path = "/api/v1/statistics/stock/people", tag = "pilotage", security(("bearer" = [])),
    params(StockPeopleParams, SteeringInput),
    responses((status = 200, body = [SteeringPerson]), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn stock_people(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Query(params): Query<StockPeopleParams>,
    Query(filter): Query<SteeringInput>,
) -> Result<Json<Vec<SteeringPerson>>, ApiError> {
    let (_, people) = steering::stock_people(&state, &me, &filter, &params.cell).await?;
    Ok(Json(people))
}

#[derive(Serialize, ToSchema)]
pub struct OfferBody {
    /// What the figures count.
    definition: &'static str,
    figures: OfferFigures,
}

/// What became of the positionings of a period: by status, refusal reason,
/// situation at exit and 4 weeks later, and the wait before entry.
#[utoipa::path(get, path = "/api/v1/statistics/offer", tag = "pilotage", security(("bearer" = [])),
    params(SteeringInput),
    responses((status = 200, body = OfferBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn offer(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Query(input): Query<SteeringInput>,
) -> Result<Json<OfferBody>, ApiError> {
    let figures = steering::offer(&state, &me, &input).await?;
    Ok(Json(OfferBody {
        definition: OFFER_DEFINITION,
        figures,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OfferPeopleParams {
    /// tous, statut:STATUS, refus:REASON, sortie:SITUATION or 4semaines:SITUATION.
    cell: String,
}

#[derive(Serialize, ToSchema)]
pub struct OfferPersonBody {
    person: SteeringPerson,
    positioning: OfferLine,
}

/// The positionings a figure of the offer counts, with their person (audited).
#[utoipa::path(get, path = "/api/v1/statistics/offer/people", tag = "pilotage", security(("bearer" = [])),
    params(OfferPeopleParams, SteeringInput),
    responses((status = 200, body = [OfferPersonBody]), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn offer_people(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Query(params): Query<OfferPeopleParams>,
    Query(filter): Query<SteeringInput>,
) -> Result<Json<Vec<OfferPersonBody>>, ApiError> {
    let (_, listed) = steering::offer_people(&state, &me, &filter, &params.cell).await?;
    Ok(Json(
        listed
            .into_iter()
            .map(|(person, positioning)| OfferPersonBody {
                person,
                positioning,
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct OccupationBody {
    /// The day the figures are seen at.
    at: Date,
    /// What each figure counts.
    definition: &'static str,
    figures: OccupationFigures,
}

/// How full the actions are at a date, by family and by structure: actions,
/// places, participants of the caller's scope, rate.
#[utoipa::path(get, path = "/api/v1/statistics/occupation", tag = "pilotage", security(("bearer" = [])),
    params(SteeringInput),
    responses((status = 200, body = OccupationBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn occupation(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Query(input): Query<SteeringInput>,
) -> Result<Json<OccupationBody>, ApiError> {
    let (filter, figures) = steering::occupation(&state, &me, &input).await?;
    Ok(Json(OccupationBody {
        at: filter.at,
        definition: OCCUPATION_DEFINITION,
        figures,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OccupationPeopleParams {
    /// A row's `cell`: famille:CODE, famille: (without family) or structure:ID.
    cell: String,
}

#[derive(Serialize, ToSchema)]
pub struct ParticipantBody {
    person: SteeringPerson,
    participation: Participation,
}

/// The people inside the actions of one row of the occupation, with the
/// action each is in (audited).
#[utoipa::path(get, path = "/api/v1/statistics/occupation/people", tag = "pilotage", security(("bearer" = [])),
    params(OccupationPeopleParams, SteeringInput),
    responses((status = 200, body = [ParticipantBody]), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn occupation_people(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Query(params): Query<OccupationPeopleParams>,
    Query(filter): Query<SteeringInput>,
) -> Result<Json<Vec<ParticipantBody>>, ApiError> {
    let (_, listed) = steering::occupation_people(&state, &me, &filter, &params.cell).await?;
    Ok(Json(
        listed
            .into_iter()
            .map(|(person, participation)| ParticipantBody {
                person,
                participation,
            })
            .collect(),
    ))
}
