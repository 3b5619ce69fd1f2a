//! The DREES yearly return (`/pilotage/oarsa`): its six tables with their
//! definitions, each figure linked to its people, the data-quality list,
//! the downloads, and the chargé de mission's settings
//! (parcours_app::oarsa).

use crate::auth::CurrentUser;
use crate::chart::Chart;
use crate::error::PageError;
use crate::extract::{Form, Query};
use crate::layout::{flash, Layout};
use crate::pages::steering::{named, names_sheet, people_sheet, query_value, Cell, NamesPage, Row};
use crate::view::{attachment, download, without_format};
use crate::AppState;
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use parcours_app::oarsa::{self, Return};
use parcours_app::Failure;
use parcours_domain::clock::fr_date;
use parcours_domain::oarsa::{
    default_action_category, ActionCategory, MappingInput, OarsaSettingsInput,
    OrganisationCategory, OrganisationCategoryInput, Table,
};
use parcours_domain::{taxonomy, Invalid, Permission};
use serde::Deserialize;
use tower_sessions::Session;
use uuid::Uuid;

#[derive(Deserialize, Default)]
pub struct YearQuery {
    #[serde(default)]
    annee: String,
    /// csv or xlsx: the list as a file (the data-quality list).
    #[serde(default)]
    format: String,
}

pub struct TableView {
    pub number: u8,
    pub title: &'static str,
    pub definition: &'static str,
    pub corner: &'static str,
    pub columns: Vec<String>,
    pub rows: Vec<Row>,
}

#[derive(Template)]
#[template(path = "oarsa/tables.html")]
struct TablesPage {
    layout: Layout,
    year: String,
    errors: Invalid,
    seen_at: String,
    incomplete: usize,
    can_configure: bool,
    tables: Vec<TableView>,
    /// Table 1's people by organisation, as a chart over its table.
    chart: Chart,
}

