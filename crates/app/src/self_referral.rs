//! A person who came directly to a structure (*démarche directe*): the
//! opérateur records the request, on the file found by the person's
//! identity or on a new file with a minimal identity; the eligibility is
//! checked here; the référent's cadre, or the chargé de mission when nobody
//! follows the person, validates (a place or the waiting list) or turns it
//! down with a reason.

use crate::clock::today;
use crate::referral::{assess, assess_facts};
use crate::{App, CurrentUser, Failure};
use parcours_domain::eligibility::{Assessment, PersonFacts};
use parcours_domain::person::{age_on, required_date, HouseholdData, PersonData, RsaState};
use parcours_domain::referral::{may_validate_self_referral, SelfReferralInput};
use parcours_domain::{Invalid, Permission, Role};
use parcours_store::catalogue::{Action, ActionSummary, CatalogueFilter};
use parcours_store::person::HouseholdTarget;
use parcours_store::referral::Referral;
use parcours_store::self_referral::{
    Applicant, NewSelfReferral, PendingSelfReferral, ValidationQueue,
};
use uuid::Uuid;

/// The published actions of the opérateur's structure, to record a request on.
pub async fn actions(app: &App, me: &CurrentUser) -> Result<Vec<ActionSummary>, Failure> {
    me.require(Permission::RecordSelfReferral)?;
    let filter = CatalogueFilter {
        structure_id: Some(me.user.organisation_id),
        public_only: true,
        today: Some(today()),
        limit: 500,
        ..CatalogueFilter::default()
    };
    let (rows, _) = app.store.search_actions(&filter).await?;
    Ok(rows)
}

/// A published action of the opérateur's own structure.
async fn own_action(app: &App, me: &CurrentUser, id: &str) -> Result<Action, Failure> {
    let invalid = || {
        Invalid::field(
            "action_id",
            "Choisissez une action ouverte de votre structure.",
        )
    };
    let id = Uuid::parse_str(id.trim()).map_err(|_| invalid())?;
    let action = match app.store.action(id).await {
        Err(parcours_store::StoreError::NotFound) => return Err(invalid().into()),
        other => other?,
    };
    if action.structure_id != me.user.organisation_id || !action.is_public(today()) {
        return Err(invalid().into());
    }
    Ok(action)
}

/// What a new file says of the person, for the eligibility rules: what
/// the structure could not record is unknown, not false.
/// Outside the RSA (no household) the person is known not to draw it, and
/// whether they draw another minimum income.
fn facts_of_new(data: &PersonData, household: Option<&HouseholdData>) -> PersonFacts {
    PersonFacts {
        age: u8::try_from(age_on(data.birth_date, today())).ok(),
        rsa: Some(household.is_some_and(|h| {
            matches!(
                h.rsa_state,
                RsaState::OpenPaid | RsaState::OpenSuspended | RsaState::OpenPaymentSuspended
            )
        })),
        single_parent: None,
        other_minimum_income: household.is_none().then_some(data.other_minimum_income),
        outside_rsa: Some(household.is_none()),
        orientation: Some(None),
        contract_running: Some(false),
        commune_code: data.commune_code.clone(),
    }
}

/// A request recorded, and whether a new file was created for it.
pub struct Recorded {
    pub referral: Referral,
    pub new_file: bool,
}

/// Records the request: both the action and the identity are checked, so
/// that the form shows every error at once.
pub async fn record(
    app: &App,
    me: &CurrentUser,
    input: &SelfReferralInput,
) -> Result<Recorded, Failure> {
    me.require(Permission::RecordSelfReferral)?;
    let action = own_action(app, me, &input.action_id).await;
    let identity = input.identity(today());
    let (action, data) = match (action, identity) {
        (Ok(action), Ok(data)) => (action, data),
        (action, identity) => {
            let mut invalid = Invalid::new();
            if let Err(Failure::Invalid(errors)) = &action {
                invalid.merge(errors.clone());
            }
            if let Err(errors) = identity {
                invalid.merge(errors);
            }
            action?;
            return Err(invalid.into());
        }
    };
    let (applicant, assessment) = applicant(app, input, &action, data).await?;
    let new_file = matches!(applicant, Applicant::New { .. });
    let new = NewSelfReferral {
        action_id: action.id,
        applicant,
        assessment,
        override_reason: Some(input.override_reason.clone()),
    };
    let referral = app.store.record_self_referral(&me.actor(), &new).await?;
    Ok(Recorded { referral, new_file })
}

