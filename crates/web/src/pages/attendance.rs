//! Recording attendance for a whole group on one screen, by the structure
//! (or the chargé de mission): present, absent or excused for each
//! participant of the session.

use crate::auth::CurrentUser;
use crate::error::{Failure, PageError};
use crate::extract::Id;
use crate::form;
use crate::layout::{flash_outcome, Layout};
use crate::pages::catalogue::practical_action;
use crate::pages::persons::fr_date;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{Html, Response};
use parcours_domain::referral::Attendance;
use parcours_domain::Invalid;
use parcours_store::attendance::SheetLine;
use parcours_store::catalogue::{Action, Session};
use tower_sessions::Session as WebSession;
use uuid::Uuid;

/// The session and its action, when `me` may record its attendance.
pub async fn recordable(
    state: &AppState,
    me: &CurrentUser,
    session_id: Uuid,
) -> Result<(Session, Action), Failure> {
    let session = state.store.session(session_id).await?;
    let action = practical_action(state, me, session.action_id).await?;
    Ok((session, action))
}

/// Records the marks (shared with the API): "present", "absent" or "excused" per positioning.
pub async fn record(
    state: &AppState,
    me: &CurrentUser,
    session_id: Uuid,
    marks: &[(String, String)],
) -> Result<usize, Failure> {
    recordable(state, me, session_id).await?;
    let mut parsed = Vec::new();
    let mut invalid = Invalid::new();
    for (referral, mark) in marks {
        match (
            Uuid::parse_str(referral.trim()),
            Attendance::from_code(mark.trim()),
        ) {
            (Ok(referral), Some(mark)) => parsed.push((referral, mark)),
            _ => {
                invalid.add("attendance", "Chaque présence est « present », « absent » ou « excused » pour une personne inscrite.");
                break;
            }
        }
    }
    invalid.into_result(())?;
    Ok(state
        .store
        .record_attendance(&me.actor(), session_id, &parsed)
        .await?)
}

pub struct SheetRow {
    pub line: SheetLine,
    pub choices: Vec<(&'static str, &'static str, bool)>,
}

#[derive(Template)]
#[template(path = "attendance/sheet.html")]
struct SheetPage {
    layout: Layout,
    action: Action,
    date: String,
    hours: String,
    session_id: Uuid,
    rows: Vec<SheetRow>,
}

pub async fn sheet(
    State(state): State<AppState>,
    session: WebSession,
    me: CurrentUser,
    Id(id): Id,
) -> Result<Html<String>, PageError> {
    let (s, action) = recordable(&state, &me, id).await?;
    let rows = state
        .store
        .attendance_sheet(id)
        .await?
        .into_iter()
        .map(|line| {
            let current = line.status.clone().unwrap_or_else(|| "present".to_owned());
            let choices = Attendance::ALL
                .iter()
                .map(|a| (a.code(), a.label(), a.code() == current))
                .collect();
            SheetRow { line, choices }
        })
        .collect();
    let page = SheetPage {
        layout: Layout::new(&session, &me, "Présences", "/actions").await?,
        date: fr_date(s.on_date),
        hours: match (&s.starts_at, &s.ends_at) {
            (Some(a), Some(b)) => format!("{a} – {b}"),
            _ => String::new(),
        },
        session_id: id,
        rows,
        action,
    };
    Ok(Html(page.render().map_err(Failure::from)?))
}

pub async fn save(
    State(state): State<AppState>,
    session: WebSession,
    me: CurrentUser,
    Id(id): Id,
    body: String,
) -> Result<Response, PageError> {
    let pairs = form::pairs(&body);
    let marks: Vec<(String, String)> = pairs
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("presence_")
                .map(|referral| (referral.to_owned(), v.clone()))
        })
        .collect();
    let result = record(&state, &me, id, &marks)
        .await
        .map(|n| format!("Présences enregistrées pour {n} personne(s)."));
    flash_outcome(&session, result, &format!("/seances/{id}/presences")).await
}
