//! The cadre's and the chargé de mission's view of the waiting lists (parcours_app::waiting_list): the
//! people of their scope waiting for a place, their rank on each action's
//! list, and the priority that moves them up or down.

use crate::auth::CurrentUser;
use crate::error::template_failure;
use crate::error::PageError;
use crate::extract::{FormRows, Id};
use crate::layout::{flash_outcome, Layout, Sent};
use crate::view::fr_day;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{Html, Response};
use parcours_app::waiting_list;
use parcours_domain::Invalid;
use parcours_store::referral::WaitingLine;
use serde::Deserialize;
use tower_sessions::Session;

pub struct Row {
    pub line: WaitingLine,
    pub status: &'static str,
    pub requested: String,
}

#[derive(Template)]
#[template(path = "waiting_list/list.html")]
struct WaitingPage {
    layout: Layout,
    rows: Vec<Row>,
}

pub async fn page(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
) -> Result<Html<String>, PageError> {
    let rows = waiting_list::waiting(&state, &me)
        .await?
        .into_iter()
        .map(|line| Row {
            status: line.status.label(),
            requested: fr_day(line.requested_at),
            line,
        })
        .collect();
    let page = WaitingPage {
        layout: Layout::new(&session, &me, "Listes d'attente", "/listes-attente").await?,
        rows,
    };
    Ok(Html(page.render().map_err(template_failure)?))
}

/// A line's priority, as typed: a number that is not one gets the French
/// message below, not the malformed-form page.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PriorityForm {
    priority: String,
}

pub async fn priority_form(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    FormRows(form, pairs): FormRows<PriorityForm>,
) -> Result<Response, PageError> {
    let result = match form.priority.trim().parse::<i64>() {
        Ok(priority) => waiting_list::prioritise(&state, &me, id, priority)
            .await
            .map(|_| {
                "Priorité enregistrée ; le rang sur la liste d'attente est mis à jour.".to_owned()
            }),
        Err(_) => Err(Invalid::field(
            "priority",
            "La priorité est un nombre entier (0 par défaut, plus élevé passe devant).",
        )
        .into()),
    };
    flash_outcome(&session, result, Sent::new(id, pairs), "/listes-attente").await
}
