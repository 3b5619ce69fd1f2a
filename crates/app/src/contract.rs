//! Contracts (CER, contrat d'engagement): drafting, the lifecycle (sign,
//! submit, validate or reject, start, end, bilan, renew), the cadre's queue
//! and what the printable contract shows. Anyone who may open the file
//! reads its contracts; the person's référent and their cadre act on them;
//! the cadre validates.

use crate::person::{pathway_access, read_person, visible_person, PathwayAccess};
use crate::{clock, App, CurrentUser, Failure};
use parcours_domain::contract::{ContractData, ContractInput, Event};
use parcours_domain::person::required_date;
use parcours_domain::{Invalid, Permission};
use parcours_store::contract::{Contract, ContractObjective, ContractToValidate, EventDetails};
use parcours_store::diagnostic::DiagnosticRevision;
use parcours_store::orientation::{Assignment, Orientation};
use parcours_store::person::Person;
use uuid::Uuid;

/// A contract with its person, as the caller may act on it.
pub struct ContractFile {
    pub contract: Contract,
    pub objectives: Vec<ContractObjective>,
    pub person: Person,
    pub access: PathwayAccess,
}

/// The contract and its person, when the user may act on it (`validate`: as cadre).
async fn actionable(
    app: &App,
    me: &CurrentUser,
    id: Uuid,
    validate: bool,
) -> Result<(Contract, Person, PathwayAccess), Failure> {
    let contract = app.store.contract(id).await?;
    let person = visible_person(app, me, contract.person_id, Permission::ViewPersons).await?;
    let access = pathway_access(app, me, &person).await?;
    if (validate && !access.validate) || (!validate && !access.edit) {
        return Err(Failure::Forbidden);
    }
    Ok((contract, person, access))
}

/// The person a contract is drafted for, when the caller may draft it.
async fn drafting_for(app: &App, me: &CurrentUser, person_id: Uuid) -> Result<Person, Failure> {
    let person = visible_person(app, me, person_id, Permission::EditContract).await?;
    if !pathway_access(app, me, &person).await?.edit {
        return Err(Failure::Forbidden);
    }
    Ok(person)
}

/// What a contract form starts from: the person, and their latest
/// diagnostic, whose barriers each objective may address.
pub struct Drafting {
    pub person: Person,
    pub diagnostic: Option<DiagnosticRevision>,
}

/// The contract form's person and diagnostic, when the caller may draft.
pub async fn drafting(app: &App, me: &CurrentUser, person_id: Uuid) -> Result<Drafting, Failure> {
    let person = drafting_for(app, me, person_id).await?;
    let diagnostic = app
        .store
        .diagnostic_revisions(person_id)
        .await?
        .into_iter()
        .next();
    Ok(Drafting { person, diagnostic })
}

/// Drafts a contract.
pub async fn create(
    app: &App,
    me: &CurrentUser,
    person_id: Uuid,
    input: &ContractInput,
) -> Result<Contract, Failure> {
    drafting_for(app, me, person_id).await?;
    let data = ContractData::parse(input)?;
    Ok(app
        .store
        .create_contract(&me.actor(), person_id, &data)
        .await?)
}

/// A draft to edit, with its objectives.
pub async fn draft(app: &App, me: &CurrentUser, id: Uuid) -> Result<ContractFile, Failure> {
    let (contract, person, access) = actionable(app, me, id, false).await?;
    if !contract.status.is_editable() {
        return Err(Invalid::field("status", NOT_A_DRAFT).into());
    }
    let objectives = app.store.contract_objectives(id).await?;
    Ok(ContractFile {
        contract,
        objectives,
        person,
        access,
    })
}

/// Why a contract past its draft cannot be edited.
pub const NOT_A_DRAFT: &str =
    "Ce contrat n'est plus un brouillon : il ne peut plus être modifié. Pour le changer, faites-en le bilan puis renouvelez-le.";

/// Replaces a draft's content (stale if it changed since `version`).
pub async fn update(
    app: &App,
    me: &CurrentUser,
    id: Uuid,
    version: i64,
    input: &ContractInput,
) -> Result<Contract, Failure> {
    actionable(app, me, id, false).await?;
    let data = ContractData::parse(input)?;
    Ok(app
        .store
        .update_contract(&me.actor(), id, version, &data)
        .await?)
}

/// Applies a lifecycle event dated `on` (today when empty, never in the
/// future). Validation starts the contract at once when its start date has come.
pub async fn apply_event(
    app: &App,
    me: &CurrentUser,
    id: Uuid,
    version: i64,
    event: Event,
    on: &str,
    details: &EventDetails,
) -> Result<Contract, Failure> {
    let validate = matches!(event, Event::Validate | Event::Reject);
    actionable(app, me, id, validate).await?;
    apply_checked(app, me, id, version, event, on, details).await
}

/// [`apply_event`] once the caller's right to it is checked.
async fn apply_checked(
    app: &App,
    me: &CurrentUser,
    id: Uuid,
    version: i64,
    event: Event,
    on: &str,
    details: &EventDetails,
) -> Result<Contract, Failure> {
    let on = event_date(on)?;
    let contract = app
        .store
        .apply_contract_event(&me.actor(), id, version, event, on, details)
        .await?;
    if event == Event::Validate && contract.starts_on <= on {
        return Ok(app
            .store
            .apply_contract_event(
                &me.actor(),
                id,
                contract.version,
                Event::Start,
                on,
                &EventDetails::default(),
            )
            .await?);
    }
    Ok(contract)
}

