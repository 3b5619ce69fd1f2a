//! The référent's caseload, the deadlines (late and due soon) and the
//! département's delays.

use crate::auth::CurrentUser;
use crate::chart::Chart;
use crate::error::{Failure, PageError};
use crate::extract::{Form, Query};
use crate::layout::{flash, Layout};
use crate::view::{download, fr_days, fr_opt, query_without, without_format};
use crate::AppState;
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use parcours_app::clock::today;
use parcours_app::deadline::{self, Delivery, Tally};
use parcours_app::spreadsheet::{Sheet, Value};
use parcours_domain::deadline::{ClockKind, DeadlineSettings};
use parcours_domain::worklist::{
    days_late, ListColumn, ListInput, ListLine, ListSort, PathwayStage,
};
use parcours_domain::{Invalid, Permission};
use serde::Deserialize;
use time::Date;
use tower_sessions::Session;
use uuid::Uuid;

/// A line of the caseload or of the deadline list, as shown and downloaded.
pub struct WorkRow {
    pub person_id: String,
    pub name: String,
    pub clock: &'static str,
    pub due: String,
    pub late: bool,
    /// « 3 jours » late, « aujourd'hui », « dans 2 jours ».
    pub delay: String,
    pub stage: &'static str,
    pub contract_end: String,
    pub action: String,
    pub referent: String,
    /// To orient or to contract: may be convoked from the list.
    pub convocable: bool,
    /// Under a contrat d'engagement: last week's hours done of the
    /// contract's (« 9 h / 15 h »), and whether the référent is alerted.
    pub hours: Option<(String, bool)>,
}

fn work_row(person_id: Uuid, line: &impl ListLine, today: Date) -> WorkRow {
    let facts = line.facts();
    let days = facts.due_on.map(|due| days_late(due, today));
    WorkRow {
        person_id: person_id.to_string(),
        name: format!("{} {}", facts.last_name.to_uppercase(), facts.first_names),
        clock: facts.clock.map_or("—", ClockKind::label),
        due: fr_opt(facts.due_on),
        late: days.is_some_and(|d| d > 0),
        delay: match days {
            Some(late) if late > 0 => fr_days(late),
            Some(0) => "aujourd'hui".to_owned(),
            Some(soon) => format!("dans {}", fr_days(-soon)),
            None => String::new(),
        },
        stage: facts.stage.label(),
        contract_end: fr_opt(facts.contract_ends_on),
        action: facts.action.unwrap_or_default().to_owned(),
        referent: facts.referent.unwrap_or("—").to_owned(),
        convocable: matches!(
            facts.stage,
            PathwayStage::Orientation | PathwayStage::Contract
        ),
        hours: None,
    }
}

/// A column header: a link that sorts on it (the other way round when it
/// is the current one), `aria-sort` on the current one.
pub struct Header {
    pub label: &'static str,
    pub href: String,
    pub aria_sort: &'static str,
}

/// The columns of a list; the deadline list adds the référent.
fn columns(with_referent: bool) -> Vec<ListColumn> {
    let mut columns = vec![
        ListColumn::Name,
        ListColumn::Stage,
        ListColumn::Clock,
        ListColumn::Due,
        ListColumn::DaysLate,
        ListColumn::ContractEnd,
        ListColumn::Action,
    ];
    if with_referent {
        columns.push(ListColumn::Referent);
    }
    columns
}

/// The headers of `columns`, linking to `path` with the list's query
/// (its filters) and their sort.
fn headers(columns: &[ListColumn], path: &str, raw: Option<&str>, sort: ListSort) -> Vec<Header> {
    let filters = query_without(raw, &["tri", "ordre", "format"]);
    columns
        .iter()
        .map(|&column| {
            let current = column == sort.column;
            // Days late read most first; every other column from the start.
            let descending = if current {
                !sort.descending
            } else {
                column == ListColumn::DaysLate
            };
            let order = if descending { "desc" } else { "asc" };
            let and = if filters.is_empty() { "" } else { "&" };
            Header {
                label: column.label(),
                href: format!("{path}?{filters}{and}tri={}&ordre={order}", column.code()),
                aria_sort: match (current, sort.descending) {
                    (false, _) => "",
                    (true, true) => "descending",
                    (true, false) => "ascending",
                },
            }
        })
        .collect()
}

