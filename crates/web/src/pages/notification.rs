//! The caller's notifications (parcours_app::notification): the list with
//! its unread ones marked, mark read, and the kinds sent by e-mail.

use crate::auth::CurrentUser;
use crate::error::{template_failure, PageError};
use crate::extract::FormRows;
use crate::layout::{flash_outcome, Layout, Sent};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{Html, Response};
use parcours_app::notification;
use parcours_domain::meeting::fr_when;
use parcours_domain::notification::NotificationKind;
use serde::Deserialize;
use tower_sessions::Session;

/// One notification as listed.
pub struct Line {
    pub id: String,
    pub kind: &'static str,
    pub person: Option<(String, String)>,
    pub text: String,
    pub when: String,
    pub unread: bool,
}

#[derive(Template)]
#[template(path = "notification/list.html")]
struct ListPage {
    layout: Layout,
    lines: Vec<Line>,
    unread: i64,
    /// (code, label, chosen for the e-mail digest)
    kinds: Vec<(&'static str, &'static str, bool)>,
    /// E-mails can be sent from this server.
    email: bool,
}

/// `GET /notifications`.
pub async fn list(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
) -> Result<Html<String>, PageError> {
    let (list, unread) = notification::notifications(&state, &me).await?;
    let chosen = notification::email_choices(&state, &me).await?;
    let page = ListPage {
        layout: Layout::new(&session, &me, "Notifications", "/notifications").await?,
        lines: list
            .iter()
            .map(|n| Line {
                id: n.id.to_string(),
                kind: n.kind.label(),
                person: n
                    .person_id
                    .zip(n.person_name.clone())
                    .map(|(id, name)| (id.to_string(), name)),
                text: n.text.clone(),
                when: fr_when(n.created_at),
                unread: n.read_at.is_none(),
            })
            .collect(),
        unread,
        kinds: NotificationKind::ALL
            .iter()
            .map(|k| (k.code(), k.label(), chosen.contains(k)))
            .collect(),
        email: state.config.outbox.email.is_some(),
    };
    Ok(Html(page.render().map_err(template_failure)?))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReadForm {
    /// None: all of them.
    ids: Vec<String>,
}

/// `POST /notifications/lues`: marks read the ones named, or all.
pub async fn mark_read(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    FormRows(form, pairs): FormRows<ReadForm>,
) -> Result<Response, PageError> {
    let result = notification::mark_read(&state, &me, &form.ids)
        .await
        .map(|n| {
            parcours_app::clock::fr_count(
                n,
                "notification marquée lue",
                "notifications marquées lues",
            )
        });
    flash_outcome(&session, result, Sent::new("lues", pairs), "/notifications").await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ChoicesForm {
    by_email: Vec<String>,
}

/// `POST /notifications/courriel`: the kinds received in the daily e-mail.
pub async fn set_email_choices(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    FormRows(form, pairs): FormRows<ChoicesForm>,
) -> Result<Response, PageError> {
    let result = notification::set_email_choices(&state, &me, &form.by_email)
        .await
        .map(|kinds| match kinds.len() {
            0 => "Vous ne recevrez plus de courriel de notification.".to_owned(),
            _ => {
                "Choix enregistrés : vous recevrez ces notifications dans un courriel chaque matin."
                    .to_owned()
            }
        });
    flash_outcome(
        &session,
        result,
        Sent::new("courriel", pairs),
        "/notifications#courriel",
    )
    .await
}
