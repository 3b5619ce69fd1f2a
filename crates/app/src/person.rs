//! Use cases on person files shared by the pages and the API: same parsing,
//! same permission and scope checks, same outcomes.

use crate::{App, CurrentUser, Failure};
use parcours_domain::audit::{entity, AuditAction};
use parcours_domain::declared_situation::DeclaredSituation;
use parcours_domain::nir::Nir;
use parcours_domain::orientation::OrientationStatus;
use parcours_domain::person::{
    ClosureReason, HouseholdData, HouseholdInput, PersonData, PersonInput, RsaSituation,
};
use parcours_domain::{Invalid, Permission};
use parcours_store::contract::Contract;
use parcours_store::deadline::StoredClock;
use parcours_store::diagnostic::DiagnosticRevision;
use parcours_store::import::ImportChange;
use parcours_store::organisation::Organisation;
use parcours_store::orientation::{Assignment, Orientation};
use parcours_store::person::{Household, HouseholdTarget, Person, PersonQuery, PersonSummary};
use parcours_store::referral::PersonReferral;
use std::sync::Arc;
use uuid::Uuid;

use parcours_domain::clock::today;
use parcours_domain::referral::ReferralStatus;

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
    Duplicates(Duplicates),
}

/// The possible duplicates of a new file: those the caller may open, and of
/// the others only that they exist and which organisation to ask — their
/// identity is outside the caller's need to know. Both are audited.
#[derive(Debug, Clone, Default)]
pub struct Duplicates {
    pub visible: Vec<PersonSummary>,
    /// The organisation responsible for each file the caller may not open.
    pub elsewhere: Vec<String>,
}