/// The rows as a sheet, with the columns the page shows.
fn sheet(name: &str, columns: &[ListColumn], rows: &[WorkRow]) -> Sheet {
    let cell = |row: &WorkRow, column: ListColumn| -> Value {
        match column {
            ListColumn::Name => row.name.clone(),
            ListColumn::Stage => row.stage.to_owned(),
            ListColumn::Clock => row.clock.to_owned(),
            ListColumn::Due => row.due.clone(),
            ListColumn::DaysLate => row.delay.clone(),
            ListColumn::ContractEnd => row.contract_end.clone(),
            ListColumn::Action => row.action.clone(),
            ListColumn::Referent => row.referent.clone(),
        }
        .into()
    };
    Sheet {
        name: name.to_owned(),
        headers: columns.iter().map(|c| c.label().to_owned()).collect(),
        rows: rows
            .iter()
            .map(|row| columns.iter().map(|c| cell(row, *c)).collect())
            .collect(),
    }
}

/// The filters' form: its values and choices.
pub struct Filters {
    /// Where the form is sent.
    pub action: &'static str,
    pub input: ListInput,
    /// The whole scope of a référent (`tout=1`), kept by the form.
    pub all: bool,
    pub stages: Vec<(&'static str, &'static str)>,
    pub clocks: Vec<(&'static str, &'static str)>,
}

impl Filters {
    fn of(action: &'static str, input: ListInput, all: bool) -> Filters {
        Filters {
            action,
            input,
            all,
            stages: PathwayStage::choices(),
            clocks: ClockKind::ALL
                .iter()
                .map(|k| (k.code(), k.label()))
                .collect(),
        }
    }

    pub fn late_only(&self) -> bool {
        matches!(self.input.late.trim(), "1" | "true")
    }

    /// Whether a filter narrows the list (an empty list then says so).
    pub fn active(&self) -> bool {
        self.late_only()
            || !self.input.stage.trim().is_empty()
            || !self.input.clock.trim().is_empty()
    }
}

#[derive(Deserialize, Default)]
pub struct CaseloadQuery {
    /// csv or xlsx: the list as a file.
    #[serde(default)]
    format: String,
    #[serde(flatten)]
    list: ListInput,
}

#[derive(Template)]
#[template(path = "deadline/caseload.html")]
struct CaseloadPage {
    layout: Layout,
    filters: Filters,
    headers: Vec<Header>,
    rows: Vec<WorkRow>,
    with_referent: bool,
    /// The list's query, for its downloads.
    download: String,
    /// The caller may tick people to convoke them.
    convoke: bool,
    /// The weekly hours column (the caseload).
    with_hours: bool,
}

pub async fn caseload(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    RawQuery(raw): RawQuery,
    Query(q): Query<CaseloadQuery>,
) -> Result<Response, PageError> {
    let filter = q.list.parse()?;
    let delivery = delivery(&q.format);
    let today = today();
    let lines = deadline::caseload(&state, &me, &filter, delivery).await?;
    let mut hours = parcours_app::weekly_hours::of_caseload(&state, &me, &lines).await?;
    let rows: Vec<WorkRow> = lines
        .iter()
        .map(|line| WorkRow {
            hours: hours.remove(&line.person.id).map(|h| hours_cell(&h)),
            ..work_row(line.person.id, line, today)
        })
        .collect();
    let columns = columns(false);
    if let Some(file) = download(
        &q.format,
        "portefeuille",
        sheet("Portefeuille", &columns, &rows),
    )? {
        return Ok(file);
    }
    let layout = Layout::new(&session, &me, "Mon portefeuille", "/portefeuille").await?;
    let page = CaseloadPage {
        layout,
        headers: headers(&columns, "/portefeuille", raw.as_deref(), filter.sort),
        filters: Filters::of("/portefeuille", q.list, false),
        rows,
        with_referent: false,
        download: without_format(raw.as_deref()),
        convoke: me.role().can(Permission::PlanMeetings),
        with_hours: true,
    };
    Ok(Html(page.render()?).into_response())
}

