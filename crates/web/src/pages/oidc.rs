//! Signing in through an identity provider (`/connexion/oidc/{id}` and its
//! return), the requests to join a structure (`/admin/demandes-acces`) and
//! who may still use a password (`/admin/connexion`, an account's switch).

use crate::auth::{open_session, CurrentUser, ID_TOKEN_KEY, PROVIDER_KEY};
use crate::csrf;
use crate::error::PageError;
use crate::extract::{Form, Id, Query};
use crate::layout::{flash, flash_outcome, Layout, Sent};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use parcours_app::oidc::{self, Callback, PendingSignIn};
use parcours_app::Failure;
use parcours_domain::clock::fr_date;
use parcours_domain::oidc::{JoinRequestState, OidcRefusal, PasswordPolicy};
use parcours_store::oidc::JoinRequest;
use serde::Deserialize;
use tower_sessions::Session;

/// The attempt kept in the session between the start and the return.
const PENDING_KEY: &str = "oidc_pending";

#[derive(Template)]
#[template(path = "oidc/refused.html")]
struct RefusedPage {
    layout: Layout,
    message: String,
    /// A join request was made: no error, a wait.
    waiting: bool,
}

async fn refused(session: &Session, refusal: &OidcRefusal) -> Result<Response, PageError> {
    let waiting = matches!(refusal, OidcRefusal::JoinRequested(_));
    let status = match refusal {
        OidcRefusal::JoinRequested(_) => StatusCode::ACCEPTED,
        OidcRefusal::ProviderDown => StatusCode::SERVICE_UNAVAILABLE,
        OidcRefusal::UnknownAttempt | OidcRefusal::InvalidToken | OidcRefusal::ProviderError(_) => {
            StatusCode::BAD_REQUEST
        }
        OidcRefusal::WeakAuthentication
        | OidcRefusal::UnverifiedEmail
        | OidcRefusal::UnknownAccount(_)
        | OidcRefusal::Disabled => StatusCode::FORBIDDEN,
    };
    let title = if waiting {
        "Demande transmise"
    } else {
        "Connexion impossible"
    };
    let page = RefusedPage {
        layout: Layout::anonymous(session, title).await?,
        message: refusal.message(),
        waiting,
    };
    Ok((status, Html(page.render()?)).into_response())
}

/// Sends the browser to the provider, keeping what its return is checked by.
pub async fn start(
    State(state): State<AppState>,
    session: Session,
    Path(provider): Path<String>,
) -> Result<Response, PageError> {
    if state.config.oidc.provider(&provider).is_none() {
        return Err(Failure::NotFound.into());
    }
    match oidc::begin(&state, &provider).await {
        Ok((url, pending)) => {
            session
                .insert(PENDING_KEY, pending)
                .await
                .map_err(csrf::session_failure)?;
            Ok(Redirect::to(&url).into_response())
        }
        Err(refusal) => refused(&session, &refusal).await,
    }
}

/// The provider's return: a session when everything holds, else a French
/// page and no session.
pub async fn back(
    State(state): State<AppState>,
    session: Session,
    Path(provider): Path<String>,
    Query(callback): Query<Callback>,
) -> Result<Response, PageError> {
    // One use: a replayed return finds nothing.
    let pending: Option<PendingSignIn> = session
        .remove(PENDING_KEY)
        .await
        .map_err(csrf::session_failure)?;
    match oidc::finish(&state, &provider, pending, &callback).await? {
        Ok(signed_in) => {
            let account = &signed_in.account;
            open_session(&session, account.id, account.session_generation).await?;
            session
                .insert(PROVIDER_KEY, &signed_in.provider)
                .await
                .map_err(csrf::session_failure)?;
            session
                .insert(ID_TOKEN_KEY, &signed_in.id_token)
                .await
                .map_err(csrf::session_failure)?;
            Ok(Redirect::to("/").into_response())
        }
        Err(refusal) => refused(&session, &refusal).await,
    }
}

