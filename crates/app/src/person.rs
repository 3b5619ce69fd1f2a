//! Use cases on person files shared by the pages and the API: same parsing,
//! same permission and scope checks, same outcomes.

use crate::{App, CurrentUser, Failure};
use parcours_domain::audit::{entity, AuditAction};
use parcours_domain::person::{
    ClosureReason, HouseholdData, HouseholdInput, PersonData, PersonInput,
};
use parcours_domain::{Invalid, Permission};
use parcours_store::person::{HouseholdTarget, Person, PersonSummary};
use uuid::Uuid;

use parcours_domain::clock::today;

/// Checks the permission and that the person is within the user's scope.
pub async fn visible_person(
    app: &App,
    me: &CurrentUser,
    id: Uuid,
    permission: Permission,
) -> Result<Person, Failure> {
    me.require(Permission::ViewPersons)?;
    me.require(permission)?;
    let (person, visible) = app.store.person_in_scope(&me.scope(), id).await?;
    if !visible {
        return Err(Failure::Forbidden);
    }
    Ok(person)
}

/// Opens a file for reading: checked, and the read is audited.
pub async fn read_person(
    app: &App,
    me: &CurrentUser,
    id: Uuid,
    what: &str,
) -> Result<Person, Failure> {
    let person = visible_person(app, me, id, Permission::ViewPersons).await?;
    app.store
        .audit(
            &me.actor(),
            AuditAction::Read,
            entity::PERSON,
            Some(&id.to_string()),
            Some(what),
        )
        .await?;
    Ok(person)
}

pub enum Created {
    Person(Box<Person>),
    /// Possible duplicates found: nothing saved, the user must confirm.
    Duplicates(Vec<PersonSummary>),
}

pub async fn create_person(
    app: &App,
    me: &CurrentUser,
    household_id: Option<Uuid>,
    household: &HouseholdInput,
    person: &PersonInput,
    confirm_duplicate: bool,
) -> Result<Created, Failure> {
    me.require(Permission::EditPersons)?;
    let today = today();
    let person_data = PersonData::parse(person, today);
    let target = match household_id {
        Some(id) => {
            app.store.household(id).await?;
            Ok(HouseholdTarget::Existing(id))
        }
        None => HouseholdData::parse(household, today).map(HouseholdTarget::New),
    };
    let (data, target) = match (person_data, target) {
        (Ok(data), Ok(target)) => (data, target),
        (data, target) => {
            let mut invalid = Invalid::new();
            for err in [data.err(), target.err()].into_iter().flatten() {
                invalid.errors.extend(err.errors);
            }
            return Err(Failure::Invalid(invalid));
        }
    };
    if !confirm_duplicate {
        let duplicates = app.store.possible_duplicates(&data).await?;
        if !duplicates.is_empty() {
            return Ok(Created::Duplicates(duplicates));
        }
    }
    let created = app
        .store
        .create_person(&me.actor(), me.user.organisation_id, &target, &data)
        .await?;
    Ok(Created::Person(Box::new(created)))
}

/// Rectifies a household, through one of its members' files (same scope rule).
pub async fn update_household(
    app: &App,
    me: &CurrentUser,
    person_id: Uuid,
    version: i64,
    input: &HouseholdInput,
) -> Result<parcours_store::person::Household, Failure> {
    let person = visible_person(app, me, person_id, Permission::EditPersons).await?;
    let data = HouseholdData::parse(input, today())?;
    Ok(app
        .store
        .update_household(&me.actor(), person.household_id, version, &data)
        .await?)
}

pub async fn update_person(
    app: &App,
    me: &CurrentUser,
    id: Uuid,
    version: i64,
    input: &PersonInput,
) -> Result<Person, Failure> {
    visible_person(app, me, id, Permission::EditPersons).await?;
    let data = PersonData::parse(input, today())?;
    Ok(app
        .store
        .update_person(&me.actor(), id, version, &data)
        .await?)
}

pub async fn close_person(
    app: &App,
    me: &CurrentUser,
    id: Uuid,
    version: i64,
    on: &str,
    reason: &str,
) -> Result<Person, Failure> {
    visible_person(app, me, id, Permission::EditPersons).await?;
    let mut invalid = Invalid::new();
    let on =
        parcours_domain::person::required_date(&mut invalid, "closed_on", "Date de clôture", on);
    if on.is_some_and(|d| d > today()) {
        invalid.add(
            "closed_on",
            "La date de clôture ne peut pas être dans le futur.",
        );
    }
    let reason = ClosureReason::from_code(reason.trim());
    if reason.is_none() || reason == Some(ClosureReason::Merged) {
        invalid.add("closure_reason", "Choisissez le motif de clôture.");
    }
    let (Some(on), Some(reason)) = (on, reason) else {
        return Err(invalid.into());
    };
    invalid.into_result(())?;
    Ok(app
        .store
        .close_person(&me.actor(), id, version, on, reason)
        .await?)
}

/// What a user may do with a person's diagnostic and contracts: the
/// permission of the role, and for a référent, being this person's référent.
#[derive(Debug, Clone, Copy, Default)]
pub struct PathwayAccess {
    pub read_diagnostic: bool,
    pub sensitive: bool,
    pub edit: bool,
    pub validate: bool,
}

pub async fn pathway_access(
    app: &App,
    me: &CurrentUser,
    person: &Person,
) -> Result<PathwayAccess, Failure> {
    let assignments = match me.role {
        parcours_domain::Role::Referent => app.store.assignments(person.id).await?,
        _ => Vec::new(),
    };
    Ok(pathway_access_of(me, person, &assignments))
}

/// The same, with the person's référent designations already read.
pub fn pathway_access_of(
    me: &CurrentUser,
    person: &Person,
    assignments: &[parcours_store::orientation::Assignment],
) -> PathwayAccess {
    let own_referent = match me.role {
        parcours_domain::Role::Referent => assignments
            .iter()
            .any(|a| a.ends_on.is_none() && a.referent_id == me.user.id),
        _ => true,
    };
    let can = |p: Permission| me.role.can(p) && own_referent;
    PathwayAccess {
        read_diagnostic: can(Permission::ViewDiagnostic),
        sensitive: can(Permission::ViewSensitive),
        edit: can(Permission::EditContract) && person.closed_on.is_none(),
        validate: can(Permission::ValidateContract),
    }
}
