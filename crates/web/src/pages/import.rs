//! Imports of people by the chargé de mission: the latest imports and the
//! upload forms (CAF/MSA XML, CSV through a saved mapping), the progress of
//! an import running in the background, an import's report and changes,
//! and the CSV column mappings.

use crate::auth::CurrentUser;
use crate::error::{Failure, PageError};
use crate::extract::FormRows;
use crate::extract::{Id, Query};
use crate::form::{self, trim, Pairs};
use crate::importing::incomplete;
use crate::layout::{flash, Layout};
use crate::view::{fr_date, fr_instant, fr_opt};
use crate::AppState;
use askama::Template;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::{Extension, Json, Router};
use parcours_app::account::Names;
use parcours_app::import::{self, ImportJobs, JobEnd, TempUpload};
use parcours_domain::caf::{CsvMapping, CSV_FIELDS};
use parcours_domain::{Invalid, Permission};
use parcours_import::caf_xml::FileKind;
use parcours_store::import::{change, ImportRecord};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use tower_sessions::Session;
use uuid::Uuid;

/// The upload routes: multipart bodies up to the upload limit, with the
/// CSRF token in the query string.
pub fn upload_routes() -> Router<AppState> {
    Router::new()
        .route("/imports/caf", post(upload_caf))
        .route("/imports/csv", post(upload_csv))
}

/// Imports listed on the imports page.
const LATEST: i64 = 50;
/// Changes shown per kind on an import's page.
const CHANGES_SHOWN: usize = 200;
/// Text fields of an upload form are short.
const MAX_TEXT_FIELD: usize = 4096;

pub fn kind_label(kind: &str) -> &'static str {
    match kind {
        k if k == FileKind::Beneficiaries.code() => "CAF/MSA — flux bénéficiaires",
        k if k == FileKind::Instruction.code() => "CAF/MSA — flux instruction",
        "caf" => "CAF/MSA",
        "csv" => "CSV",
        _ => "Autre",
    }
}

fn status_label(status: &str) -> &'static str {
    match status {
        "done" => "Importé",
        "running" => "En cours",
        "interrupted" => "Interrompu",
        _ => "Refusé",
    }
}

struct ImportLine {
    id: Uuid,
    at: String,
    file_name: String,
    kind: &'static str,
    status: &'static str,
    failed: bool,
    counts: String,
    by: String,
}

fn import_line(r: &ImportRecord, names: &Names) -> ImportLine {
    let c = &r.counts;
    ImportLine {
        id: r.id,
        at: fr_instant(r.started_at),
        file_name: r.file_name.clone(),
        kind: kind_label(&r.kind),
        status: status_label(&r.status),
        failed: r.status != "done",
        counts: if r.status == "done" {
            format!(
                "{} dossiers lus ; {} personnes créées, {} mises à jour ; {} nouveaux entrants ; {} rejetés",
                c.records, c.persons_created, c.persons_updated, c.new_entrants, c.rejected
            )
        } else if r.status == "running" {
            "Import en cours".to_owned()
        } else {
            "Rien n'a été importé".to_owned()
        },
        by: names.who(&r.imported_by),
    }
}

#[derive(Template)]
#[template(path = "import/list.html")]
struct ListPage {
    layout: Layout,
    imports: Vec<ImportLine>,
    mappings: Vec<String>,
    chosen_mapping: String,
    errors: Invalid,
}

async fn list_page(
    state: &AppState,
    session: &Session,
    me: &CurrentUser,
    errors: Invalid,
    chosen_mapping: String,
) -> Result<ListPage, Failure> {
    let imports = import::imports(state, me, LATEST).await?;
    let mappings = import::mappings(state, me).await?;
    let names =
        parcours_app::account::names(state, imports.iter().map(|r| r.imported_by.as_str())).await?;
    Ok(ListPage {
        layout: Layout::new(session, me, "Imports", "/imports").await?,
        imports: imports.iter().map(|r| import_line(r, &names)).collect(),
        mappings: mappings.into_iter().map(|m| m.name).collect(),
        chosen_mapping,
        errors,
    })
}

pub async fn list(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
) -> Result<Html<String>, PageError> {
    let page = list_page(&state, &session, &me, Invalid::new(), String::new()).await?;
    Ok(Html(page.render()?))
}

/// A multipart upload form: its file, in a temporary file, and the CSV
/// mapping chosen (`correspondance`, trimmed; the first one sent); its
/// other fields (the CSRF token) are read and dropped.
struct Upload {
    file: Option<TempUpload>,
    file_name: String,
    mapping: Option<String>,
}