/// Table 1's rows but its total, as a chart of people by organisation.
fn chart(report: &Return) -> Chart {
    let rows = report
        .tables
        .iter()
        .find(|t| t.number == 1)
        .map(|table| {
            table
                .rows
                .iter()
                .filter(|r| r.heading.code != "total")
                .map(|r| {
                    let count = r.cells.first().and_then(|c| c.count()).unwrap_or(0);
                    (r.heading.label.clone(), count, count.to_string())
                })
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    Chart::of(
        "graphe-oarsa",
        "Personnes en droits et devoirs selon l'organisme référent (détail dans le tableau 1)",
        rows,
    )
}

pub async fn oarsa(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Query(q): Query<YearQuery>,
) -> Result<Html<String>, PageError> {
    let layout = Layout::new(&session, &me, "Pilotage : retour OARSA", "/pilotage").await?;
    let (errors, report) = match oarsa::oarsa(&state, &me, &q.annee).await {
        Ok(report) => (Invalid::new(), Some(report)),
        Err(Failure::Invalid(errors)) => (errors, None),
        Err(other) => return Err(other.into()),
    };
    let page = TablesPage {
        layout,
        year: report
            .as_ref()
            .map_or(q.annee.trim().to_owned(), |r| r.year.to_string()),
        errors,
        seen_at: report.as_ref().map(|r| fr_date(r.on)).unwrap_or_default(),
        incomplete: report.as_ref().map_or(0, |r| r.incomplete.len()),
        can_configure: me.role().can(Permission::ConfigureOarsa),
        tables: report
            .as_ref()
            .map(|r| r.tables.iter().map(|t| table_view(r, t)).collect())
            .unwrap_or_default(),
        chart: report
            .as_ref()
            .map(chart)
            .unwrap_or_else(|| Chart::of("graphe-oarsa", "", Vec::new())),
    };
    Ok(Html(page.render()?))
}

/// A table as the page shows it: counts linked to their people, means in
/// days with a decimal comma.
fn table_view(report: &Return, table: &Table) -> TableView {
    let rows = table
        .rows
        .iter()
        .map(|row| Row {
            label: row.heading.label.clone(),
            cells: row
                .cells
                .iter()
                .zip(&table.columns)
                .map(|(cell, column)| match cell {
                    parcours_domain::oarsa::Cell::People(ids) => Cell {
                        text: ids.len().to_string(),
                        href: match ids.len() {
                            0 => String::new(),
                            _ => format!(
                                "/pilotage/oarsa/personnes?annee={}&tableau={}&ligne={}&colonne={}",
                                report.year,
                                table.number,
                                query_value(&row.heading.code),
                                query_value(&column.code)
                            ),
                        },
                    },
                    parcours_domain::oarsa::Cell::Days(days) => Cell {
                        text: days
                            .map_or("—".to_owned(), |d| format!("{d:.1}").replace('.', ",")),
                        href: String::new(),
                    },
                    parcours_domain::oarsa::Cell::Blank => Cell {
                        text: String::new(),
                        href: String::new(),
                    },
                })
                .collect(),
        })
        .collect();
    TableView {
        number: table.number,
        title: table.title,
        definition: table.definition,
        corner: match table.number {
            4 => "Catégorie d'action",
            5 => "Entrants",
            6 => "Sens de la réorientation",
            _ => "Organisme référent",
        },
        columns: table.columns.iter().map(|c| c.label.clone()).collect(),
        rows,
    }
}

#[derive(Deserialize, Default)]
pub struct PeopleQuery {
    #[serde(default)]
    annee: String,
    #[serde(default)]
    tableau: String,
    #[serde(default)]
    ligne: String,
    #[serde(default)]
    colonne: String,
    /// csv or xlsx: the list as a file.
    #[serde(default)]
    format: String,
}

pub async fn oarsa_people(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    RawQuery(raw): RawQuery,
    Query(q): Query<PeopleQuery>,
) -> Result<Response, PageError> {
    let (report, label, people) =
        oarsa::oarsa_people(&state, &me, &q.annee, &q.tableau, &q.ligne, &q.colonne).await?;
    let rows = named(&people);
    let sheet = names_sheet(&rows);
    if let Some(file) = download(
        &q.format,
        &format!("oarsa-{}-personnes", report.year),
        sheet,
    )? {
        return Ok(file);
    }
    let layout = Layout::new(&session, &me, "Pilotage : personnes", "/pilotage").await?;
    let page = NamesPage {
        layout,
        title: format!("OARSA {}, {label}", report.year),
        back: format!("/pilotage/oarsa?annee={}", report.year),
        download: without_format(raw.as_deref()),
        rows,
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Template)]
#[template(path = "oarsa/quality.html")]
struct QualityPage {
    layout: Layout,
    year: i32,
    seen_at: String,
    download: String,
    rows: Vec<(String, String, String)>,
}

pub async fn oarsa_quality(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    RawQuery(raw): RawQuery,
    Query(q): Query<YearQuery>,
) -> Result<Response, PageError> {
    let (report, listed) = oarsa::oarsa_quality(&state, &me, &q.annee).await?;
    let rows: Vec<(String, String, String)> = listed
        .into_iter()
        .map(|(p, missing)| {
            let missing: Vec<&str> = missing.iter().map(|m| m.label()).collect();
            (p.id.to_string(), p.name(), missing.join(" ; "))
        })
        .collect();
    let sheet = people_sheet(
        "Données incomplètes",
        &["Manque"],
        rows.iter()
            .map(|(_, name, missing)| vec![name.clone().into(), missing.clone().into()])
            .collect(),
    );
    if let Some(file) = download(&q.format, &format!("oarsa-{}-qualite", report.year), sheet)? {
        return Ok(file);
    }
    let layout = Layout::new(&session, &me, "Pilotage : données incomplètes", "/pilotage").await?;
    let page = QualityPage {
        layout,
        year: report.year,
        seen_at: fr_date(report.on),
        download: without_format(raw.as_deref()),
        rows,
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Deserialize, Default)]
pub struct ExportQuery {
    #[serde(default)]
    annee: String,
    /// The table's number (CSV: one table per file).
    #[serde(default)]
    tableau: String,
}

/// The six tables as one XLSX workbook.
pub async fn export_xlsx(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<ExportQuery>,
) -> Result<Response, PageError> {
    let report = oarsa::oarsa(&state, &me, &q.annee).await?;
    let bytes = parcours_app::spreadsheet::xlsx(&oarsa::sheets(&report))?;
    Ok(attachment(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("oarsa-{}.xlsx", report.year),
        bytes,
    ))
}

/// One table as CSV (`oarsa-tN.csv`).
pub async fn export_csv(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<ExportQuery>,
) -> Result<Response, PageError> {
    let report = oarsa::oarsa(&state, &me, &q.annee).await?;
    let sheets = oarsa::sheets(&report);
    let sheet = q
        .tableau
        .trim()
        .parse::<usize>()
        .ok()
        .and_then(|n| sheets.get(n.checked_sub(1)?))
        .ok_or(Failure::NotFound)?;
    Ok(attachment(
        "text/csv; charset=utf-8",
        &format!("{}.csv", sheet.name),
        parcours_app::spreadsheet::csv(sheet),
    ))
}

pub struct OrganisationLine {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub default: &'static str,
    pub category: String,
    pub field: String,
}

pub struct ObjectiveLine {
    pub category: String,
    pub category_label: &'static str,
    pub title: String,
    /// What it counts in without a choice.
    pub default: String,
    pub action: String,
    pub field: String,
}

#[derive(Template)]
#[template(path = "oarsa/settings.html")]
struct SettingsPage {
    layout: Layout,
    errors: Invalid,
    categories: Vec<(&'static str, &'static str)>,
    actions: Vec<(&'static str, &'static str)>,
    organisations: Vec<OrganisationLine>,
    objectives: Vec<ObjectiveLine>,
}

/// The settings form as posted: parallel lists, one entry per line.
#[derive(Deserialize, Default)]
pub struct SettingsForm {
    #[serde(default)]
    organisation_id: Vec<String>,
    #[serde(default)]
    organisation_category: Vec<String>,
    #[serde(default)]
    objective_category: Vec<String>,
    #[serde(default)]
    objective_title: Vec<String>,
    #[serde(default)]
    objective_action: Vec<String>,
}

impl SettingsForm {
    fn input(&self) -> Result<OarsaSettingsInput, Invalid> {
        let mut organisations = Vec::new();
        for (n, (id, category)) in self
            .organisation_id
            .iter()
            .zip(&self.organisation_category)
            .enumerate()
        {
            let id = Uuid::parse_str(id.trim()).map_err(|_| {
                Invalid::field(&format!("organisations[{n}]"), "Organisation inconnue.")
            })?;
            organisations.push(OrganisationCategoryInput {
                id,
                category: category.clone(),
            });
        }
        let objectives = self
            .objective_category
            .iter()
            .zip(&self.objective_title)
            .zip(&self.objective_action)
            .map(|((category, title), action)| MappingInput {
                objective_category: category.clone(),
                title: title.clone(),
                action: action.clone(),
            })
            .collect();
        Ok(OarsaSettingsInput {
            organisations,
            objectives,
        })
    }
}

async fn settings_page(
    state: &AppState,
    session: &Session,
    me: &CurrentUser,
    errors: Invalid,
    typed: Option<&SettingsForm>,
) -> Result<String, PageError> {
    let settings = oarsa::oarsa_settings(state, me).await?;
    let layout = Layout::new(session, me, "Pilotage : réglages OARSA", "/pilotage").await?;
    let typed_category = |n: usize| typed.and_then(|f| f.organisation_category.get(n)).cloned();
    let typed_action = |n: usize| typed.and_then(|f| f.objective_action.get(n)).cloned();
    let page = SettingsPage {
        layout,
        errors,
        categories: OrganisationCategory::choices(),
        actions: ActionCategory::choices(),
        organisations: settings
            .organisations
            .iter()
            .enumerate()
            .map(|(n, o)| OrganisationLine {
                id: o.id.to_string(),
                name: o.name.clone(),
                kind: o.kind.label(),
                default: OrganisationCategory::of_kind(o.kind).label(),
                category: typed_category(n).unwrap_or_else(|| {
                    o.oarsa_category
                        .map(|c| c.code().to_owned())
                        .unwrap_or_default()
                }),
                field: format!("organisations[{n}]"),
            })
            .collect(),
        objectives: settings
            .objectives
            .iter()
            .enumerate()
            .map(|(n, (line, set))| {
                let category_label =
                    taxonomy::category(&line.objective_category).map_or("", |c| c.label);
                ObjectiveLine {
                    default: if line.title.is_empty() {
                        format!(
                            "Par défaut ({})",
                            default_action_category(&line.objective_category).label()
                        )
                    } else {
                        "Comme sa catégorie".to_owned()
                    },
                    action: typed_action(n).unwrap_or_else(|| match set {
                        true => line.action.code().to_owned(),
                        false => String::new(),
                    }),
                    category: line.objective_category.clone(),
                    category_label,
                    title: line.title.clone(),
                    field: format!("correspondances[{n}]"),
                }
            })
            .collect(),
    };
    Ok(page.render()?)
}

pub async fn oarsa_settings(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
) -> Result<Html<String>, PageError> {
    Ok(Html(
        settings_page(&state, &session, &me, Invalid::new(), None).await?,
    ))
}

pub async fn set_oarsa_settings(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Form(form): Form<SettingsForm>,
) -> Result<Response, PageError> {
    let saved = match form.input() {
        Ok(input) => oarsa::set_oarsa_settings(&state, &me, &input).await,
        Err(errors) => Err(Failure::Invalid(errors)),
    };
    match saved {
        Ok(()) => {
            flash(
                &session,
                "Les catégories du retour OARSA sont enregistrées.",
            )
            .await?;
            Ok(Redirect::to("/pilotage/oarsa/reglages").into_response())
        }
        Err(Failure::Invalid(errors)) => Ok((
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            Html(settings_page(&state, &session, &me, errors, Some(&form)).await?),
        )
            .into_response()),
        Err(other) => Err(other.into()),
    }
}
