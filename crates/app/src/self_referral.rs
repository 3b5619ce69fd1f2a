//! A person who came directly to a structure (*démarche directe*): the
//! opérateur records the request, on the file found by the person's
//! identity or on a new file with a minimal identity; the eligibility is
//! checked here; the référent's cadre, or the chargé de mission when nobody
//! follows the person, validates (a place or the waiting list) or turns it
//! down with a reason.

use crate::clock::today;
use crate::referral::assess_facts;
use crate::{App, CurrentUser, Failure};
use parcours_domain::eligibility::Assessment;
use parcours_domain::person::{fold, required_date, PersonData};
use parcours_domain::referral::{may_validate_self_referral, SelfReferralInput};
use parcours_domain::{Invalid, Permission, Role};
use parcours_store::catalogue::{Action, ActionSummary, CatalogueFilter};
use parcours_store::person::{HouseholdTarget, PersonSummary};
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

/// The person's eligibility to one of the opérateur's actions, rule by
/// rule, from what the opérateur typed (the identity's age and commune, the
/// declared facts) and the action's places outside its publics used now:
/// the check before recording. No file is looked up, so the answer says
/// nothing of whether the person has one.
pub async fn check(
    app: &App,
    me: &CurrentUser,
    input: &SelfReferralInput,
) -> Result<Assessment, Failure> {
    me.require(Permission::RecordSelfReferral)?;
    let action = own_action(app, me, &input.action_id).await;
    let facts = input.declared_facts(today());
    let (action, facts) = both(action, facts.map_err(Failure::from))?;
    assess_facts(app, &facts, &action).await
}

/// Both results, or every error of the two at once (a failure other than
/// invalid input first).
fn both<A, B>(a: Result<A, Failure>, b: Result<B, Failure>) -> Result<(A, B), Failure> {
    match (a, b) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        (a, b) => {
            let mut invalid = Invalid::new();
            for failure in [a.err(), b.err()].into_iter().flatten() {
                match failure {
                    Failure::Invalid(errors) => invalid.merge(errors),
                    other => return Err(other),
                }
            }
            Err(invalid.into())
        }
    }
}

/// A request recorded, whether a new file was created for it, and the
/// eligibility it was recorded with (from what the opérateur typed).
pub struct Recorded {
    pub referral: Referral,
    pub new_file: bool,
    pub assessment: Assessment,
}

/// Records the request: the action, the identity and the declared facts
/// are checked together, so that the form shows every error at once. The
/// eligibility recorded is the one the opérateur saw: from what they typed,
/// never from a file found by the identity.
pub async fn record(
    app: &App,
    me: &CurrentUser,
    input: &SelfReferralInput,
) -> Result<Recorded, Failure> {
    me.require(Permission::RecordSelfReferral)?;
    let action = own_action(app, me, &input.action_id).await;
    let mut reason_invalid = Invalid::new();
    let override_reason = parcours_domain::validation::free_text(
        &mut reason_invalid,
        "override_reason",
        "Motif de dérogation",
        &input.override_reason,
        2_000,
    );
    reason_invalid.into_result(())?;
    let identity = input.identity(today()).map_err(Failure::from);
    let facts = input.declared_facts(today()).map_err(Failure::from);
    let (action, (data, facts)) = both(action, both(identity, facts))?;
    let assessment = assess_facts(app, &facts, &action).await?;
    let applicant = applicant(app, input, data).await?;
    let new_file = matches!(applicant, Applicant::New { .. });
    let new = NewSelfReferral {
        action_id: action.id,
        applicant,
        assessment: assessment.clone(),
        override_reason: Some(override_reason),
    };
    let referral = app.store.record_self_referral(&me.actor(), &new).await?;
    Ok(Recorded {
        referral,
        new_file,
        assessment,
    })
}

/// The open file matching the identity, or a new one (which needs the RSA
/// dossier, unless the person is outside the RSA).
async fn applicant(
    app: &App,
    input: &SelfReferralInput,
    data: PersonData,
) -> Result<Applicant, Failure> {
    let (matches, nir_only): (Vec<_>, Vec<_>) = app
        .store
        .possible_duplicates(&data)
        .await?
        .into_iter()
        .filter(|p| p.closed_on.is_none())
        .partition(|p| typed_identity_is(p, &data));
    // A NIR alone never finds a file: it would tell the structure whose
    // number it is. The typed identity must be that of the file.
    if matches.is_empty() && !nir_only.is_empty() {
        return Err(Invalid::field(
            "nir",
            "Ce NIR ne correspond pas à l'identité saisie : vérifiez le NIR, le nom, le prénom et la date de naissance.",
        )
        .into());
    }
    match matches.as_slice() {
        [one] => Ok(Applicant::Existing(one.id)),
        [] => {
            let household = match input.situation().is_rsa() {
                true => Some(input.household(today())?),
                false => None,
            };
            Ok(Applicant::New {
                household: household.map_or(HouseholdTarget::OutsideRsa, HouseholdTarget::New),
                data: Box::new(data),
            })
        }
        _ => Err(Invalid::field(
            "nir",
            "Plusieurs dossiers correspondent à cette identité : indiquez le NIR de la personne.",
        )
        .into()),
    }
}

/// The file is that of the identity typed: same names (accents and case
/// aside) and same birth date.
fn typed_identity_is(file: &PersonSummary, typed: &PersonData) -> bool {
    file.birth_date == typed.birth_date
        && fold(&file.last_name) == fold(&typed.last_name)
        && fold(&file.first_names) == fold(&typed.first_names)
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
