//! The steering page (`/pilotage`): the pathway's two legal delays for a
//! period, seen at a date, month by month, with a chart and the people
//! behind each figure (`/pilotage/personnes`).

use crate::auth::CurrentUser;
use crate::error::PageError;
use crate::extract::Query;
use crate::layout::Layout;
use crate::view::{attachment, download, without_format};
use crate::AppState;
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::{Html, IntoResponse, Response};
use parcours_app::spreadsheet::{Sheet, Value};
use parcours_app::steering;
use parcours_app::Failure;
use parcours_domain::clock::{fr_date, fr_days};
use parcours_domain::deadline::OrientationKind;
use parcours_domain::occupation::{OccupationFigures, OccupationRow, OCCUPATION_DEFINITION};
use parcours_domain::steering::{
    DelayCell, DelayFigures, DelayReport, OfferFigures, SteeringInput, OFFER_DEFINITION,
    STOCK_DEFINITION,
};
use parcours_domain::Invalid;
use parcours_store::steering::SteeringPerson;
use serde::Deserialize;
use tower_sessions::Session;

/// A figure and the link to its people ("" when there is nobody).
pub struct Cell {
    pub text: String,
    pub href: String,
}

pub struct Row {
    pub label: String,
    pub cells: Vec<Cell>,
}

pub struct Bar {
    pub x: usize,
    pub height: usize,
    pub y: usize,
    pub title: String,
}

pub struct Table {
    pub title: &'static str,
    pub definition: &'static str,
    pub limits: String,
    pub has_target: bool,
    pub rows: Vec<Row>,
    pub bars: Vec<Bar>,
    pub chart_width: usize,
}

#[derive(Template)]
#[template(path = "steering/delays.html")]
struct DelaysPage {
    layout: Layout,
    /// The filter in the downloads' query.
    filter_query: String,
    input: SteeringInput,
    errors: Invalid,
    choices: steering::FilterChoices,
    kinds: Vec<(&'static str, &'static str)>,
    seen_at: String,
    stock: Vec<Row>,
    stock_definition: &'static str,
    offer: Vec<Row>,
    offer_wait: String,
    offer_definition: &'static str,
    occupation: Vec<OccupationTable>,
    occupation_definition: &'static str,
    tables: Vec<Table>,
}

pub async fn delays(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Query(input): Query<SteeringInput>,
) -> Result<Html<String>, PageError> {
    let choices = steering::filter_choices(&state, &me).await?;
    let layout = Layout::new(&session, &me, "Pilotage : délais", "/pilotage").await?;
    let filter = query(&input);
    let (errors, overview) = match steering::overview(&state, &me, &input).await {
        Ok(overview) => (Invalid::new(), Some(overview)),
        Err(Failure::Invalid(errors)) => (errors, None),
        Err(other) => return Err(other.into()),
    };
    let page = DelaysPage {
        layout,
        seen_at: overview
            .as_ref()
            .map(|o| fr_date(o.filter.at))
            .unwrap_or_default(),
        stock: overview
            .as_ref()
            .map(|o| {
                count_rows(
                    o.stock.cells(),
                    "stock",
                    |c| c.label(),
                    |c| c.code(),
                    &filter,
                )
            })
            .unwrap_or_default(),
        offer_wait: overview
            .as_ref()
            .map(|o| wait_text(&o.offer))
            .unwrap_or_default(),
        offer: overview
            .as_ref()
            .map(|o| {
                count_rows(
                    o.offer.cells(),
                    "offre",
                    |c| c.label(),
                    |c| c.code(),
                    &filter,
                )
            })
            .unwrap_or_default(),
        occupation: overview
            .as_ref()
            .map(|o| occupation_tables(&o.occupation, &filter))
            .unwrap_or_default(),
        occupation_definition: OCCUPATION_DEFINITION,
        tables: overview
            .as_ref()
            .map(|o| o.reports.iter().map(|r| table(r, &filter)).collect())
            .unwrap_or_default(),
        errors,
        choices,
        kinds: OrientationKind::ALL
            .iter()
            .map(|k| (k.code(), k.label()))
            .collect(),
        stock_definition: STOCK_DEFINITION,
        offer_definition: OFFER_DEFINITION,
        filter_query: filter,
        input,
    };
    Ok(Html(page.render()?))
}

