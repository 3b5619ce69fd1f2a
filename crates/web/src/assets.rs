//! Static assets embedded in the binary, and the health check.

use crate::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

const STYLE: &str = include_str!("../assets/style.css");
const IMPORT_PROGRESS: &str = include_str!("../assets/import-progress.js");
const NAV: &str = include_str!("../assets/nav.js");

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/static/style.css", get(style))
        .route(
            "/static/import-progress.js",
            get(|| script(IMPORT_PROGRESS)),
        )
        .route("/static/nav.js", get(|| script(NAV)))
        .route("/healthz", get(health))
}

async fn style() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLE,
    )
}

/// One of the project's own small scripts (progressive enhancement only).
async fn script(source: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        source,
    )
}

/// 200 when the database answers, 503 otherwise.
async fn health(State(state): State<AppState>) -> impl IntoResponse {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(err) => {
            tracing::warn!(%err, "health check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "base de données injoignable",
            )
        }
    }
}
