//! CSRF protection for every state-changing form, in one place: a middleware
//! that refuses any non-GET request of the web application whose form does
//! not carry the session's token. (The JSON API takes bearer tokens, never
//! cookies, so it is not exposed to CSRF.)

use crate::error::{Failure, PageError};
use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;
use tower_sessions::Session;

const SESSION_KEY: &str = "csrf";
pub const FIELD: &str = "csrf_token";
const MAX_FORM_BYTES: usize = 1024 * 1024;

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
        Err(failure) => PageError(failure).into_response(),
    }
}

async fn checked(session: &Session, request: Request) -> Result<Request, Failure> {
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(Failure::Csrf);
    }
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| Failure::BadRequest("Le formulaire envoyé est trop volumineux.".into()))?;
    let sent = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
        .ok()
        .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == FIELD).map(|(_, v)| v));
    let expected: Option<String> = session.get(SESSION_KEY).await.map_err(session_failure)?;
    match (sent, expected) {
        (Some(sent), Some(expected)) if bool::from(sent.as_bytes().ct_eq(expected.as_bytes())) => {
            Ok(Request::from_parts(parts, Body::from(bytes)))
        }
        _ => Err(Failure::Csrf),
    }
}