/// A table of counts (the stock, the offer): each figure with its label
/// and the link to its list (`/pilotage/{list}?cellule=…`), none when it
/// counts nobody.
fn count_rows<C: Copy>(
    cells: Vec<(C, i64)>,
    list: &str,
    label: impl Fn(C) -> String,
    code: impl Fn(C) -> String,
    filter: &str,
) -> Vec<Row> {
    cells
        .into_iter()
        .map(|(cell, n)| Row {
            label: label(cell),
            cells: vec![Cell {
                text: n.to_string(),
                href: match n {
                    0 => String::new(),
                    _ => format!("/pilotage/{list}?cellule={}{filter}", code(cell)),
                },
            }],
        })
        .collect()
}

/// One of the occupation's two tables, and its rank in the downloads.
pub struct OccupationTable {
    caption: &'static str,
    heading: &'static str,
    rank: usize,
    rows: Vec<Row>,
}

fn occupation_tables(figures: &OccupationFigures, filter: &str) -> Vec<OccupationTable> {
    vec![
        OccupationTable {
            caption: "par famille d'actions",
            heading: "Famille",
            rank: 2,
            rows: occupation_rows(&figures.by_family, filter),
        },
        OccupationTable {
            caption: "par structure",
            heading: "Structure",
            rank: 3,
            rows: occupation_rows(&figures.by_structure, filter),
        },
    ]
}

/// An occupation table: actions, places, participants (linked to their
/// list at `/pilotage/occupation`) and the rate.
fn occupation_rows(rows: &[OccupationRow], filter: &str) -> Vec<Row> {
    rows.iter()
        .map(|r| Row {
            label: r.label.clone(),
            cells: vec![
                Cell {
                    text: r.actions.to_string(),
                    href: String::new(),
                },
                Cell {
                    text: r.places.to_string(),
                    href: String::new(),
                },
                Cell {
                    text: r.participants.to_string(),
                    href: match r.participants {
                        0 => String::new(),
                        _ => format!(
                            "/pilotage/occupation?cellule={}{filter}",
                            query_value(&r.cell)
                        ),
                    },
                },
                Cell {
                    text: r
                        .occupation_percent
                        .map_or_else(|| "—".to_owned(), |p| format!("{p} %")),
                    href: String::new(),
                },
            ],
        })
        .collect()
}

/// « 12 entrées sur une action ; attente avant l'entrée : moyenne 9,5 jours… ».
fn wait_text(figures: &OfferFigures) -> String {
    let days = |d: Option<f64>| d.map_or("—".to_owned(), |d| format!("{d:.1}").replace('.', ","));
    format!(
        "{} entrée{} sur une action ; attente avant l'entrée : moyenne {} jours, médiane {} jours.",
        figures.entries,
        if figures.entries > 1 { "s" } else { "" },
        days(figures.wait_mean_days),
        days(figures.wait_median_days)
    )
}

/// The filter in a link's query: `&from=…` for each field typed.
fn query(input: &SteeringInput) -> String {
    let pairs = [
        ("from", &input.from),
        ("to", &input.to),
        ("at", &input.at),
        ("territory_id", &input.territory_id),
        ("organisation_id", &input.organisation_id),
        ("orientation_kind", &input.orientation_kind),
        ("referent_id", &input.referent_id),
    ];
    let typed: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (*k, v.trim()))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    match serde_urlencoded::to_string(&typed) {
        Ok(text) if !text.is_empty() => format!("&{text}"),
        _ => String::new(),
    }
}

