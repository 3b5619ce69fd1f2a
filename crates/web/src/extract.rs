//! Extractors whose rejections speak our language (French page or JSON error).

use crate::error::{ApiError, Failure, PageError};
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

/// The `{id}` of a route; a malformed id is an element that does not exist.
pub struct Id(pub Uuid);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        match Path::<Uuid>::from_request_parts(parts, state).await {
            Ok(Path(id)) => Ok(Id(id)),
            Err(_) if is_api(parts) => Err(ApiError(Failure::NotFound).into_response()),
            Err(_) => Err(PageError(Failure::NotFound).into_response()),
        }
    }
}

/// Whether the request is for the JSON API. Nested routers see their path
/// without the `/api/v1` prefix: the original URI says where it came in.
fn is_api(parts: &Parts) -> bool {
    parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map_or(&parts.uri, |original| &original.0)
        .path()
        .starts_with("/api/")
}

/// The rejection of a request whose query string or form does not parse:
/// a French page, or a JSON error for the API.
fn malformed(api: bool, what: &str) -> Response {
    let failure = Failure::BadRequest(format!(
        "{what} n'est pas valide : vérifiez les valeurs saisies."
    ));
    if api {
        ApiError(failure).into_response()
    } else {
        PageError(failure).into_response()
    }
}

/// `axum::extract::Query` with our rejection.
pub struct Query<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Query(value)),
            Err(_) => Err(malformed(is_api(parts), "L'adresse demandée (paramètres)")),
        }
    }
}

/// `axum_extra::extract::Form` with our rejection: a urlencoded body (or the
/// query string of a GET) deserialised into `T`; repeated keys (checkbox
/// lists) fill a `Vec<String>` field, a missing one leaves it empty. A body
/// that does not fit `T` is the French "Le formulaire envoyé n'est pas
/// valide" page (400), or a JSON error for the API — never a 500.
pub struct Form<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for Form<T> {
    type Rejection = Response;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Response> {
        let (parts, body) = req.into_parts();
        let api = is_api(&parts);
        let req = axum::extract::Request::from_parts(parts, body);
        match axum_extra::extract::Form::<T>::from_request(req, state).await {
            Ok(axum_extra::extract::Form(value)) => Ok(Form(value)),
            Err(_) => Err(malformed(api, "Le formulaire envoyé")),
        }
    }
}
