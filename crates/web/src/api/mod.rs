//! The JSON API under `/api/v1/`: bearer tokens, the same permissions and the
//! same validation as the web pages, described by `/api/v1/openapi.json`.

mod accounts;
mod appointments;
mod audit;
mod catalogue;
mod contracts;
mod fse;
mod imports;
mod persons;
mod referrals;
mod self_referral;
mod structure_dashboard;

use crate::error::{ApiError, ErrorBody, ErrorDetail, Failure, FieldErrorBody};
use crate::AppState;
use axum::extract::{FromRequest, Request};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/me", get(accounts::me))
        .route("/users", get(accounts::list).post(accounts::create))
        .route("/users/{id}", get(accounts::show).put(accounts::update))
        .route(
            "/users/{id}/tokens",
            get(accounts::tokens).post(accounts::create_token),
        )
        .route("/tokens/{id}", delete(accounts::revoke_token))
        .route("/organisations", get(accounts::organisations))
        .route("/territories", get(accounts::territories))
        .route("/audit", get(audit::list))
        .route("/persons", get(persons::search).post(persons::create))
        .route("/persons/{id}", get(persons::show).put(persons::update))
        .route("/persons/{id}/closure", post(persons::close))
        .route("/persons/{id}/merge", post(persons::merge))
        .route(
            "/persons/{id}/household",
            axum::routing::put(persons::update_household),
        )
        .route("/persons/{id}/orientations", post(persons::decide))
        .route("/persons/{id}/referent", post(persons::designate))
        .route("/persons/{id}/joint-reviews", post(persons::review))
        .route("/orientations/pending", get(persons::pending))
        .route("/orientations/validate", post(persons::validate))
        .route("/orientations/{id}/reject", post(persons::reject))
        .route("/caseload", get(persons::caseload))
        .route("/deadlines", get(persons::deadlines))
        .route(
            "/settings/deadlines",
            get(persons::settings).put(persons::save_settings),
        )
        .route(
            "/persons/{id}/diagnostic",
            get(contracts::revisions).post(contracts::save),
        )
        .route("/persons/{id}/diagnostic/changes", get(contracts::changes))
        .route(
            "/persons/{id}/contracts",
            get(contracts::of_person).post(contracts::create),
        )
        .route("/contracts/pending", get(contracts::pending))
        .route(
            "/contracts/{id}",
            get(contracts::show).put(contracts::update),
        )
        .route("/contracts/{id}/events", post(contracts::event))
        .route("/catalogue", get(catalogue::catalogue))
        .route("/actions", get(catalogue::list).post(catalogue::create))
        .route("/actions/{id}", get(catalogue::show).put(catalogue::update))
        .route(
            "/actions/{id}/practical",
            axum::routing::put(catalogue::practical),
        )
        .route("/actions/{id}/status", post(catalogue::status))
        .route(
            "/actions/{id}/fundings",
            get(catalogue::fundings).post(catalogue::add_funding),
        )
        .route("/fundings/{id}", delete(catalogue::delete_funding))
        .route(
            "/actions/{id}/sessions",
            get(catalogue::sessions).post(catalogue::add_session),
        )
        .route("/sessions/{id}/cancel", post(catalogue::cancel_session))
        .route(
            "/structures",
            get(catalogue::structures).post(catalogue::create_structure),
        )
        .route(
            "/structures/{id}",
            get(catalogue::structure).put(catalogue::update_structure),
        )
        .route(
            "/action-families",
            get(catalogue::families).post(catalogue::save_family),
        )
        .route("/programme", get(catalogue::programme))
        .route(
            "/data-inclusion/structures",
            get(catalogue::data_inclusion_structures),
        )
        .route(
            "/data-inclusion/services",
            get(catalogue::data_inclusion_services),
        )
        .route(
            "/data-inclusion/import",
            post(catalogue::data_inclusion_import),
        )
        .route(
            "/persons/{id}/referrals",
            get(referrals::of_person).post(referrals::prescribe),
        )
        .route("/persons/{id}/eligibility", get(referrals::eligibility))
        .route("/referrals/inbox", get(referrals::inbox))
        .route("/self-referrals", post(self_referral::record))
        .route(
            "/self-referrals/to-validate",
            get(self_referral::to_validate),
        )
        .route(
            "/self-referrals/{id}/validate",
            post(self_referral::validate),
        )
        .route("/self-referrals/{id}/reject", post(self_referral::reject))
        .route("/referrals/{id}/accept", post(referrals::accept))
        .route("/referrals/{id}/refuse", post(referrals::refuse))
        .route("/referrals/{id}/offer", post(referrals::offer))
        .route("/referrals/{id}/exit", post(referrals::exit))
        .route("/referrals/{id}/priority", post(referrals::priority))
        .route(
            "/referrals/{id}/situation-4-weeks",
            post(referrals::situation_4_weeks),
        )
        .route(
            "/referrals/exits-to-follow-up",
            get(referrals::exits_to_follow_up),
        )
        .route("/waiting-lists", get(referrals::waiting_lists))
        .route("/referrals/participants", get(referrals::participants))
        .route("/referrals/{id}/fse", get(fse::show).put(fse::save))
        .route(
            "/sessions/{id}/attendance",
            get(referrals::attendance_sheet).put(referrals::record_attendance),
        )
        .route(
            "/referrals/{id}/appointments",
            get(appointments::list).post(appointments::create),
        )
        .route(
            "/structures/{id}/dashboard",
            get(structure_dashboard::dashboard),
        )
        .route("/imports", get(imports::list))
        .route("/imports/{id}", get(imports::show))
        .route("/imports/{id}/changes", get(imports::changes))
        .route("/csv-mappings", get(imports::mappings))
        .route("/csv-mappings/{name}", axum::routing::put(imports::save))
}

