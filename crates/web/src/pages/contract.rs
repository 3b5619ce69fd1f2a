//! Contracts: drafting from the diagnostic, the lifecycle (sign, submit,
//! validate or reject, start, end, bilan, renew), the cadre's queue, and the
//! printable PDF. Anyone who may open the file reads its contracts; the
//! person's référent and their cadre act on them; the cadre validates.

use crate::auth::CurrentUser;
use crate::error::{Failure, PageError};
use crate::extract::{Form, FormRows, Id};
use crate::form::{self, trim, Pairs};
use crate::layout::{about, flash, Layout};
use crate::view::{fr_date, fr_opt, hours_text, period_text};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use parcours_app::clock::today;
use parcours_app::contract::{self, ContractFile, ObjectiveReview, Printable};
use parcours_domain::contract::{
    ContractInput, ContractKind, Event, HoursReason, ObjectiveInput, ReviewResult,
};
use parcours_domain::{taxonomy, Invalid};
use parcours_store::contract::{Contract, ContractObjective, EventDetails};
use serde::Deserialize;
use tower_sessions::Session;
use uuid::Uuid;

/// The contract form's fixed fields, as sent (`contract/form.html`); its
/// objectives are numbered rows, read by [`objectives`].
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ContractForm {
    kind: String,
    starts_on: String,
    duration_months: String,
    weekly_hours: String,
    hours_reason: String,
    hours_note: String,
    other_weekly_hours: String,
    person_commitments: String,
    organisation_commitments: String,
    version: i64,
    /// "Ajouter un objectif": the form comes back with one more row, nothing saved.
    ajouter_objectif: String,
}

/// The objectives, numbered rows `objectif{i}_categorie`, `_intitule`,
/// `_actions` (trimmed) and the repeated `_frein` checkboxes, for every
/// `i` below 20 that the form sends at least one field of, in order; a
/// row left empty is no objective.
fn objectives(pairs: &Pairs) -> Vec<ObjectiveInput> {
    (0..20)
        .filter(|i| {
            pairs
                .iter()
                .any(|(k, _)| k.starts_with(&format!("objectif{i}_")))
        })
        .map(|i| ObjectiveInput {
            category: form::value(pairs, &format!("objectif{i}_categorie")),
            title: form::value(pairs, &format!("objectif{i}_intitule")),
            barriers: form::values(pairs, &format!("objectif{i}_frein")),
            actions: form::value(pairs, &format!("objectif{i}_actions")),
        })
        .filter(|o| !is_blank(o))
        .collect()
}

fn is_blank(o: &ObjectiveInput) -> bool {
    o.category.is_empty() && o.title.is_empty() && o.actions.is_empty() && o.barriers.is_empty()
}

/// Reads a contract form (objectives as numbered rows) into the domain input.
fn contract_input(form: ContractForm, rows: &Pairs) -> ContractInput {
    ContractInput {
        kind: trim(form.kind),
        starts_on: trim(form.starts_on),
        duration_months: trim(form.duration_months),
        weekly_hours: trim(form.weekly_hours),
        hours_reason: trim(form.hours_reason),
        hours_note: trim(form.hours_note),
        other_weekly_hours: trim(form.other_weekly_hours),
        objectives: objectives(rows),
        person_commitments: trim(form.person_commitments),
        organisation_commitments: trim(form.organisation_commitments),
    }
}

/// A lifecycle event (sign, submit, validate, reject, start, end), as sent
/// from the contract's page: its code, date and reason for a rejection.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EventForm {
    event: String,
    on: String,
    rejection_reason: String,
    version: i64,
}

/// The bilan's fixed fields; each objective's result and comment are the
/// numbered rows `resultat{i}` / `commentaire{i}`, read by [`reviews`].
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReviewForm {
    on: String,
    review_comment: String,
    version: i64,
}

/// The objectives' reviews: `resultat{i}` (as sent) with its trimmed
/// `commentaire{i}`, for i = 0, 1, … up to the first missing result.
fn reviews(pairs: &Pairs) -> Vec<ObjectiveReview> {
    (0..)
        .map_while(|i| {
            let result = pairs.iter().find(|(k, _)| *k == format!("resultat{i}"))?;
            Some(ObjectiveReview {
                result: result.1.clone(),
                comment: form::value(pairs, &format!("commentaire{i}")),
            })
        })
        .collect()
}

