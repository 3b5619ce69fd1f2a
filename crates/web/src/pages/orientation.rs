//! The pathway around a person file: orientation decisions and the cadre's
//! validation queue, the référent unique's designation, joint reviews, the
//! référent's caseload, late and due-soon lists, and the deadline settings.

use crate::auth::CurrentUser;
use crate::error::{Failure, PageError};
use crate::extract::Form;
use crate::extract::Id;
use crate::layout::{flash, Layout};
use crate::view::fr_date;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use parcours_app::clock::today;
use parcours_app::orientation;
use parcours_domain::orientation::{DesignationInput, OrientationInput, ReviewInput};
use parcours_domain::Invalid;
use serde::Deserialize;
use tower_sessions::Session;
use uuid::Uuid;

pub async fn decide_form(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    Form(input): Form<OrientationInput>,
) -> Result<Response, PageError> {
    orientation::decide(&state, &me, id, &input).await?;
    flash(
        &session,
        "L'orientation est enregistrée ; elle attend la validation du cadre.",
    )
    .await?;
    Ok(Redirect::to(&format!("/personnes/{id}")).into_response())
}

pub async fn designate_form(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    Form(input): Form<DesignationInput>,
) -> Result<Response, PageError> {
    let assignment = orientation::designate(&state, &me, id, &input).await?;
    flash(
        &session,
        format!(
            "{} est désigné(e) référent unique.",
            assignment.referent_name
        ),
    )
    .await?;
    Ok(Redirect::to(&format!("/personnes/{id}")).into_response())
}

pub async fn review_form(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    Form(input): Form<ReviewInput>,
) -> Result<Response, PageError> {
    orientation::review(&state, &me, id, &input).await?;
    flash(&session, "Le réexamen est enregistré.").await?;
    Ok(Redirect::to(&format!("/personnes/{id}")).into_response())
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
    errors: Invalid,
}

pub async fn queue(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
) -> Result<Html<String>, PageError> {
    Ok(Html(
        queue_page(&state, &session, &me, Invalid::new())
            .await?
            .render()?,
    ))
}

async fn queue_page(
    state: &AppState,
    session: &Session,
    me: &CurrentUser,
    errors: Invalid,
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
        errors,
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
    Form(form): Form<ValidateForm>,
) -> Result<Response, PageError> {
    // An id that is not one (a tampered checkbox) selects nothing.
    let ids: Vec<Uuid> = form
        .ids
        .iter()
        .filter_map(|v| Uuid::parse_str(v).ok())
        .collect();
    let notified_on = crate::form::trim(form.notified_on);
    match orientation::validate(&state, &me, &ids, &notified_on).await {
        Ok(count) => {
            flash(&session, format!("{count} orientation(s) validée(s).")).await?;
            Ok(Redirect::to("/orientations").into_response())
        }
        Err(Failure::Invalid(errors)) => {
            let page = queue_page(&state, &session, &me, errors).await?;
            Ok((
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                Html(page.render()?),
            )
                .into_response())
        }
        Err(other) => Err(other.into()),
    }
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
    Form(input): Form<RejectInput>,
) -> Result<Response, PageError> {
    orientation::reject(&state, &me, id, &input.rejection_reason).await?;
    flash(&session, "L'orientation est refusée.").await?;
    Ok(Redirect::to("/orientations").into_response())
}
