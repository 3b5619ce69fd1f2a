//! A partner structure's dashboard: its actions' places and occupation,
//! waiting lists, positionings to answer and participants, with the
//! sessions and appointments of the next two weeks. An opérateur sees their
//! own structure's; the chargé de mission any structure's.

use crate::auth::CurrentUser;
use crate::error::template_failure;
use crate::error::{Failure, PageError};
use crate::extract::Id;
use crate::layout::Layout;
use crate::view::fr_date;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use parcours_app::clock::today;
use parcours_domain::audit::{entity, AuditAction};
use parcours_domain::catalogue::{ActionFormat, ActionStatus, CapacityPeriod};
use parcours_domain::{Permission, Role};
use parcours_store::structure_dashboard::{DashboardTotals, StructureDashboard};
use tower_sessions::Session as WebSession;
use uuid::Uuid;

/// Whether `me` may open the dashboard of `structure_id` (the same rule as
/// [`dashboard_of`], for links).
pub fn may_view_dashboard(me: &CurrentUser, structure_id: Uuid) -> bool {
    me.role.can(Permission::ViewStructureDashboard)
        && (me.role == Role::ProgrammeOfficer || me.user.organisation_id == structure_id)
}

/// The dashboard, when `me` may see it (shared with the API). The names of
/// the participants with an appointment shown are a read by the structure:
/// audited like the inbox.
pub async fn dashboard_of(
    state: &AppState,
    me: &CurrentUser,
    structure_id: Uuid,
) -> Result<StructureDashboard, Failure> {
    me.require(Permission::ViewStructureDashboard)?;
    if !may_view_dashboard(me, structure_id) {
        return Err(Failure::Forbidden);
    }
    let dashboard = state
        .store
        .structure_dashboard(structure_id, today())
        .await?;
    let mut events: Vec<(String, String)> = Vec::new();
    for s in &dashboard.sessions {
        if let Some(person) = s.person_id {
            let event = (
                person.to_string(),
                format!(
                    "identité vue par la structure (rendez-vous : {})",
                    s.action_name
                ),
            );
            if !events.contains(&event) {
                events.push(event);
            }
        }
    }
    if !events.is_empty() {
        state
            .store
            .audit_many(&me.actor(), AuditAction::Read, entity::PERSON, &events)
            .await?;
    }
    Ok(dashboard)
}

/// `/tableau-de-bord`: an opérateur's own structure; the chargé de mission
/// picks a structure in the list.
pub async fn mine(me: CurrentUser) -> Result<Response, PageError> {
    me.require(Permission::ViewStructureDashboard)?;
    let to = if me.role == Role::ProgrammeOfficer {
        "/structures".to_owned()
    } else {
        format!("/structures/{}/tableau-de-bord", me.user.organisation_id)
    };
    Ok(Redirect::to(&to).into_response())
}

struct ActionRow {
    id: Uuid,
    name: String,
    format: &'static str,
    status: &'static str,
    capacity: String,
    period: String,
    places_taken: i64,
    occupation: String,
    waiting: i64,
    to_answer: i64,
    participants: i64,
}

struct SessionRow {
    id: Uuid,
    date: String,
    hours: String,
    action_id: Uuid,
    action_name: String,
    /// "Séance collective", or the participant of an appointment.
    kind: String,
    note: String,
    marks: i64,
}

#[derive(Template)]
#[template(path = "catalogue/dashboard.html")]
struct DashboardPage {
    layout: Layout,
    structure_id: Uuid,
    structure_name: String,
    on: String,
    until: String,
    totals: DashboardTotals,
    occupation: String,
    actions: Vec<ActionRow>,
    sessions: Vec<SessionRow>,
    is_operator: bool,
}

fn percent(value: Option<i64>) -> String {
    value.map_or_else(|| "—".to_owned(), |p| format!("{p} %"))
}

fn action_period(starts_on: time::Date, ends_on: Option<time::Date>) -> String {
    match ends_on {
        Some(end) => format!("du {} au {}", fr_date(starts_on), fr_date(end)),
        None => format!("depuis le {}", fr_date(starts_on)),
    }
}

pub async fn show(
    State(state): State<AppState>,
    session: WebSession,
    me: CurrentUser,
    Id(id): Id,
) -> Result<Html<String>, PageError> {
    let d = dashboard_of(&state, &me, id).await?;
    let actions = d
        .actions
        .iter()
        .map(|a| {
            let capacity_period =
                CapacityPeriod::from_code(&a.capacity_period).map_or("", |p| p.label());
            ActionRow {
                id: a.id,
                name: a.name.clone(),
                format: ActionFormat::from_code(&a.format).map_or("?", |f| f.label()),
                status: ActionStatus::from_code(&a.status).map_or("?", |s| s.label()),
                capacity: match a.capacity {
                    Some(c) => format!("{c} {capacity_period}"),
                    None => "Sans limite de places".to_owned(),
                },
                period: action_period(a.starts_on, a.ends_on),
                places_taken: a.places_taken,
                occupation: percent(a.occupation_percent()),
                waiting: a.waiting,
                to_answer: a.to_answer,
                participants: a.participants,
            }
        })
        .collect();
    let sessions = d
        .sessions
        .iter()
        .map(|s| SessionRow {
            id: s.id,
            date: fr_date(s.on_date),
            hours: match (&s.starts_at, &s.ends_at) {
                (Some(a), Some(b)) => format!("{a} – {b}"),
                (Some(a), None) => a.clone(),
                _ => String::new(),
            },
            action_id: s.action_id,
            action_name: s.action_name.clone(),
            kind: match (&s.first_names, &s.last_name) {
                (Some(f), Some(l)) => format!("Rendez-vous individuel avec {f} {l}"),
                _ => "Séance collective".to_owned(),
            },
            note: s.note.clone().unwrap_or_default(),
            marks: s.marks,
        })
        .collect();
    let title = format!("Tableau de bord — {}", d.structure_name);
    let page = DashboardPage {
        layout: Layout::new(&session, &me, &title, "/tableau-de-bord").await?,
        structure_id: d.structure_id,
        structure_name: d.structure_name,
        on: fr_date(d.on),
        until: fr_date(d.sessions_until),
        occupation: percent(d.totals.occupation_percent),
        totals: d.totals,
        actions,
        sessions,
        is_operator: me.role == Role::Operator,
    };
    Ok(Html(page.render().map_err(template_failure)?))
}