/// The routes taking a whole file as their body (a larger body limit).
pub fn upload_routes() -> Router<AppState> {
    imports::upload_routes()
}

/// `Json<T>` whose rejection is our JSON error, in French.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(ApiError(Failure::BadRequest(format!(
                "Le corps de la requête n'est pas un JSON attendu ({}).",
                rejection.body_text()
            )))),
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Parcours — API", version = "1", description = "API JSON du logiciel Parcours. Authentification par jeton : `Authorization: Bearer prc_…`."),
    paths(
        accounts::me,
        accounts::list,
        accounts::create,
        accounts::show,
        accounts::update,
        accounts::tokens,
        accounts::create_token,
        accounts::revoke_token,
        accounts::organisations,
        accounts::territories,
        audit::list,
        persons::search,
        persons::create,
        persons::show,
        persons::update,
        persons::close,
        persons::merge,
        persons::update_household,
        persons::decide,
        persons::designate,
        persons::review,
        persons::pending,
        persons::validate,
        persons::reject,
        persons::caseload,
        persons::deadlines,
        persons::settings,
        persons::save_settings,
        contracts::revisions,
        contracts::save,
        contracts::changes,
        contracts::create,
        contracts::of_person,
        contracts::show,
        contracts::update,
        contracts::event,
        contracts::pending,
        catalogue::catalogue,
        catalogue::list,
        catalogue::create,
        catalogue::show,
        catalogue::update,
        catalogue::practical,
        catalogue::status,
        catalogue::fundings,
        catalogue::add_funding,
        catalogue::delete_funding,
        catalogue::sessions,
        catalogue::add_session,
        catalogue::cancel_session,
        catalogue::structures,
        catalogue::create_structure,
        catalogue::structure,
        catalogue::update_structure,
        catalogue::families,
        catalogue::save_family,
        catalogue::programme,
        catalogue::data_inclusion_structures,
        catalogue::data_inclusion_services,
        catalogue::data_inclusion_import,
        referrals::of_person,
        referrals::eligibility,
        referrals::prescribe,
        referrals::inbox,
        referrals::accept,
        referrals::refuse,
        referrals::offer,
        referrals::exit,
        referrals::priority,
        referrals::participants,
        fse::show,
        fse::save,
        referrals::attendance_sheet,
        referrals::record_attendance,
        referrals::situation_4_weeks,
        referrals::exits_to_follow_up,
        referrals::waiting_lists,
        appointments::list,
        appointments::create,
        structure_dashboard::dashboard,
        self_referral::record,
        self_referral::to_validate,
        self_referral::validate,
        self_referral::reject,
        imports::import_caf,
        imports::import_csv,
        imports::list,
        imports::show,
        imports::changes,
        imports::mappings,
        imports::save,
    ),
    components(schemas(ErrorBody, ErrorDetail, FieldErrorBody)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
