//! FSE+ reporting (`/programme/fse`): the operations, an operation's
//! indicators by gender with each figure linked to its participants, the
//! data-quality list, the downloads, and the proofs of participation
//! (parcours_app::fse_report).

use crate::auth::CurrentUser;
use crate::error::PageError;
use crate::extract::{Form, Id, Query};
use crate::layout::{flash, Layout};
use crate::pages::steering::{named, names_sheet, query_value, Cell, NamesPage, Row};
use crate::view::{attachment, download, without_format};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use parcours_app::fse_report::{self, FseReport, QualityLine};
use parcours_app::Failure;
use parcours_domain::clock::fr_date;
use parcours_domain::fse_report::OperationInput;
use parcours_domain::{Invalid, Permission};
use parcours_store::fse_report::FseOperation;
use serde::Deserialize;
use tower_sessions::Session;

/// The operation form's fields, as typed.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct OperationForm {
    number: String,
    title: String,
    starts_on: String,
    ends_on: String,
    beneficiary: String,
    version: i64,
}

impl OperationForm {
    fn input(&self) -> OperationInput {
        OperationInput {
            number: self.number.clone(),
            title: self.title.clone(),
            starts_on: self.starts_on.clone(),
            ends_on: self.ends_on.clone(),
            beneficiary: self.beneficiary.clone(),
        }
    }

    fn of(o: &FseOperation) -> OperationForm {
        OperationForm {
            number: o.number.clone(),
            title: o.title.clone(),
            starts_on: o.starts_on.to_string(),
            ends_on: o.ends_on.to_string(),
            beneficiary: o.beneficiary.clone().unwrap_or_default(),
            version: o.version,
        }
    }
}

/// An operation in the list.
struct OperationRow {
    number: String,
    title: String,
    period: String,
    beneficiary: String,
    href: String,
}

#[derive(Template)]
#[template(path = "fse_report/operations.html")]
struct OperationsPage {
    layout: Layout,
    operations: Vec<OperationRow>,
    can_manage: bool,
    form: OperationForm,
    errors: Invalid,
}

async fn operations_page(
    state: &AppState,
    session: &Session,
    me: &CurrentUser,
    form: OperationForm,
    errors: Invalid,
) -> Result<Response, PageError> {
    let operations = fse_report::fse_operations(state, me)
        .await?
        .into_iter()
        .map(|o| OperationRow {
            href: report_href(&o.number),
            period: format!("du {} au {}", fr_date(o.starts_on), fr_date(o.ends_on)),
            beneficiary: o.beneficiary.unwrap_or_default(),
            number: o.number,
            title: o.title,
        })
        .collect();
    let page = OperationsPage {
        layout: Layout::new(session, me, "Opérations FSE+", "/programme/fse").await?,
        operations,
        can_manage: me.role().can(Permission::ManageFseOperations),
        form,
        errors,
    };
    Ok(Html(page.render()?).into_response())
}

/// GET: the operations the reader reports on, and the form to add one.
pub async fn fse_operations(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
) -> Result<Response, PageError> {
    operations_page(
        &state,
        &session,
        &me,
        OperationForm::default(),
        Invalid::new(),
    )
    .await
}

/// POST: adds an operation; a refusal comes back on the form, as typed.
pub async fn create_fse_operation(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Form(form): Form<OperationForm>,
) -> Result<Response, PageError> {
    match fse_report::create_fse_operation(&state, &me, &form.input()).await {
        Ok(operation) => {
            flash(&session, format!("Opération {} créée.", operation.number)).await?;
            Ok(Redirect::to(&report_href(&operation.number)).into_response())
        }
        Err(Failure::Invalid(errors)) => operations_page(&state, &session, &me, form, errors).await,
        Err(other) => Err(other.into()),
    }
}

