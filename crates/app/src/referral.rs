//! Positioning a person on actions: the référent sees the actions with the
//! person's eligibility for each, rule by rule, and positions them (an
//! override needs a reason); the structure answers in its inbox (entry or
//! waiting list, or a refusal with its reason), records exits and the
//! situation 4 weeks later. The structure sees identity and contact only,
//! and each person it sees is an audited read.

use crate::catalogue::commune_labels;
use crate::clock::{now, today};
use crate::person::{pathway_access, read_person, visible_person};
use crate::{App, CurrentUser, Failure};
use parcours_domain::audit::{entity, AuditAction};
use parcours_domain::catalogue::ActionFormat;
use parcours_domain::eligibility::{Assessment, EligibilityRules, PersonFacts, Verdict};
use parcours_domain::matching::{self, Needs, Offer};
use parcours_domain::orientation::OrientationStatus;
use parcours_domain::pathway_dates;
use parcours_domain::person::{age_on, required_date};
use parcours_domain::referral::{ExitReason, ReferralStatus, RefusalReason, Situation};
use parcours_domain::{Invalid, Permission};
use parcours_store::catalogue::{Action, CatalogueFilter, OfferedAction};
use parcours_store::contract::ContractObjective;
use parcours_store::person::Person;
use parcours_store::referral::{ExitData, InboxReferral, NewReferral, PersonReferral, Referral};
use serde::Deserialize;
use std::collections::HashMap;
use time::Date;
use uuid::Uuid;

/// What the file says of the person, for the eligibility rules.
async fn facts(app: &App, person: &Person) -> Result<PersonFacts, Failure> {
    let household = match person.household_id {
        Some(id) => Some(app.store.household(id).await?),
        None => None,
    };
    let orientation = app
        .store
        .orientations(person.id)
        .await?
        .into_iter()
        .find(|o| o.status == OrientationStatus::Validated)
        .map(|o| o.kind);
    let contracts = app.store.contracts_of(person.id).await?;
    let age = age_on(person.birth_date, today());
    Ok(PersonFacts {
        age: u8::try_from(age).ok(),
        // Open right (paid or suspended), or subject to droits et devoirs;
        // a person outside the RSA is known not to be a beneficiary.
        rsa: Some(
            person.subject_to_duties || household.is_some_and(|h| matches!(h.rsa_state, 2..=4)),
        ),
        single_parent: Some(person.single_parent),
        other_minimum_income: Some(person.other_minimum_income),
        outside_rsa: Some(!person.situation().is_rsa()),
        orientation: Some(orientation),
        contract_running: Some(
            contracts
                .iter()
                .any(|c| c.status == parcours_domain::contract::ContractStatus::Running),
        ),
        commune_code: person.commune_code.clone(),
    })
}

/// The person's eligibility to one action, rule by rule.
pub(crate) async fn assess(
    app: &App,
    person: &Person,
    action: &Action,
) -> Result<Assessment, Failure> {
    let facts = facts(app, person).await?;
    assess_facts(app, &facts, action).await
}

/// The same, with the person's facts already known.
pub(crate) async fn assess_facts(
    app: &App,
    facts: &PersonFacts,
    action: &Action,
) -> Result<Assessment, Failure> {
    let mut codes = action.eligibility.communes.clone();
    codes.extend(facts.commune_code.clone());
    let labels = commune_labels(app, &codes).await?;
    Ok(evaluate(
        facts,
        &action.eligibility,
        action.margin_taken,
        &labels,
    ))
}

/// The rules applied to the facts, with the margin places used now,
/// communes named by `labels`.
fn evaluate(
    facts: &PersonFacts,
    rules: &EligibilityRules,
    margin_taken: i64,
    labels: &HashMap<String, String>,
) -> Assessment {
    rules.evaluate(facts, margin_taken, |code| {
        labels.get(code).cloned().unwrap_or_else(|| code.to_owned())
    })
}

/// The person, when `me` may position them (their référent or cadre).
pub async fn prescriber_access(
    app: &App,
    me: &CurrentUser,
    person_id: Uuid,
) -> Result<Person, Failure> {
    let person = visible_person(app, me, person_id, Permission::EditContract).await?;
    if !pathway_access(app, me, &person).await?.edit {
        return Err(Failure::Forbidden);
    }
    Ok(person)
}

/// The person's eligibility to an action (their référent or cadre).
pub async fn eligibility(
    app: &App,
    me: &CurrentUser,
    person_id: Uuid,
    action_id: Uuid,
) -> Result<Assessment, Failure> {
    let person = prescriber_access(app, me, person_id).await?;
    let action = app.store.action(action_id).await?;
    assess(app, &person, &action).await
}

