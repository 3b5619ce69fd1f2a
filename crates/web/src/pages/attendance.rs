//! Recording attendance for a whole group on one screen, by the structure
//! (or the chargé de mission): present, absent or excused for each
//! participant of the session. For individual actions, the structure fixes
//! appointments with one participant; each has its own one-line sheet.

use crate::auth::CurrentUser;
use crate::error::template_failure;
use crate::error::{Failure, PageError};
use crate::extract::{Form, Id};
use crate::form::{trim, Pairs};
use crate::layout::{flash, Layout};
use crate::view::fr_date;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use parcours_app::catalogue::cancel_session;
use parcours_app::clock::{self, today};
use parcours_app::{appointment, attendance};
use parcours_domain::appointment::AppointmentInput;
use parcours_domain::referral::Attendance;
use parcours_domain::{Invalid, Permission};
use parcours_store::appointment::{Appointment, AppointmentParticipant};
use parcours_store::attendance::SheetLine;
use parcours_store::catalogue::Action;
use serde::Deserialize;
use std::collections::HashMap;
use tower_sessions::Session as WebSession;
use uuid::Uuid;

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
    /// The positioning of an individual appointment (its page is the way back).
    appointment_of: Option<Uuid>,
    /// Why no attendance can be recorded yet: the session has not started.
    not_started: Option<String>,
    errors: Invalid,
}

/// The sheet: each line ticked as sent (`typed`, after a refusal), else as
/// recorded; nothing is ticked for nobody by default.
async fn sheet_page(
    state: &AppState,
    session: &WebSession,
    me: &CurrentUser,
    id: Uuid,
    typed: &HashMap<String, String>,
    errors: Invalid,
) -> Result<Response, PageError> {
    let (s, action) = attendance::session(state, me, id).await?;
    let rows = attendance::sheet(state, me, id)
        .await?
        .into_iter()
        .map(|line| {
            let current = typed
                .get(&line.referral_id.to_string())
                .and_then(|code| Attendance::from_code(code))
                .or(line.status);
            let choices = Attendance::ALL
                .iter()
                .map(|a| (a.code(), a.label(), Some(*a) == current))
                .collect();
            SheetRow { line, choices }
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = SheetPage {
        layout: Layout::new(session, me, "Présences", "/actions").await?,
        date: fr_date(s.on_date),
        hours: match (&s.starts_at, &s.ends_at) {
            (Some(a), Some(b)) => format!("{a} – {b}"),
            _ => String::new(),
        },
        session_id: id,
        rows,
        not_started: s
            .check_started(clock::now())
            .err()
            .and_then(|e| e.errors.into_iter().next())
            .map(|e| e.message),
        appointment_of: s.referral_id,
        action,
        errors,
    };
    Ok((status, Html(page.render().map_err(template_failure)?)).into_response())
}

pub async fn sheet(
    State(state): State<AppState>,
    session: WebSession,
    me: CurrentUser,
    Id(id): Id,
) -> Result<Response, PageError> {
    sheet_page(&state, &session, &me, id, &HashMap::new(), Invalid::new()).await
}

/// The sheet's marks: one radio group `presence_<referral id>` per line,
/// read as (referral id, mark) in the form's order; the other fields (the
/// CSRF token, the « all present » button) are not marks.
fn marks(pairs: &Pairs) -> Vec<(String, String)> {
    pairs
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("presence_")
                .map(|referral| (referral.to_owned(), v.clone()))
        })
        .collect()
}

/// POST: records the marks. « Tous présents » marks the whole group
/// present; otherwise every line needs its mark. A refusal comes back on
/// the sheet with what was ticked.
pub async fn save(
    State(state): State<AppState>,
    session: WebSession,
    me: CurrentUser,
    Id(id): Id,
    Form(pairs): Form<Pairs>,
) -> Result<Response, PageError> {
    let all_present = pairs.iter().any(|(k, v)| k == "tous" && v == "presents");
    let lines = attendance::sheet(&state, &me, id).await?;
    let mut marks = marks(&pairs);
    if all_present {
        marks = lines
            .iter()
            .map(|l| {
                (
                    l.referral_id.to_string(),
                    Attendance::Present.code().to_owned(),
                )
            })
            .collect();
    }
    let typed: HashMap<String, String> = marks.iter().cloned().collect();
    let mut errors = Invalid::new();
    for line in &lines {
        if !typed.contains_key(&line.referral_id.to_string()) {
            errors.add(
                &format!("p-{}-present", line.referral_id),
                format!(
                    "Indiquez si {} {} était présent, absent ou excusé.",
                    line.first_names, line.last_name
                ),
            );
        }
    }
    if errors.is_empty() {
        match attendance::record(&state, &me, id, &marks).await {
            Ok(n) => {
                let s = if n > 1 { "s" } else { "" };
                flash(
                    &session,
                    format!("Présences enregistrées pour {n} personne{s}."),
                )
                .await?;
                return Ok(Redirect::to(&format!("/seances/{id}/presences")).into_response());
            }
            Err(Failure::Invalid(invalid)) => errors = invalid,
            Err(other) => return Err(other.into()),
        }
    }
    sheet_page(&state, &session, &me, id, &typed, errors).await
}

