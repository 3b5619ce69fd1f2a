//! Who is asking: a signed-in person (session cookie) or an API client
//! (bearer token); login and logout; the one permission check.

use crate::csrf;
use crate::error::{ApiError, Failure, PageError};
use crate::extract::{Form, Query};
use crate::layout::Layout;
use crate::login_guard::ClientAddress;
use crate::AppState;
use askama::Template;
use axum::extract::{FromRequestParts, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Redirect, Response};
use parcours_app::account;
pub use parcours_app::CurrentUser;
use serde::Deserialize;
use tower_sessions::Session;
use uuid::Uuid;

const USER_KEY: &str = "user_id";
/// The identity provider the session was opened through, and its ID token
/// (the hint its end-session endpoint asks for).
pub(crate) const PROVIDER_KEY: &str = "oidc_provider";
pub(crate) const ID_TOKEN_KEY: &str = "oidc_id_token";
/// The account's session generation when the session was opened: a session
/// of an older generation has ended (password reset or changed, sessions
/// ended by an administrator).
const GENERATION_KEY: &str = "generation";
/// Where an account with a temporary password is sent until it changes it.
pub const CHANGE_PASSWORD_PATH: &str = "/mon-compte/mot-de-passe";
/// When the session was last saved (Unix seconds).
const SEEN_KEY: &str = "seen";
/// A session ends after [`crate::SESSION_IDLE_MINUTES`] without a page: it
/// is saved again (which pushes its expiry and its cookie's back) when it
/// was last saved this long ago, rather than written on every page.
const KEEP_ALIVE_SECONDS: i64 = 300;

/// Pushes back the expiry of a session in use (see [`KEEP_ALIVE_SECONDS`]).
async fn keep_alive(session: &Session) -> Result<(), Failure> {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let seen: Option<i64> = session.get(SEEN_KEY).await.map_err(csrf::session_failure)?;
    if seen.is_none_or(|at| now - at >= KEEP_ALIVE_SECONDS) {
        session
            .insert(SEEN_KEY, now)
            .await
            .map_err(csrf::session_failure)?;
    }
    Ok(())
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let user_id: Option<Uuid> = session
            .get(USER_KEY)
            .await
            .map_err(|e| PageError(csrf::session_failure(e)).into_response())?;
        let user = match user_id {
            Some(id) => match state.store.account(id).await {
                Ok(user) => {
                    let generation: Option<i64> = session
                        .get(GENERATION_KEY)
                        .await
                        .map_err(|e| PageError(csrf::session_failure(e)).into_response())?;
                    (generation.unwrap_or(0) == user.session_generation)
                        .then(|| CurrentUser::from_user(user))
                        .flatten()
                }
                Err(parcours_store::StoreError::NotFound) => None,
                Err(err) => return Err(PageError::from(err).into_response()),
            },
            None => None,
        };
        match user {
            Some(user) => {
                if let Some(slot) = parts.extensions.get::<crate::refusals::CallerSlot>() {
                    slot.fill(user.actor());
                }
                keep_alive(&session)
                    .await
                    .map_err(|e| PageError(e).into_response())?;
                if user.user.must_change_password && parts.uri.path() != CHANGE_PASSWORD_PATH {
                    return Err(Redirect::to(CHANGE_PASSWORD_PATH).into_response());
                }
                Ok(user)
            }
            None => {
                // A cookie without a live session means the session expired
                // or was ended (password changed, account disabled): say so
                // on the login page.
                let had_cookie = parts
                    .headers
                    .get_all(header::COOKIE)
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .any(|v| v.contains(crate::SESSION_COOKIE));
                let _ = session.flush().await;
                let target = if had_cookie {
                    "/connexion?session=expiree"
                } else {
                    "/connexion"
                };
                Err(Redirect::to(target).into_response())
            }
        }
    }
}

/// Opens the session of `user_id` under the account's current session
/// `generation`, with a new session id and CSRF token (at login, and after
/// the holder changed their password, which ended the other sessions).
pub async fn open_session(
    session: &Session,
    user_id: Uuid,
    generation: i64,
) -> Result<(), Failure> {
    session.cycle_id().await.map_err(csrf::session_failure)?;
    session
        .insert(USER_KEY, user_id)
        .await
        .map_err(csrf::session_failure)?;
    session
        .insert(GENERATION_KEY, generation)
        .await
        .map_err(csrf::session_failure)?;
    csrf::renew(session).await
}

/// The API's caller, authenticated by `Authorization: Bearer prc_…`.
pub struct ApiUser(pub CurrentUser);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let secret = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(Failure::Unauthenticated)?;
        let user = state.store.account_for_token(secret.trim()).await?;
        let user = user
            .and_then(CurrentUser::from_user)
            .ok_or(ApiError(Failure::Unauthenticated))?;
        if let Some(slot) = parts.extensions.get::<crate::refusals::CallerSlot>() {
            slot.fill(user.actor());
        }
        Ok(ApiUser(user))
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    email: String,
    error: Option<String>,
    /// The identity providers' buttons: (id, label).
    providers: Vec<(String, String)>,
}

