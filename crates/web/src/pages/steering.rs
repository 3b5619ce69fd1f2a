//! The steering page (`/pilotage`): the pathway's two legal delays for a
//! period, seen at a date, month by month, with a chart and the people
//! behind each figure (`/pilotage/personnes`).

use crate::auth::CurrentUser;
use crate::error::PageError;
use crate::extract::Query;
use crate::layout::Layout;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Html;
use parcours_app::steering::{self, Delays};
use parcours_app::Failure;
use parcours_domain::clock::{fr_date, fr_days};
use parcours_domain::deadline::OrientationKind;
use parcours_domain::steering::{
    DelayFigures, DelayReport, OfferCell, OfferFigures, SteeringInput, StockCell, StockFigures,
    OFFER_DEFINITION, STOCK_DEFINITION,
};
use parcours_domain::Invalid;
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
    input: SteeringInput,
    errors: Invalid,
    territories: Vec<(String, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    seen_at: String,
    stock: Vec<Row>,
    stock_definition: &'static str,
    offer: Vec<Row>,
    offer_wait: String,
    offer_definition: &'static str,
    tables: Vec<Table>,
}

pub async fn delays(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Query(input): Query<SteeringInput>,
) -> Result<Html<String>, PageError> {
    let territories = steering::territories(&state, &me).await?;
    let layout = Layout::new(&session, &me, "Pilotage : délais", "/pilotage").await?;
    let (errors, seen_at, tables) = match steering::delays(&state, &me, &input).await {
        Ok(delays) => (
            Invalid::new(),
            fr_date(delays.filter.at),
            tables(&delays, &input),
        ),
        Err(Failure::Invalid(errors)) => (errors, String::new(), Vec::new()),
        Err(other) => return Err(other.into()),
    };
    let (stock, offer) = match errors.is_empty() {
        true => (
            stock_rows(
                &steering::stock(&state, &me, &input).await?.1,
                &query(&input),
            ),
            Some(steering::offer(&state, &me, &input).await?),
        ),
        false => (Vec::new(), None),
    };
    let page = DelaysPage {
        layout,
        errors,
        territories: territories
            .into_iter()
            .map(|t| (t.id.to_string(), t.name))
            .collect(),
        kinds: OrientationKind::ALL
            .iter()
            .map(|k| (k.code(), k.label()))
            .collect(),
        seen_at,
        stock,
        stock_definition: STOCK_DEFINITION,
        offer_wait: offer.as_ref().map(wait_text).unwrap_or_default(),
        offer: offer
            .map(|o| offer_rows(&o, &query(&input)))
            .unwrap_or_default(),
        offer_definition: OFFER_DEFINITION,
        tables,
        input,
    };
    Ok(Html(page.render()?))
}

/// The stock's lines: each figure and the link to its people.
fn stock_rows(figures: &StockFigures, filter: &str) -> Vec<Row> {
    let line = |label: String, cell: StockCell, n: i64| Row {
        label,
        cells: vec![Cell {
            text: n.to_string(),
            href: match n {
                0 => String::new(),
                _ => format!("/pilotage/stock?cellule={}{filter}", cell.code()),
            },
        }],
    };
    let mut rows = vec![
        line(
            StockCell::InDuties.label(),
            StockCell::InDuties,
            figures.in_duties,
        ),
        line(
            StockCell::Oriented(None).label(),
            StockCell::Oriented(None),
            figures.oriented,
        ),
    ];
    for (kind, n) in &figures.oriented_by_kind {
        let cell = StockCell::Oriented(Some(*kind));
        rows.push(line(format!("— dont {}", kind.label()), cell, *n));
    }
    rows.push(line(
        StockCell::NotOriented.label(),
        StockCell::NotOriented,
        figures.not_oriented,
    ));
    rows.push(line(
        StockCell::ContractInForce.label(),
        StockCell::ContractInForce,
        figures.contract_in_force,
    ));
    rows.push(line(
        StockCell::WithoutReferent.label(),
        StockCell::WithoutReferent,
        figures.without_referent,
    ));
    rows.push(line(
        StockCell::Late(None).label(),
        StockCell::Late(None),
        figures.late,
    ));
    for (clock, n) in &figures.late_by_clock {
        let cell = StockCell::Late(Some(*clock));
        rows.push(line(format!("— dont {}", clock.label()), cell, *n));
    }
    rows
}

/// The offer's lines: each figure and the link to its positionings.
fn offer_rows(figures: &OfferFigures, filter: &str) -> Vec<Row> {
    let line = |label: String, cell: OfferCell, n: i64| Row {
        label,
        cells: vec![Cell {
            text: n.to_string(),
            href: match n {
                0 => String::new(),
                _ => format!("/pilotage/offre?cellule={}{filter}", cell.code()),
            },
        }],
    };
    let mut rows = vec![line(
        OfferCell::All.label(),
        OfferCell::All,
        figures.positionings,
    )];
    for (status, n) in figures.by_status.iter().filter(|(_, n)| *n > 0) {
        rows.push(line(
            format!("— {}", status.label()),
            OfferCell::Status(*status),
            *n,
        ));
    }
    for (reason, n) in figures.by_refusal_reason.iter().filter(|(_, n)| *n > 0) {
        let cell = OfferCell::Refusal(*reason);
        rows.push(line(cell.label(), cell, *n));
    }
    for (situation, n) in &figures.by_exit_situation {
        let cell = OfferCell::Exit(*situation);
        rows.push(line(cell.label(), cell, *n));
    }
    for (situation, n) in &figures.by_situation_4_weeks {
        let cell = OfferCell::FourWeeks(*situation);
        rows.push(line(cell.label(), cell, *n));
    }
    rows
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

/// The filter in a link's query.
fn query(input: &SteeringInput) -> String {
    let pairs = [
        ("from", &input.from),
        ("to", &input.to),
        ("at", &input.at),
        ("territory_id", &input.territory_id),
        ("organisation_id", &input.organisation_id),
        ("orientation_kind", &input.orientation_kind),
    ];
    pairs
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("&{k}={}", urlencoding(v.trim())))
        .collect()
}

