//! The diagnostic of a person: the latest revision, a new revision from a
//! checklist of barriers by category, and what changed between two revisions.
//! Read by the person's référent, their cadre and the chargé de mission;
//! health content only by the référent and the cadre; every read audited.

use crate::auth::CurrentUser;
use crate::error::{Failure, PageError};
use crate::extract::Query;
use crate::extract::{FormRows, Id};
use crate::form::Pairs;
use crate::layout::{about, flash, Layout};
use crate::view::{fr_date, fr_instant};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use parcours_app::account::Names;
use parcours_app::clock;
use parcours_app::diagnostic::{self, Diagnostic};
use parcours_app::person::PathwayAccess;
use parcours_domain::diagnostic::{DiagnosticData, Severity, TEXT_FIELDS};
use parcours_domain::{taxonomy, Invalid};
use parcours_store::diagnostic::DiagnosticRevision;
use serde::Deserialize;
use tower_sessions::Session;
use uuid::Uuid;

pub struct Item {
    pub label: String,
    pub checked: bool,
    pub severity: &'static str,
}

/// A category of the checklist: its barriers (each with a severity) and
/// its resources (ticked only).
pub struct CategoryView {
    pub code: &'static str,
    pub label: &'static str,
    pub open: bool,
    pub items: Vec<Item>,
    pub resources: Vec<(&'static str, bool)>,
}

/// How many "other barrier" lines each category offers.
pub const OTHER_LINES: usize = 3;

fn categories(data: &DiagnosticData, sensitive: bool) -> Vec<CategoryView> {
    taxonomy::CATEGORIES
        .iter()
        .filter(|c| sensitive || !c.sensitive)
        .map(|c| {
            let mut items: Vec<Item> = taxonomy::barriers_of(c.code)
                .map(|label| Item {
                    label: label.into(),
                    checked: false,
                    severity: Severity::Moderate.code(),
                })
                .collect();
            for barrier in data.barriers.iter().filter(|b| b.category == c.code) {
                match items.iter_mut().find(|i| i.label == barrier.label) {
                    Some(item) => {
                        item.checked = true;
                        item.severity = barrier.severity.code();
                    }
                    None => items.push(Item {
                        label: barrier.label.clone(),
                        checked: true,
                        severity: barrier.severity.code(),
                    }),
                }
            }
            let resources: Vec<(&'static str, bool)> = taxonomy::resources_of(c.code)
                .map(|label| {
                    let had = data
                        .resources
                        .iter()
                        .any(|r| r.category == c.code && r.label == label);
                    (label, had)
                })
                .collect();
            CategoryView {
                code: c.code,
                label: c.label,
                open: items.iter().any(|i| i.checked) || resources.iter().any(|(_, had)| *had),
                items,
                resources,
            }
        })
        .collect()
}

pub struct BarrierLine {
    pub category: &'static str,
    pub label: String,
    pub severity: &'static str,
}

pub struct RevisionLine {
    pub version: i64,
    /// The day the diagnostic was made.
    pub on: String,
    /// When it was recorded, when that is another day (a paper file caught up).
    pub recorded: Option<String>,
    pub by: String,
}

#[derive(Template)]
#[template(path = "diagnostic/show.html")]
struct ShowPage {
    layout: Layout,
    person_id: String,
    name: String,
    access: PathwayAccess,
    current: Option<RevisionLine>,
    barriers: Vec<BarrierLine>,
    /// « Permis B (Mobilité) ».
    resources: Vec<String>,
    other_lines: Vec<usize>,
    texts: Vec<(&'static str, String)>,
    revisions: Vec<RevisionLine>,
    categories: Vec<CategoryView>,
    severities: Vec<(&'static str, &'static str)>,
    form_texts: Vec<(&'static str, &'static str, String)>,
    /// What the person declared when applying: origin and lines.
    declared: Option<(String, Vec<(&'static str, String)>)>,
    version: i64,
    /// The form's date of the diagnostic, as typed (today at first).
    revised_on: String,
    today: String,
    errors: Invalid,
}

fn revision_line(r: &DiagnosticRevision, names: &Names) -> RevisionLine {
    RevisionLine {
        version: r.version,
        on: fr_date(r.revised_on),
        recorded: (clock::date_in_paris(r.created_at) != r.revised_on)
            .then(|| fr_instant(r.created_at)),
        by: names.who(&r.created_by),
    }
}

async fn page(
    state: &AppState,
    session: &Session,
    me: &CurrentUser,
    id: Uuid,
    draft: Option<(DiagnosticData, String)>,
    errors: Invalid,
) -> Result<ShowPage, Failure> {
    let Diagnostic {
        person,
        access,
        revisions,
        declared,
    } = diagnostic::open(state, me, id, "diagnostic").await?;
    let title = about("Diagnostic", &person.first_names, &person.last_name);
    let names =
        parcours_app::account::names(state, revisions.iter().map(|r| r.created_by.as_str()))
            .await?;
    let layout = Layout::new(session, me, &title, "/personnes").await?;
    let latest = revisions.first();
    let data = latest.map(|r| r.data.clone()).unwrap_or_default();
    let today = clock::today().to_string();
    let (form_data, revised_on) = draft.unwrap_or_else(|| (data.clone(), today.clone()));
    Ok(ShowPage {
        layout,
        person_id: id.to_string(),
        name: format!("{} {}", person.first_names, person.last_name),
        current: latest.map(|r| revision_line(r, &names)),
        barriers: data
            .barriers
            .iter()
            .map(|b| BarrierLine {
                category: taxonomy::category(&b.category).map_or("", |c| c.label),
                label: b.label.clone(),
                severity: b.severity.label(),
            })
            .collect(),
        resources: data
            .resources
            .iter()
            .map(|r| {
                let category = taxonomy::category(&r.category).map_or("", |c| c.label);
                format!("{} ({category})", r.label)
            })
            .collect(),
        other_lines: (1..=OTHER_LINES).collect(),
        texts: TEXT_FIELDS
            .iter()
            .filter(|(_, _, sensitive)| access.sensitive || !sensitive)
            .map(|(field, label, _)| (*label, data.text(field).to_owned()))
            .collect(),
        revisions: revisions.iter().map(|r| revision_line(r, &names)).collect(),
        categories: categories(&form_data, access.sensitive),
        severities: Severity::choices(),
        form_texts: TEXT_FIELDS
            .iter()
            .filter(|(_, _, sensitive)| access.sensitive || !sensitive)
            .map(|(field, label, _)| (*field, *label, form_data.text(field).to_owned()))
            .collect(),
        declared: declared.map(|d| (d.origin(), d.lines())),
        version: latest.map_or(0, |r| r.version),
        revised_on,
        today,
        access,
        errors,
    })
}

pub async fn show(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
) -> Result<Html<String>, PageError> {
    Ok(Html(
        page(&state, &session, &me, id, None, Invalid::new())
            .await?
            .render()?,
    ))
}

/// The diagnostic form's one fixed field: the revision it was read at. Its
/// answers are rows named after the taxonomy (`frein` = "category|label",
/// `gravite|category|label`, `autre|category`, `gravite-autre|category`,
/// the text fields by name), read by [`form_pairs`] and the domain's
/// `DiagnosticData::from_pairs`.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DiagnosticForm {
    version: i64,
    /// The day the diagnostic was made (today when empty).
    revised_on: String,
}

/// Turns the form's free-text "other barrier" lines (`autre|category|n`,
/// severity `gravite-autre|category|n`) into barrier pairs.
pub fn form_pairs(pairs: Pairs) -> Pairs {
    let mut out = Vec::with_capacity(pairs.len());
    for (key, value) in &pairs {
        if let Some(line) = key.strip_prefix("autre|") {
            let category = line.split('|').next().unwrap_or_default();
            let label = value.trim();
            if label.is_empty() {
                continue;
            }
            out.push(("frein".to_owned(), format!("{category}|{label}")));
            if let Some((_, severity)) = pairs
                .iter()
                .find(|(k, _)| *k == format!("gravite-autre|{line}"))
            {
                out.push((format!("gravite|{category}|{label}"), severity.clone()));
            }
        } else {
            out.push((key.clone(), value.clone()));
        }
    }
    out
}

pub async fn submit(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    FormRows(form, rows): FormRows<DiagnosticForm>,
) -> Result<Response, PageError> {
    let pairs = form_pairs(rows);
    let version = form.version;
    let errors = match diagnostic::save(&state, &me, id, version, &pairs, &form.revised_on).await {
        Ok(saved) => {
            flash(&session, format!("Révision {saved} du diagnostic enregistrée.")).await?;
            return Ok(Redirect::to(&format!("/personnes/{id}/diagnostic")).into_response());
        }
        Err(Failure::Stale) => Invalid::field("version", "Quelqu'un a enregistré une autre révision entre-temps. Votre saisie est conservée ci-dessous : vérifiez la dernière révision puis enregistrez de nouveau."),
        Err(Failure::Invalid(errors)) => errors,
        Err(other) => return Err(other.into()),
    };
    // What was typed comes back as typed, the refused parts included.
    let draft = (
        DiagnosticData::read_pairs(&pairs).0,
        form.revised_on.trim().to_owned(),
    );
    let mut view = page(&state, &session, &me, id, Some(draft), errors).await?;
    if view.errors.message_for("version").is_some() {
        view.version = view.revisions.first().map_or(0, |r| r.version);
    }
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(view.render()?)).into_response())
}

#[derive(Deserialize)]
pub struct CompareQuery {
    de: i64,
    a: i64,
}

#[derive(Template)]
#[template(path = "diagnostic/compare.html")]
struct ComparePage {
    layout: Layout,
    person_id: String,
    from: i64,
    to: i64,
    changes: Vec<String>,
}

pub async fn compare(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    Query(query): Query<CompareQuery>,
) -> Result<Html<String>, PageError> {
    let changes = diagnostic::changes(&state, &me, id, query.de, query.a).await?;
    let layout = Layout::new(&session, &me, "Comparer deux révisions", "/personnes").await?;
    Ok(Html(
        ComparePage {
            layout,
            person_id: id.to_string(),
            from: query.de,
            to: query.a,
            changes,
        }
        .render()?,
    ))
}