fn table(report: &DelayReport, filter: &str) -> Table {
    let link = |month: &str, cell: &str, count: i64| {
        if count == 0 {
            String::new()
        } else {
            format!(
                "/pilotage/personnes?delai={}&cellule={cell}&mois={month}{filter}",
                report.kind.code()
            )
        }
    };
    let row = |label: String, month: &str, f: &DelayFigures| {
        let count = |(cell, n): &(DelayCell, i64)| Cell {
            text: match (cell, f.done) {
                (DelayCell::WithinTarget | DelayCell::WithinLegal, done) if done > 0 => {
                    format!("{n} ({} %)", n * 100 / done)
                }
                _ => n.to_string(),
            },
            href: link(month, cell.code(), *n),
        };
        let days = |d: Option<f64>| Cell {
            text: d.map_or("—".to_owned(), |d| format!("{d:.1}").replace('.', ",")),
            href: String::new(),
        };
        // Counts, days, then the counts against the references (the
        // columns of the template).
        let counts = f.cells();
        let (started, ends) = counts.split_at(3);
        let mut cells: Vec<Cell> = started.iter().map(count).collect();
        cells.extend([
            days(f.mean_days),
            days(f.median_days),
            days(f.p90_days.map(|d| d as f64)),
        ]);
        cells.extend(ends.iter().map(count));
        Row { label, cells }
    };
    let mut rows: Vec<Row> = report
        .months
        .iter()
        .map(|m| row(m.month.label(), &m.month.code(), &m.figures))
        .collect();
    rows.push(row("Toute la période".to_owned(), "", &report.total));
    const STEP: usize = 36;
    const HEIGHT: usize = 100;
    let bars = report
        .months
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let f = &m.figures;
            let share = match f.done {
                0 => 0,
                done => (f.within_legal * 100 / done) as usize,
            };
            Bar {
                x: 8 + i * STEP,
                height: share * HEIGHT / 100,
                y: 10 + HEIGHT - share * HEIGHT / 100,
                title: format!(
                    "{} : {share} % dans le délai légal ({} sur {})",
                    m.month.label(),
                    f.within_legal,
                    f.done
                ),
            }
        })
        .collect::<Vec<_>>();
    Table {
        title: report.kind.label(),
        definition: report.definition,
        limits: match report.limits.target_days {
            Some(target) => format!(
                "Cible : {} ; délai légal : {}.",
                fr_days(target),
                fr_days(report.limits.legal_days)
            ),
            None => format!("Délai légal : {}.", fr_days(report.limits.legal_days)),
        },
        has_target: report.limits.target_days.is_some(),
        chart_width: 16 + bars.len().max(1) * STEP,
        rows,
        bars,
    }
}

#[derive(Deserialize, Default)]
pub struct PeopleQuery {
    #[serde(default)]
    delai: String,
    #[serde(default)]
    cellule: String,
    #[serde(default)]
    mois: String,
    /// csv or xlsx: the list as a file.
    #[serde(default)]
    format: String,
    #[serde(flatten)]
    filter: SteeringInput,
}

pub struct PersonRow {
    pub id: String,
    pub name: String,
    pub started: String,
    pub ended: String,
    pub days: String,
}

#[derive(Template)]
#[template(path = "steering/people.html")]
struct PeoplePage {
    layout: Layout,
    title: String,
    back: String,
    download: String,
    rows: Vec<PersonRow>,
}

/// Rows of people as a sheet: the name, then the columns given.
pub(crate) fn people_sheet(title: &str, headers: &[&str], rows: Vec<Vec<Value>>) -> Sheet {
    let mut all = vec!["Personne".to_owned()];
    all.extend(headers.iter().map(|h| (*h).to_owned()));
    Sheet {
        name: title.chars().take(31).collect(),
        headers: all,
        rows,
    }
}

/// People as a list shows them: (id, name).
pub(crate) fn named(people: &[SteeringPerson]) -> Vec<(String, String)> {
    people
        .iter()
        .map(|p| (p.id.to_string(), p.name()))
        .collect()
}