/// Dates, ids and codes only: nothing to escape but what a hand typed.
fn urlencoding(value: &str) -> String {
    value
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "-_".contains(*c))
        .collect()
}

fn tables(delays: &Delays, input: &SteeringInput) -> Vec<Table> {
    delays
        .reports
        .iter()
        .map(|report| table(report, &query(input)))
        .collect()
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
        let count = |cell: &str, n: i64| Cell {
            text: n.to_string(),
            href: link(month, cell, n),
        };
        let share = |cell: &str, n: i64| Cell {
            text: match f.done {
                0 => format!("{n}"),
                done => format!("{n} ({} %)", n * 100 / done),
            },
            href: link(month, cell, n),
        };
        let days = |d: Option<f64>| Cell {
            text: d.map_or("—".to_owned(), |d| format!("{d:.1}").replace('.', ",")),
            href: String::new(),
        };
        let mut cells = vec![
            count("entres", f.started),
            count("termines", f.done),
            count("en_attente", f.waiting),
            days(f.mean_days),
            days(f.median_days),
            days(f.p90_days.map(|d| d as f64)),
        ];
        if let Some(n) = f.within_target {
            cells.push(share("dans_la_cible", n));
        }
        cells.push(share("dans_le_delai_legal", f.within_legal));
        cells.push(count("hors_delai_legal", f.done - f.within_legal));
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
    rows: Vec<PersonRow>,
}

pub async fn people(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Query(q): Query<PeopleQuery>,
) -> Result<Html<String>, PageError> {
    let list =
        steering::delay_people(&state, &me, &q.filter, &q.delai, &q.cellule, &q.mois).await?;
    let layout = Layout::new(&session, &me, "Pilotage : personnes", "/pilotage").await?;
    let title = format!(
        "{} — {}{}",
        list.kind.label(),
        list.cell.label(),
        list.month
            .map(|m| format!(" — {}", m.label()))
            .unwrap_or_default()
    );
    let page = PeoplePage {
        layout,
        title,
        back: format!("/pilotage?{}", query(&q.filter).trim_start_matches('&')),
        rows: list
            .people
            .iter()
            .map(|(p, case)| PersonRow {
                id: p.id.to_string(),
                name: format!("{} {}", p.last_name, p.first_names),
                started: fr_date(case.started_on),
                ended: case.ended_on.map(fr_date).unwrap_or_else(|| "—".into()),
                days: case
                    .days()
                    .map(fr_days)
                    .unwrap_or_else(|| "en attente".into()),
            })
            .collect(),
    };
    Ok(Html(page.render()?))
}

#[derive(Deserialize, Default)]
pub struct StockQuery {
    #[serde(default)]
    cellule: String,
    #[serde(flatten)]
    filter: SteeringInput,
}

#[derive(Template)]
#[template(path = "steering/stock_people.html")]
struct StockPeoplePage {
    layout: Layout,
    title: String,
    back: String,
    rows: Vec<(String, String)>,
}

pub async fn stock_people(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Query(q): Query<StockQuery>,
) -> Result<Html<String>, PageError> {
    let (cell, people) = steering::stock_people(&state, &me, &q.filter, &q.cellule).await?;
    let layout = Layout::new(&session, &me, "Pilotage : personnes", "/pilotage").await?;
    let page = StockPeoplePage {
        layout,
        title: cell.label(),
        back: format!("/pilotage?{}", query(&q.filter).trim_start_matches('&')),
        rows: people
            .into_iter()
            .map(|p| {
                (
                    p.id.to_string(),
                    format!("{} {}", p.last_name, p.first_names),
                )
            })
            .collect(),
    };
    Ok(Html(page.render()?))
}

#[derive(Template)]
#[template(path = "steering/offer_people.html")]
struct OfferPeoplePage {
    layout: Layout,
    title: String,
    back: String,
    rows: Vec<PersonRow>,
}

pub async fn offer_people(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Query(q): Query<StockQuery>,
) -> Result<Html<String>, PageError> {
    let (cell, listed) = steering::offer_people(&state, &me, &q.filter, &q.cellule).await?;
    let layout = Layout::new(&session, &me, "Pilotage : positionnements", "/pilotage").await?;
    let page = OfferPeoplePage {
        layout,
        title: cell.label(),
        back: format!("/pilotage?{}", query(&q.filter).trim_start_matches('&')),
        rows: listed
            .iter()
            .map(|(p, line)| PersonRow {
                id: p.id.to_string(),
                name: format!("{} {}", p.last_name, p.first_names),
                started: fr_date(line.positioned_on),
                ended: line.entered_on.map(fr_date).unwrap_or_else(|| "—".into()),
                days: line.status.label().to_owned(),
            })
            .collect(),
    };
    Ok(Html(page.render()?))
}