/// A request as the list shows it.
pub struct RequestLine {
    request: JoinRequest,
    made_on: String,
    waiting: bool,
}

#[derive(Template)]
#[template(path = "oidc/join_requests.html")]
struct JoinRequestsPage {
    layout: Layout,
    requests: Vec<RequestLine>,
}

pub async fn join_requests(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
) -> Result<Html<String>, PageError> {
    let requests = oidc::join_requests(&state, &me)
        .await?
        .into_iter()
        .map(|request| RequestLine {
            made_on: fr_date(parcours_domain::clock::in_paris(request.created_at).date()),
            waiting: request.state == JoinRequestState::Pending,
            request,
        })
        .collect();
    let page = JoinRequestsPage {
        layout: Layout::new(
            &session,
            &me,
            "Demandes d'accès des structures",
            "/admin/demandes-acces",
        )
        .await?,
        requests,
    };
    Ok(Html(page.render()?))
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    version: i64,
    /// accepter or refuser
    #[serde(default)]
    decision: String,
}

pub async fn decide_join_request(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    Form(form): Form<DecisionForm>,
) -> Result<Response, PageError> {
    let accept = form.decision == "accepter";
    let result = oidc::decide_join_request(&state, &me, id, form.version, accept)
        .await
        .map(|request| match request.state {
            JoinRequestState::Accepted => format!(
                "{} {} rejoint « {} » comme opérateur ; sa prochaine connexion par ProConnect ouvrira son compte.",
                request.given_name, request.usual_name, request.structure_name
            ),
            _ => format!(
                "La demande de {} {} est refusée.",
                request.given_name, request.usual_name
            ),
        });
    flash_outcome(
        &session,
        result,
        Sent::new(format!("demande-{id}"), Vec::new()),
        "/admin/demandes-acces",
    )
    .await
}

#[derive(Template)]
#[template(path = "oidc/settings.html")]
struct SettingsPage {
    layout: Layout,
    policy: PasswordPolicy,
    choices: Vec<(&'static str, &'static str)>,
    providers: Vec<(String, String)>,
}

pub async fn settings(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
) -> Result<Html<String>, PageError> {
    let policy = oidc::password_policy(&state, &me).await?;
    let page = SettingsPage {
        layout: Layout::new(&session, &me, "Connexion", "/admin/connexion").await?,
        policy,
        choices: PasswordPolicy::choices(),
        providers: crate::auth::provider_buttons(&state),
    };
    Ok(Html(page.render()?))
}

#[derive(Deserialize)]
pub struct PolicyForm {
    #[serde(default)]
    policy: String,
}

pub async fn save_settings(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Form(form): Form<PolicyForm>,
) -> Result<Response, PageError> {
    let result = oidc::set_password_policy(&state, &me, &form.policy)
        .await
        .map(|policy| format!("Connexion par mot de passe : {}.", policy.label()));
    flash_outcome(
        &session,
        result,
        Sent::new(
            "connexion",
            vec![("policy".to_owned(), form.policy.clone())],
        ),
        "/admin/connexion",
    )
    .await
}

#[derive(Deserialize)]
pub struct PasswordLoginForm {
    /// oui or non
    #[serde(default)]
    password_login: String,
}

/// An administrator switches an account's password login on or off.
pub async fn password_login(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    Form(form): Form<PasswordLoginForm>,
) -> Result<Response, PageError> {
    let on = form.password_login == "oui";
    match oidc::set_password_login(&state, &me, id, on).await {
        Ok(user) => {
            let said = if on { "permise" } else { "désactivée" };
            flash(
                &session,
                format!(
                    "Connexion par mot de passe {said} pour {}.",
                    user.display_name
                ),
            )
            .await?;
            Ok(Redirect::to(&format!("/admin/comptes/{id}")).into_response())
        }
        Err(failure) => {
            flash_outcome(
                &session,
                Err(failure),
                Sent::new("mot-de-passe-connexion", Vec::new()),
                &format!("/admin/comptes/{id}"),
            )
            .await
        }
    }
}
