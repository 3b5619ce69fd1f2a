//! The pathway around a person file: orientation decisions and the cadre's
//! validation queue, the référent unique's designation, joint reviews, the
//! référent's caseload, late and due-soon lists, and the deadline settings.

use crate::auth::CurrentUser;
use crate::error::{Failure, PageError};
use crate::extract::{FormRows, Id};
use crate::layout::{flash_outcome, Layout, Sent};
use crate::view::{fr_count, fr_date};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{Html, Response};
use parcours_app::clock::today;
use parcours_app::orientation;
use parcours_domain::orientation::{DesignationInput, OrientationInput, ReviewInput};
use serde::Deserialize;
use tower_sessions::Session;
use uuid::Uuid;

pub async fn decide_form(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    FormRows(input, pairs): FormRows<OrientationInput>,
) -> Result<Response, PageError> {
    let result = orientation::decide(&state, &me, id, &input)
        .await
        .map(|_| "L'orientation est enregistrée ; elle attend la validation du cadre.".to_owned());
    let to = format!("/personnes/{id}");
    flash_outcome(&session, result, Sent::new("orienter", pairs), &to).await
}

pub async fn designate_form(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    FormRows(input, pairs): FormRows<DesignationInput>,
) -> Result<Response, PageError> {
    let result = orientation::designate(&state, &me, id, &input)
        .await
        .map(|a| format!("{} est désigné(e) référent unique.", a.referent_name));
    let to = format!("/personnes/{id}");
    flash_outcome(&session, result, Sent::new("designer", pairs), &to).await
}

pub async fn review_form(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    FormRows(input, pairs): FormRows<ReviewInput>,
) -> Result<Response, PageError> {
    let result = orientation::review(&state, &me, id, &input)
        .await
        .map(|_| "Le réexamen est enregistré.".to_owned());
    let to = format!("/personnes/{id}");
    flash_outcome(&session, result, Sent::new("reexamen", pairs), &to).await
}

pub struct PendingLine {
    pub id: String,
    pub person_id: String,
    pub name: String,
    pub kind: &'static str,
    pub organisation: String,
    pub decided: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "orientation/queue.html")]
struct QueuePage {
    layout: Layout,
    lines: Vec<PendingLine>,
    today: String,
}

pub async fn queue(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
) -> Result<Html<String>, PageError> {
    Ok(Html(queue_page(&state, &session, &me).await?.render()?))
}

async fn queue_page(
    state: &AppState,
    session: &Session,
    me: &CurrentUser,
) -> Result<QueuePage, Failure> {
    let pending = orientation::pending(state, me).await?;
    let layout = Layout::new(session, me, "Orientations à valider", "/orientations").await?;
    let lines = pending
        .into_iter()
        .map(|o| PendingLine {
            id: o.id.to_string(),
            person_id: o.person_id.to_string(),
            name: format!("{} {}", o.last_name.to_uppercase(), o.first_names),
            kind: o.kind.label(),
            organisation: o.lead_organisation_name,
            decided: format!("{} par {}", fr_date(o.decided_on), o.decided_by),
            reason: o.reason.unwrap_or_default(),
        })
        .collect();
    let today = today();
    Ok(QueuePage {
        layout,
        lines,
        today: format!(
            "{}-{:02}-{:02}",
            today.year(),
            u8::from(today.month()),
            today.day()
        ),
    })
}

/// The queue's validation form: the orientations ticked (repeated `ids`
/// checkboxes) and the notification date.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ValidateForm {
    ids: Vec<String>,
    notified_on: String,
}

pub async fn validate_form(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    FormRows(form, pairs): FormRows<ValidateForm>,
) -> Result<Response, PageError> {
    // An id that is not one (a tampered checkbox) selects nothing.
    let ids: Vec<Uuid> = form
        .ids
        .iter()
        .filter_map(|v| Uuid::parse_str(v).ok())
        .collect();
    let notified_on = crate::form::trim(form.notified_on);
    let result = orientation::validate(&state, &me, &ids, &notified_on)
        .await
        .map(|count| {
            format!(
                "{}.",
                fr_count(count, "orientation validée", "orientations validées")
            )
        });
    flash_outcome(&session, result, Sent::new("", pairs), "/orientations").await
}

#[derive(Deserialize, Default)]
pub struct RejectInput {
    #[serde(default)]
    pub rejection_reason: String,
}

pub async fn reject_form(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    FormRows(input, pairs): FormRows<RejectInput>,
) -> Result<Response, PageError> {
    let result = orientation::reject(&state, &me, id, &input.rejection_reason)
        .await
        .map(|_| "L'orientation est refusée.".to_owned());
    flash_outcome(&session, result, Sent::new(id, pairs), "/orientations").await
}
