//! Diagnostic and contracts over the API: the same use cases, permissions
//! and validation as the pages.

use super::ApiJson;
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody, Failure};
use crate::extract::Id;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use parcours_app::contract::{self, ObjectiveReview};
use parcours_domain::contract::{ContractInput, Event};
use parcours_domain::Invalid;
use parcours_store::contract::{Contract, ContractObjective, EventDetails};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct ContractBody {
    contract: Contract,
    objectives: Vec<ContractObjective>,
}

impl From<contract::ContractFile> for ContractBody {
    fn from(file: contract::ContractFile) -> Self {
        ContractBody {
            contract: file.contract,
            objectives: file.objectives,
        }
    }
}

/// A contract a write returned, with its objectives.
async fn body(state: &AppState, contract: Contract) -> Result<ContractBody, Failure> {
    let objectives = contract::objectives_of(state, &contract).await?;
    Ok(ContractBody {
        contract,
        objectives,
    })
}

/// Drafts a contract for the person (their référent or cadre).
#[utoipa::path(post, path = "/api/v1/persons/{id}/contracts", tag = "contrats", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body = ContractInput, responses((status = 201, body = ContractBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
    ApiJson(input): ApiJson<ContractInput>,
) -> Result<(StatusCode, Json<ContractBody>), ApiError> {
    let contract = contract::create(&state, &me, id, &input).await?;
    Ok((StatusCode::CREATED, Json(body(&state, contract).await?)))
}

/// The person's contracts, newest first (anyone who may open the file; the read is audited).
#[utoipa::path(get, path = "/api/v1/persons/{id}/contracts", tag = "contrats", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = [Contract]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn of_person(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
) -> Result<Json<Vec<Contract>>, ApiError> {
    Ok(Json(
        contract::of_person(&state, &me, id, "contrats (API)").await?,
    ))
}

/// One contract with its objectives.
#[utoipa::path(get, path = "/api/v1/contracts/{id}", tag = "contrats", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = ContractBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
) -> Result<Json<ContractBody>, ApiError> {
    Ok(Json(
        contract::open(&state, &me, id, "contrat (API)")
            .await?
            .into(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct ContractChangeBody {
    version: i64,
    contract: ContractInput,
}

/// Replaces a draft's content.
#[utoipa::path(put, path = "/api/v1/contracts/{id}", tag = "contrats", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body = ContractChangeBody, responses((status = 200, body = ContractBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
    ApiJson(b): ApiJson<ContractChangeBody>,
) -> Result<Json<ContractBody>, ApiError> {
    let contract = contract::update(&state, &me, id, b.version, &b.contract).await?;
    Ok(Json(body(&state, contract).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct EventBody {
    version: i64,
    /// signer, soumettre, valider, refuser, demarrer, terminer, renouveler, bilan
    event: String,
    /// YYYY-MM-DD; today when empty.
    #[serde(default)]
    on: String,
    #[serde(default)]
    rejection_reason: Option<String>,
    /// For `bilan`: one entry per objective, in order: reached, partly, not_reached.
    #[serde(default)]
    results: Vec<String>,
    #[serde(default)]
    comments: Vec<String>,
    #[serde(default)]
    review_comment: Option<String>,
}

/// Moves the contract along its lifecycle; illegal moves are refused (422).
#[utoipa::path(post, path = "/api/v1/contracts/{id}/events", tag = "contrats", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body = EventBody, responses((status = 200, body = ContractBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn event(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
    ApiJson(b): ApiJson<EventBody>,
) -> Result<Json<ContractBody>, ApiError> {
    let event =
        Event::from_code(&b.event).ok_or_else(|| Invalid::field("event", "Action inconnue."))?;
    let contract = if event == Event::Review {
        let reviews: Vec<ObjectiveReview> = b
            .results
            .iter()
            .enumerate()
            .map(|(i, result)| ObjectiveReview {
                result: result.clone(),
                comment: b.comments.get(i).cloned().unwrap_or_default(),
            })
            .collect();
        let comment = b.review_comment.unwrap_or_default();
        contract::review(&state, &me, id, b.version, &b.on, &reviews, &comment).await?
    } else {
        let details = EventDetails {
            rejection_reason: b.rejection_reason,
            ..EventDetails::default()
        };
        contract::apply_event(&state, &me, id, b.version, event, &b.on, &details).await?
    };
    Ok(Json(body(&state, contract).await?))
}

/// Contracts awaiting the cadre's validation.
#[utoipa::path(get, path = "/api/v1/contracts/pending", tag = "contrats", security(("bearer" = [])),
    responses((status = 200, body = [parcours_store::contract::ContractToValidate]), (status = 403, body = ErrorBody)))]
pub async fn pending(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
) -> Result<Json<Vec<parcours_store::contract::ContractToValidate>>, ApiError> {
    Ok(Json(contract::to_validate(&state, &me).await?))
}