/// The buttons of the providers configured, in their order.
pub(crate) fn provider_buttons(state: &AppState) -> Vec<(String, String)> {
    state
        .config
        .oidc
        .providers()
        .iter()
        .map(|p| (p.id.clone(), p.label.clone()))
        .collect()
}

#[derive(Deserialize, Default)]
pub struct LoginQuery {
    #[serde(default)]
    session: Option<String>,
    #[serde(default)]
    au_revoir: Option<String>,
}

pub async fn login_form(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<LoginQuery>,
) -> Result<Response, PageError> {
    if session
        .get::<Uuid>(USER_KEY)
        .await
        .map_err(csrf::session_failure)?
        .is_some()
    {
        return Ok(Redirect::to("/").into_response());
    }
    let mut layout = Layout::anonymous(&session, "Connexion").await?;
    if query.session.is_some() {
        layout.flash = Some("Votre session a expiré. Reconnectez-vous pour continuer.".into());
    } else if query.au_revoir.is_some() {
        layout.flash = Some("Vous êtes déconnecté.".into());
    }
    let page = LoginPage {
        layout,
        email: String::new(),
        error: None,
        providers: provider_buttons(&state),
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

pub async fn login(
    State(state): State<AppState>,
    session: Session,
    ClientAddress(address): ClientAddress,
    Form(form): Form<LoginForm>,
) -> Result<Response, PageError> {
    let email = form.email.trim().to_lowercase();
    let now = parcours_store::now();
    if let Some(wait) = address.and_then(|a| state.login_guard.wait(a, now)) {
        return too_many_attempts(&state, &session, email, address, wait).await;
    }
    match account::sign_in(&state, &email, form.password).await? {
        Ok(user) => {
            open_session(&session, user.id, user.session_generation).await?;
            let next = if user.must_change_password {
                CHANGE_PASSWORD_PATH
            } else {
                "/"
            };
            Ok(Redirect::to(next).into_response())
        }
        Err(refusal) => {
            if let Some(address) = address {
                state.login_guard.failed(address, now);
            }
            let layout = Layout::anonymous(&session, "Connexion").await?;
            let page = LoginPage {
                layout,
                email,
                error: Some(refusal.message().to_owned()),
                providers: provider_buttons(&state),
            };
            Ok((axum::http::StatusCode::UNAUTHORIZED, Html(page.render()?)).into_response())
        }
    }
}

/// 429 with `Retry-After`: the address failed too often; the attempt is
/// audited, and no password is checked (nor counted against the account).
async fn too_many_attempts(
    state: &AppState,
    session: &Session,
    email: String,
    address: Option<std::net::IpAddr>,
    wait: time::Duration,
) -> Result<Response, PageError> {
    account::refuse_throttled_login(state, &email, address).await?;
    let minutes = (wait.whole_seconds() + 59) / 60;
    let layout = Layout::anonymous(session, "Connexion").await?;
    let page = LoginPage {
        layout,
        email,
        providers: provider_buttons(state),
        error: Some(format!(
            "Trop de tentatives de connexion depuis votre adresse. Réessayez dans {minutes} minute{}.",
            if minutes > 1 { "s" } else { "" }
        )),
    };
    Ok((
        axum::http::StatusCode::TOO_MANY_REQUESTS,
        [(
            axum::http::header::RETRY_AFTER,
            wait.whole_seconds().max(1).to_string(),
        )],
        Html(page.render()?),
    )
        .into_response())
}

pub async fn logout(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, PageError> {
    let user_id: Option<Uuid> = session.get(USER_KEY).await.map_err(csrf::session_failure)?;
    let provider: Option<String> = session
        .get(PROVIDER_KEY)
        .await
        .map_err(csrf::session_failure)?;
    let id_token: Option<String> = session
        .get(ID_TOKEN_KEY)
        .await
        .map_err(csrf::session_failure)?;
    if let Some(id) = user_id {
        account::sign_out(&state, id, provider.as_deref()).await?;
    }
    session.flush().await.map_err(csrf::session_failure)?;
    // Signed in through a provider: its session ends too, when it offers
    // an end-session endpoint (RP-initiated logout).
    if let (Some(provider), Some(id_token)) = (provider, id_token) {
        if let Some(url) = parcours_app::oidc::logout_url(&state, &provider, &id_token).await {
            return Ok(Redirect::to(&url).into_response());
        }
    }
    Ok(Redirect::to("/connexion?au_revoir=1").into_response())
}
