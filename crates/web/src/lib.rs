//! HTTP: the French web application, the JSON API and their shared plumbing.
//! Both are thin adapters over the use cases of `parcours_app`: a handler
//! reads its input, calls the use case, and renders the outcome (a page, a
//! redirect, JSON). Permissions, validation and the audit are the use cases'.

mod api;
mod assets;
mod auth;
mod chart;
mod csrf;
mod error;
mod extract;
mod faults;
mod form;
mod importing;
mod layout;
pub mod login_guard;
pub(crate) mod pages;
mod refusals;
mod session_store;
mod view;

use axum::http::{header, HeaderValue};
use axum::Router;
use parcours_app::App;
use std::net::SocketAddr;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

pub use error::{ApiError, Failure, PageError};

/// Signed-in sessions end after this much inactivity.
pub const SESSION_IDLE_MINUTES: i64 = 60;
pub const SESSION_COOKIE: &str = "parcours_session";

/// What every handler gets: the use cases' [`App`], and how cookies are sent.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    /// Send the session cookie with `Secure` (required behind HTTPS in production).
    pub secure_cookies: bool,
    /// Failed logins per client address, and the proxies to trust for it.
    pub login_guard: login_guard::LoginGuard,
}

impl std::ops::Deref for AppState {
    type Target = App;

    fn deref(&self) -> &App {
        &self.app
    }
}

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'";

/// The largest request body, but for the file uploads.
pub(crate) const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// File uploads take up to [`importing::UPLOAD_LIMIT`], streamed by their handler.
fn uploads(routes: Router<AppState>) -> Router<AppState> {
    routes
        .layer(axum::extract::DefaultBodyLimit::max(
            importing::UPLOAD_LIMIT,
        ))
        .layer(RequestBodyLimitLayer::new(importing::UPLOAD_LIMIT))
}

pub fn router(state: AppState) -> Router {
    router_with(state, Router::new())
}

/// The application's router with `extra` routes under the same layers
/// (request ids, logs, French faults): for tests only, e.g. a route that
/// panics.
#[doc(hidden)]
pub fn router_with(state: AppState, extra: Router<AppState>) -> Router {
    let sessions =
        SessionManagerLayer::new(session_store::DbSessionStore::new(state.store.clone()))
            .with_name(SESSION_COOKIE)
            .with_secure(state.secure_cookies)
            .with_http_only(true)
            .with_same_site(SameSite::Lax)
            .with_expiry(Expiry::OnInactivity(time::Duration::minutes(
                SESSION_IDLE_MINUTES,
            )));
    let web = pages::routes()
        // Every unknown address, here so that the session tells who asks.
        .fallback(pages::home::not_found)
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .merge(uploads(pages::import::upload_routes()))
        .layer(axum::middleware::from_fn(csrf::guard))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            pages::home::keep_navigation,
        ))
        .layer(sessions)
        .layer(no_store())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            refusals::audit,
        ));
    let api = api::routes()
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .merge(uploads(api::upload_routes()))
        .layer(no_store())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            refusals::audit,
        ));
    Router::new()
        .merge(web)
        .nest("/api/v1", api)
        .merge(assets::routes().layer(RequestBodyLimitLayer::new(BODY_LIMIT)))
        .merge(extra)
        .route_layer(axum::middleware::from_fn(faults::record_route))
        .layer(CatchPanicLayer::custom(faults::panicked))
        .layer(axum::middleware::from_fn(faults::french))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(axum::Extension(parcours_app::import::ImportJobs::default()))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            // Served over HTTPS (secure cookies): browsers keep to HTTPS for
            // a year; the demo on plain HTTP sends nothing.
            state
                .secure_cookies
                .then(|| HeaderValue::from_static("max-age=31536000")),
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(faults::request_span::<axum::body::Body>)
                .on_request(())
                .on_response(faults::answered::<axum::body::Body>)
                .on_failure(()),
        )
        .layer(PropagateRequestIdLayer::new(faults::REQUEST_ID))
        .layer(SetRequestIdLayer::new(faults::REQUEST_ID, MakeRequestUuid))
        .with_state(state)
}

/// Pages and API answers carry personal data: no browser or proxy keeps
/// them (a shared computer's back button or disk cache shows nothing).
/// Static assets keep their own caching.
fn no_store() -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    )
}

/// Serves until the process receives Ctrl-C / SIGTERM.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    // Imports a stop left running, before any import runs.
    match parcours_app::import::interrupt_unfinished(&state.app).await {
        Ok(0) => {}
        Ok(interrupted) => tracing::warn!(interrupted, "imports left running marked interrupted"),
        Err(failure) => tracing::error!(?failure, "imports left running not marked interrupted"),
    }
    spawn_housekeeping(state.app.clone());
    spawn_outbox(state.app.clone());
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
}

/// The delivery job: every few seconds, the convocations and reminders
/// that are due go out (never from a page, which only queues them).
fn spawn_outbox(app: App) {
    if app.config.outbox.channels().is_empty() {
        return;
    }
    tokio::spawn(async move {
        let every = std::time::Duration::from_secs(10);
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match parcours_app::outbox::deliver_due(&app).await {
                Ok(round) if round == Default::default() => {}
                Ok(round) => tracing::info!(?round, "outbox delivered"),
                Err(err) => tracing::warn!(?err, "outbox delivery failed"),
            }
        }
    });
}

fn spawn_housekeeping(app: App) {
    let store = app.store.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(600));
        // The retention purge runs once a night, from 3 h in Paris; not at
        // start (a restart in the day leaves it to the next night).
        let mut purged_on = parcours_app::clock::today();
        // The clocks due soon and the e-mail digests, once a morning from 7 h.
        let mut told_on = parcours_app::clock::today() - time::Duration::days(1);
        loop {
            every.tick().await;
            let now = parcours_app::clock::in_paris(parcours_app::clock::now());
            if now.date() != purged_on && now.hour() >= 3 {
                purged_on = now.date();
                let job = parcours_app::CommandLine {
                    label: "conservation quotidienne",
                };
                match parcours_app::retention::purge(&app, &job, false).await {
                    Ok(outcome) => tracing::info!(?outcome, "retention purge done"),
                    Err(err) => tracing::warn!(%err, "retention purge failed"),
                }
            }
            if now.date() != told_on && now.hour() >= 7 {
                told_on = now.date();
                match parcours_app::notification::notify_clocks_due(&app).await {
                    Ok(told) => tracing::info!(told, "clocks due soon notified"),
                    Err(err) => tracing::warn!(?err, "clocks due soon not notified"),
                }
                match parcours_app::notification::send_digests(&app).await {
                    Ok(sent) => tracing::info!(sent, "notification digests sent"),
                    Err(err) => tracing::warn!(?err, "notification digests not sent"),
                }
            }
            if let Err(err) = store.session_delete_expired().await {
                tracing::warn!(%err, "could not delete expired sessions");
            }
            // Waiting lists: offers past their date pass to the next in line.
            if let Err(err) = store.expire_offers(parcours_app::clock::now()).await {
                tracing::warn!(%err, "could not expire place offers");
            }
        }
    });
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