/// A list of names as a sheet.
pub(crate) fn names_sheet(rows: &[(String, String)]) -> Sheet {
    people_sheet(
        "Personnes",
        &[],
        rows.iter()
            .map(|(_, name)| vec![name.clone().into()])
            .collect(),
    )
}

impl PersonRow {
    fn cells(&self) -> Vec<Value> {
        vec![
            self.name.clone().into(),
            self.started.clone().into(),
            self.ended.clone().into(),
            self.days.clone().into(),
        ]
    }
}

pub async fn people(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    RawQuery(raw): RawQuery,
    Query(q): Query<PeopleQuery>,
) -> Result<Response, PageError> {
    let list =
        steering::delay_people(&state, &me, &q.filter, &q.delai, &q.cellule, &q.mois).await?;
    let title = format!(
        "{} — {}{}",
        list.kind.label(),
        list.cell.label(),
        list.month
            .map(|m| format!(" — {}", m.label()))
            .unwrap_or_default()
    );
    let rows: Vec<PersonRow> = list
        .people
        .iter()
        .map(|(p, case)| PersonRow {
            id: p.id.to_string(),
            name: p.name(),
            started: fr_date(case.started_on),
            ended: case.ended_on.map(fr_date).unwrap_or_else(|| "—".into()),
            days: case
                .days()
                .map(fr_days)
                .unwrap_or_else(|| "en attente".into()),
        })
        .collect();
    let sheet = people_sheet(
        "Personnes",
        &["Début du délai", "Fin", "Délai"],
        rows.iter().map(PersonRow::cells).collect(),
    );
    if let Some(file) = download(&q.format, "pilotage-personnes", sheet)? {
        return Ok(file);
    }
    let layout = Layout::new(&session, &me, "Pilotage : personnes", "/pilotage").await?;
    let page = PeoplePage {
        layout,
        title,
        back: format!("/pilotage?{}", query(&q.filter).trim_start_matches('&')),
        download: without_format(raw.as_deref()),
        rows,
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Deserialize, Default)]
pub struct StockQuery {
    #[serde(default)]
    cellule: String,
    /// csv or xlsx: the list as a file.
    #[serde(default)]
    format: String,
    #[serde(flatten)]
    filter: SteeringInput,
}

/// A figure's people by name (steering, OARSA, FSE+): (id, name) rows,
/// the way back, and the list's query for its downloads.
#[derive(Template)]
#[template(path = "steering/stock_people.html")]
pub(crate) struct NamesPage {
    pub layout: Layout,
    pub title: String,
    pub back: String,
    pub download: String,
    pub rows: Vec<(String, String)>,
}

/// A value in a link's query (codes hold `:`, operation numbers `/`).
pub(crate) fn query_value(value: &str) -> String {
    serde_urlencoded::to_string([("", value)])
        .map(|s| s.trim_start_matches('=').to_owned())
        .unwrap_or_default()
}

pub async fn stock_people(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    RawQuery(raw): RawQuery,
    Query(q): Query<StockQuery>,
) -> Result<Response, PageError> {
    let (cell, people) = steering::stock_people(&state, &me, &q.filter, &q.cellule).await?;
    let rows = named(&people);
    let sheet = names_sheet(&rows);
    if let Some(file) = download(&q.format, "pilotage-situation", sheet)? {
        return Ok(file);
    }
    let layout = Layout::new(&session, &me, "Pilotage : personnes", "/pilotage").await?;
    let page = NamesPage {
        layout,
        title: cell.label(),
        back: format!("/pilotage?{}", query(&q.filter).trim_start_matches('&')),
        download: without_format(raw.as_deref()),
        rows,
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Template)]
#[template(path = "steering/offer_people.html")]
struct OfferPeoplePage {
    layout: Layout,
    title: String,
    back: String,
    download: String,
    rows: Vec<PersonRow>,
}