async fn sorted_duplicates(
    app: &App,
    me: &CurrentUser,
    found: Vec<PersonSummary>,
) -> Result<Duplicates, Failure> {
    let organisations = app.store.organisations().await?;
    let mut duplicates = Duplicates::default();
    let mut events = Vec::new();
    for summary in found {
        let (person, visible) = app.store.person_in_scope(&me.scope(), summary.id).await?;
        if visible {
            events.push((
                summary.id.to_string(),
                "doublon possible signalé à la création d'un dossier".to_owned(),
            ));
            duplicates.visible.push(summary);
        } else {
            let organisation = organisations
                .iter()
                .find(|o| Some(o.id) == person.responsible_organisation_id)
                .map_or("le Département".to_owned(), |o| o.name.clone());
            events.push((summary.id.to_string(), format!("doublon possible hors périmètre : existence seule signalée (s'adresser à {organisation})")));
            duplicates.elsewhere.push(organisation);
        }
    }
    app.store
        .audit_many(&me.actor(), AuditAction::Read, entity::PERSON, &events)
        .await?;
    Ok(duplicates)
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
    // An unknown situation is the person's error; no dossier is asked for then.
    let rsa = RsaSituation::parse(&person.situation).is_ok_and(RsaSituation::is_rsa);
    let target = match (rsa, household_id) {
        (false, None) => Ok(HouseholdTarget::OutsideRsa),
        (false, Some(_)) => Err(Invalid::field(
            "situation",
            "Un membre d'un foyer RSA est bénéficiaire du RSA : choisissez cette situation.",
        )),
        (true, Some(id)) => {
            app.store.household(id).await?;
            Ok(HouseholdTarget::Existing(id))
        }
        (true, None) => HouseholdData::parse(household, today).map(HouseholdTarget::New),
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
        let found = app.store.possible_duplicates(&data).await?;
        if !found.is_empty() {
            return Ok(Created::Duplicates(
                sorted_duplicates(app, me, found).await?,
            ));
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
) -> Result<Household, Failure> {
    let person = visible_person(app, me, person_id, Permission::EditPersons).await?;
    let Some(household_id) = person.household_id else {
        return Err(Invalid::field("situation", OUTSIDE_RSA_HAS_NO_DOSSIER).into());
    };
    let data = HouseholdData::parse(input, today())?;
    Ok(app
        .store
        .update_household(&me.actor(), household_id, version, &data)
        .await?)
}

const OUTSIDE_RSA_HAS_NO_DOSSIER: &str = "Cette personne est hors RSA : son dossier n'a pas de dossier RSA. Elle entre au RSA par l'import du fichier CAF/MSA, qui la reconnaît à son NIR.";

/// A rectification keeps the file on its side of the RSA: a person outside
/// it enters by the CAF/MSA import (found by NIR, their household comes
/// with it); a dossier RSA is closed, not removed. Nothing chosen keeps the
/// file's situation.
fn situation_kept(person: &Person, input: &PersonInput) -> Result<PersonInput, Invalid> {
    let current = person.situation();
    if input.situation.trim().is_empty() {
        return Ok(PersonInput {
            situation: current.code().to_owned(),
            ..input.clone()
        });
    }
    let wanted = RsaSituation::parse(&input.situation)?;
    match (current.is_rsa(), wanted.is_rsa()) {
        (false, true) => Err(Invalid::field("situation", OUTSIDE_RSA_HAS_NO_DOSSIER)),
        (true, false) => Err(Invalid::field(
            "situation",
            "Ce dossier est rattaché à un dossier RSA : il reste celui d'un bénéficiaire du RSA (clôturez-le quand le droit prend fin).",
        )),
        _ => Ok(input.clone()),
    }
}

pub async fn update_person(
    app: &App,
    me: &CurrentUser,
    id: Uuid,
    version: i64,
    input: &PersonInput,
) -> Result<Person, Failure> {
    let person = visible_person(app, me, id, Permission::EditPersons).await?;
    let mut input = situation_kept(&person, input)?;
    if input.keep_nir && input.nir.trim().is_empty() {
        input.nir = person.nir.clone().unwrap_or_default();
    }
    let data = PersonData::parse(&input, today())?;
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
    let assignments = match me.role() {
        parcours_domain::Role::Referent => app.store.assignments(person.id).await?,
        _ => Vec::new(),
    };
    Ok(pathway_access_of(me, person, &assignments))
}

/// The same, with the person's référent designations already read.
pub fn pathway_access_of(
    me: &CurrentUser,
    person: &Person,
    assignments: &[Assignment],
) -> PathwayAccess {
    let own_referent = match me.role() {
        parcours_domain::Role::Referent => assignments
            .iter()
            .any(|a| a.ends_on.is_none() && a.referent_id == me.user.id),
        _ => true,
    };
    let can = |p: Permission| me.role().can(p) && own_referent;
    PathwayAccess {
        read_diagnostic: can(Permission::ViewDiagnostic),
        sensitive: can(Permission::ViewSensitive),
        edit: can(Permission::EditContract) && person.closed_on.is_none(),
        validate: can(Permission::ValidateContract),
    }
}

/// The search criteria as typed. Field errors are named as on the
/// screen (`naissance`, `nir`); the API renames the date.
#[derive(Debug, Clone, Default)]
pub struct PersonSearch {
    /// Name or first name, whole or beginning.
    pub name: String,
    /// YYYY-MM-DD
    pub birth_date: String,
    pub nir: String,
    pub caf_number: String,
    pub include_closed: bool,
}

impl PersonSearch {
    /// Whether anything was asked for (the screen says "no result" only then).
    pub fn has_criteria(&self) -> bool {
        [&self.name, &self.birth_date, &self.nir, &self.caf_number]
            .iter()
            .any(|c| !c.trim().is_empty())
    }

    fn to_query(&self) -> Result<PersonQuery, Invalid> {
        use parcours_domain::person::optional_date;
        use parcours_domain::validation::{optional_text, LINE_MAX};
        let mut invalid = Invalid::new();
        let name = optional_text(&mut invalid, "nom", "Nom", &self.name, LINE_MAX);
        let caf_number = optional_text(
            &mut invalid,
            "allocataire",
            "Numéro allocataire",
            &self.caf_number,
            LINE_MAX,
        );
        let birth_date = optional_date(
            &mut invalid,
            "naissance",
            "Date de naissance",
            &self.birth_date,
        );
        let nir = optional_text(&mut invalid, "nir", "NIR", &self.nir, LINE_MAX).and_then(|raw| {
            match Nir::parse(&raw) {
                Ok(nir) => Some(nir.as_str().to_owned()),
                Err(message) => {
                    invalid.add("nir", message);
                    None
                }
            }
        });
        invalid.into_result(PersonQuery {
            name,
            birth_date,
            nir,
            caf_number,
            include_closed: self.include_closed,
            limit: 50,
        })
    }
}

/// People matching the criteria, within the caller's scope.
pub async fn search(
    app: &App,
    me: &CurrentUser,
    criteria: &PersonSearch,
) -> Result<Vec<PersonSummary>, Failure> {
    me.require(Permission::ViewPersons)?;
    let query = criteria.to_query()?;
    let found = app.store.search_persons(&me.scope(), &query).await?;
    let ids = found.iter().map(|p| p.id);
    crate::audit::people_listed(app, me, ids, "ligne d'un résultat de recherche").await?;
    Ok(found)
}

/// The communes a person's address may be in: (code, name, postcode).
pub async fn communes(
    app: &App,
    me: &CurrentUser,
) -> Result<Vec<(String, String, String)>, Failure> {
    me.require(Permission::EditPersons)?;
    Ok(app.store.communes().await?)
}

/// A person's file: identity, household, clocks, orientations, référents.
pub struct PersonFile {
    pub person: Person,
    /// None for a person outside the RSA.
    pub household: Option<Household>,
    pub clocks: Vec<StoredClock>,
    pub orientations: Vec<Orientation>,
    pub assignments: Vec<Assignment>,
}

impl PersonFile {
    pub fn validated_orientation(&self) -> Option<&Orientation> {
        self.orientations
            .iter()
            .find(|o| o.status == OrientationStatus::Validated)
    }
}

/// Opens a file; the read is audited with `what` was shown.
pub async fn read_file(
    app: &App,
    me: &CurrentUser,
    id: Uuid,
    what: &str,
) -> Result<PersonFile, Failure> {
    let person = read_person(app, me, id, what).await?;
    Ok(PersonFile {
        household: match person.household_id {
            Some(id) => Some(app.store.household(id).await?),
            None => None,
        },
        clocks: app.store.person_clocks(id).await?,
        orientations: app.store.orientations(id).await?,
        assignments: app.store.assignments(id).await?,
        person,
    })
}

/// Repeated unexcused absences on an action the person is in.
pub struct AbsenceAlert {
    pub absences: usize,
    pub action_name: String,
    pub structure_name: String,
}

/// Everything the person's page shows around the file, within what the
/// caller may see.
pub struct FileView {
    pub file: PersonFile,
    /// The other members of the household.
    pub members: Vec<Person>,
    pub due_soon_days: i64,
    pub access: PathwayAccess,
    /// Empty unless the diagnostic may be read.
    pub diagnostic_revisions: Vec<DiagnosticRevision>,
    /// What the person declared when applying (flux instruction); read as
    /// the diagnostic is.
    pub declared_situation: Option<DeclaredSituation>,
    pub contracts: Vec<Contract>,
    /// The weeks under the contrat d'engagement in force, if any.
    pub weekly_hours: Option<parcours_domain::weekly_hours::WeeklyHours>,
    /// The follow-up log as `access` may read it, newest first.
    pub follow_up_log: Vec<parcours_store::follow_up::LogEntry>,
    /// What the caller may do with the person's appointments, and those they may see.
    pub meeting_access: crate::meeting::MeetingAccess,
    pub meetings: Vec<parcours_store::meeting::Meeting>,
    /// The convocations and reminders sent by e-mail and SMS, with their state.
    pub messages: Vec<parcours_store::outbox::Message>,
    pub referrals: Vec<PersonReferral>,
    pub absence_alerts: Vec<AbsenceAlert>,
    /// Who may be designated référent: once oriented, for those who designate.
    pub referents: Vec<(Uuid, String)>,
    /// The commune's label, or its code when unknown.
    pub commune: String,
    /// Possible duplicates, for those who may merge them.
    pub duplicates: Vec<PersonSummary>,
    /// What CAF/MSA and CSV imports recorded.
    pub import_changes: Vec<ImportChange>,
    pub organisations: Arc<Vec<Organisation>>,
    /// Who did what, by name.
    pub names: crate::account::Names,
}

/// The person's page: the file (audited, saying whether the NIR was shown)
/// and its pathway.
pub async fn open_file(
    app: &App,
    me: &CurrentUser,
    id: Uuid,
    nir_shown: bool,
) -> Result<FileView, Failure> {
    let what = if nir_shown {
        "dossier, NIR affiché"
    } else {
        "dossier"
    };
    let file = read_file(app, me, id, what).await?;
    let store = &app.store;
    let person = &file.person;
    let access = pathway_access_of(me, person, &file.assignments);
    let diagnostic_revisions = match access.read_diagnostic {
        true => store.diagnostic_revisions(id).await?,
        false => Vec::new(),
    };
    let declared_situation = crate::diagnostic::declared_as_readable(app, &access, id).await?;
    let referrals = store.referrals_of_person(id).await?;
    let names = crate::account::names(app, actors(&file, &diagnostic_revisions)).await?;
    let meeting_access = crate::meeting::meeting_access_of(me, person, &file.assignments);
    let contracts = store.contracts_of(id).await?;
    let engaged = contracts
        .iter()
        .any(|c| c.kind == parcours_domain::contract::ContractKind::Engagement);
    let weekly_hours = match engaged {
        true => crate::weekly_hours::of_person_page(app, id).await?,
        false => None,
    };
    Ok(FileView {
        weekly_hours,
        meetings: crate::meeting::visible_meetings(app, &meeting_access, id).await?,
        messages: crate::outbox::visible_messages(app, meeting_access.see, id).await?,
        meeting_access,
        names,
        declared_situation,
        members: household_members(app, person).await?,
        due_soon_days: store.deadline_settings().await?.due_soon_days,
        access,
        diagnostic_revisions,
        contracts,
        follow_up_log: crate::follow_up::readable_log(app, &access, id).await?,
        absence_alerts: absence_alerts(app, &referrals).await?,
        referrals,
        referents: designable_referents(app, me, &file).await?,
        commune: commune(app, person).await?,
        duplicates: duplicates(app, me, person).await?,
        import_changes: store.person_import_changes(id).await?,
        organisations: store.organisations().await?,
        file,
    })
}

/// Who the timeline says acted: deciders, designators, diagnostic authors.
fn actors<'a>(
    file: &'a PersonFile,
    revisions: &'a [DiagnosticRevision],
) -> impl Iterator<Item = &'a str> {
    file.orientations
        .iter()
        .map(|o| o.decided_by.as_str())
        .chain(file.assignments.iter().map(|a| a.created_by.as_str()))
        .chain(revisions.iter().map(|r| r.created_by.as_str()))
}

