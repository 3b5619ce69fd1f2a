//! Person files and the pathway around them over the API: same use cases,
//! permissions and validation as the pages (`parcours_app::person`,
//! `orientation`, `deadline`).

use super::ApiJson;
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody, Failure};
use crate::extract::Id;
use crate::extract::Query;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use parcours_app::person::{self, Created, PersonSearch};
use parcours_domain::nir;
use parcours_domain::person::{HouseholdInput, PersonInput, RsaSituation};
use parcours_store::deadline::StoredClock;
use parcours_store::orientation::{Assignment, Orientation};
use parcours_store::person::{Household, Person, PersonSummary};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Name or first name, whole or beginning, accents and case ignored.
    name: Option<String>,
    /// YYYY-MM-DD
    birth_date: Option<String>,
    nir: Option<String>,
    caf_number: Option<String>,
    include_closed: Option<bool>,
}

/// People matching the criteria, within the caller's scope.
#[utoipa::path(get, path = "/api/v1/persons", tag = "personnes", security(("bearer" = [])), params(SearchParams),
    responses((status = 200, body = [PersonSummary]), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Query(p): Query<SearchParams>,
) -> Result<Json<Vec<PersonSummary>>, ApiError> {
    let criteria = PersonSearch {
        name: p.name.unwrap_or_default(),
        birth_date: p.birth_date.unwrap_or_default(),
        nir: p.nir.unwrap_or_default(),
        caf_number: p.caf_number.unwrap_or_default(),
        include_closed: p.include_closed.unwrap_or(false),
    };
    let found = person::search(&state, &me, &criteria)
        .await
        .map_err(|failure| match failure {
            // The API names the birth date in English.
            Failure::Invalid(mut invalid) => {
                for e in &mut invalid.errors {
                    if e.field == "naissance" {
                        e.field = "birth_date".into();
                    }
                }
                Failure::Invalid(invalid)
            }
            other => other,
        })?;
    Ok(Json(found))
}

#[derive(Deserialize, ToSchema)]
pub struct NewPersonBody {
    /// Join an existing household…
    household_id: Option<Uuid>,
    /// …or describe it (joined when its numéro de demande is known). Neither
    /// for a person outside the RSA (`person.situation`).
    household: Option<HouseholdInput>,
    person: PersonInput,
    /// Create even though possible duplicates exist.
    #[serde(default)]
    confirm_duplicate: bool,
}

#[derive(Serialize, ToSchema)]
pub struct DuplicatesBody {
    error: crate::error::ErrorDetail,
    /// The files the caller may open.
    duplicates: Vec<PersonSummary>,
    /// For each file the caller may not open, only the organisation to ask.
    elsewhere: Vec<String>,
}