async fn read_upload(mut multipart: Multipart, dir: &std::path::Path) -> Result<Upload, Failure> {
    let mut upload = Upload {
        file: None,
        file_name: String::new(),
        mapping: None,
    };
    while let Some(mut field) = multipart.next_field().await.map_err(|_| incomplete())? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "fichier" && upload.file.is_none() {
            upload.file_name = field.file_name().unwrap_or_default().to_owned();
            let mut file = TempUpload::create(dir).await?;
            while let Some(chunk) = field.chunk().await.map_err(|_| incomplete())? {
                file.write(&chunk).await?;
            }
            file.close().await?;
            upload.file = Some(file);
        } else {
            let mut text = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(|_| incomplete())? {
                text.extend_from_slice(&chunk);
                if text.len() > MAX_TEXT_FIELD {
                    return Err(Failure::BadRequest(
                        "Un champ du formulaire est trop long.".into(),
                    ));
                }
            }
            if name == "correspondance" && upload.mapping.is_none() {
                upload.mapping = Some(String::from_utf8_lossy(&text).trim().to_owned());
            }
        }
    }
    Ok(upload)
}

/// Reads the upload, starts its import in the background and sends the
/// user to its progress page; a missing file or mapping re-shows the forms.
async fn start_upload(
    state: AppState,
    jobs: ImportJobs,
    session: Session,
    me: CurrentUser,
    multipart: Result<Multipart, MultipartRejection>,
    form: &str,
) -> Result<Response, PageError> {
    // Checked before the file is received (and again by the use case).
    me.require(Permission::ImportData)?;
    let multipart = multipart.map_err(|_| {
        Failure::BadRequest("Le formulaire d'envoi de fichier n'est pas valide.".into())
    })?;
    let upload = read_upload(multipart, &state.config.upload_dir).await?;
    let chosen = upload.mapping.unwrap_or_default();
    let upload = import::Upload {
        csv_mapping: (form == "csv").then(|| chosen.clone()),
        file: upload.file,
        file_name: upload.file_name,
    };
    match import::start(&state, &me, &jobs, upload).await {
        Ok(id) => Ok(Redirect::to(&format!("/imports/suivi/{id}")).into_response()),
        Err(Failure::Invalid(errors)) => {
            let page = list_page(&state, &session, &me, errors, chosen).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn upload_caf(
    State(state): State<AppState>,
    Extension(jobs): Extension<ImportJobs>,
    session: Session,
    me: CurrentUser,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageError> {
    start_upload(state, jobs, session, me, multipart, "caf").await
}

pub async fn upload_csv(
    State(state): State<AppState>,
    Extension(jobs): Extension<ImportJobs>,
    session: Session,
    me: CurrentUser,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageError> {
    start_upload(state, jobs, session, me, multipart, "csv").await
}

#[derive(Template)]
#[template(path = "import/progress.html")]
struct ProgressPage {
    layout: Layout,
    file_name: String,
    percent: Option<u8>,
    summary: String,
    /// This page, and its JSON for the page's script.
    page_url: String,
    json_url: String,
    /// The file was refused: the import's id and why.
    refused: Option<(Uuid, String)>,
    failed: bool,
}

impl ProgressPage {
    fn running(&self) -> bool {
        self.refused.is_none() && !self.failed
    }
}

/// "42 % du fichier lu — 1 200 dossiers lus, 1 rejeté pour l'instant."
fn progress_summary(percent: Option<u8>, records: u64, rejected: u64) -> String {
    let s = |n: u64| if n > 1 { "s" } else { "" };
    let read = percent.map_or(String::new(), |p| format!("{p} % du fichier lu — "));
    format!(
        "{read}{records} dossier{} lu{}, {rejected} rejeté{} pour l'instant.",
        s(records),
        s(records),
        s(rejected)
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ProgressQuery {
    /// json: where the import stands, for the page's script.
    format: String,
}

/// Where an import stands, for the progress page's script.
#[derive(Serialize)]
struct ProgressState {
    ended: bool,
    /// Where to go once it has ended.
    next: String,
    percent: Option<u8>,
    summary: String,
}

/// `/imports/suivi/{id}`: the progress bar, which the page's script keeps
/// up to date (`?format=json`) until the import ends; then the import's
/// page (or why the file was refused).
pub async fn progress(
    Extension(jobs): Extension<ImportJobs>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    Query(q): Query<ProgressQuery>,
) -> Result<Response, PageError> {
    let job = import::progress(&me, &jobs, id)?;
    let page_url = format!("/imports/suivi/{id}");
    let summary = progress_summary(
        job.progress.percent(),
        job.progress.records,
        job.progress.rejected,
    );
    if q.format == "json" {
        let next = match &job.end {
            Some(JobEnd::Done(import_id)) => format!("/imports/{import_id}"),
            _ => page_url.clone(),
        };
        return Ok(Json(ProgressState {
            ended: job.end.is_some(),
            next,
            percent: job.progress.percent(),
            summary,
        })
        .into_response());
    }
    let (refused, failed) = match job.end {
        Some(JobEnd::Done(import_id)) => {
            return Ok(Redirect::to(&format!("/imports/{import_id}")).into_response())
        }
        Some(JobEnd::Refused { import_id, message }) => (Some((import_id, message)), false),
        Some(JobEnd::Failed) => (None, true),
        None => (None, false),
    };
    let title = format!("Import de {}", job.file_name);
    let page = ProgressPage {
        layout: Layout::new(&session, &me, &title, "/imports").await?,
        file_name: job.file_name,
        percent: job.progress.percent(),
        summary,
        json_url: format!("{page_url}?format=json"),
        page_url,
        refused,
        failed,
    };
    Ok(Html(page.render()?).into_response())
}

struct ChangeLine {
    person: Option<(Uuid, String)>,
    rsa_number: String,
    detail: String,
    date: String,
}

struct ChangeGroup {
    anchor: &'static str,
    label: &'static str,
    lines: Vec<ChangeLine>,
    /// More changes of this kind than shown.
    more: bool,
}

/// The kinds of change, in the order of the page: new entrants first
/// (they need an orientation).
const CHANGE_KINDS: &[(&str, &str)] = &[
    (
        change::NEW_ENTRANT,
        "Nouveaux entrants dans les droits et devoirs — orientation à décider",
    ),
    (change::LEFT_DUTIES, "Sorties des droits et devoirs"),
    (change::RSA_STATE, "Changements d'état du droit RSA"),
    (change::HOUSEHOLD_MOVED, "Changements de dossier RSA"),
    (change::IDENTITY, "Changements d'identité"),
    (change::ADDRESS, "Changements d'adresse"),
    (
        change::HOUSEHOLD,
        "Changements de numéro allocataire ou d'organisme payeur",
    ),
];

/// The changes by kind, in the page's order (one more than shown is read,
/// to know if there are more).
fn change_groups(
    mut changes: HashMap<&'static str, Vec<parcours_store::import::ImportChange>>,
) -> Vec<ChangeGroup> {
    let mut groups = Vec::new();
    for (kind, label) in CHANGE_KINDS {
        let changes = changes.remove(kind).unwrap_or_default();
        if changes.is_empty() {
            continue;
        }
        let more = changes.len() > CHANGES_SHOWN;
        let lines = changes
            .into_iter()
            .take(CHANGES_SHOWN)
            .map(|c| ChangeLine {
                person: c
                    .person_id
                    .map(|id| (id, c.person_name.unwrap_or_default())),
                rsa_number: c.rsa_number,
                detail: c.detail,
                date: fr_date(c.occurred_on),
            })
            .collect();
        groups.push(ChangeGroup {
            anchor: kind,
            label,
            lines,
            more,
        });
    }
    groups
}

#[derive(Template)]
#[template(path = "import/show.html")]
struct ShowPage {
    layout: Layout,
    record: ImportRecord,
    kind: &'static str,
    status: &'static str,
    started: String,
    /// Who imported it, by name.
    by: String,
    file_date: String,
    groups: Vec<ChangeGroup>,
}

pub async fn show(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
) -> Result<Html<String>, PageError> {
    let sheet = import::open_import(&state, &me, id, CHANGES_SHOWN as i64 + 1).await?;
    let record = sheet.record;
    let title = format!("Import de {}", record.file_name);
    let page = ShowPage {
        layout: Layout::new(&session, &me, &title, "/imports").await?,
        kind: kind_label(&record.kind),
        status: status_label(&record.status),
        started: fr_instant(record.started_at),
        by: parcours_app::account::names(&state, [record.imported_by.as_str()])
            .await?
            .who(&record.imported_by),
        file_date: fr_opt(record.file_date),
        groups: change_groups(sheet.changes),
        record,
    };
    Ok(Html(page.render()?))
}

struct MappingLine {
    name: String,
    delimiter: &'static str,
    columns: String,
    edit_href: String,
}

struct ColumnInput {
    code: &'static str,
    label: &'static str,
    required: bool,
    value: String,
}

const DELIMITERS: &[(&str, &str)] = &[
    (";", "Point-virgule (;)"),
    (",", "Virgule (,)"),
    ("|", "Barre verticale (|)"),
    ("\\t", "Tabulation"),
];

fn delimiter_code(delimiter: &str) -> &str {
    if delimiter == "\t" {
        "\\t"
    } else {
        delimiter
    }
}

#[derive(Template)]
#[template(path = "import/mappings.html")]
struct MappingsPage {
    layout: Layout,
    mappings: Vec<MappingLine>,
    name: String,
    delimiter: String,
    delimiters: &'static [(&'static str, &'static str)],
    columns: Vec<ColumnInput>,
    errors: Invalid,
}

fn mapping_line(m: &CsvMapping) -> MappingLine {
    MappingLine {
        name: m.name.clone(),
        delimiter: DELIMITERS
            .iter()
            .find(|(code, _)| *code == delimiter_code(&m.delimiter))
            .map_or("?", |(_, label)| label),
        columns: m
            .columns
            .iter()
            .map(|(field, column)| format!("{field} ← {column}"))
            .collect::<Vec<_>>()
            .join(", "),
        edit_href: format!(
            "/imports/correspondances?{}",
            serde_urlencoded::to_string([("nom", &m.name)]).unwrap_or_default()
        ),
    }
}

/// The mapping form, filled with `mapping` (as typed, or as saved).
async fn mappings_page(
    state: &AppState,
    session: &Session,
    me: &CurrentUser,
    mapping: CsvMapping,
    errors: Invalid,
) -> Result<MappingsPage, Failure> {
    let columns = CSV_FIELDS
        .iter()
        .map(|(code, label, required)| ColumnInput {
            code,
            label,
            required: *required,
            value: mapping.columns.get(*code).cloned().unwrap_or_default(),
        })
        .collect();
    let saved = import::mappings(state, me).await?;
    Ok(MappingsPage {
        layout: Layout::new(session, me, "Correspondances des fichiers CSV", "/imports").await?,
        mappings: saved.iter().map(mapping_line).collect(),
        name: mapping.name,
        delimiter: delimiter_code(&mapping.delimiter).to_owned(),
        delimiters: DELIMITERS,
        columns,
        errors,
    })
}

#[derive(Deserialize, Default)]
pub struct MappingQuery {
    /// The mapping to edit.
    #[serde(default)]
    nom: Option<String>,
}

pub async fn mappings(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Query(query): Query<MappingQuery>,
) -> Result<Html<String>, PageError> {
    let mapping = import::mapping(&state, &me, query.nom.as_deref()).await?;
    let page = mappings_page(&state, &session, &me, mapping, Invalid::new()).await?;
    Ok(Html(page.render()?))
}

/// The mapping form's fixed fields (`import/mappings.html`); the column of
/// each CSV field is a row `col_<field code>`, one per entry of the
/// domain's `CSV_FIELDS`, read by [`mapping_from_form`].
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MappingForm {
    name: String,
    delimiter: String,
}

/// The mapping typed: its name, delimiter and, for each of `CSV_FIELDS` in
/// order, the column named in `col_<code>` (trimmed) when there is one.
fn mapping_from_form(form: MappingForm, rows: &Pairs) -> CsvMapping {
    CsvMapping {
        name: trim(form.name),
        delimiter: trim(form.delimiter),
        columns: CSV_FIELDS
            .iter()
            .map(|(code, _, _)| (code.to_string(), form::value(rows, &format!("col_{code}"))))
            .filter(|(_, column)| !column.is_empty())
            .collect(),
    }
}

pub async fn save_mapping_form(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    FormRows(form, rows): FormRows<MappingForm>,
) -> Result<Response, PageError> {
    let typed = mapping_from_form(form, &rows);
    match import::save_mapping(&state, &me, typed.clone()).await {
        Ok(mapping) => {
            flash(
                &session,
                format!("Correspondance « {} » enregistrée.", mapping.name),
            )
            .await?;
            Ok(Redirect::to("/imports/correspondances").into_response())
        }
        Err(Failure::Invalid(errors)) => {
            let page = mappings_page(&state, &session, &me, typed, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
        }
        Err(other) => Err(other.into()),
    }
}