async fn household_members(app: &App, person: &Person) -> Result<Vec<Person>, Failure> {
    let Some(household_id) = person.household_id else {
        return Ok(Vec::new());
    };
    let mut members = app.store.household_members(household_id).await?;
    members.retain(|m| m.id != person.id);
    Ok(members)
}

async fn absence_alerts(
    app: &App,
    referrals: &[PersonReferral],
) -> Result<Vec<AbsenceAlert>, Failure> {
    let mut alerts = Vec::new();
    for r in referrals
        .iter()
        .filter(|r| r.status == ReferralStatus::Entered)
    {
        let absences = app.store.absences_in_a_row(r.id).await?;
        if absences >= parcours_domain::referral::ABSENCES_ALERT {
            alerts.push(AbsenceAlert {
                absences,
                action_name: r.action_name.clone(),
                structure_name: r.structure_name.clone(),
            });
        }
    }
    Ok(alerts)
}

async fn designable_referents(
    app: &App,
    me: &CurrentUser,
    file: &PersonFile,
) -> Result<Vec<(Uuid, String)>, Failure> {
    match file.validated_orientation() {
        Some(o) if me.role().can(Permission::AssignReferent) => {
            Ok(app.store.referents_of(o.lead_organisation_id).await?)
        }
        _ => Ok(Vec::new()),
    }
}

