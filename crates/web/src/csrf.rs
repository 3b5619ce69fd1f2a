//! CSRF protection for every state-changing form, in one place: a middleware
//! that refuses any non-GET request of the web application whose form does
//! not carry the session's token. (The JSON API takes bearer tokens, never
//! cookies, so it is not exposed to CSRF.) Urlencoded forms carry the token
//! in their body; multipart forms (file uploads, whose body is streamed by
//! the handler) carry it in their action's query string.

use crate::error::{csrf_refusal, Failure, PageError};
use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;
use tower_sessions::Session;

const SESSION_KEY: &str = "csrf";
pub const FIELD: &str = "csrf_token";

/// The session's token, created on first use.
pub async fn token(session: &Session) -> Result<String, Failure> {
    let existing: Option<String> = session.get(SESSION_KEY).await.map_err(session_failure)?;
    if let Some(token) = existing {
        return Ok(token);
    }
    let token = parcours_store::token::random_secret();
    session
        .insert(SESSION_KEY, &token)
        .await
        .map_err(session_failure)?;
    Ok(token)
}

/// Replaces the token (at login, with the session id).
pub async fn renew(session: &Session) -> Result<(), Failure> {
    session
        .remove::<String>(SESSION_KEY)
        .await
        .map_err(session_failure)?;
    token(session).await.map(drop)
}

pub fn session_failure(err: tower_sessions::session::Error) -> Failure {
    Failure::Internal(format!("session: {err}"))
}

pub async fn guard(session: Session, request: Request, next: Next) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    match checked(&session, request).await {
        Ok(request) => next.run(request).await,
        Err(Refused::Csrf) => csrf_refusal(),
        // Rendered in French by `faults::french`, as the body limit's 413.
        Err(Refused::TooLarge) => StatusCode::PAYLOAD_TOO_LARGE.into_response(),
        Err(Refused::Failure(failure)) => PageError(failure).into_response(),
    }
}

/// Why a form did not get through.
enum Refused {
    /// No token, or not the session's.
    Csrf,
    /// A form over the body limit.
    TooLarge,
    Failure(Failure),
}

impl From<Failure> for Refused {
    fn from(failure: Failure) -> Self {
        Refused::Failure(failure)
    }
}

async fn checked(session: &Session, request: Request) -> Result<Request, Refused> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if content_type.starts_with("multipart/form-data") {
        // A file upload: its body is streamed by the handler, so the token
        // comes in the form's action (`?csrf_token=…`). No layer logs URIs.
        let sent = query_token(request.uri().query());
        verify(session, sent).await?;
        return Ok(request);
    }
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return Err(Refused::Csrf);
    }
    let (parts, body) = request.into_parts();
    // Read whole here, before the routes' body limit: the same limit, and
    // the same 413 past it.
    let bytes = match to_bytes(body, crate::BODY_LIMIT).await {
        Ok(bytes) => bytes,
        Err(error) if over_limit(&error) => return Err(Refused::TooLarge),
        Err(_) => {
            return Err(Failure::BadRequest(
                "Le formulaire envoyé n'a pas pu être lu en entier.".into(),
            )
            .into())
        }
    };
    let sent = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
        .ok()
        .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == FIELD).map(|(_, v)| v));
    verify(session, sent).await?;
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// Whether reading a body failed on its length, not on the connection.
fn over_limit(error: &axum::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(error) = cause {
        if error.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        cause = error.source();
    }
    false
}

/// The token of a query string (`?csrf_token=…`), for multipart forms.
fn query_token(query: Option<&str>) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(query?)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == FIELD)
        .map(|(_, v)| v)
}

/// Compares the sent token with the session's, in constant time.
async fn verify(session: &Session, sent: Option<String>) -> Result<(), Refused> {
    let expected: Option<String> = session.get(SESSION_KEY).await.map_err(session_failure)?;
    match (sent, expected) {
        (Some(sent), Some(expected)) if bool::from(sent.as_bytes().ct_eq(expected.as_bytes())) => {
            Ok(())
        }
        _ => Err(Refused::Csrf),
    }
}

#[cfg(test)]
mod tests {
    use super::{over_limit, query_token};
    use axum::body::{to_bytes, Body};

    #[tokio::test]
    async fn a_body_over_the_limit_is_told_by_its_error() {
        let long = to_bytes(Body::from(vec![b'a'; 11]), 10).await.unwrap_err();
        assert!(over_limit(&long));
        assert!(to_bytes(Body::from(vec![b'a'; 10]), 10).await.is_ok());
    }

    #[test]
    fn the_token_of_a_multipart_form_is_in_its_query() {
        assert_eq!(
            query_token(Some("a=1&csrf_token=abc%20d")).as_deref(),
            Some("abc d")
        );
        assert_eq!(query_token(Some("a=1")), None);
        assert_eq!(query_token(None), None);
    }
}