/// Last week's hours done of the contract's, and the alert.
fn hours_cell(h: &parcours_domain::weekly_hours::WeeklyHours) -> (String, bool) {
    use parcours_domain::weekly_hours::fr_hours;
    let done = h.last_week().map_or(0, |w| w.done_minutes);
    let text = match h.contract_hours {
        0 => format!("{} (dispense)", fr_hours(done)),
        hours => format!("{} / {}", fr_hours(done), fr_hours(hours * 60)),
    };
    (text, h.alert)
}

/// A file asked for is a download in the audit trail (`download` checks the format).
fn delivery(format: &str) -> Delivery {
    match format.trim() {
        "csv" | "xlsx" => Delivery::Downloaded,
        _ => Delivery::Shown,
    }
}

#[derive(Template)]
#[template(path = "deadline/deadlines.html")]
struct DeadlinesPage {
    layout: Layout,
    filters: Filters,
    headers: Vec<Header>,
    rows: Vec<WorkRow>,
    with_referent: bool,
    download: String,
    convoke: bool,
    with_hours: bool,
    mine_only: bool,
    can_choose: bool,
    /// The list stops at the most urgent; the counts are exact.
    truncated: bool,
    late_count: i64,
    soon_count: i64,
    /// For those who see more than their own caseload: what the filters
    /// select, counted by référent and by organisation…
    by_referent: Vec<Tally>,
    by_organisation: Vec<Tally>,
    /// …and the late clocks by kind and by référent, as bars with their tables.
    late_charts: Vec<Chart>,
}

#[derive(Deserialize, Default)]
pub struct DeadlinesQuery {
    #[serde(default)]
    pub tout: Option<String>,
    #[serde(default)]
    format: String,
    #[serde(flatten)]
    list: ListInput,
}

pub async fn deadlines(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    RawQuery(raw): RawQuery,
    Query(q): Query<DeadlinesQuery>,
) -> Result<Response, PageError> {
    let filter = q.list.parse()?;
    let is_referent = me.role() == parcours_domain::Role::Referent;
    let mine_only = is_referent && q.tout.is_none();
    let today = today();
    let rows: Vec<WorkRow> = deadline::due(&state, &me, mine_only, &filter, delivery(&q.format))
        .await?
        .iter()
        .map(|clock| work_row(clock.person_id, clock, today))
        .collect();
    let columns = columns(!mine_only);
    if let Some(file) = download(&q.format, "echeances", sheet("Échéances", &columns, &rows))? {
        return Ok(file);
    }
    let counts = deadline::counts(&state, &me, mine_only, &filter).await?;
    let truncated = (rows.len() as i64) < counts.late + counts.soon;
    let late_charts = if mine_only {
        Vec::new()
    } else {
        let figure = |n: i64| n.to_string();
        vec![
            Chart::of(
                "graphe-retards-nature",
                "Échéances en retard par nature",
                counts
                    .late_by_kind
                    .iter()
                    .map(|(k, n)| (k.label().to_owned(), *n, figure(*n))),
            )
            .headed("Nature"),
            Chart::of(
                "graphe-retards-referent",
                "Échéances en retard par référent",
                counts
                    .late_by_referent()
                    .into_iter()
                    .map(|(r, n)| (r, n, figure(n))),
            )
            .headed("Référent"),
        ]
    };
    let layout = Layout::new(&session, &me, "Échéances", "/echeances").await?;
    let page = DeadlinesPage {
        layout,
        headers: headers(&columns, "/echeances", raw.as_deref(), filter.sort),
        filters: Filters::of("/echeances", q.list, !mine_only && is_referent),
        rows,
        with_referent: !mine_only,
        download: without_format(raw.as_deref()),
        convoke: me.role().can(Permission::PlanMeetings),
        with_hours: false,
        mine_only,
        can_choose: is_referent,
        truncated,
        late_count: counts.late,
        soon_count: counts.soon,
        by_referent: if mine_only {
            Vec::new()
        } else {
            counts.by_referent
        },
        by_organisation: if mine_only {
            Vec::new()
        } else {
            counts.by_organisation
        },
        late_charts,
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Deserialize, Default)]
pub struct SettingsForm {
    #[serde(default)]
    orientation_target_days: String,
    #[serde(default)]
    orientation_legal_days: String,
    #[serde(default)]
    contract_days: String,
    #[serde(default)]
    contract_days_social_before_2025: String,
    #[serde(default)]
    social_review_months: String,
    #[serde(default)]
    social_review_extended_months: String,
    #[serde(default)]
    due_soon_days: String,
    #[serde(default)]
    offer_days: String,
    #[serde(default)]
    hours_alert_weeks: String,
}