async fn commune(app: &App, person: &Person) -> Result<String, Failure> {
    Ok(match &person.commune_code {
        Some(code) => app
            .store
            .commune_label(code)
            .await?
            .unwrap_or_else(|| code.clone()),
        None => String::new(),
    })
}

async fn duplicates(
    app: &App,
    me: &CurrentUser,
    person: &Person,
) -> Result<Vec<PersonSummary>, Failure> {
    if me.role().can(Permission::MergePersons) && person.merged_into_id.is_none() {
        Ok(app.store.duplicates_of(person).await?)
    } else {
        Ok(Vec::new())
    }
}

/// The file's rectifications, newest first; the read is audited.
pub struct History {
    pub person: Person,
    /// Newest first, each with its changes in French.
    pub rectifications: Vec<crate::rectification::Rectification>,
}

pub async fn history(app: &App, me: &CurrentUser, id: Uuid) -> Result<History, Failure> {
    let person = read_person(app, me, id, "historique des rectifications").await?;
    let revisions = app.store.person_revisions(id).await?;
    Ok(History {
        person,
        rectifications: crate::rectification::rectifications(app, &revisions).await?,
    })
}

/// Two files side by side before a merge (cadre); both reads are audited.
pub async fn compare(
    app: &App,
    me: &CurrentUser,
    keep: Uuid,
    duplicate: Uuid,
) -> Result<(Person, Person), Failure> {
    let keep = visible_person(app, me, keep, Permission::MergePersons).await?;
    let duplicate = visible_person(app, me, duplicate, Permission::MergePersons).await?;
    for person in [&keep, &duplicate] {
        app.store
            .audit(
                &me.actor(),
                AuditAction::Read,
                entity::PERSON,
                Some(&person.id.to_string()),
                Some("comparaison de doublons"),
            )
            .await?;
    }
    Ok((keep, duplicate))
}

/// Merges a duplicate into a file (cadre), checked on both files' scope:
/// its pathway moves over, the duplicate is closed as merged.
pub async fn merge(
    app: &App,
    me: &CurrentUser,
    (keep, keep_version): (Uuid, i64),
    (duplicate, duplicate_version): (Uuid, i64),
) -> Result<Person, Failure> {
    visible_person(app, me, keep, Permission::MergePersons).await?;
    visible_person(app, me, duplicate, Permission::MergePersons).await?;
    Ok(app
        .store
        .merge_persons(
            &me.actor(),
            (keep, keep_version),
            (duplicate, duplicate_version),
        )
        .await?)
}
