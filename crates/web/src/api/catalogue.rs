//! The catalogue over the API: the same use cases, permissions and
//! validation as the pages (parcours_app::catalogue, data_inclusion).

use super::ApiJson;
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Id, Query};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use parcours_app::catalogue::{self, ActionList, PublicSearch};
use parcours_domain::catalogue::{
    ActionInput, FundingInput, PracticalInput, SessionInput, StructureInput,
};
use parcours_store::catalogue::{
    Action, ActionSummary, Family, FamilySummary, Funding, ProgrammeLine, Session, Structure,
    StructureSummary,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct ActionPage {
    total: i64,
    actions: Vec<ActionSummary>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CatalogueParams {
    /// Words of the name, description, structure or commune.
    #[serde(default)]
    q: String,
    /// A thématique (`categorie--sous-thematique`) or a whole category.
    #[serde(default)]
    thematique: String,
    /// INSEE code of the commune.
    #[serde(default)]
    commune: String,
    /// data·inclusion public.
    #[serde(default)]
    public: String,
    /// individual, collective
    #[serde(default)]
    format: String,
    /// Any value: only actions with places available.
    #[serde(default)]
    places: String,
    #[serde(default)]
    page: Option<i64>,
}

const API_PAGE: i64 = 50;

/// The public catalogue: published, current actions (any signed-in caller).
#[utoipa::path(get, path = "/api/v1/catalogue", tag = "catalogue", security(("bearer" = [])), params(CatalogueParams),
    responses((status = 200, body = ActionPage), (status = 401, body = ErrorBody)))]