pub struct ObjectiveRow {
    pub index: usize,
    pub category: String,
    pub title: String,
    pub actions: String,
    pub barriers: Vec<(String, bool)>,
}

#[derive(Template)]
#[template(path = "contract/form.html")]
struct FormPage {
    layout: Layout,
    person_id: String,
    person_name: String,
    /// None: new contract; Some((id, version)): editing a draft.
    editing: Option<(String, i64)>,
    input: ContractInput,
    rows: Vec<ObjectiveRow>,
    kinds: Vec<(&'static str, &'static str)>,
    reasons: Vec<(&'static str, &'static str)>,
    categories: Vec<(&'static str, &'static str)>,
    suggestions: Vec<&'static str>,
    errors: Invalid,
}

async fn form_page(
    state: &AppState,
    session: &Session,
    me: &CurrentUser,
    person_id: Uuid,
    editing: Option<(String, i64)>,
    input: ContractInput,
    errors: Invalid,
) -> Result<FormPage, Failure> {
    let contract::Drafting { person, diagnostic } =
        contract::drafting(state, me, person_id).await?;
    // Barriers of the latest diagnostic, offered to each objective.
    let diagnostic = diagnostic.map(|r| r.data).unwrap_or_default();
    let known: Vec<String> = diagnostic
        .barriers
        .iter()
        .map(|b| b.label.clone())
        .collect();
    let mut rows: Vec<ObjectiveRow> = input
        .objectives
        .iter()
        .enumerate()
        .map(|(index, o)| ObjectiveRow {
            index,
            category: o.category.clone(),
            title: o.title.clone(),
            actions: o.actions.clone(),
            barriers: known
                .iter()
                .chain(o.barriers.iter().filter(|b| !known.contains(b)))
                .map(|b| (b.clone(), o.barriers.contains(b)))
                .collect(),
        })
        .collect();
    // Objectives on demand: the ones typed, or one to start with.
    while rows.len() < input.objectives.len().max(1) {
        rows.push(ObjectiveRow {
            index: rows.len(),
            category: String::new(),
            title: String::new(),
            actions: String::new(),
            barriers: known.iter().map(|b| (b.clone(), false)).collect(),
        });
    }
    let title = about("Contrat", &person.first_names, &person.last_name);
    let layout = Layout::new(session, me, &title, "/personnes").await?;
    let kinds = ContractKind::offered(&input.kind);
    Ok(FormPage {
        layout,
        person_id: person_id.to_string(),
        person_name: format!("{} {}", person.first_names, person.last_name),
        editing,
        input,
        rows,
        kinds,
        reasons: HoursReason::choices(),
        categories: taxonomy::CATEGORIES
            .iter()
            .map(|c| (c.code, c.label))
            .collect(),
        suggestions: taxonomy::OBJECTIVES
            .iter()
            .map(|(_, label)| *label)
            .collect(),
        errors,
    })
}

