//! A partner structure's dashboard: its actions' places and occupation,
//! waiting lists, positionings to answer and participants, with the
//! sessions and appointments of the next two weeks. An opérateur sees their
//! own structure's; the chargé de mission any structure's.

use crate::auth::CurrentUser;
use crate::chart::Chart;
use crate::error::template_failure;
use crate::error::PageError;
use crate::extract::Id;
use crate::layout::Layout;
use crate::view::fr_date;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use parcours_app::structure_dashboard;
use parcours_domain::Role;
use parcours_store::structure_dashboard::DashboardTotals;
use tower_sessions::Session as WebSession;
use uuid::Uuid;

/// `/tableau-de-bord`: an opérateur's own structure; the chargé de mission
/// picks a structure in the list.
pub async fn mine(me: CurrentUser) -> Result<Response, PageError> {
    let to = match structure_dashboard::own_structure(&me)? {
        Some(id) => format!("/structures/{id}/tableau-de-bord"),
        None => "/structures".to_owned(),
    };
    Ok(Redirect::to(&to).into_response())
}

struct ActionRow {
    id: Uuid,
    name: String,
    format: &'static str,
    status: &'static str,
    period: String,
    /// « 8 sur 12 places par an — 67 % », or without a limit.
    places: String,
    /// "dont 1 hors publics sur 2", when the action keeps places outside its publics.
    margin: String,
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
#[template(path = "structure_dashboard/show.html")]
struct DashboardPage {
    layout: Layout,
    structure_id: Uuid,
    structure_name: String,
    on: String,
    until: String,
    totals: DashboardTotals,
    occupation: String,
    /// The actions with a capacity, by occupation, as bars over the table.
    chart: Chart,
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

/// How many of the places taken are outside the publics, of how many kept
/// for them ("dont 1 hors publics sur 2").
fn margin_text(places: Option<i64>, taken: i64) -> String {
    match places {
        Some(places) => format!("dont {taken} hors publics sur {places}"),
        None if taken > 0 => format!("dont {taken} hors publics"),
        None => String::new(),
    }
}

pub async fn show(
    State(state): State<AppState>,
    session: WebSession,
    me: CurrentUser,
    Id(id): Id,
) -> Result<Html<String>, PageError> {
    let d = structure_dashboard::dashboard(&state, &me, id).await?;
    let chart = Chart::of(
        "graphe-occupation",
        "Taux d'occupation par action (détail dans le tableau)",
        d.actions.iter().filter_map(|a| {
            let p = a.occupation_percent()?;
            Some((a.name.clone(), p, percent(Some(p))))
        }),
    );
    let actions = d
        .actions
        .iter()
        .map(|a| {
            let capacity_period = a.capacity_period.label();
            ActionRow {
                id: a.id,
                name: a.name.clone(),
                format: a.format.label(),
                status: a.status.label(),
                places: match a.capacity {
                    Some(c) => format!(
                        "{} sur {c} {capacity_period} — {}",
                        a.places_taken,
                        percent(a.occupation_percent())
                    ),
                    None => format!("{}, sans limite de places", a.places_taken),
                },
                period: action_period(a.starts_on, a.ends_on),
                margin: margin_text(a.margin_places, a.margin_taken),
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
        chart,
        structure_id: d.structure_id,
        structure_name: d.structure_name,
        on: fr_date(d.on),
        until: fr_date(d.sessions_until),
        occupation: percent(d.totals.occupation_percent),
        totals: d.totals,
        actions,
        sessions,
        is_operator: me.role() == Role::Operator,
    };
    Ok(Html(page.render().map_err(template_failure)?))
}