impl SettingsForm {
    fn of(s: &DeadlineSettings) -> SettingsForm {
        SettingsForm {
            orientation_target_days: s.orientation_target_days.to_string(),
            orientation_legal_days: s.orientation_legal_days.to_string(),
            contract_days: s.contract_days.to_string(),
            contract_days_social_before_2025: s.contract_days_social_before_2025.to_string(),
            social_review_months: s.social_review_months.to_string(),
            social_review_extended_months: s.social_review_extended_months.to_string(),
            due_soon_days: s.due_soon_days.to_string(),
            offer_days: s.offer_days.to_string(),
            hours_alert_weeks: s.hours_alert_weeks.to_string(),
        }
    }

    fn parse(&self) -> Result<DeadlineSettings, Invalid> {
        let mut invalid = Invalid::new();
        let mut number = |field: &str, raw: &str| -> i64 {
            raw.trim().parse().unwrap_or_else(|_| {
                invalid.add(field, "Indiquez un nombre entier.");
                0
            })
        };
        let settings = DeadlineSettings {
            orientation_target_days: number(
                "orientation_target_days",
                &self.orientation_target_days,
            ),
            orientation_legal_days: number("orientation_legal_days", &self.orientation_legal_days),
            contract_days: number("contract_days", &self.contract_days),
            contract_days_social_before_2025: number(
                "contract_days_social_before_2025",
                &self.contract_days_social_before_2025,
            ),
            social_review_months: number("social_review_months", &self.social_review_months),
            social_review_extended_months: number(
                "social_review_extended_months",
                &self.social_review_extended_months,
            ),
            due_soon_days: number("due_soon_days", &self.due_soon_days),
            offer_days: number("offer_days", &self.offer_days),
            hours_alert_weeks: number("hours_alert_weeks", &self.hours_alert_weeks),
        };
        invalid.into_result(settings)
    }
}

#[derive(Template)]
#[template(path = "deadline/settings.html")]
struct SettingsPage {
    layout: Layout,
    form: SettingsForm,
    errors: Invalid,
}

pub async fn settings(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
) -> Result<Html<String>, PageError> {
    let form = SettingsForm::of(&deadline::settings_to_change(&state, &me).await?);
    let layout = Layout::new(&session, &me, "Délais", "/admin/delais").await?;
    Ok(Html(
        SettingsPage {
            layout,
            form,
            errors: Invalid::new(),
        }
        .render()?,
    ))
}

pub async fn save_settings(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Form(form): Form<SettingsForm>,
) -> Result<Response, PageError> {
    // Checked before the typed numbers are parsed: the form is re-shown with its errors.
    me.require(Permission::ManageSettings)?;
    let saved = match form.parse() {
        Ok(settings) => deadline::save_settings(&state, &me, &settings).await,
        Err(errors) => Err(Failure::Invalid(errors)),
    };
    match saved {
        Ok(()) => {
            flash(&session, "Les délais sont enregistrés ; les échéances de tous les dossiers sont recalculées.").await?;
            Ok(Redirect::to("/admin/delais").into_response())
        }
        Err(Failure::Invalid(errors)) => {
            let layout = Layout::new(&session, &me, "Délais", "/admin/delais").await?;
            let page = SettingsPage {
                layout,
                form,
                errors,
            };
            Ok((
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                Html(page.render()?),
            )
                .into_response())
        }
        Err(other) => Err(other.into()),
    }
}