/// A person's positionings, newest first (anyone who may open the file; the read is audited).
pub async fn of_person(
    app: &App,
    me: &CurrentUser,
    person_id: Uuid,
    what: &str,
) -> Result<Vec<PersonReferral>, Failure> {
    read_person(app, me, person_id, what).await?;
    Ok(app.store.referrals_of_person(person_id).await?)
}

/// A positioning sent, with the action it is on.
pub struct Prescription {
    pub referral: Referral,
    pub action: Action,
}

/// The longest reason to position a person the rules do not admit.
const OVERRIDE_REASON_MAX: usize = 2_000;

/// Positions the person on a published action, on `positioned_on` (today
/// when empty; earlier to catch up a paper file, never in the future). The
/// eligibility is computed here, never taken from the client.
pub async fn prescribe(
    app: &App,
    me: &CurrentUser,
    person_id: Uuid,
    action_id: &str,
    objective_id: &str,
    override_reason: Option<String>,
    positioned_on: &str,
) -> Result<Prescription, Failure> {
    let person = prescriber_access(app, me, person_id).await?;
    let positioned_on = pathway_dates::positioning_date(positioned_on, today())?;
    let override_reason = match override_reason {
        Some(reason) => {
            let mut invalid = Invalid::new();
            let reason = parcours_domain::validation::free_text(
                &mut invalid,
                "override_reason",
                "Motif de dérogation",
                &reason,
                OVERRIDE_REASON_MAX,
            );
            invalid.into_result(())?;
            Some(reason)
        }
        None => None,
    };
    let objective = match objective_of(app, &person, objective_id).await? {
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
    let action = prescribable(app, action_id).await?;
    let new = NewReferral {
        action_id: action.id,
        person_id,
        objective_id: objective,
        positioned_on,
        assessment: assess(app, &person, &action).await?,
        override_reason,
    };
    let referral = app.store.prescribe(&me.actor(), &new).await?;
    Ok(Prescription { referral, action })
}

/// The action named by the form, when it is published.
async fn prescribable(app: &App, action_id: &str) -> Result<Action, Failure> {
    let action_id = Uuid::parse_str(action_id.trim())
        .map_err(|_| Invalid::field("action_id", "Choisissez une action du catalogue."))?;
    let action = match app.store.action(action_id).await {
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
    Ok(action)
}

/// The search for actions to position the person on (the page's query,
/// in French as its address shows it).
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ChoiceQuery {
    /// Words of the action's name, description or structure.
    pub q: String,
    /// A thématique, or a whole category.
    pub thematique: String,
    /// The contract objective the action is for (its id), if any.
    pub objectif: String,
    /// INSEE code of the commune where the action takes place.
    pub commune: String,
    /// individual or collective.
    pub format: String,
    /// « 1 »: actions with a place now only.
    pub places: String,
    /// « 1 »: actions the person is eligible for only.
    pub eligibles: String,
    /// From 1.
    pub page: String,
}

pub struct Candidate {
    pub action: OfferedAction,
    pub verdict_label: &'static str,
    pub eligible: bool,
    pub reasons: Vec<(String, &'static str)>,
    /// Why it fits: barriers, objective, territory, availability.
    pub fit: Vec<String>,
    /// Where the person already stands on this action, if anywhere:
    /// positioned, waiting, offered a place, inside.
    pub situation: Option<&'static str>,
    pub next_session: Option<Date>,
    rank: (u8, i64),
}

/// What the référent chooses from: the person, the objective named, one
/// page of the ranked actions and how many there are.
pub struct Choice {
    pub person: Person,
    pub objective: Option<ContractObjective>,
    pub candidates: Vec<Candidate>,
    pub total: usize,
    pub page: usize,
    pub pages: usize,
}

/// The actions considered per search before ranking: each is weighed for
/// the person (at département scale, 120 cost thirty times the screen's time).
const POOL: i64 = 30;
/// Candidates per page: a screen.
pub const CHOICES_PER_PAGE: usize = 10;

/// The actions to position the person on, ranked (their référent or cadre).
pub async fn choose(
    app: &App,
    me: &CurrentUser,
    person_id: Uuid,
    query: &ChoiceQuery,
) -> Result<Choice, Failure> {
    if !query.format.trim().is_empty() && ActionFormat::from_code(query.format.trim()).is_none() {
        return Err(Invalid::field("format", "Format inconnu : individuel ou collectif.").into());
    }
    let person = prescriber_access(app, me, person_id).await?;
    let objective = objective_of(app, &person, &query.objectif).await?;
    let mut candidates = candidates(app, &person, query, objective.as_ref()).await?;
    if query.eligibles.trim() == "1" {
        candidates.retain(|c| c.eligible);
    }
    let total = candidates.len();
    let pages = total.div_ceil(CHOICES_PER_PAGE).max(1);
    let page = query
        .page
        .trim()
        .parse::<usize>()
        .unwrap_or(1)
        .clamp(1, pages);
    let mut candidates: Vec<Candidate> = candidates
        .into_iter()
        .skip((page - 1) * CHOICES_PER_PAGE)
        .take(CHOICES_PER_PAGE)
        .collect();
    situate(app, &person, &mut candidates).await?;
    Ok(Choice {
        person,
        objective,
        candidates,
        total,
        page,
        pages,
    })
}

/// Where the person stands on each action of the page, and its next session.
async fn situate(app: &App, person: &Person, candidates: &mut [Candidate]) -> Result<(), Failure> {
    let referrals = app.store.referrals_of_person(person.id).await?;
    let ids: Vec<Uuid> = candidates.iter().map(|c| c.action.id).collect();
    let next = app.store.next_sessions(&ids, today()).await?;
    for c in candidates {
        c.next_session = next.get(&c.action.id).copied();
        c.situation = referrals
            .iter()
            .filter(|r| r.action_id == c.action.id)
            .find_map(|r| match r.status {
                ReferralStatus::Sent | ReferralStatus::PendingValidation => {
                    Some("déjà positionné(e)")
                }
                ReferralStatus::Waiting => Some("en liste d'attente"),
                ReferralStatus::Offered => Some("place proposée"),
                ReferralStatus::Entered => Some("inscrit(e) sur l'action"),
                _ => None,
            });
    }
    Ok(())
}

/// The contract objective of the person with this id, if any.
async fn objective_of(
    app: &App,
    person: &Person,
    id: &str,
) -> Result<Option<ContractObjective>, Failure> {
    let Ok(id) = Uuid::parse_str(id.trim()) else {
        return Ok(None);
    };
    for contract in app.store.contracts_of(person.id).await? {
        let objectives = app.store.contract_objectives(contract.id).await?;
        if let Some(objective) = objectives.into_iter().find(|o| o.id == id) {
            return Ok(Some(objective));
        }
    }
    Ok(None)
}

/// What the person needs: the latest diagnostic's barriers, the objective, the commune.
async fn needs_of(
    app: &App,
    person: &Person,
    objective: Option<&ContractObjective>,
) -> Result<Needs, Failure> {
    let barriers = app
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
    app: &App,
    query: &ChoiceQuery,
    needs: &Needs,
) -> Result<Vec<OfferedAction>, Failure> {
    let search = |text: String, thematique: String| CatalogueFilter {
        text,
        thematique,
        commune_code: query.commune.trim().to_owned(),
        format: query.format.trim().to_owned(),
        with_places: query.places.trim() == "1",
        public_only: true,
        today: Some(today()),
        limit: POOL,
        ..CatalogueFilter::default()
    };
    let mut filters = vec![search(
        parcours_domain::validation::search_words(&query.q),
        parcours_domain::validation::search_words(&query.thematique),
    )];
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
    Ok(app.store.offered_actions(&filters).await?)
}

/// Published actions for the person, ranked: eligible first, then to
/// check, then not eligible; within each, the best fit to the diagnostic's
/// barriers, the objective, the territory and the availability.
async fn candidates(
    app: &App,
    person: &Person,
    query: &ChoiceQuery,
    objective: Option<&ContractObjective>,
) -> Result<Vec<Candidate>, Failure> {
    let needs = needs_of(app, person, objective).await?;
    let pool = pool(app, query, &needs).await?;
    let facts = facts(app, person).await?;
    // The communes named by any action or the person, labelled once.
    let mut codes: Vec<String> = pool
        .iter()
        .flat_map(|a| a.eligibility.communes.iter().cloned())
        .chain(facts.commune_code.clone())
        .collect();
    codes.sort_unstable();
    codes.dedup();
    let labels = commune_labels(app, &codes).await?;
    let mut candidates: Vec<Candidate> = pool
        .into_iter()
        .map(|action| candidate(&facts, &needs, &labels, action))
        .collect();
    candidates.sort_by_key(|c| c.rank);
    Ok(candidates)
}

fn candidate(
    facts: &PersonFacts,
    needs: &Needs,
    labels: &HashMap<String, String>,
    action: OfferedAction,
) -> Candidate {
    let assessment = evaluate(facts, &action.eligibility, action.margin_taken, labels);
    let offer = Offer {
        thematiques: &action.thematiques,
        communes_served: &action.eligibility.communes,
        commune_code: action.commune_code.as_deref(),
        capacity: action.capacity,
        places_taken: action.places_taken,
        waiting: action.waiting,
        duration_weeks: action.duration_weeks,
    };
    let fit = matching::fit(needs, &offer);
    Candidate {
        rank: matching::rank_key(assessment.verdict, &fit),
        eligible: assessment.verdict == Verdict::Eligible,
        situation: None,
        next_session: None,
        verdict_label: assessment.verdict.label(),
        reasons: assessment
            .outcomes
            .into_iter()
            .map(|o| (o.reason, o.verdict.label()))
            .collect(),
        fit: fit.reasons,
        action,
    }
}

// ---------------------------------------------------------------- the structure's side

/// The positionings on the opérateur's structure. Each person shown is a
/// read of their identity by the structure: audited.
pub async fn inbox(app: &App, me: &CurrentUser) -> Result<Vec<InboxReferral>, Failure> {
    me.require(Permission::AnswerReferrals)?;
    let lines = app.store.referral_inbox(me.user.organisation_id).await?;
    audit_reads(app, me, &lines, "positionnement reçu").await?;
    Ok(lines)
}

/// The queues of a structure's inbox, one tab each on its page.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum InboxTab {
    /// Positionings to accept or refuse (and self-referrals the Département validates).
    ToAnswer,
    /// People on a waiting list or offered a place.
    Waiting,
    Participants,
    /// Recent exits whose situation 4 weeks later is to record.
    Exits,
}

impl InboxTab {
    pub const ALL: [InboxTab; 4] = [
        InboxTab::ToAnswer,
        InboxTab::Waiting,
        InboxTab::Participants,
        InboxTab::Exits,
    ];

    fn of(status: ReferralStatus) -> InboxTab {
        match status {
            ReferralStatus::Sent | ReferralStatus::PendingValidation => InboxTab::ToAnswer,
            _ => InboxTab::Waiting,
        }
    }
}

/// How many lines each tab holds: counts only, nobody's file is read.
#[derive(Default, Debug)]
pub struct InboxCounts {
    pub to_answer: usize,
    pub waiting: usize,
    pub participants: usize,
    pub exits: usize,
}

impl InboxCounts {
    pub fn of(&self, tab: InboxTab) -> usize {
        match tab {
            InboxTab::ToAnswer => self.to_answer,
            InboxTab::Waiting => self.waiting,
            InboxTab::Participants => self.participants,
            InboxTab::Exits => self.exits,
        }
    }
}

pub async fn inbox_counts(app: &App, me: &CurrentUser) -> Result<InboxCounts, Failure> {
    me.require(Permission::AnswerReferrals)?;
    let [to_answer, waiting, participants, exits] = app
        .store
        .inbox_counts(me.user.organisation_id, today())
        .await?
        .map(|n| usize::try_from(n).unwrap_or(0));
    Ok(InboxCounts {
        to_answer,
        waiting,
        participants,
        exits,
    })
}

/// The lines of one tab of the structure's inbox (audited like the inbox).
pub async fn inbox_tab(
    app: &App,
    me: &CurrentUser,
    tab: InboxTab,
) -> Result<Vec<InboxReferral>, Failure> {
    match tab {
        InboxTab::Participants => participants(app, me).await,
        InboxTab::Exits => exits_to_follow_up(app, me).await,
        queue => {
            me.require(Permission::AnswerReferrals)?;
            let mut lines = app.store.referral_inbox(me.user.organisation_id).await?;
            lines.retain(|r| InboxTab::of(r.status) == queue);
            audit_reads(app, me, &lines, "positionnement reçu").await?;
            Ok(lines)
        }
    }
}

/// The people in the structure's actions (audited like the inbox).
pub async fn participants(app: &App, me: &CurrentUser) -> Result<Vec<InboxReferral>, Failure> {
    me.require(Permission::AnswerReferrals)?;
    let lines = app.store.participants(me.user.organisation_id).await?;
    audit_reads(app, me, &lines, "participant").await?;
    Ok(lines)
}

/// The structure's recent exits whose situation at 4 weeks is still to record (audited like the inbox).
pub async fn exits_to_follow_up(
    app: &App,
    me: &CurrentUser,
) -> Result<Vec<InboxReferral>, Failure> {
    me.require(Permission::AnswerReferrals)?;
    let lines = app
        .store
        .exits_to_follow_up(me.user.organisation_id, today())
        .await?;
    audit_reads(app, me, &lines, "sortie à suivre").await?;
    Ok(lines)
}

async fn audit_reads(
    app: &App,
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
        app.store
            .audit_many(&me.actor(), AuditAction::Read, entity::PERSON, &events)
            .await?;
    }
    Ok(())
}

/// The positioning, when it is on an action of the opérateur's structure.
async fn answerable(app: &App, me: &CurrentUser, id: Uuid) -> Result<Referral, Failure> {
    me.require(Permission::AnswerReferrals)?;
    let referral = app.store.referral(id).await?;
    let action = app.store.action(referral.action_id).await?;
    if action.structure_id != me.user.organisation_id {
        return Err(Failure::Forbidden);
    }
    Ok(referral)
}

/// Accepts a positioning: entry (today when `entry` is empty) when a place
/// is free, the waiting list otherwise.
pub async fn accept(
    app: &App,
    me: &CurrentUser,
    id: Uuid,
    version: i64,
    entry: &str,
) -> Result<Referral, Failure> {
    answerable(app, me, id).await?;
    let mut invalid = Invalid::new();
    let entry = if entry.trim().is_empty() {
        Some(today())
    } else {
        required_date(&mut invalid, "entered_on", "Date d'entrée", entry)
    };
    let Some(entry) = entry else {
        return Err(invalid.into());
    };
    invalid.into_result(())?;
    Ok(app
        .store
        .accept_referral(&me.actor(), id, version, entry)
        .await?)
}

pub async fn refuse(
    app: &App,
    me: &CurrentUser,
    id: Uuid,
    version: i64,
    reason: &str,
    comment: &str,
) -> Result<Referral, Failure> {
    answerable(app, me, id).await?;
    let reason = RefusalReason::from_code(reason.trim())
        .ok_or_else(|| Invalid::field("refusal_reason", "Choisissez le motif du refus."))?;
    let mut invalid = Invalid::new();
    let comment = parcours_domain::validation::free_text(
        &mut invalid,
        "refusal_comment",
        "Commentaire",
        comment,
        parcours_domain::validation::TEXT_MAX,
    );
    invalid.into_result(())?;
    Ok(app
        .store
        .refuse_referral(&me.actor(), id, version, reason, Some(&comment))
        .await?)
}

/// The person's answer to a place offered, recorded by the structure.
pub async fn answer_offer(
    app: &App,
    me: &CurrentUser,
    id: Uuid,
    version: i64,
    accept: bool,
) -> Result<Referral, Failure> {
    answerable(app, me, id).await?;
    Ok(app
        .store
        .answer_offer(&me.actor(), id, version, accept, now())
        .await?)
}

/// A participant's exit: date, reason, situation; the place goes to the first in line.
pub async fn exit(
    app: &App,
    me: &CurrentUser,
    id: Uuid,
    version: i64,
    on: &str,
    reason: &str,
    situation: &str,
) -> Result<Referral, Failure> {
    answerable(app, me, id).await?;
    let data = exit_data(on, reason, situation)?;
    Ok(app
        .store
        .exit_referral(&me.actor(), id, version, &data, now())
        .await?)
}

/// The exit as typed; its date against the entry is the store's check
/// (`pathway_dates::check_exit`).
fn exit_data(on: &str, reason: &str, situation: &str) -> Result<ExitData, Invalid> {
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
    let (Some(on), Some(reason), Some(situation)) = (on, reason, situation) else {
        return Err(invalid);
    };
    invalid.into_result(())?;
    Ok(ExitData {
        exited_on: on,
        reason,
        situation,
    })
}

/// The situation 4 weeks after the exit, recorded by the structure: what
/// it was and the day it was observed (`observed_on`, today when empty),
/// between the exit and 4 weeks after it; it may be typed later.
pub async fn situation_4_weeks(
    app: &App,
    me: &CurrentUser,
    id: Uuid,
    version: i64,
    situation: &str,
    observed_on: &str,
) -> Result<Referral, Failure> {
    let referral = answerable(app, me, id).await?;
    let mut invalid = Invalid::new();
    let situation = Situation::from_code(situation.trim());
    if situation.is_none() {
        invalid.add(
            "situation_4_weeks",
            "Choisissez la situation 4 semaines après la sortie.",
        );
    }
    // Before the exit is recorded the store says so; the window needs it.
    let observed = match referral.exited_on {
        Some(exited_on) => pathway_dates::observation_date(observed_on, exited_on, today())
            .map_err(|e| invalid.merge(e))
            .ok(),
        None => Some(today()),
    };
    let (Some(situation), Some(observed)) = (situation, observed) else {
        return Err(invalid.into());
    };
    Ok(app
        .store
        .record_situation_4_weeks(&me.actor(), id, version, situation, observed, now())
        .await?)
}