/// The open file matching the identity, or a new one (which needs the RSA
/// dossier, unless the person is outside the RSA), with the person's
/// eligibility to the action.
async fn applicant(
    app: &App,
    input: &SelfReferralInput,
    action: &Action,
    data: PersonData,
) -> Result<(Applicant, Assessment), Failure> {
    let matches: Vec<_> = app
        .store
        .possible_duplicates(&data)
        .await?
        .into_iter()
        .filter(|p| p.closed_on.is_none())
        .collect();
    match matches.as_slice() {
        [one] => {
            let person = app.store.person(one.id).await?;
            let assessment = assess(app, &person, action).await?;
            Ok((Applicant::Existing(one.id), assessment))
        }
        [] => {
            let household = match input.situation().is_rsa() {
                true => Some(input.household(today())?),
                false => None,
            };
            let facts = facts_of_new(&data, household.as_ref());
            let assessment = assess_facts(app, &facts, action).await?;
            let applicant = Applicant::New {
                household: household.map_or(HouseholdTarget::OutsideRsa, HouseholdTarget::New),
                data: Box::new(data),
            };
            Ok((applicant, assessment))
        }
        _ => Err(Invalid::field(
            "nir",
            "Plusieurs dossiers correspondent à cette identité : indiquez le NIR de la personne.",
        )
        .into()),
    }
}

/// The validator's queue: the cadre's (people followed in their
/// organisation) or the chargé de mission's (people without a référent).
pub fn queue_of(me: &CurrentUser) -> Result<ValidationQueue, Failure> {
    me.require(Permission::ValidateSelfReferral)?;
    Ok(match me.viewer().role {
        Role::Manager => ValidationQueue::Organisation(me.user.organisation_id),
        _ => ValidationQueue::WithoutReferent,
    })
}

/// The requests waiting for `me`.
pub async fn to_validate(app: &App, me: &CurrentUser) -> Result<Vec<PendingSelfReferral>, Failure> {
    Ok(app.store.self_referrals_to_validate(queue_of(me)?).await?)
}

/// The request, when `me` is the one to validate it.
async fn validatable(app: &App, me: &CurrentUser, id: Uuid) -> Result<Referral, Failure> {
    me.require(Permission::ValidateSelfReferral)?;
    let referral = app.store.referral(id).await?;
    let organisation = app.store.referent_organisation(referral.person_id).await?;
    if !may_validate_self_referral(&me.viewer(), organisation) {
        return Err(Failure::Forbidden);
    }
    Ok(referral)
}

/// Validates a request: entry (today when `entry` is empty) when a place
/// is free, the waiting list otherwise.
pub async fn validate(
    app: &App,
    me: &CurrentUser,
    id: Uuid,
    version: i64,
    entry: &str,
) -> Result<Referral, Failure> {
    validatable(app, me, id).await?;
    let entry = if entry.trim().is_empty() {
        today()
    } else {
        let mut invalid = Invalid::new();
        let entry = required_date(&mut invalid, "entered_on", "Date d'entrée", entry);
        let Some(entry) = entry else {
            return Err(invalid.into());
        };
        invalid.into_result(())?;
        entry
    };
    Ok(app
        .store
        .validate_self_referral(&me.actor(), id, version, entry)
        .await?)
}

/// Turns a request down, saying why.
pub async fn reject(
    app: &App,
    me: &CurrentUser,
    id: Uuid,
    version: i64,
    reason: &str,
) -> Result<Referral, Failure> {
    validatable(app, me, id).await?;
    Ok(app
        .store
        .reject_self_referral(&me.actor(), id, version, reason)
        .await?)
}
