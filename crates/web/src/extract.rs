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
            Err(_) if parts.uri.path().starts_with("/api/") => {
                Err(ApiError(Failure::NotFound).into_response())
            }
            Err(_) => Err(PageError(Failure::NotFound).into_response()),
        }
    }
}