// ---------------------------------------------------------------- appointments

struct AppointmentRow {
    id: Uuid,
    date: String,
    hours: String,
    note: String,
    cancelled: bool,
    attendance: &'static str,
}

fn appointment_rows(appointments: &[Appointment]) -> Vec<AppointmentRow> {
    appointments
        .iter()
        .map(|a| AppointmentRow {
            id: a.id,
            date: fr_date(a.on_date),
            hours: match (&a.starts_at, &a.ends_at) {
                (Some(s), Some(e)) => format!("{s} – {e}"),
                (Some(s), None) => s.clone(),
                _ => String::new(),
            },
            note: a.note.clone().unwrap_or_default(),
            cancelled: a.cancelled,
            attendance: a
                .attendance
                .as_deref()
                .and_then(Attendance::from_code)
                .map_or("Non saisie", |m| m.label()),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "attendance/appointments.html")]
struct AppointmentsPage {
    layout: Layout,
    who: AppointmentParticipant,
    entered_on: String,
    open: bool,
    /// The opérateur comes from (and goes back to) the structure's participants.
    from_inbox: bool,
    upcoming: Vec<AppointmentRow>,
    past: Vec<AppointmentRow>,
    input: AppointmentInput,
    errors: Invalid,
}

async fn appointments_page(
    state: &AppState,
    session: &WebSession,
    me: &CurrentUser,
    referral_id: Uuid,
    input: AppointmentInput,
    errors: Invalid,
) -> Result<Response, Failure> {
    appointment::participant(state, me, referral_id).await?;
    let (who, appointments) = appointment::list(state, me, referral_id).await?;
    let today = today();
    let (upcoming, past): (Vec<Appointment>, Vec<Appointment>) =
        appointments.into_iter().partition(|a| a.on_date >= today);
    let mut past = appointment_rows(&past);
    past.reverse();
    let title = format!("Rendez-vous — {} {}", who.first_names, who.last_name);
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = AppointmentsPage {
        layout: Layout::new(session, me, &title, "/positionnements").await?,
        entered_on: who.entered_on.map(fr_date).unwrap_or_default(),
        open: who.takes_appointments(),
        from_inbox: me.role().can(Permission::AnswerReferrals),
        upcoming: appointment_rows(&upcoming),
        past,
        input,
        errors,
        who,
    };
    Ok((status, Html(page.render().map_err(template_failure)?)).into_response())
}

pub async fn appointments(
    State(state): State<AppState>,
    session: WebSession,
    me: CurrentUser,
    Id(id): Id,
) -> Result<Response, PageError> {
    Ok(appointments_page(
        &state,
        &session,
        &me,
        id,
        AppointmentInput::default(),
        Invalid::new(),
    )
    .await?)
}

/// An appointment, as sent (`appointments.html`).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AppointmentForm {
    on_date: String,
    starts_at: String,
    ends_at: String,
    note: String,
}

/// Cancelling an appointment ("0" restores it).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CancelForm {
    cancelled: String,
}

pub async fn appointment_form(
    State(state): State<AppState>,
    session: WebSession,
    me: CurrentUser,
    Id(id): Id,
    Form(form): Form<AppointmentForm>,
) -> Result<Response, PageError> {
    let input = AppointmentInput {
        on_date: trim(form.on_date),
        starts_at: trim(form.starts_at),
        ends_at: trim(form.ends_at),
        note: trim(form.note),
    };
    appointment::participant(&state, &me, id).await?;
    match appointment::fix(&state, &me, id, &input).await {
        Ok(a) => {
            let at = a.starts_at.map(|s| format!(" à {s}")).unwrap_or_default();
            flash(
                &session,
                format!("Rendez-vous fixé le {}{at}.", fr_date(a.on_date)),
            )
            .await?;
            Ok(Redirect::to(&format!("/positionnements/{id}/rendez-vous")).into_response())
        }
        Err(Failure::Invalid(errors)) => {
            Ok(appointments_page(&state, &session, &me, id, input, errors).await?)
        }
        Err(other) => Err(other.into()),
    }
}

/// Cancels an appointment, or restores it (the sessions' own rule), and
/// comes back to the participant's appointments.
pub async fn cancel_appointment_form(
    State(state): State<AppState>,
    session: WebSession,
    me: CurrentUser,
    Id(id): Id,
    Form(form): Form<CancelForm>,
) -> Result<Response, PageError> {
    let found = appointment::appointment(&state, &me, id).await?;
    let cancelled = form.cancelled.trim() != "0";
    let s = cancel_session(&state, &me, id, cancelled).await?;
    let message = format!(
        "Rendez-vous du {} {}.",
        fr_date(s.on_date),
        if s.cancelled { "annulé" } else { "rétabli" }
    );
    flash(&session, message).await?;
    let to = format!("/positionnements/{}/rendez-vous", found.referral_id);
    Ok(Redirect::to(&to).into_response())
}
