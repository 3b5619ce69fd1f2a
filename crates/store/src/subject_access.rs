//! The right of access (RGPD art. 15, issue 18): everything held about one
//! person, read in one go — the file and its household, every revision,
//! the pathway (orientations, référents, reviews, clocks, diagnostics,
//! contracts), the positionings with their attendance, appointments and
//! FSE+ answers, what imports changed, and who read or changed any of it
//! (the audit trail).
//!
//! [`COVERED_TABLES`] and [`EXCLUDED_TABLES`] say which tables holding
//! person data the export reads, and why the others are left out: a test
//! walks the schema and fails on a table that is in neither list.

use crate::audit::{AuditEvent, AuditFilter};
use crate::contract::{Contract, ContractObjective};
use crate::deadline::StoredClock;
use crate::diagnostic::DiagnosticRevision;
use crate::follow_up::LogEntry;
use crate::fse::FseEntry;
use crate::import::ImportChange;
use crate::meeting::Meeting;
use crate::orientation::{Assignment, Orientation};
use crate::person::{Household, Person, PersonRevision};
use crate::referral::PersonReferral;
use crate::{appointment::Appointment, attendance::AttendanceLine};
use crate::{Result, Store};
use parcours_domain::audit::entity;
use parcours_domain::declared_situation::DeclaredSituation;
use parcours_domain::person::HouseholdRole;
use serde::Serialize;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// The tables whose rows about the person the export reads, and where.
pub const COVERED_TABLES: &[(&str, &str)] = &[
    ("persons", "person, household_members"),
    ("households", "household"),
    ("person_revisions", "revisions"),
    ("orientations", "orientations"),
    ("referent_assignments", "referents"),
    ("pathway_reviews", "pathway_reviews"),
    ("person_clocks", "clocks"),
    ("diagnostics", "diagnostics"),
    ("declared_situations", "declared_situation"),
    ("contracts", "contracts"),
    ("contract_objectives", "contracts[].objectives"),
    ("follow_up_log", "follow_up_log"),
    ("meetings", "meetings"),
    ("outbox", "messages"),
    ("referrals", "positionings"),
    ("attendances", "positionings[].attendance"),
    (
        "action_sessions",
        "positionings[].appointments (sessions of one positioning, ADR 0004)",
    ),
    ("fse_entries", "positionings[].fse_entry"),
    ("import_changes", "import_changes"),
    ("audit_events", "audit_events"),
];

/// The tables holding person data the export deliberately leaves out, and why.
pub const EXCLUDED_TABLES: &[(&str, &str)] = &[
    (
        "person_name_tokens",
        "derived search index of the name, birth date and scope already exported with the identity",
    ),
    (
        "notifications",
        "staff's reminders derived from events already exported (positionings, contracts, clocks)",
    ),
];

/// Everything held about one person.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct SubjectAccess {
    pub person: Person,
    /// The name of the person's commune, when known.
    pub commune_name: Option<String>,
    /// None for a person outside the RSA.
    pub household: Option<Household>,
    /// The other members of the household, as far as the person's file
    /// names them: identity and role only.
    pub household_members: Vec<HouseholdMember>,
    /// Every saved version of the file, newest first.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub revisions: Vec<PersonRevision>,
    pub orientations: Vec<Orientation>,
    /// Every référent unique designation, newest first.
    pub referents: Vec<Assignment>,
    pub pathway_reviews: Vec<PathwayReview>,
    pub clocks: Vec<StoredClock>,
    /// Every revision of the diagnostic, newest first.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub diagnostics: Vec<DiagnosticRevision>,
    /// What the person declared when applying for the RSA (flux instruction).
    pub declared_situation: Option<DeclaredSituation>,
    pub contracts: Vec<ContractRecord>,
    /// The référent's follow-up log, sensitive entries included, newest first.
    pub follow_up_log: Vec<LogEntry>,
    /// The référent's appointments with the person, the latest first.
    pub meetings: Vec<Meeting>,
    /// The convocations and reminders sent by e-mail or SMS, and what became of them.
    pub messages: Vec<crate::outbox::Message>,
    /// Positionings on actions, with attendance, appointments and FSE+ answers.
    pub positionings: Vec<Positioning>,
    /// What imports of CAF/MSA files recorded about the person, newest first.
    pub import_changes: Vec<ImportChange>,
    /// Who read or changed the file or its records, newest first.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub audit_events: Vec<AuditEvent>,
}

/// Another member of the person's household.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct HouseholdMember {
    pub id: Uuid,
    pub household_role: HouseholdRole,
    pub last_name: String,
    pub first_names: String,
    pub birth_date: Date,
}