pub async fn offer_people(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    RawQuery(raw): RawQuery,
    Query(q): Query<StockQuery>,
) -> Result<Response, PageError> {
    let (cell, listed) = steering::offer_people(&state, &me, &q.filter, &q.cellule).await?;
    let rows: Vec<PersonRow> = listed
        .iter()
        .map(|(p, line)| PersonRow {
            id: p.id.to_string(),
            name: p.name(),
            started: fr_date(line.positioned_on),
            ended: line.entered_on.map(fr_date).unwrap_or_else(|| "—".into()),
            days: line.status.label().to_owned(),
        })
        .collect();
    let sheet = people_sheet(
        "Positionnements",
        &["Positionnée le", "Entrée le", "État"],
        rows.iter().map(PersonRow::cells).collect(),
    );
    if let Some(file) = download(&q.format, "pilotage-positionnements", sheet)? {
        return Ok(file);
    }
    let layout = Layout::new(&session, &me, "Pilotage : positionnements", "/pilotage").await?;
    let page = OfferPeoplePage {
        layout,
        title: cell.label(),
        back: format!("/pilotage?{}", query(&q.filter).trim_start_matches('&')),
        download: without_format(raw.as_deref()),
        rows,
    };
    Ok(Html(page.render()?).into_response())
}

/// Who is inside an action of one group of the occupation.
pub struct ParticipationRow {
    id: String,
    name: String,
    action: String,
    entered: String,
}

#[derive(Template)]
#[template(path = "steering/occupation_people.html")]
struct OccupationPeoplePage {
    layout: Layout,
    title: String,
    back: String,
    download: String,
    rows: Vec<ParticipationRow>,
}

pub async fn occupation_people(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    RawQuery(raw): RawQuery,
    Query(q): Query<StockQuery>,
) -> Result<Response, PageError> {
    let (title, listed) = steering::occupation_people(&state, &me, &q.filter, &q.cellule).await?;
    let rows: Vec<ParticipationRow> = listed
        .iter()
        .map(|(p, inside)| ParticipationRow {
            id: p.id.to_string(),
            name: p.name(),
            action: inside.action_name.clone(),
            entered: fr_date(inside.entered_on),
        })
        .collect();
    let sheet = people_sheet(
        "Participants",
        &["Action", "Entrée le"],
        rows.iter()
            .map(|r| {
                vec![
                    r.name.clone().into(),
                    r.action.clone().into(),
                    r.entered.clone().into(),
                ]
            })
            .collect(),
    );
    if let Some(file) = download(&q.format, "pilotage-occupation", sheet)? {
        return Ok(file);
    }
    let layout = Layout::new(&session, &me, "Pilotage : participants", "/pilotage").await?;
    let page = OccupationPeoplePage {
        layout,
        title,
        back: format!("/pilotage?{}", query(&q.filter).trim_start_matches('&')),
        download: without_format(raw.as_deref()),
        rows,
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Deserialize, Default)]
pub struct ExportQuery {
    /// The table's rank on the page (CSV: one table per file).
    #[serde(default)]
    tableau: usize,
    #[serde(flatten)]
    filter: SteeringInput,
}

/// Every table of the page as one XLSX workbook.
pub async fn export_xlsx(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<ExportQuery>,
) -> Result<Response, PageError> {
    let sheets = steering::sheets(&steering::overview(&state, &me, &q.filter).await?);
    let bytes = parcours_app::spreadsheet::xlsx(&sheets)?;
    Ok(attachment(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pilotage.xlsx",
        bytes,
    ))
}

/// One table of the page as CSV.
pub async fn export_csv(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<ExportQuery>,
) -> Result<Response, PageError> {
    let sheets = steering::sheets(&steering::overview(&state, &me, &q.filter).await?);
    let sheet = sheets.get(q.tableau).ok_or(Failure::NotFound)?;
    Ok(attachment(
        "text/csv; charset=utf-8",
        &format!("pilotage-{}.csv", q.tableau + 1),
        parcours_app::spreadsheet::csv(sheet),
    ))
}