fn report_href(number: &str) -> String {
    format!("/programme/fse/{}", query_value(number))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PeriodQuery {
    du: String,
    au: String,
    ligne: String,
    colonne: String,
    /// csv or xlsx: the list as a file.
    format: String,
    /// The file of the CSV download: indicateurs or participants.
    fichier: String,
}

impl PeriodQuery {
    fn period(&self) -> (&str, &str) {
        (&self.du, &self.au)
    }
}

#[derive(Template)]
#[template(path = "fse_report/report.html")]
struct ReportPage {
    layout: Layout,
    operation: FseOperation,
    href: String,
    from: String,
    to: String,
    period: String,
    definition: &'static str,
    rows: Vec<Row>,
    columns: Vec<String>,
    actions: Vec<(String, String)>,
    entrants: usize,
    /// Hours attended over the period by the participants shown.
    hours: String,
    can_manage: bool,
    form: OperationForm,
    errors: Invalid,
}

async fn report_page(
    session: &Session,
    me: &CurrentUser,
    report: FseReport,
    form: Option<OperationForm>,
    errors: Invalid,
) -> Result<Response, PageError> {
    let query = format!("du={}&au={}", report.from, report.to);
    let href = report_href(&report.operation.number);
    let rows = report
        .table
        .rows
        .iter()
        .map(|row| Row {
            label: row.heading.label.clone(),
            cells: row
                .cells
                .iter()
                .zip(&report.table.columns)
                .map(|(cell, column)| {
                    let count = cell.count().unwrap_or(0);
                    Cell {
                        text: count.to_string(),
                        href: match count {
                            0 => String::new(),
                            _ if parcours_domain::fse_report::counts_only(&row.heading.code) => {
                                String::new()
                            }
                            _ => format!(
                                "{href}/participants?{query}&ligne={}&colonne={}",
                                query_value(&row.heading.code),
                                query_value(&column.code)
                            ),
                        },
                    }
                })
                .collect(),
        })
        .collect();
    let page = ReportPage {
        layout: Layout::new(session, me, "Opération FSE+", "/programme/fse").await?,
        from: report.from.to_string(),
        to: report.to.to_string(),
        period: format!("du {} au {}", fr_date(report.from), fr_date(report.to)),
        definition: report.table.definition,
        columns: report
            .table
            .columns
            .iter()
            .map(|c| c.label.clone())
            .collect(),
        rows,
        actions: report
            .actions
            .iter()
            .map(|a| (a.action_name.clone(), a.structure_name.clone()))
            .collect(),
        entrants: report.entrants().count(),
        hours: fse_report::hours(report.minutes.values().sum()),
        href: href.clone(),
        can_manage: me.role().can(Permission::ManageFseOperations),
        form: form.unwrap_or_else(|| OperationForm::of(&report.operation)),
        operation: report.operation,
        errors,
    };
    Ok(Html(page.render()?).into_response())
}

/// GET: an operation's indicators over a period (its dates by default).
pub async fn fse_report(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Path(number): Path<String>,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, PageError> {
    let report = fse_report::fse_report(&state, &me, &number, &q.du, &q.au).await?;
    report_page(&session, &me, report, None, Invalid::new()).await
}

/// POST: changes the operation; a refusal comes back on the form.
pub async fn update_fse_operation(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Path(number): Path<String>,
    Form(form): Form<OperationForm>,
) -> Result<Response, PageError> {
    match fse_report::update_fse_operation(&state, &me, &number, form.version, &form.input()).await
    {
        Ok(operation) => {
            flash(
                &session,
                format!("Opération {} enregistrée.", operation.number),
            )
            .await?;
            Ok(Redirect::to(&report_href(&operation.number)).into_response())
        }
        Err(Failure::Invalid(errors)) => {
            let report = fse_report::fse_report(&state, &me, &number, "", "").await?;
            report_page(&session, &me, report, Some(form), errors).await
        }
        Err(other) => Err(other.into()),
    }
}

/// GET: the participants one figure counts (audited), or their file.
pub async fn fse_participants(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Path(number): Path<String>,
    RawQuery(raw): RawQuery,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, PageError> {
    let (report, label, people) =
        fse_report::fse_participants(&state, &me, &number, q.period(), &q.ligne, &q.colonne)
            .await?;
    let rows = named(&people);
    let stem = format!(
        "fse-{}-participants",
        report.operation.number.replace('/', "-")
    );
    if let Some(file) = download(&q.format, &stem, names_sheet(&rows))? {
        return Ok(file);
    }
    let page = NamesPage {
        layout: Layout::new(
            &session,
            &me,
            "Opération FSE+ : participants",
            "/programme/fse",
        )
        .await?,
        title: format!("Opération {} : {label}", report.operation.number),
        back: format!(
            "{}?du={}&au={}",
            report_href(&report.operation.number),
            report.from,
            report.to
        ),
        download: without_format(raw.as_deref()),
        rows,
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Template)]
#[template(path = "fse_report/quality.html")]
struct QualityPage {
    layout: Layout,
    number: String,
    back: String,
    period: String,
    lines: Vec<QualityLine>,
}

/// GET: the participants whose data keep them out of a figure (audited).
pub async fn fse_quality(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Path(number): Path<String>,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, PageError> {
    let (report, lines) = fse_report::fse_quality(&state, &me, &number, q.period()).await?;
    let page = QualityPage {
        layout: Layout::new(
            &session,
            &me,
            "Opération FSE+ : données à compléter",
            "/programme/fse",
        )
        .await?,
        back: format!(
            "{}?du={}&au={}",
            report_href(&report.operation.number),
            report.from,
            report.to
        ),
        period: format!("du {} au {}", fr_date(report.from), fr_date(report.to)),
        number: report.operation.number,
        lines,
    };
    Ok(Html(page.render()?).into_response())
}

/// GET: the indicator table and the participant file, as one XLSX
/// workbook or one CSV (`fichier=indicateurs|participants`).
pub async fn fse_export(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(number): Path<String>,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, PageError> {
    let report = fse_report::fse_report(&state, &me, &number, &q.du, &q.au).await?;
    let sheets = fse_report::fse_sheets(&state, &me, &report).await?;
    let stem = format!("fse-{}", report.operation.number.replace('/', "-"));
    if q.format == "csv" {
        let wanted = format!("fse-{}", q.fichier.trim());
        let Some(sheet) = sheets.into_iter().find(|s| s.name == wanted) else {
            return Err(Failure::Invalid(Invalid::field(
                "fichier",
                "Fichier inconnu : indicateurs ou participants.",
            ))
            .into());
        };
        let file = format!("{stem}-{}.csv", q.fichier.trim());
        return Ok(attachment(
            "text/csv; charset=utf-8",
            &file,
            parcours_app::spreadsheet::csv(&sheet),
        ));
    }
    Ok(attachment(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("{stem}.xlsx"),
        parcours_app::spreadsheet::xlsx(&sheets)?,
    ))
}

/// GET: a session's sign-in sheet (PDF).
pub async fn sign_in_sheet(
    State(state): State<AppState>,
    me: CurrentUser,
    Id(id): Id,
) -> Result<Response, PageError> {
    let bytes = fse_report::sign_in_sheet(&state, &me, id).await?;
    Ok(attachment("application/pdf", "emargement.pdf", bytes))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MonthQuery {
    mois: String,
}

/// GET: a participant's monthly attendance sheet (PDF), `mois=AAAA-MM`.
pub async fn monthly_sheet(
    State(state): State<AppState>,
    me: CurrentUser,
    Id(id): Id,
    Query(q): Query<MonthQuery>,
) -> Result<Response, PageError> {
    let bytes = fse_report::monthly_sheet(&state, &me, id, &q.mois).await?;
    Ok(attachment("application/pdf", "releve-mensuel.pdf", bytes))
}

/// GET: the FSE+ entry questionnaire to sign (PDF).
pub async fn entry_questionnaire(
    State(state): State<AppState>,
    me: CurrentUser,
    Id(id): Id,
) -> Result<Response, PageError> {
    let bytes = fse_report::entry_questionnaire(&state, &me, id).await?;
    Ok(attachment(
        "application/pdf",
        "questionnaire-fse.pdf",
        bytes,
    ))
}
