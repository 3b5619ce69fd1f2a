//! Positioning a person on actions, the pages: the référent chooses among
//! the actions ranked with the person's eligibility (parcours_app::referral)
//! and positions them; the structure answers in its inbox; the person's
//! page shows the outcome.

use crate::auth::CurrentUser;
use crate::error::template_failure;
use crate::error::{Failure, PageError};
use crate::extract::{Form, FormRows, Id, Query};
use crate::layout::{flash, flash_outcome, Layout, Sent};
use crate::view::{fr_date, fr_day};
use crate::view::{theme_groups, ThemeGroup};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use parcours_app::clock::today;
use parcours_app::fse::{self, InboxMarks};
use parcours_app::referral::{self, Candidate, Choice, ChoiceQuery, InboxTab};
use parcours_domain::catalogue::ActionFormat;
use parcours_domain::pathway_dates;
use parcours_domain::referral::{ExitReason, ReferralStatus, RefusalReason, Situation};
use parcours_domain::Invalid;
use parcours_store::contract::ContractObjective;
use parcours_store::person::Person;
use parcours_store::referral::InboxReferral;
use serde::Deserialize;
use tower_sessions::Session;
use uuid::Uuid;

#[derive(Template)]
#[template(path = "referral/choose.html")]
struct ChoosePage {
    layout: Layout,
    person: Person,
    query: ChoiceQuery,
    themes: Vec<ThemeGroup>,
    communes: Vec<crate::view::Choice>,
    formats: Vec<crate::view::Choice>,
    candidates: Vec<Candidate>,
    total: usize,
    page: usize,
    pages: usize,
    /// The search as a query string, for the pages' links.
    base: String,
    objective: Option<ContractObjective>,
    /// What was typed for the action last tried, shown again when refused.
    typed: PrescribeForm,
    today: String,
    errors: Invalid,
}

impl ChoosePage {
    /// The search, sent again with a positioning: a refusal shows it again.
    fn search_fields(&self) -> [(&'static str, &str); 8] {
        let q = &self.query;
        [
            ("q", &q.q),
            ("thematique", &q.thematique),
            ("objectif", &q.objectif),
            ("commune", &q.commune),
            ("format", &q.format),
            ("places", &q.places),
            ("eligibles", &q.eligibles),
            ("page", &q.page),
        ]
    }

    /// Whether the action is the one last tried: its form opens again.
    fn tried(&self, action_id: &Uuid) -> bool {
        self.typed.action_id == action_id.to_string()
    }

    /// The date field's value for an action: as typed, or today.
    fn positioned_on(&self, action_id: &Uuid) -> String {
        if self.tried(action_id) {
            self.typed.positioned_on.clone()
        } else {
            self.today.clone()
        }
    }

    /// The override reason typed for this action, if it was the one tried.
    fn override_reason(&self, action_id: &Uuid) -> &str {
        if self.tried(action_id) {
            &self.typed.override_reason
        } else {
            ""
        }
    }
}

/// The search's fields as a query string (the page left out).
fn search_string(query: &ChoiceQuery) -> String {
    serde_urlencoded::to_string([
        ("q", &query.q),
        ("thematique", &query.thematique),
        ("objectif", &query.objectif),
        ("commune", &query.commune),
        ("format", &query.format),
        ("places", &query.places),
        ("eligibles", &query.eligibles),
    ])
    .unwrap_or_default()
}

async fn choose_page(
    state: &AppState,
    session: &Session,
    me: &CurrentUser,
    person_id: Uuid,
    query: ChoiceQuery,
    typed: PrescribeForm,
    errors: Invalid,
) -> Result<Html<String>, Failure> {
    let Choice {
        person,
        objective,
        candidates,
        total,
        page,
        pages,
    } = referral::choose(state, me, person_id, &query).await?;
    let communes = parcours_app::catalogue::public_communes(state).await?;
    let picked = |v: &String| vec![v.clone()];
    let title = crate::layout::about(
        "Positionner sur une action",
        &person.first_names,
        &person.last_name,
    );
    let page = ChoosePage {
        layout: Layout::new(session, me, &title, "/personnes").await?,
        themes: theme_groups(std::slice::from_ref(&query.thematique)),
        communes: crate::view::choices(
            communes.iter().map(|(c, n)| (c.as_str(), n.as_str())),
            &picked(&query.commune),
        ),
        formats: crate::view::choices(
            ActionFormat::ALL.iter().map(|f| (f.code(), f.label())),
            &picked(&query.format),
        ),
        candidates,
        total,
        page,
        pages,
        base: search_string(&query),
        objective,
        person,
        query,
        typed,
        today: today().to_string(),
        errors,
    };
    Ok(Html(page.render().map_err(template_failure)?))
}

pub async fn choose(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    Query(query): Query<ChoiceQuery>,
) -> Result<Html<String>, PageError> {
    Ok(choose_page(
        &state,
        &session,
        &me,
        id,
        query,
        PrescribeForm::default(),
        Invalid::new(),
    )
    .await?)
}

/// A prescription, as sent from the choice page (`referral/choose.html`):
/// the action, the reason to override the eligibility rules, the day, and
/// the search (with the contract objective served) to show again if it fails.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PrescribeForm {
    action_id: String,
    override_reason: String,
    /// The day of the positioning (today when empty).
    positioned_on: String,
    #[serde(flatten)]
    query: ChoiceQuery,
}

