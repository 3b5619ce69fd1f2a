//! Positioning a person on actions: the référent sees the actions with the
//! person's eligibility for each, rule by rule, and positions them (an
//! override needs a reason); the structure answers in its inbox (entry or
//! waiting list, or a refusal with its reason); the person's page shows
//! the outcome. The structure sees identity and contact only.

use crate::auth::CurrentUser;
use crate::error::template_failure;
use crate::error::{Failure, PageError};
use crate::extract::{Id, Query};
use crate::form;
use crate::layout::{flash, flash_outcome, Layout};
use crate::view::fr_date;
use crate::view::{theme_groups, ThemeGroup};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use parcours_app::catalogue::commune_labels;
use parcours_app::clock::today;
use parcours_app::person::{self, pathway_access};
use parcours_domain::eligibility::{Assessment, EligibilityRules, PersonFacts};
use parcours_domain::matching::{self, Needs, Offer};
use parcours_domain::orientation::OrientationStatus;
use parcours_domain::person::{age_on, required_date};
use parcours_domain::referral::{ExitReason, ReferralStatus, RefusalReason, Situation};
use parcours_domain::{Invalid, Permission};
use parcours_store::catalogue::{Action, CatalogueFilter, OfferedAction};
use parcours_store::contract::ContractObjective;
use parcours_store::person::Person;
use parcours_store::referral::{ExitData, InboxReferral, NewReferral, Referral};
use serde::Deserialize;
use std::collections::HashMap;
use tower_sessions::Session;
use uuid::Uuid;

/// What the file says of the person, for the eligibility rules.
pub async fn facts(state: &AppState, person: &Person) -> Result<PersonFacts, Failure> {
    let household = state.store.household(person.household_id).await?;
    let orientation = state
        .store
        .orientations(person.id)
        .await?
        .into_iter()
        .find(|o| o.status == OrientationStatus::Validated.code())
        .and_then(|o| parcours_domain::deadline::OrientationKind::from_code(&o.kind));
    let contracts = state.store.contracts_of(person.id).await?;
    let age = age_on(person.birth_date, today());
    Ok(PersonFacts {
        age: u8::try_from(age).ok(),
        // Open right (paid or suspended), or subject to droits et devoirs.
        rsa: Some(person.subject_to_duties || matches!(household.rsa_state, 2..=4)),
        single_parent: Some(person.single_parent),
        other_minimum_income: Some(person.other_minimum_income),
        orientation: Some(orientation),
        contract_running: Some(
            contracts
                .iter()
                .any(|c| c.status() == parcours_domain::contract::ContractStatus::Running),
        ),
        commune_code: person.commune_code.clone(),
    })
}

/// The person's eligibility to one action, rule by rule.
pub async fn assess(
    state: &AppState,
    person: &Person,
    action: &Action,
) -> Result<Assessment, Failure> {
    let facts = facts(state, person).await?;
    assess_facts(state, &facts, action).await
}

/// The same, with the person's facts already read (one read for a whole list).
pub async fn assess_facts(
    state: &AppState,
    facts: &PersonFacts,
    action: &Action,
) -> Result<Assessment, Failure> {
    let mut codes = action.eligibility.communes.clone();
    codes.extend(facts.commune_code.clone());
    let labels = commune_labels(state, &codes).await?;
    Ok(evaluate(facts, &action.eligibility, &labels))
}

/// The rules applied to the facts, communes named by `labels`.
fn evaluate(
    facts: &PersonFacts,
    rules: &EligibilityRules,
    labels: &HashMap<String, String>,
) -> Assessment {
    rules.evaluate(facts, |code| {
        labels.get(code).cloned().unwrap_or_else(|| code.to_owned())
    })
}

/// The person, when `me` may position them (their référent or cadre).
pub async fn prescriber_access(
    state: &AppState,
    me: &CurrentUser,
    person_id: Uuid,
) -> Result<Person, Failure> {
    let person = person::visible_person(state, me, person_id, Permission::EditContract).await?;
    if !pathway_access(state, me, &person).await?.edit {
        return Err(Failure::Forbidden);
    }
    Ok(person)
}