fn event_date(on: &str) -> Result<time::Date, Invalid> {
    let today = clock::today();
    if on.trim().is_empty() {
        return Ok(today);
    }
    let mut invalid = Invalid::new();
    let on = required_date(&mut invalid, "on", "Date", on);
    match on {
        Some(on) if on > today => Err(Invalid::field(
            "on",
            "La date ne peut pas être dans le futur.",
        )),
        Some(on) => invalid.into_result(on),
        None => Err(invalid),
    }
}

/// The bilan: one result (and comment) per objective, in order, then the
/// lifecycle event. `results` holds each objective's result code.
pub async fn review(
    app: &App,
    me: &CurrentUser,
    id: Uuid,
    version: i64,
    on: &str,
    reviews: &[ObjectiveReview],
    review_comment: &str,
) -> Result<Contract, Failure> {
    actionable(app, me, id, false).await?;
    let objectives = app.store.contract_objectives(id).await?.len();
    let details = review_details(reviews, objectives, review_comment)?;
    apply_checked(app, me, id, version, Event::Review, on, &details).await
}

/// One objective's bilan as typed: its result code and a comment.
#[derive(Debug, Clone, Default)]
pub struct ObjectiveReview {
    pub result: String,
    pub comment: String,
}

fn review_details(
    reviews: &[ObjectiveReview],
    objectives: usize,
    review_comment: &str,
) -> Result<EventDetails, Invalid> {
    use parcours_domain::contract::ReviewResult;
    use parcours_domain::validation::{free_text, optional_text, TEXT_MAX};
    let mut invalid = Invalid::new();
    let mut results = Vec::with_capacity(objectives);
    for i in 0..objectives {
        let review = reviews.get(i).cloned().unwrap_or_default();
        match ReviewResult::from_code(review.result.trim()) {
            Some(result) => {
                let comment = optional_text(
                    &mut invalid,
                    &format!("resultat{i}"),
                    "Commentaire du résultat",
                    &review.comment,
                    TEXT_MAX,
                );
                results.push((result, comment));
            }
            None => invalid.add(
                &format!("resultat{i}"),
                format!("Indiquez le résultat de l'objectif {}.", i + 1),
            ),
        }
    }
    let review_comment = free_text(
        &mut invalid,
        "review_comment",
        "Conclusion du bilan",
        review_comment,
        TEXT_MAX,
    );
    invalid.into_result(EventDetails {
        reviews: results,
        review_comment: Some(review_comment).filter(|c| !c.is_empty()),
        ..EventDetails::default()
    })
}

/// Opens a contract for reading (the read of the file audited as `what`).
pub async fn open(
    app: &App,
    me: &CurrentUser,
    id: Uuid,
    what: &str,
) -> Result<ContractFile, Failure> {
    let contract = app.store.contract(id).await?;
    let person = read_person(app, me, contract.person_id, what).await?;
    let access = pathway_access(app, me, &person).await?;
    let objectives = app.store.contract_objectives(id).await?;
    Ok(ContractFile {
        contract,
        objectives,
        person,
        access,
    })
}

/// The objectives of a contract the caller just obtained from a use case
/// (a write's outcome): no new check, no new read to audit.
pub async fn objectives_of(
    app: &App,
    contract: &Contract,
) -> Result<Vec<ContractObjective>, Failure> {
    Ok(app.store.contract_objectives(contract.id).await?)
}

/// A person's contracts, newest first (the read audited).
pub async fn of_person(
    app: &App,
    me: &CurrentUser,
    person_id: Uuid,
    what: &str,
) -> Result<Vec<Contract>, Failure> {
    read_person(app, me, person_id, what).await?;
    Ok(app.store.contracts_of(person_id).await?)
}

/// Contracts awaiting the cadre's validation, within their scope.
pub async fn to_validate(app: &App, me: &CurrentUser) -> Result<Vec<ContractToValidate>, Failure> {
    me.require(Permission::ValidateContract)?;
    Ok(app.store.contracts_to_validate(&me.scope()).await?)
}

/// What the printed contract shows besides the contract itself.
pub struct Printable {
    pub file: ContractFile,
    pub orientation: Option<Orientation>,
    pub assignment: Option<Assignment>,
    /// The person's commune, as "14118 Caen".
    pub commune: Option<String>,
}

/// The contract ready to print and sign (the read audited).
pub async fn printable(app: &App, me: &CurrentUser, id: Uuid) -> Result<Printable, Failure> {
    let file = open(app, me, id, "contrat imprimé (PDF)").await?;
    let person_id = file.person.id;
    let orientation = app
        .store
        .orientations(person_id)
        .await?
        .into_iter()
        .find(|o| o.id == file.contract.orientation_id);
    let assignment = app
        .store
        .assignments(person_id)
        .await?
        .into_iter()
        .find(|a| a.id == file.contract.assignment_id);
    let commune = match &file.person.commune_code {
        Some(code) => app.store.commune_label(code).await?,
        None => None,
    };
    Ok(Printable {
        file,
        orientation,
        assignment,
        commune,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bilan_needs_a_result_per_objective() {
        let reviews = [ObjectiveReview {
            result: "reached".into(),
            comment: " bien ".into(),
        }];
        let details = review_details(&reviews, 1, "").unwrap();
        assert_eq!(details.reviews.len(), 1);
        assert_eq!(details.reviews[0].1.as_deref(), Some("bien"));
        let err = review_details(&reviews, 2, "").unwrap_err();
        assert!(err.message_for("resultat1").is_some());
    }

    #[test]
    fn an_event_date_is_today_by_default_and_never_in_the_future() {
        assert_eq!(event_date(" ").unwrap(), clock::today());
        let tomorrow = clock::today().next_day().unwrap();
        assert!(event_date(&tomorrow.to_string()).is_err());
        assert!(event_date("31/02/2026").is_err());
    }
}