/// A joint review of a social pathway.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct PathwayReview {
    pub id: Uuid,
    pub reviewed_on: Date,
    pub outcome: String,
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContractRecord {
    #[serde(flatten)]
    pub contract: Contract,
    pub objectives: Vec<ContractObjective>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Positioning {
    #[serde(flatten)]
    pub referral: PersonReferral,
    /// The sessions of the action and their mark, oldest first.
    pub attendance: Vec<AttendanceLine>,
    /// Individual appointments, oldest first, cancelled ones included.
    pub appointments: Vec<Appointment>,
    /// The FSE+ answers at entry, when recorded.
    pub fse_entry: Option<FseEntry>,
}

impl Store {
    /// Everything held about the person (NotFound when there is no such file).
    /// Reads only: the caller audits the export.
    pub async fn subject_access(&self, person_id: Uuid) -> Result<SubjectAccess> {
        let person = self.person(person_id).await?;
        let commune_name = match &person.commune_code {
            Some(code) => self.commune_label(code).await?,
            None => None,
        };
        let (household, household_members) = match person.household_id {
            Some(id) => {
                let members = read!(self, pool => sqlx::query_as::<_, HouseholdMember>(
                    "SELECT id, household_role, last_name, first_names, birth_date FROM persons
                     WHERE household_id = $1 AND id <> $2 ORDER BY household_role DESC, birth_date",
                )
                .bind(id).bind(person_id).fetch_all(pool).await)?;
                (Some(self.household(id).await?), members)
            }
            None => (None, Vec::new()),
        };
        let pathway_reviews = read!(self, pool => sqlx::query_as::<_, PathwayReview>(
            "SELECT id, reviewed_on, outcome, created_by, created_at FROM pathway_reviews
             WHERE person_id = $1 ORDER BY reviewed_on DESC, created_at DESC",
        )
        .bind(person_id).fetch_all(pool).await)?;
        let mut contracts = Vec::new();
        for contract in self.contracts_of(person_id).await? {
            let objectives = self.contract_objectives(contract.id).await?;
            contracts.push(ContractRecord {
                contract,
                objectives,
            });
        }
        let mut positionings = Vec::new();
        for referral in self.referrals_of_person(person_id).await? {
            let fse_entry = read!(self, pool => sqlx::query_as::<_, FseEntry>(crate::fse::ENTRY)
                .bind(referral.id).fetch_optional(pool).await)?;
            positionings.push(Positioning {
                attendance: self.attendance_history(referral.id).await?,
                appointments: self.appointments_of(referral.id).await?,
                fse_entry,
                referral,
            });
        }
        let import_changes = read!(self, pool => sqlx::query_as::<_, ImportChange>(
            crate::import::PERSON_IMPORT_CHANGES,
        )
        .bind(person_id).fetch_all(pool).await)?;
        let orientations = self.orientations(person_id).await?;
        let referents = self.assignments(person_id).await?;

        // The audit trail names each record by its kind and id.
        let mut entities = vec![(entity::PERSON, person_id)];
        entities.extend(person.household_id.map(|id| ("household", id)));
        entities.extend(orientations.iter().map(|o| ("orientation", o.id)));
        entities.extend(referents.iter().map(|a| ("referent_assignment", a.id)));
        entities.extend(pathway_reviews.iter().map(|r| ("pathway_review", r.id)));
        entities.extend(contracts.iter().map(|c| ("contract", c.contract.id)));
        entities.extend(positionings.iter().map(|p| ("referral", p.referral.id)));
        let mut audit_events = Vec::new();
        for (entity_type, id) in entities {
            audit_events.extend(
                self.audit_events(&AuditFilter {
                    entity_type: Some(entity_type.to_owned()),
                    entity_id: Some(id.to_string()),
                    limit: i64::from(i32::MAX),
                    ..AuditFilter::default()
                })
                .await?,
            );
        }
        audit_events.sort_by_key(|e| std::cmp::Reverse((e.at, e.id)));

        Ok(SubjectAccess {
            commune_name,
            household,
            household_members,
            revisions: self.person_revisions(person_id).await?,
            orientations,
            referents,
            pathway_reviews,
            clocks: self.person_clocks(person_id).await?,
            diagnostics: self.diagnostic_revisions(person_id).await?,
            declared_situation: self.declared_situation(person_id).await?,
            contracts,
            follow_up_log: self.log_entries(person_id, true).await?,
            meetings: self.meetings_of_person(person_id).await?,
            messages: self.messages_of_person(person_id).await?,
            positionings,
            import_changes,
            audit_events,
            person,
        })
    }
}