/// Positions the person on a published action (shared with the API). The
/// eligibility is computed here, never taken from the client.
pub async fn prescribe(
    state: &AppState,
    me: &CurrentUser,
    person_id: Uuid,
    action_id: &str,
    objective_id: &str,
    override_reason: Option<String>,
) -> Result<Referral, Failure> {
    let person = prescriber_access(state, me, person_id).await?;
    let objective = ChoiceQuery {
        objectif: objective_id.to_owned(),
        ..ChoiceQuery::default()
    };
    let objective = match objective_of(state, &person, &objective).await? {
        Some(objective) => Some(objective.id),
        None if objective_id.trim().is_empty() => None,
        None => {
            return Err(Invalid::field(
                "objective_id",
                "Cet objectif n'appartient à aucun contrat de la personne.",
            )
            .into())
        }
    };
    let action_id = Uuid::parse_str(action_id.trim())
        .map_err(|_| Invalid::field("action_id", "Choisissez une action du catalogue."))?;
    let action = match state.store.action(action_id).await {
        Err(parcours_store::StoreError::NotFound) => {
            return Err(Invalid::field("action_id", "Cette action n'existe pas.").into())
        }
        other => other?,
    };
    if !action.is_public(today()) {
        return Err(Invalid::field(
            "action_id",
            "Cette action n'est pas ouverte (brouillon, archivée ou terminée).",
        )
        .into());
    }
    let assessment = assess(state, &person, &action).await?;
    let new = NewReferral {
        action_id,
        person_id,
        objective_id: objective,
        assessment,
        override_reason,
    };
    Ok(state.store.prescribe(&me.actor(), &new).await?)
}

#[derive(Deserialize, Default)]
pub struct ChoiceQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub thematique: String,
    /// The contract objective the action is for (its id), if any.
    #[serde(default)]
    pub objectif: String,
}