/// Creates a person file. 409 with the possible duplicates unless `confirm_duplicate`.
#[utoipa::path(post, path = "/api/v1/persons", tag = "personnes", security(("bearer" = [])), request_body = NewPersonBody,
    responses((status = 201, body = Person), (status = 404, body = ErrorBody, description = "No household `household_id`."),
        (status = 409, body = DuplicatesBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    ApiJson(body): ApiJson<NewPersonBody>,
) -> Result<Response, ApiError> {
    let household = body.household.unwrap_or_default();
    match person::create_person(
        &state,
        &me,
        body.household_id,
        &household,
        &body.person,
        body.confirm_duplicate,
    )
    .await?
    {
        Created::Person(person) => Ok((StatusCode::CREATED, Json(*person)).into_response()),
        Created::Duplicates(duplicates) => {
            let error = crate::error::ErrorDetail {
                code: "possible_duplicate".into(),
                message: "Des dossiers existent déjà pour cette personne (même NIR, ou mêmes nom, prénom et date de naissance). Renvoyez avec confirm_duplicate = true pour créer quand même.".into(),
                fields: Vec::new(),
                request_id: None,
            };
            let body = DuplicatesBody {
                error,
                duplicates: duplicates.visible,
                elsewhere: duplicates.elsewhere,
            };
            Ok((StatusCode::CONFLICT, Json(body)).into_response())
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PersonDetailBody {
    person: Person,
    /// rsa, or outside the RSA (other_minimum_income, other_precarity).
    situation: RsaSituation,
    /// None for a person outside the RSA.
    household: Option<Household>,
    clocks: Vec<StoredClock>,
    orientations: Vec<Orientation>,
    referents: Vec<Assignment>,
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ShowParams {
    /// `true` to receive the whole NIR (the read is then audited as such);
    /// otherwise it comes masked, as on screen.
    #[serde(default)]
    reveal_nir: bool,
}

/// One person file with its household, clocks, orientations and référents.
/// The NIR comes masked unless `reveal_nir`. The read is audited.
#[utoipa::path(get, path = "/api/v1/persons/{id}", tag = "personnes", security(("bearer" = [])),
    params(("id" = Uuid, Path), ShowParams),
    responses((status = 200, body = PersonDetailBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
    Query(params): Query<ShowParams>,
) -> Result<Json<PersonDetailBody>, ApiError> {
    let what = match params.reveal_nir {
        true => "dossier (API), NIR affiché",
        false => "dossier (API)",
    };
    let mut file = person::read_file(&state, &me, id, what).await?;
    if !params.reveal_nir {
        file.person.nir = file.person.nir.as_deref().map(nir::mask);
    }
    Ok(Json(PersonDetailBody {
        situation: file.person.situation(),
        person: file.person,
        household: file.household,
        clocks: file.clocks,
        orientations: file.orientations,
        referents: file.assignments,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct PersonChangeBody {
    version: i64,
    person: PersonInput,
}

/// Rectifies a person file (409 when it changed since `version`).
#[utoipa::path(put, path = "/api/v1/persons/{id}", tag = "personnes", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body = PersonChangeBody, responses((status = 200, body = Person), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
    ApiJson(body): ApiJson<PersonChangeBody>,
) -> Result<Json<Person>, ApiError> {
    Ok(Json(
        person::update_person(&state, &me, id, body.version, &body.person).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct ClosureBody {
    version: i64,
    /// YYYY-MM-DD
    closed_on: String,
    /// rsa_closed, moved, end_of_duties, deceased, other
    closure_reason: String,
}

/// Closes a person file (exit from the scheme).
#[utoipa::path(post, path = "/api/v1/persons/{id}/closure", tag = "personnes", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body = ClosureBody, responses((status = 200, body = Person), (status = 422, body = ErrorBody)))]
pub async fn close(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
    ApiJson(body): ApiJson<ClosureBody>,
) -> Result<Json<Person>, ApiError> {
    Ok(Json(
        person::close_person(
            &state,
            &me,
            id,
            body.version,
            &body.closed_on,
            &body.closure_reason,
        )
        .await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct MergeBody {
    /// Version of the kept file ({id}).
    version: i64,
    duplicate_id: Uuid,
    duplicate_version: i64,
}

/// Merges a duplicate into this file (cadre): its pathway moves over, the duplicate is closed as merged.
#[utoipa::path(post, path = "/api/v1/persons/{id}/merge", tag = "personnes", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body = MergeBody, responses((status = 200, body = Person), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn merge(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
    ApiJson(body): ApiJson<MergeBody>,
) -> Result<Json<Person>, ApiError> {
    Ok(Json(
        person::merge(
            &state,
            &me,
            (id, body.version),
            (body.duplicate_id, body.duplicate_version),
        )
        .await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct HouseholdChangeBody {
    version: i64,
    household: HouseholdInput,
}

/// Rectifies the household of this person (numbers, RSA state and its date); 422 outside the RSA.
#[utoipa::path(put, path = "/api/v1/persons/{id}/household", tag = "personnes", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body = HouseholdChangeBody, responses((status = 200, body = Household), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_household(
    State(state): State<AppState>,
    ApiUser(me): ApiUser,
    Id(id): Id,
    ApiJson(body): ApiJson<HouseholdChangeBody>,
) -> Result<Json<Household>, ApiError> {
    Ok(Json(
        person::update_household(&state, &me, id, body.version, &body.household).await?,
    ))
}
