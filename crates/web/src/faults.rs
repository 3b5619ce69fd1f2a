//! Every request in the log, and no fault shown in English or as a crash:
//! each request gets an id (`x-request-id`: the client's or a new one,
//! returned in the response) and a span with its id, method, route, status
//! and duration; a panic becomes the French 500 page (or the API's JSON
//! error) naming that id; the bodies the framework writes itself (400, 405,
//! 413, 414, 415, 422… in English plain text, or empty) become French pages,
//! or JSON errors under `/api/`.

use crate::error::{fault_json, fault_page};
use axum::body::Body;
use axum::extract::{MatchedPath, Request};
use axum::http::{header, HeaderMap, HeaderName, Response, StatusCode};
use axum::middleware::Next;
use std::any::Any;
use std::time::Duration;
use tracing::Span;

/// The header carrying the request's id.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The longest address accepted (path and query string), well under what
/// the HTTP server refuses by itself (with an empty answer).
pub const URI_LIMIT: usize = 8 * 1024;

/// Marks the answer to a request whose handler panicked.
#[derive(Clone, Copy)]
struct Panicked;

/// The request's span: its id, method and (once routed) route; its status
/// and duration are recorded with the answer.
pub fn request_span<B>(request: &Request<B>) -> Span {
    tracing::info_span!(
        "request",
        id = %request_id(request.headers()),
        method = %request.method(),
        route = tracing::field::Empty,
        status = tracing::field::Empty,
        duration_ms = tracing::field::Empty,
    )
}

/// Logs the answer, in the request's span.
pub fn answered<B>(response: &Response<B>, latency: Duration, span: &Span) {
    let status = response.status().as_u16();
    span.record("status", status);
    span.record("duration_ms", latency.as_millis() as u64);
    if response.status().is_server_error() {
        tracing::error!(
            status,
            duration_ms = latency.as_millis() as u64,
            "request answered"
        );
    } else {
        tracing::info!(
            status,
            duration_ms = latency.as_millis() as u64,
            "request answered"
        );
    }
}

/// Records the matched route (`/personnes/{id}`, never the ids) in the
/// request's span.
pub async fn record_route(request: Request, next: Next) -> axum::response::Response {
    if let Some(route) = request.extensions().get::<MatchedPath>() {
        Span::current().record("route", route.as_str());
    }
    next.run(request).await
}

/// The answer to a panic: logged, and marked for [`french`] to render.
pub fn panicked(panic: Box<dyn Any + Send + 'static>) -> axum::response::Response {
    let said = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    tracing::error!(panic = %said, "request handler panicked");
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    response.extensions_mut().insert(Panicked);
    response
}

/// Refuses an address too long, and renders in French the faults the
/// handlers did not (a panic, the framework's own refusals); every 500
/// names the request's id.
pub async fn french(request: Request, next: Next) -> axum::response::Response {
    let api = request.uri().path().starts_with("/api/");
    let id = request_id(request.headers());
    let length = request
        .uri()
        .path_and_query()
        .map_or(0, |p| p.as_str().len());
    if length > URI_LIMIT {
        return fault(api, StatusCode::URI_TOO_LONG, &id, None);
    }
    let response = next.run(request).await;
    let status = response.status();
    let panicked = response.extensions().get::<Panicked>().is_some();
    let ours = !panicked && is_ours(response.headers());
    if !(status.is_client_error() || status.is_server_error())
        || (ours && status != StatusCode::INTERNAL_SERVER_ERROR)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // For API clients, the framework's own detail (which field, where)
    // after our message.
    let detail = if api && !ours && matches!(status.as_u16(), 400 | 422) {
        axum::body::to_bytes(body, 2048)
            .await
            .ok()
            .map(|bytes| String::from_utf8_lossy(&bytes).trim().to_owned())
            .filter(|text| !text.is_empty())
    } else {
        None
    };
    let french = fault(api, status, &id, detail);
    let (french_parts, french_body) = french.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    if let Some(kind) = french_parts.headers.get(header::CONTENT_TYPE) {
        parts.headers.insert(header::CONTENT_TYPE, kind.clone());
    }
    Response::from_parts(parts, french_body)
}

/// Whether a body is already ours: a French page or a JSON error.
fn is_ours(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html") || v.starts_with("application/json"))
}

fn request_id(headers: &HeaderMap) -> String {
    headers
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_owned()
}

/// A fault as a French page, or a JSON error under `/api/`.
fn fault(
    api: bool,
    status: StatusCode,
    id: &str,
    detail: Option<String>,
) -> axum::response::Response {
    let (title, code, message) = match status.as_u16() {
        400 => (
            "Requête invalide",
            "bad_request",
            "La requête n'est pas valide : vérifiez l'adresse et les valeurs envoyées.".to_owned(),
        ),
        405 => (
            "Action impossible",
            "method_not_allowed",
            "Cette action n'est pas possible à cette adresse.".to_owned(),
        ),
        413 => (
            "Envoi trop volumineux",
            "payload_too_large",
            "L'envoi est trop volumineux : 2 Mo au plus pour un formulaire ou une requête, \
             512 Mo pour un fichier à importer."
                .to_owned(),
        ),
        414 => (
            "Adresse trop longue",
            "uri_too_long",
            format!(
                "L'adresse demandée est trop longue ({} Ko au plus) : raccourcissez la recherche.",
                URI_LIMIT / 1024
            ),
        ),
        415 => (
            "Format non pris en charge",
            "unsupported_media_type",
            "Le contenu envoyé n'est pas dans le format attendu (du JSON pour l'API, \
             avec l'en-tête Content-Type: application/json)."
                .to_owned(),
        ),
        422 => (
            "Données invalides",
            "invalid_input",
            "Les données envoyées ne sont pas valides : vérifiez les champs.".to_owned(),
        ),
        500 => (
            "Erreur",
            "internal",
            format!(
                "Une erreur inattendue est survenue. Elle a été enregistrée sous la référence \
                 {id} ; réessayez plus tard."
            ),
        ),
        _ => (
            "Erreur",
            "error",
            "La requête n'a pas pu aboutir.".to_owned(),
        ),
    };
    let message = match detail {
        Some(detail) => format!("{message} (détail : {detail})"),
        None => message,
    };
    let mut response = if api {
        fault_json(status, code, &message, id)
    } else {
        fault_page(status, title, &message)
    };
    if let Ok(value) = axum::http::HeaderValue::from_str(id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}