pub struct Candidate {
    pub action: OfferedAction,
    pub verdict_label: &'static str,
    pub reasons: Vec<(String, &'static str)>,
    /// Why it fits: barriers, objective, territory, availability.
    pub fit: Vec<String>,
    rank: (u8, i64),
}

#[derive(Template)]
#[template(path = "referrals/choose.html")]
struct ChoosePage {
    layout: Layout,
    person: Person,
    query: ChoiceQuery,
    themes: Vec<ThemeGroup>,
    candidates: Vec<Candidate>,
    objective: Option<ContractObjective>,
    errors: Invalid,
}

const CANDIDATES: usize = 30;

/// The contract objective of the person named by the query, if any.
async fn objective_of(
    state: &AppState,
    person: &Person,
    query: &ChoiceQuery,
) -> Result<Option<ContractObjective>, Failure> {
    let Ok(id) = Uuid::parse_str(query.objectif.trim()) else {
        return Ok(None);
    };
    for contract in state.store.contracts_of(person.id).await? {
        let objectives = state.store.contract_objectives(contract.id).await?;
        if let Some(objective) = objectives.into_iter().find(|o| o.id == id) {
            return Ok(Some(objective));
        }
    }
    Ok(None)
}

/// What the person needs: the latest diagnostic's barriers, the objective, the commune.
async fn needs_of(
    state: &AppState,
    person: &Person,
    objective: Option<&ContractObjective>,
) -> Result<Needs, Failure> {
    let barriers = state
        .store
        .diagnostic_revisions(person.id)
        .await?
        .into_iter()
        .next()
        .map(|latest| latest.data.barriers)
        .unwrap_or_default();
    Ok(Needs {
        barriers,
        objective_category: objective.map(|o| o.category.clone()),
        commune_code: person.commune_code.clone(),
    })
}

/// The published actions to consider: those matching the search, or, with
/// no search, those working on the person's barriers and objective too.
async fn pool(
    state: &AppState,
    query: &ChoiceQuery,
    needs: &Needs,
) -> Result<Vec<OfferedAction>, Failure> {
    let search = |text: String, thematique: String| CatalogueFilter {
        text,
        thematique,
        public_only: true,
        today: Some(today()),
        limit: CANDIDATES as i64,
        ..CatalogueFilter::default()
    };
    let mut filters = vec![search(query.q.clone(), query.thematique.trim().to_owned())];
    if query.q.trim().is_empty() && query.thematique.trim().is_empty() {
        let mut categories: Vec<&str> =
            needs.barriers.iter().map(|b| b.category.as_str()).collect();
        categories.extend(needs.objective_category.as_deref());
        categories.sort_unstable();
        categories.dedup();
        filters.extend(
            categories
                .into_iter()
                .map(|c| search(String::new(), c.to_owned())),
        );
    }
    Ok(state.store.offered_actions(&filters).await?)
}

/// Published actions for the person, ranked: eligible first, then to
/// check, then not eligible; within each, the best fit to the diagnostic's
/// barriers, the objective, the territory and the availability.
async fn candidates(
    state: &AppState,
    person: &Person,
    query: &ChoiceQuery,
    objective: Option<&ContractObjective>,
) -> Result<Vec<Candidate>, Failure> {
    let needs = needs_of(state, person, objective).await?;
    let pool = pool(state, query, &needs).await?;
    let facts = facts(state, person).await?;
    // The communes named by any action or the person, labelled once.
    let mut codes: Vec<String> = pool
        .iter()
        .flat_map(|a| a.eligibility.communes.iter().cloned())
        .chain(facts.commune_code.clone())
        .collect();
    codes.sort_unstable();
    codes.dedup();
    let labels = commune_labels(state, &codes).await?;
    let mut candidates = Vec::new();
    for action in pool {
        let assessment = evaluate(&facts, &action.eligibility, &labels);
        let offer = Offer {
            thematiques: &action.thematiques,
            communes_served: &action.eligibility.communes,
            commune_code: action.commune_code.as_deref(),
            capacity: action.capacity,
            places_taken: action.places_taken,
            waiting: action.waiting,
            duration_weeks: action.duration_weeks,
        };
        let fit = matching::fit(&needs, &offer);
        candidates.push(Candidate {
            rank: matching::rank_key(assessment.verdict, &fit),
            verdict_label: assessment.verdict.label(),
            reasons: assessment
                .outcomes
                .into_iter()
                .map(|o| (o.reason, o.verdict.label()))
                .collect(),
            fit: fit.reasons,
            action,
        });
    }
    candidates.sort_by_key(|c| c.rank);
    candidates.truncate(CANDIDATES);
    Ok(candidates)
}

async fn choose_page(
    state: &AppState,
    session: &Session,
    me: &CurrentUser,
    person: Person,
    query: ChoiceQuery,
    errors: Invalid,
) -> Result<Html<String>, Failure> {
    let objective = objective_of(state, &person, &query).await?;
    let page = ChoosePage {
        layout: Layout::new(session, me, "Positionner sur une action", "/personnes").await?,
        themes: theme_groups(std::slice::from_ref(&query.thematique)),
        candidates: candidates(state, &person, &query, objective.as_ref()).await?,
        objective,
        person,
        query,
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
    let person = prescriber_access(&state, &me, id).await?;
    Ok(choose_page(&state, &session, &me, person, query, Invalid::new()).await?)
}

pub async fn prescribe_form(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    body: String,
) -> Result<Response, PageError> {
    let pairs = form::pairs(&body);
    let reason = Some(form::value(&pairs, "override_reason")).filter(|r| !r.is_empty());
    let (action, objective) = (
        form::value(&pairs, "action_id"),
        form::value(&pairs, "objectif"),
    );
    match prescribe(&state, &me, id, &action, &objective, reason).await {
        Ok(referral) => {
            let action = state.store.action(referral.action_id).await?;
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
            let person = prescriber_access(&state, &me, id).await?;
            let query = ChoiceQuery {
                q: form::value(&pairs, "q"),
                thematique: form::value(&pairs, "thematique"),
                objectif: objective,
            };
            Ok(choose_page(&state, &session, &me, person, query, errors)
                .await?
                .into_response())
        }
        Err(other) => Err(other.into()),
    }
}

/// The structure's positionings on the opérateur's structure. Each person
/// shown is a read of their identity by the structure: audited.
pub async fn inbox_of(state: &AppState, me: &CurrentUser) -> Result<Vec<InboxReferral>, Failure> {
    me.require(Permission::AnswerReferrals)?;
    let lines = state.store.referral_inbox(me.user.organisation_id).await?;
    audit_reads(state, me, &lines, "positionnement reçu").await?;
    Ok(lines)
}

/// The people in the structure's actions (audited like the inbox).
pub async fn participants_of(
    state: &AppState,
    me: &CurrentUser,
) -> Result<Vec<InboxReferral>, Failure> {
    me.require(Permission::AnswerReferrals)?;
    let lines = state.store.participants(me.user.organisation_id).await?;
    audit_reads(state, me, &lines, "participant").await?;
    Ok(lines)
}

async fn audit_reads(
    state: &AppState,
    me: &CurrentUser,
    lines: &[InboxReferral],
    what: &str,
) -> Result<(), Failure> {
    let events: Vec<(String, String)> = lines
        .iter()
        .map(|line| {
            let detail = format!(
                "identité et contact vus par la structure ({what} : {})",
                line.action_name
            );
            (line.person_id.to_string(), detail)
        })
        .collect();
    if !events.is_empty() {
        state
            .store
            .audit_many(
                &me.actor(),
                parcours_domain::audit::AuditAction::Read,
                parcours_domain::audit::entity::PERSON,
                &events,
            )
            .await?;
    }
    Ok(())
}

/// The positioning, when it is on an action of the opérateur's structure.
async fn answerable(state: &AppState, me: &CurrentUser, id: Uuid) -> Result<Referral, Failure> {
    me.require(Permission::AnswerReferrals)?;
    let referral = state.store.referral(id).await?;
    let action = state.store.action(referral.action_id).await?;
    if action.structure_id != me.user.organisation_id {
        return Err(Failure::Forbidden);
    }
    Ok(referral)
}

pub async fn accept(
    state: &AppState,
    me: &CurrentUser,
    id: Uuid,
    version: i64,
    entry: &str,
) -> Result<Referral, Failure> {
    answerable(state, me, id).await?;
    let mut invalid = Invalid::new();
    let entry = if entry.trim().is_empty() {
        Some(today())
    } else {
        required_date(&mut invalid, "entered_on", "Date d'entrée", entry)
    };
    invalid.into_result(())?;
    Ok(state
        .store
        .accept_referral(&me.actor(), id, version, entry.expect("checked"))
        .await?)
}

pub async fn refuse(
    state: &AppState,
    me: &CurrentUser,
    id: Uuid,
    version: i64,
    reason: &str,
    comment: &str,
) -> Result<Referral, Failure> {
    answerable(state, me, id).await?;
    let reason = RefusalReason::from_code(reason.trim())
        .ok_or_else(|| Invalid::field("refusal_reason", "Choisissez le motif du refus."))?;
    Ok(state
        .store
        .refuse_referral(&me.actor(), id, version, reason, Some(comment))
        .await?)
}

/// The person's answer to a place offered, recorded by the structure.
pub async fn answer_offer(
    state: &AppState,
    me: &CurrentUser,
    id: Uuid,
    version: i64,
    accept: bool,
) -> Result<Referral, Failure> {
    answerable(state, me, id).await?;
    Ok(state
        .store
        .answer_offer(
            &me.actor(),
            id,
            version,
            accept,
            time::OffsetDateTime::now_utc(),
        )
        .await?)
}

/// A participant's exit: date, reason, situation.
pub async fn exit(
    state: &AppState,
    me: &CurrentUser,
    id: Uuid,
    version: i64,
    on: &str,
    reason: &str,
    situation: &str,
) -> Result<Referral, Failure> {
    answerable(state, me, id).await?;
    let mut invalid = Invalid::new();
    let on = required_date(&mut invalid, "exited_on", "Date de sortie", on);
    let reason = ExitReason::from_code(reason.trim());
    if reason.is_none() {
        invalid.add("exit_reason", "Choisissez le motif de sortie.");
    }
    let situation = Situation::from_code(situation.trim());
    if situation.is_none() {
        invalid.add("exit_situation", "Choisissez la situation à la sortie.");
    }
    if on.is_some_and(|d| d > today()) {
        invalid.add(
            "exited_on",
            "La date de sortie ne peut pas être dans le futur.",
        );
    }
    invalid.into_result(())?;
    let data = ExitData {
        exited_on: on.expect("checked"),
        reason: reason.expect("checked"),
        situation: situation.expect("checked"),
    };
    Ok(state
        .store
        .exit_referral(
            &me.actor(),
            id,
            version,
            &data,
            time::OffsetDateTime::now_utc(),
        )
        .await?)
}

/// The situation 4 weeks after the exit, recorded by the structure.
pub async fn situation_4_weeks(
    state: &AppState,
    me: &CurrentUser,
    id: Uuid,
    version: i64,
    situation: &str,
) -> Result<Referral, Failure> {
    answerable(state, me, id).await?;
    let situation = Situation::from_code(situation.trim()).ok_or_else(|| {
        Invalid::field(
            "situation_4_weeks",
            "Choisissez la situation 4 semaines après la sortie.",
        )
    })?;
    Ok(state
        .store
        .record_situation_4_weeks(&me.actor(), id, version, situation)
        .await?)
}

/// The structure's recent exits whose situation at 4 weeks is still to record (audited like the inbox).
pub async fn exits_to_follow_up_of(
    state: &AppState,
    me: &CurrentUser,
) -> Result<Vec<InboxReferral>, Failure> {
    me.require(Permission::AnswerReferrals)?;
    let lines = state
        .store
        .exits_to_follow_up(me.user.organisation_id, today())
        .await?;
    audit_reads(state, me, &lines, "sortie à suivre").await?;
    Ok(lines)
}

pub async fn situation_form(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    body: String,
) -> Result<Response, PageError> {
    let pairs = form::pairs(&body);
    let result = situation_4_weeks(
        &state,
        &me,
        id,
        form::version(&pairs),
        &form::value(&pairs, "situation_4_weeks"),
    )
    .await
    .map(|_| "Situation à 4 semaines enregistrée.".to_owned());
    flash_outcome(&session, result, "/positionnements").await
}

pub struct InboxLine {
    pub referral: InboxReferral,
    pub status: &'static str,
    pub birth_date: String,
    pub requested: String,
    /// "Entré(e) le …" or "Réponse attendue avant le …".
    pub note: String,
}

fn inbox_line(r: InboxReferral) -> InboxLine {
    let note = match (r.entered_on, r.offer_until) {
        (Some(entered), _) if r.exited_on.is_some() => format!(
            "Entré(e) le {}, sorti(e) le {}",
            fr_date(entered),
            fr_date(r.exited_on.expect("checked"))
        ),
        (Some(on), _) => format!("Entré(e) le {}", fr_date(on)),
        (None, Some(until)) => format!("Réponse attendue avant le {}", fr_date(until.date())),
        _ => String::new(),
    };
    InboxLine {
        status: ReferralStatus::from_code(&r.status).map_or("?", |s| s.label()),
        birth_date: fr_date(r.birth_date),
        requested: fr_date(r.requested_at.date()),
        note,
        referral: r,
    }
}

#[derive(Template)]
#[template(path = "referrals/inbox.html")]
struct InboxPage {
    layout: Layout,
    lines: Vec<InboxLine>,
    participants: Vec<InboxLine>,
    exits: Vec<InboxLine>,
    reasons: Vec<(&'static str, &'static str)>,
    exit_reasons: Vec<(&'static str, &'static str)>,
    situations: Vec<(&'static str, &'static str)>,
    today: String,
    fse: crate::pages::fse::InboxMarks,
}

/// The structure's inbox: positionings to answer, places offered, waiting lists, participants.
pub async fn inbox(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
) -> Result<Html<String>, PageError> {
    let lines = inbox_of(&state, &me)
        .await?
        .into_iter()
        .map(inbox_line)
        .collect();
    let participants = participants_of(&state, &me)
        .await?
        .into_iter()
        .map(inbox_line)
        .collect();
    let exits = exits_to_follow_up_of(&state, &me)
        .await?
        .into_iter()
        .map(inbox_line)
        .collect();
    let page = InboxPage {
        fse: crate::pages::fse::inbox_marks(&state, &me).await?,
        exits,
        layout: Layout::new(&session, &me, "Positionnements reçus", "/positionnements").await?,
        lines,
        participants,
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
    body: String,
) -> Result<Response, PageError> {
    let pairs = form::pairs(&body);
    let result = accept(
        &state,
        &me,
        id,
        form::version(&pairs),
        &form::value(&pairs, "entered_on"),
    )
    .await
    .map(|r| match r.entered_on {
        Some(on) => format!("Entrée enregistrée le {}.", fr_date(on)),
        None => "Action complète : la personne est inscrite sur la liste d'attente.".to_owned(),
    });
    flash_outcome(&session, result, "/positionnements").await
}

pub async fn refuse_form(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    body: String,
) -> Result<Response, PageError> {
    let pairs = form::pairs(&body);
    let result = refuse(
        &state,
        &me,
        id,
        form::version(&pairs),
        &form::value(&pairs, "refusal_reason"),
        &form::value(&pairs, "refusal_comment"),
    )
    .await
    .map(|_| "Refus enregistré ; le référent en est informé sur le dossier.".to_owned());
    flash_outcome(&session, result, "/positionnements").await
}

pub async fn offer_form(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    body: String,
) -> Result<Response, PageError> {
    let pairs = form::pairs(&body);
    let accept = form::value(&pairs, "answer") == "accept";
    let result = answer_offer(&state, &me, id, form::version(&pairs), accept)
        .await
        .map(|r| {
            if r.status == "entered" {
                "Place acceptée : la personne est entrée sur l'action.".to_owned()
            } else {
                "Place déclinée : elle est proposée à la personne suivante.".to_owned()
            }
        });
    flash_outcome(&session, result, "/positionnements").await
}

pub async fn exit_form(
    State(state): State<AppState>,
    session: Session,
    me: CurrentUser,
    Id(id): Id,
    body: String,
) -> Result<Response, PageError> {
    let pairs = form::pairs(&body);
    let get = |k: &str| form::value(&pairs, k);
    let result = exit(
        &state,
        &me,
        id,
        form::version(&pairs),
        &get("exited_on"),
        &get("exit_reason"),
        &get("exit_situation"),
    )
    .await
    .map(|_| {
        "Sortie enregistrée ; la place libérée est proposée au premier de la liste d'attente."
            .to_owned()
    });
    flash_outcome(&session, result, "/positionnements").await
}