/// A participant's situation four weeks after the exit, at the version read.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SituationForm {
    situation_4_weeks: String,
    /// The day it was observed (today when empty).
    situation_4_weeks_on: String,
    version: i64,
}

/// Accepting a positioning: the entry date, at the version read.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AcceptForm {
    entered_on: String,
    version: i64,
}

/// Refusing a positioning: why, at the version read.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RefuseForm {
    refusal_reason: String,
    refusal_comment: String,
    version: i64,
}

/// The person's answer to a place offered ("accept" or not).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OfferForm {
    answer: String,
    version: i64,
}

/// A participant's exit: when, why and their situation then.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ExitForm {
    exited_on: String,
    exit_reason: String,
    exit_situation: String,
    version: i64,
}

pub async fn prescribe_form(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    Form(form): Form<PrescribeForm>,
) -> Result<Response, PageError> {
    let reason = Some(form.override_reason.trim().to_owned()).filter(|r| !r.is_empty());
    let (action, objective) = (form.action_id.trim(), form.query.objectif.trim());
    let prescribed = referral::prescribe(
        &state,
        &me,
        id,
        action,
        objective,
        reason,
        &form.positioned_on,
    )
    .await;
    match prescribed {
        Ok(referral::Prescription { action, .. }) => {
            flash(
                &session,
                format!(
                    "Positionnement envoyé à {} pour « {} ».",
                    action.structure_name, action.name
                ),
            )
            .await?;
            Ok(Redirect::to(&format!("/personnes/{id}")).into_response())
        }
        Err(Failure::Invalid(errors)) => {
            let query = form.query.clone();
            let page = choose_page(&state, &session, &me, id, query, form, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn situation_form(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    FormRows(form, pairs): FormRows<SituationForm>,
) -> Result<Response, PageError> {
    let result = referral::situation_4_weeks(
        &state,
        &me,
        id,
        form.version,
        form.situation_4_weeks.trim(),
        &form.situation_4_weeks_on,
    )
    .await
    .map(|_| "Situation à 4 semaines enregistrée.".to_owned());
    let to = tab_href(InboxTab::Exits);
    flash_outcome(&session, result, Sent::new(id, pairs), &to).await
}

pub struct InboxLine {
    pub referral: InboxReferral,
    pub status: &'static str,
    pub birth_date: String,
    pub requested: String,
    /// "Entré(e) le …" or "Réponse attendue avant le …".
    pub note: String,
    /// After an exit, the days its situation at 4 weeks may be observed
    /// (ISO, for the date field): the value offered, the first and last.
    pub observed: Option<(String, String, String)>,
}

fn inbox_line(r: InboxReferral) -> InboxLine {
    let note = match (r.entered_on, r.exited_on, r.offer_until) {
        (Some(entered), Some(exited), _) => format!(
            "Entré(e) le {}, sorti(e) le {}",
            fr_date(entered),
            fr_date(exited)
        ),
        (Some(on), None, _) => format!("Entré(e) le {}", fr_date(on)),
        (None, _, Some(until)) => format!("Réponse attendue avant le {}", fr_day(until)),
        _ => String::new(),
    };
    let observed = r.exited_on.map(|exited| {
        let today = today();
        let (from, to) = pathway_dates::follow_up_window(exited);
        let offered = pathway_dates::default_observation_date(exited, today);
        (
            offered.to_string(),
            from.to_string(),
            to.min(today).to_string(),
        )
    });
    InboxLine {
        observed,
        status: r.status.label(),
        birth_date: fr_date(r.birth_date),
        requested: fr_date(r.positioned_on),
        note,
        referral: r,
    }
}

/// The lines of one action in a tab of the inbox.
pub struct ActionGroup {
    pub action_name: String,
    pub lines: Vec<InboxLine>,
}

/// Lines in the store's order (by action, then rank) grouped by action.
fn by_action(lines: Vec<InboxReferral>) -> Vec<ActionGroup> {
    let mut groups: Vec<ActionGroup> = Vec::new();
    for line in lines.into_iter().map(inbox_line) {
        match groups.last_mut() {
            Some(group) if group.lines[0].referral.action_id == line.referral.action_id => {
                group.lines.push(line);
            }
            _ => groups.push(ActionGroup {
                action_name: line.referral.action_name.clone(),
                lines: vec![line],
            }),
        }
    }
    groups
}

/// A tab of the inbox: its address, its label and how many lines it holds.
pub struct TabLink {
    pub href: String,
    pub label: &'static str,
    pub count: usize,
    pub current: bool,
}

fn tab_code(tab: InboxTab) -> &'static str {
    match tab {
        InboxTab::ToAnswer => "a-repondre",
        InboxTab::Waiting => "attente",
        InboxTab::Participants => "participants",
        InboxTab::Exits => "sorties",
    }
}

fn tab_label(tab: InboxTab) -> &'static str {
    match tab {
        InboxTab::ToAnswer => "À répondre",
        InboxTab::Waiting => "Liste d'attente et places proposées",
        InboxTab::Participants => "Participants",
        InboxTab::Exits => "Situation à 4 semaines",
    }
}

/// Where a form of the tab returns.
fn tab_href(tab: InboxTab) -> String {
    format!("/positionnements?onglet={}", tab_code(tab))
}

#[derive(Template)]
#[template(path = "referral/inbox.html")]
struct InboxPage {
    layout: Layout,
    tab: InboxTab,
    tabs: Vec<TabLink>,
    groups: Vec<ActionGroup>,
    reasons: Vec<(&'static str, &'static str)>,
    exit_reasons: Vec<(&'static str, &'static str)>,
    situations: Vec<(&'static str, &'static str)>,
    today: String,
    fse: InboxMarks,
}

impl InboxPage {
    fn on(&self, tab: &str) -> bool {
        tab_code(self.tab) == tab
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct InboxQuery {
    onglet: String,
}

/// The structure's inbox, one tab per queue: positionings to answer,
/// waiting lists and places offered, participants, exits to follow up;
/// each tab's lines grouped by action.
pub async fn inbox(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Query(query): Query<InboxQuery>,
) -> Result<Html<String>, PageError> {
    let tab = InboxTab::ALL
        .into_iter()
        .find(|t| tab_code(*t) == query.onglet)
        .unwrap_or(InboxTab::ToAnswer);
    let counts = referral::inbox_counts(&state, &me).await?;
    let tabs = InboxTab::ALL
        .into_iter()
        .map(|t| TabLink {
            href: tab_href(t),
            label: tab_label(t),
            count: counts.of(t),
            current: t == tab,
        })
        .collect();
    let page = InboxPage {
        fse: fse::inbox_marks(&state, &me).await?,
        groups: by_action(referral::inbox_tab(&state, &me, tab).await?),
        layout: Layout::new(&session, &me, "Positionnements reçus", "/positionnements").await?,
        tab,
        tabs,
        reasons: RefusalReason::choices(),
        exit_reasons: ExitReason::choices(),
        situations: Situation::choices(),
        today: today().to_string(),
    };
    Ok(Html(page.render().map_err(template_failure)?))
}

pub async fn accept_form(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    FormRows(form, pairs): FormRows<AcceptForm>,
) -> Result<Response, PageError> {
    let result = referral::accept(&state, &me, id, form.version, form.entered_on.trim())
        .await
        .map(|r| admission_message(&r));
    let to = tab_href(InboxTab::ToAnswer);
    flash_outcome(&session, result, Sent::new(id, pairs), &to).await
}

/// What an admission did: an entry, or the waiting list and why.
pub(crate) fn admission_message(r: &parcours_store::referral::Referral) -> String {
    match (r.entered_on, r.uses_margin) {
        (Some(on), false) => format!("Entrée enregistrée le {}.", fr_date(on)),
        (Some(on), true) => format!(
            "Entrée enregistrée le {} sur une place hors publics.",
            fr_date(on)
        ),
        (None, false) => "Action complète : la personne est inscrite sur la liste d'attente.".to_owned(),
        (None, true) => "Places hors publics toutes occupées (ou action complète) : la personne, hors des publics de l'action, est inscrite sur la liste d'attente et entrera quand une place hors publics se libérera.".to_owned(),
    }
}

pub async fn refuse_form(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    FormRows(form, pairs): FormRows<RefuseForm>,
) -> Result<Response, PageError> {
    let result = referral::refuse(
        &state,
        &me,
        id,
        form.version,
        form.refusal_reason.trim(),
        form.refusal_comment.trim(),
    )
    .await
    .map(|_| "Refus enregistré ; le référent en est informé sur le dossier.".to_owned());
    // Refused from either queue: back to the one it came from.
    let tab = match crate::form::value(&pairs, "onglet").as_str() {
        "attente" => InboxTab::Waiting,
        _ => InboxTab::ToAnswer,
    };
    flash_outcome(&session, result, Sent::new(id, pairs), &tab_href(tab)).await
}

pub async fn offer_form(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    FormRows(form, pairs): FormRows<OfferForm>,
) -> Result<Response, PageError> {
    let accept = form.answer.trim() == "accept";
    let result = referral::answer_offer(&state, &me, id, form.version, accept)
        .await
        .map(|r| {
            if r.status == ReferralStatus::Entered {
                "Place acceptée : la personne est entrée sur l'action.".to_owned()
            } else {
                "Place déclinée : elle est proposée à la personne suivante.".to_owned()
            }
        });
    let to = tab_href(InboxTab::Waiting);
    flash_outcome(&session, result, Sent::new(id, pairs), &to).await
}

pub async fn exit_form(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    FormRows(form, pairs): FormRows<ExitForm>,
) -> Result<Response, PageError> {
    let result = referral::exit(
        &state,
        &me,
        id,
        form.version,
        form.exited_on.trim(),
        form.exit_reason.trim(),
        form.exit_situation.trim(),
    )
    .await
    .map(|_| {
        "Sortie enregistrée ; la place libérée est proposée au premier de la liste d'attente."
            .to_owned()
    });
    let to = tab_href(InboxTab::Participants);
    flash_outcome(&session, result, Sent::new(id, pairs), &to).await
}
