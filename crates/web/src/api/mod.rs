//! The JSON API under `/api/v1/`: bearer tokens, the same permissions and the
//! same validation as the web pages, described by `/api/v1/openapi.json`.

mod accounts;
mod audit;
mod contracts;
mod persons;

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
        .route("/persons/{id}/contracts", post(contracts::create))
        .route("/contracts/pending", get(contracts::pending))
        .route(
            "/contracts/{id}",
            get(contracts::show).put(contracts::update),
        )
        .route("/contracts/{id}/events", post(contracts::event))
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
        contracts::show,
        contracts::update,
        contracts::event,
        contracts::pending,
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