fn iso(date: time::Date) -> String {
    format!(
        "{}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

pub async fn new_form(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
) -> Result<Html<String>, PageError> {
    let input = ContractInput {
        kind: ContractKind::Engagement.code().into(),
        starts_on: iso(today()),
        duration_months: "6".into(),
        weekly_hours: "15".into(),
        ..ContractInput::default()
    };
    Ok(Html(
        form_page(&state, &session, &me, id, None, input, Invalid::new())
            .await?
            .render()?,
    ))
}

pub async fn create_form(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    FormRows(form, rows): FormRows<ContractForm>,
) -> Result<Response, PageError> {
    let adding = !form.ajouter_objectif.is_empty();
    let input = contract_input(form, &rows);
    if adding {
        let page = form_page(
            &state,
            &session,
            &me,
            id,
            None,
            with_one_more(input),
            Invalid::new(),
        );
        return Ok(Html(page.await?.render()?).into_response());
    }
    match contract::create(&state, &me, id, &input).await {
        Ok(contract) => {
            flash(&session, "Le contrat est enregistré en brouillon.").await?;
            Ok(Redirect::to(&format!("/contrats/{}", contract.id)).into_response())
        }
        Err(Failure::Invalid(errors)) => {
            let page = form_page(&state, &session, &me, id, None, input, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

fn input_of(contract: &Contract, objectives: &[ContractObjective]) -> ContractInput {
    ContractInput {
        kind: contract.kind.code().into(),
        starts_on: iso(contract.starts_on),
        duration_months: contract.duration_months.to_string(),
        weekly_hours: contract
            .weekly_hours
            .map(|h| h.to_string())
            .unwrap_or_default(),
        hours_reason: contract
            .hours_reason
            .map(|r| r.code().to_owned())
            .unwrap_or_default(),
        hours_note: contract.hours_note.clone().unwrap_or_default(),
        other_weekly_hours: contract
            .other_weekly_hours
            .map(|h| h.to_string())
            .unwrap_or_default(),
        objectives: objectives
            .iter()
            .map(|o| ObjectiveInput {
                category: o.category.clone(),
                title: o.title.clone(),
                barriers: o.barriers.clone(),
                actions: o.actions.join("\n"),
            })
            .collect(),
        person_commitments: contract.person_commitments.clone(),
        organisation_commitments: contract.organisation_commitments.clone(),
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
) -> Result<Response, PageError> {
    let draft = match contract::draft(&state, &me, id).await {
        Err(Failure::Invalid(errors)) => {
            let message = errors
                .message_for("status")
                .unwrap_or(contract::NOT_A_DRAFT);
            flash(&session, message).await?;
            return Ok(Redirect::to(&format!("/contrats/{id}")).into_response());
        }
        other => other?,
    };
    let contract = draft.contract;
    let input = input_of(&contract, &draft.objectives);
    let editing = Some((id.to_string(), contract.version));
    Ok(Html(
        form_page(
            &state,
            &session,
            &me,
            contract.person_id,
            editing,
            input,
            Invalid::new(),
        )
        .await?
        .render()?,
    )
    .into_response())
}

pub async fn edit_submit(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    FormRows(form, rows): FormRows<ContractForm>,
) -> Result<Response, PageError> {
    let version = form.version;
    let adding = !form.ajouter_objectif.is_empty();
    let input = contract_input(form, &rows);
    let result = match adding {
        true => Err(Failure::Invalid(Invalid::new())),
        false => contract::update(&state, &me, id, version, &input).await,
    };
    let input = if adding { with_one_more(input) } else { input };
    let errors = match result {
        Ok(_) => {
            flash(&session, "Le brouillon est enregistré.").await?;
            return Ok(Redirect::to(&format!("/contrats/{id}")).into_response());
        }
        Err(Failure::Invalid(errors)) => errors,
        Err(Failure::Stale) => Invalid::field("version", "Ce contrat a été modifié entre-temps. Votre saisie est conservée : rechargez le contrat pour voir la dernière version."),
        Err(other) => return Err(other.into()),
    };
    let draft = match contract::draft(&state, &me, id).await {
        // No longer a draft (validated meanwhile): its page says so.
        Err(Failure::Invalid(status)) => {
            flash(
                &session,
                status
                    .message_for("status")
                    .unwrap_or(contract::NOT_A_DRAFT),
            )
            .await?;
            return Ok(Redirect::to(&format!("/contrats/{id}")).into_response());
        }
        other => other?,
    };
    let contract = draft.contract;
    let editing = Some((id.to_string(), version));
    let page = form_page(
        &state,
        &session,
        &me,
        contract.person_id,
        editing,
        input,
        errors,
    )
    .await?;
    let status = match adding {
        true => StatusCode::OK,
        false => StatusCode::UNPROCESSABLE_ENTITY,
    };
    Ok((status, Html(page.render()?)).into_response())
}

/// The form with one more objective to fill, after those typed.
fn with_one_more(mut input: ContractInput) -> ContractInput {
    input.objectives.push(ObjectiveInput::default());
    input
}

pub struct ObjectiveView {
    pub id: uuid::Uuid,
    pub number: usize,
    pub title: String,
    pub category: &'static str,
    pub barriers: Vec<String>,
    pub actions: Vec<String>,
    pub result: Option<&'static str>,
    pub comment: String,
}

#[derive(Template)]
#[template(path = "contract/show.html")]
struct ShowPage {
    layout: Layout,
    contract: Contract,
    person_name: String,
    kind: &'static str,
    status: &'static str,
    period: String,
    hours: Option<String>,
    dates: Vec<(&'static str, String)>,
    objectives: Vec<ObjectiveView>,
    actions: Vec<(&'static str, &'static str)>,
    can_edit: bool,
    /// The référent may look for actions serving each objective.
    can_position: bool,
    can_review: bool,
    results: Vec<(&'static str, &'static str)>,
    today: String,
}

pub async fn show(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
) -> Result<Html<String>, PageError> {
    let ContractFile {
        contract,
        objectives,
        person,
        access,
    } = contract::open(&state, &me, id, "contrat").await?;
    let status = contract.status;
    let actions = status
        .next_events()
        .into_iter()
        .filter(|e| *e != Event::Review)
        .filter(|e| {
            if matches!(e, Event::Validate | Event::Reject) {
                access.validate
            } else {
                access.edit
            }
        })
        .map(|e| (e.code(), e.label()))
        .collect();
    let title = about("Contrat", &person.first_names, &person.last_name);
    let layout = Layout::new(&session, &me, &title, "/personnes").await?;
    let dates = [
        ("Signé le", contract.signed_on),
        ("Validé le", contract.validated_on),
        ("Terminé le", contract.ended_on),
        ("Bilan le", contract.reviewed_on),
    ]
    .into_iter()
    .filter(|(_, d)| d.is_some())
    .map(|(label, d)| (label, fr_opt(d)))
    .collect();
    let page = ShowPage {
        layout,
        person_name: format!("{} {}", person.first_names, person.last_name),
        kind: contract.kind.label(),
        status: status.label(),
        period: period_text(&contract),
        hours: hours_text(&contract),
        dates,
        objectives: objectives
            .iter()
            .enumerate()
            .map(|(i, o)| ObjectiveView {
                id: o.id,
                number: i + 1,
                title: o.title.clone(),
                category: taxonomy::category(&o.category).map_or("", |c| c.label),
                barriers: o.barriers.clone(),
                actions: o.actions.clone(),
                result: o.review_result.map(|r| r.label()),
                comment: o.review_comment.clone().unwrap_or_default(),
            })
            .collect(),
        actions,
        can_edit: access.edit && status.is_editable(),
        can_position: access.edit,
        can_review: access.edit && status.after(Event::Review).is_ok(),
        results: ReviewResult::choices(),
        today: iso(today()),
        contract,
    };
    Ok(Html(page.render()?))
}

pub async fn event(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    Form(form): Form<EventForm>,
) -> Result<Response, PageError> {
    // The bilan has its own form.
    let event = Event::from_code(form.event.trim())
        .filter(|e| *e != Event::Review)
        .ok_or_else(|| Failure::BadRequest("Action inconnue.".into()))?;
    let version = form.version;
    let details = EventDetails {
        rejection_reason: Some(trim(form.rejection_reason)),
        ..EventDetails::default()
    };
    let on = trim(form.on);
    let contract = contract::apply_event(&state, &me, id, version, event, &on, &details).await?;
    flash(&session, format!("Contrat : {}.", contract.status.label())).await?;
    Ok(Redirect::to(&format!("/contrats/{}", contract.id)).into_response())
}

pub async fn review(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    FormRows(form, rows): FormRows<ReviewForm>,
) -> Result<Response, PageError> {
    contract::review(
        &state,
        &me,
        id,
        form.version,
        form.on.trim(),
        &reviews(&rows),
        form.review_comment.trim(),
    )
    .await?;
    flash(&session, "Le bilan du contrat est enregistré.").await?;
    Ok(Redirect::to(&format!("/contrats/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "contract/queue.html")]
struct QueuePage {
    layout: Layout,
    lines: Vec<(String, String, &'static str, String, String)>,
}

pub async fn queue(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
) -> Result<Html<String>, PageError> {
    let to_validate = contract::to_validate(&state, &me).await?;
    let names =
        parcours_app::account::names(&state, to_validate.iter().map(|c| c.created_by.as_str()))
            .await?;
    let layout = Layout::new(&session, &me, "Contrats à valider", "/contrats").await?;
    let lines = to_validate
        .into_iter()
        .map(|c| {
            (
                c.id.to_string(),
                format!("{} {}", c.last_name.to_uppercase(), c.first_names),
                c.kind.label(),
                format!("du {} au {}", fr_date(c.starts_on), fr_date(c.ends_on)),
                names.who(&c.created_by),
            )
        })
        .collect();
    Ok(Html(QueuePage { layout, lines }.render()?))
}

/// The contract, ready to print and sign (read audited).
pub async fn pdf(
    State(state): State<AppState>,
    me: CurrentUser,
    Id(id): Id,
) -> Result<Response, PageError> {
    let Printable {
        file:
            ContractFile {
                contract,
                objectives,
                person,
                ..
            },
        orientation,
        assignment,
        commune,
    } = contract::printable(&state, &me, id).await?;
    let document = parcours_pdf::ContractDocument {
        title: contract.kind.label().to_owned(),
        department: state.config.department_name.clone(),
        person_name: format!("{} {}", person.first_names, person.last_name.to_uppercase()),
        person_birth_date: fr_date(person.birth_date),
        person_address: [person.address.clone(), commune]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", "),
        referent_name: assignment
            .as_ref()
            .map(|a| a.referent_name.clone())
            .unwrap_or_default(),
        organisation_name: orientation
            .as_ref()
            .map(|o| o.lead_organisation_name.clone())
            .unwrap_or_default(),
        orientation: orientation
            .as_ref()
            .map(|o| {
                let kind = o.kind.label();
                format!("{kind} — {}", o.lead_organisation_name)
            })
            .unwrap_or_default(),
        period: period_text(&contract),
        weekly_hours: hours_text(&contract),
        objectives: objectives
            .iter()
            .map(|o| parcours_pdf::ObjectiveSection {
                title: o.title.clone(),
                domain: taxonomy::category(&o.category)
                    .map_or(o.category.clone(), |c| c.label.to_owned()),
                barriers: o.barriers.clone(),
                actions: o.actions.clone(),
            })
            .collect(),
        person_commitments: contract.person_commitments.clone(),
        organisation_commitments: contract.organisation_commitments.clone(),
        signature_place_date: "Fait à ____________________, le ____________________".into(),
    };
    let bytes = parcours_pdf::render_contract(&document);
    let file_name = format!(
        "contrat-{}.pdf",
        person
            .last_name
            .to_lowercase()
            .replace(|c: char| !c.is_ascii_alphanumeric(), "-")
    );
    Ok(crate::view::attachment(
        "application/pdf",
        &file_name,
        bytes,
    ))
}

/// The weeks under a contrat d'engagement, as the person's page shows them.
pub struct HoursTable {
    /// « 15 h ».
    pub contract: String,
    pub exempt: bool,
    pub alert: bool,
    pub short: usize,
    pub weeks: Vec<HoursWeek>,
}

pub struct HoursWeek {
    /// « semaine du 30 novembre 2026 (en cours) ».
    pub label: String,
    pub planned: String,
    pub done: String,
    /// A completed week below the contract's hours.
    pub short: bool,
}

pub fn hours_table(h: &parcours_domain::weekly_hours::WeeklyHours) -> HoursTable {
    use parcours_domain::weekly_hours::fr_hours;
    let current = parcours_app::clock::monday_of(today());
    HoursTable {
        contract: fr_hours(h.contract_hours * 60),
        exempt: h.contract_hours == 0,
        alert: h.alert,
        short: h.weeks_short,
        weeks: h
            .weeks
            .iter()
            .rev()
            .map(|w| HoursWeek {
                label: format!(
                    "Semaine du {}{}",
                    parcours_app::clock::fr_long_date(w.monday),
                    if w.monday == current {
                        " (en cours)"
                    } else {
                        ""
                    }
                ),
                planned: fr_hours(w.planned_minutes),
                done: fr_hours(w.done_minutes),
                short: w.monday < current && h.contract_hours > 0 && w.short_of(h.contract_hours),
            })
            .collect(),
    }
}