pub async fn catalogue(
    State(state): State<AppState>,
    ApiUser(_me): ApiUser,
    Query(p): Query<CatalogueParams>,
) -> Result<Json<ActionPage>, ApiError> {
    let search = PublicSearch {
        text: p.q,
        thematique: p.thematique,
        commune: p.commune,
        public: p.public,
        format: p.format,
        with_places: !p.places.is_empty(),
        limit: API_PAGE,
        page: p.page.unwrap_or(1),
    };
    let (actions, total) = catalogue::search_public(&state, &search).await?;
    Ok(Json(ActionPage { total, actions }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ActionListParams {
    #[serde(default)]
    q: String,
    /// draft, published, archived
    #[serde(default)]
    status: String,
    #[serde(default)]
    family: String,
    #[serde(default)]
    page: Option<i64>,
}

/// The back-office list: every action for the chargé de mission, the
/// structure's for an opérateur, published ones for everyone else.
#[utoipa::path(get, path = "/api/v1/actions", tag = "catalogue", security(("bearer" = [])), params(ActionListParams),
    responses((status = 200, body = ActionPage), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Query(p): Query<ActionListParams>,
) -> Result<Json<ActionPage>, ApiError> {
    let list = ActionList {
        text: p.q,
        status: p.status,
        family: p.family,
        limit: API_PAGE,
        page: p.page.unwrap_or(1),
    };
    let (actions, total) = catalogue::list_actions(&state, &me, &list).await?;
    Ok(Json(ActionPage { total, actions }))
}

/// Creates an action, as a draft (chargé de mission).
#[utoipa::path(post, path = "/api/v1/actions", tag = "catalogue", security(("bearer" = [])), request_body = ActionInput,
    responses((status = 201, body = Action), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiJson(input): ApiJson<ActionInput>,
) -> Result<(StatusCode, Json<Action>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(catalogue::create_action(&state, &me, &input).await?),
    ))
}

/// One action: published ones for everyone, the others for the chargé de mission and the structure.
#[utoipa::path(get, path = "/api/v1/actions/{id}", tag = "catalogue", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = Action), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
) -> Result<Json<Action>, ApiError> {
    Ok(Json(catalogue::readable_action(&state, &me, id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct ActionChange {
    version: i64,
    action: ActionInput,
}

/// Replaces an action's content (chargé de mission; 409 if changed meanwhile).
#[utoipa::path(put, path = "/api/v1/actions/{id}", tag = "catalogue", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = ActionChange,
    responses((status = 200, body = Action), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
    ApiJson(b): ApiJson<ActionChange>,
) -> Result<Json<Action>, ApiError> {
    Ok(Json(
        catalogue::update_action(&state, &me, id, b.version, &b.action).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct PracticalChange {
    version: i64,
    practical: PracticalInput,
}

/// Replaces the schedule, contact and how to apply (chargé de mission or the structure's opérateur).
#[utoipa::path(put, path = "/api/v1/actions/{id}/practical", tag = "catalogue", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = PracticalChange,
    responses((status = 200, body = Action), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn practical(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
    ApiJson(b): ApiJson<PracticalChange>,
) -> Result<Json<Action>, ApiError> {
    Ok(Json(
        catalogue::update_practical(&state, &me, id, b.version, &b.practical).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct StatusChange {
    version: i64,
    #[schema(value_type = parcours_domain::catalogue::ActionStatus)]
    status: String,
}

/// Publishes or archives an action (chargé de mission).
#[utoipa::path(post, path = "/api/v1/actions/{id}/status", tag = "catalogue", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = StatusChange,
    responses((status = 200, body = Action), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn status(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
    ApiJson(b): ApiJson<StatusChange>,
) -> Result<Json<Action>, ApiError> {
    Ok(Json(
        catalogue::set_status(&state, &me, id, b.version, &b.status).await?,
    ))
}

/// An action's funding lines (chargé de mission).
#[utoipa::path(get, path = "/api/v1/actions/{id}/fundings", tag = "catalogue", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = [Funding]), (status = 403, body = ErrorBody)))]
pub async fn fundings(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
) -> Result<Json<Vec<Funding>>, ApiError> {
    Ok(Json(catalogue::fundings(&state, &me, id).await?))
}

/// Adds a funding line (chargé de mission only: never an opérateur).
#[utoipa::path(post, path = "/api/v1/actions/{id}/fundings", tag = "catalogue", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = FundingInput,
    responses((status = 201, body = Funding), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_funding(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
    ApiJson(input): ApiJson<FundingInput>,
) -> Result<(StatusCode, Json<Funding>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(catalogue::add_funding(&state, &me, id, &input).await?),
    ))
}

/// Deletes a funding line.
#[utoipa::path(delete, path = "/api/v1/fundings/{id}", tag = "catalogue", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = Funding), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_funding(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
) -> Result<Json<Funding>, ApiError> {
    Ok(Json(catalogue::delete_funding(&state, &me, id).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SessionParams {
    /// First date (YYYY-MM-DD); today by default.
    #[serde(default)]
    from: String,
}

/// Sessions from a date on (200 at most).
#[utoipa::path(get, path = "/api/v1/actions/{id}/sessions", tag = "catalogue", security(("bearer" = [])), params(("id" = Uuid, Path), SessionParams),
    responses((status = 200, body = [Session]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "`from` is not a date.")))]
pub async fn sessions(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
    Query(p): Query<SessionParams>,
) -> Result<Json<Vec<Session>>, ApiError> {
    Ok(Json(catalogue::sessions(&state, &me, id, &p.from).await?))
}

/// Adds a session by hand (chargé de mission or the structure's opérateur).
#[utoipa::path(post, path = "/api/v1/actions/{id}/sessions", tag = "catalogue", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = SessionInput,
    responses((status = 201, body = Session), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_session(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
    ApiJson(input): ApiJson<SessionInput>,
) -> Result<(StatusCode, Json<Session>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(catalogue::add_session(&state, &me, id, &input).await?),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct CancelBody {
    /// true to cancel, false to restore.
    cancelled: bool,
}

/// Cancels or restores a session.
#[utoipa::path(post, path = "/api/v1/sessions/{id}/cancel", tag = "catalogue", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = CancelBody,
    responses((status = 200, body = Session), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn cancel_session(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
    ApiJson(b): ApiJson<CancelBody>,
) -> Result<Json<Session>, ApiError> {
    Ok(Json(
        catalogue::cancel_session(&state, &me, id, b.cancelled).await?,
    ))
}

/// Partner structures (chargé de mission).
#[utoipa::path(get, path = "/api/v1/structures", tag = "catalogue", security(("bearer" = [])),
    responses((status = 200, body = [StructureSummary]), (status = 403, body = ErrorBody)))]
pub async fn structures(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
) -> Result<Json<Vec<StructureSummary>>, ApiError> {
    Ok(Json(catalogue::structures(&state, &me).await?))
}

/// Creates a partner structure (and the organisation its opérateurs belong to).
#[utoipa::path(post, path = "/api/v1/structures", tag = "catalogue", security(("bearer" = [])), request_body = StructureInput,
    responses((status = 201, body = Structure), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_structure(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiJson(input): ApiJson<StructureInput>,
) -> Result<(StatusCode, Json<Structure>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(catalogue::create_structure(&state, &me, &input).await?),
    ))
}

/// One structure (everyone signed in: it is published with its actions).
#[utoipa::path(get, path = "/api/v1/structures/{id}", tag = "catalogue", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = Structure), (status = 404, body = ErrorBody)))]
pub async fn structure(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
) -> Result<Json<Structure>, ApiError> {
    Ok(Json(catalogue::structure(&state, &me, id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct StructureChange {
    version: i64,
    structure: StructureInput,
}

/// Replaces a structure's details (chargé de mission).
#[utoipa::path(put, path = "/api/v1/structures/{id}", tag = "catalogue", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = StructureChange,
    responses((status = 200, body = Structure), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_structure(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
    ApiJson(b): ApiJson<StructureChange>,
) -> Result<Json<Structure>, ApiError> {
    Ok(Json(
        catalogue::update_structure(&state, &me, id, b.version, &b.structure).await?,
    ))
}

/// The families of actions.
#[utoipa::path(get, path = "/api/v1/action-families", tag = "catalogue", security(("bearer" = [])),
    responses((status = 200, body = [Family]), (status = 401, body = ErrorBody)))]
pub async fn families(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
) -> Result<Json<Vec<Family>>, ApiError> {
    Ok(Json(catalogue::families(&state, &me).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct FamilyBody {
    code: String,
    label: String,
}

/// Adds a family of actions, or renames one (chargé de mission).
#[utoipa::path(post, path = "/api/v1/action-families", tag = "catalogue", security(("bearer" = [])), request_body = FamilyBody,
    responses((status = 200, body = Family), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn save_family(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiJson(b): ApiJson<FamilyBody>,
) -> Result<Json<Family>, ApiError> {
    Ok(Json(
        catalogue::save_family(&state, &me, &b.code, &b.label).await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProgrammeParams {
    /// Funding year; every year when absent.
    year: Option<i64>,
    /// A family's code ("" for the actions without one): only its lines.
    family: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ProgrammeBody {
    families: Vec<FamilySummary>,
    lines: Vec<ProgrammeLine>,
}

/// The programme: totals by family, and every current action with its funding lines of the year (chargé de mission).
#[utoipa::path(get, path = "/api/v1/programme", tag = "catalogue", security(("bearer" = [])), params(ProgrammeParams),
    responses((status = 200, body = ProgrammeBody), (status = 403, body = ErrorBody)))]
pub async fn programme(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Query(p): Query<ProgrammeParams>,
) -> Result<Json<ProgrammeBody>, ApiError> {
    Ok(Json(ProgrammeBody {
        families: catalogue::programme_summary(&state, &me, p.year).await?,
        lines: catalogue::programme_lines(&state, &me, p.year, p.family.as_deref()).await?,
    }))
}
