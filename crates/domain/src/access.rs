//! Roles and what each may do. Every permission check of the product goes
//! through [`Role::can`], so the whole policy reads (and is tested) here.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Administrateur: accounts, roles, territories, reference lists.
    Admin,
    /// Chargé de mission insertion: catalogue, programme, reporting.
    ProgrammeOfficer,
    /// Cadre / responsable de l'orientation: validates the team's work.
    Manager,
    /// Référent unique d'insertion: follows a caseload.
    Referent,
    /// Opérateur d'une structure partenaire.
    Operator,
    /// Délégué à la protection des données.
    Dpo,
}

crate::person::stored_as_code!(Role);

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::ProgrammeOfficer,
        Role::Manager,
        Role::Referent,
        Role::Operator,
        Role::Dpo,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::ProgrammeOfficer => "programme_officer",
            Role::Manager => "manager",
            Role::Referent => "referent",
            Role::Operator => "operator",
            Role::Dpo => "dpo",
        }
    }

    pub fn from_code(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Administrateur",
            Role::ProgrammeOfficer => "Chargé de mission insertion",
            Role::Manager => "Cadre",
            Role::Referent => "Référent unique",
            Role::Operator => "Opérateur de structure",
            Role::Dpo => "Délégué à la protection des données",
        }
    }

    /// Whether [`Permission::ExportSubjectAccess`] covers every person, not
    /// only the files of the role's scope: the DPO answers each person's
    /// request for access (a need-to-know exception of their role, who
    /// opens no file otherwise).
    pub fn exports_any_person(self) -> bool {
        self == Role::Dpo
    }

    /// The single permission policy of the product.
    pub fn can(self, permission: Permission) -> bool {
        use Permission::*;
        use Role::*;
        match permission {
            // Everyone signed in sees their own account and home page.
            ViewOwnAccount => true,
            ManageUsers | ManageApiTokens | ManageReferenceData => self == Admin,
            ReadAuditLog => self == Dpo,
            // The DPO for any person (a need-to-know exception of their
            // role); the référent and the cadre within their scope (checked
            // with the file): the export holds the diagnostic's sensitive part.
            ExportSubjectAccess => matches!(self, Dpo | Referent | Manager),
            ViewOrganisations => matches!(self, Admin | ProgrammeOfficer | Dpo),
            ViewPersons | EditPersons | ViewDeadlines => {
                matches!(self, Admin | ProgrammeOfficer | Manager | Referent)
            }
            DecideOrientation => matches!(self, ProgrammeOfficer | Manager | Referent),
            ValidateOrientation | MergePersons => self == Manager,
            AssignReferent => matches!(self, ProgrammeOfficer | Manager),
            ManageSettings => self == Admin,
            ViewCaseload => self == Referent,
            // Only for the person's own référent (checked with the file), their cadre, and the chargé de mission.
            ViewDiagnostic => matches!(self, Referent | Manager | ProgrammeOfficer),
            ViewSensitive | EditDiagnostic | EditContract => matches!(self, Referent | Manager),
            // The référent's appointments and agenda (the person's checked with the file).
            PlanMeetings => matches!(self, Referent | Manager),
            ValidateContract => self == Manager,
            // Structures, actions, funding, families, the programme view.
            ManageCatalogue => self == ProgrammeOfficer,
            // Schedule, contact and sessions: also the structure's opérateur (checked with the action).
            EditActionPractical => matches!(self, ProgrammeOfficer | Operator),
            // A structure's answer to positionings on its actions (checked with the action).
            AnswerReferrals | RecordSelfReferral | RecordFseData => self == Operator,
            ValidateSelfReferral => matches!(self, Manager | ProgrammeOfficer),
            // Their own structure for an opérateur (checked with the structure), any for the chargé de mission.
            ViewStructureDashboard => matches!(self, Operator | ProgrammeOfficer),
            // CAF/MSA files and CSV exports: the chargé de mission (and the command line).
            ImportData => self == ProgrammeOfficer,
            // The cadre ranks the lists of their scope; the chargé de mission every list.
            RankWaitingLists => matches!(self, Manager | ProgrammeOfficer),
            // What the next retention run anonymises and deletes: the DPO.
            ViewRetention => self == Dpo,
            // The run itself: the command line and the server's nightly job only.
            PurgePersonalData => false,
            // Delays and their lists: the chargé de mission for the whole
            // département, the cadre within their scope.
            ViewSteering => matches!(self, ProgrammeOfficer | Manager),
            // What the DREES return reads organisations and objectives as.
            ConfigureOarsa => self == ProgrammeOfficer,
            // The operations and their numbers: the chargé de mission.
            ManageFseOperations => self == ProgrammeOfficer,
            // Indicators, participants and proofs: the chargé de mission for
            // every operation, an opérateur for their structure's
            // participants (checked with the structure).
            ReportFse => matches!(self, ProgrammeOfficer | Operator),
            // Who joins a structure: the chargé de mission, or an administrator.
            DecideJoinRequests => matches!(self, ProgrammeOfficer | Admin),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    ViewOwnAccount,
    ManageUsers,
    ManageApiTokens,
    ManageReferenceData,
    ReadAuditLog,
    ViewOrganisations,
    /// Open and search person files (within [`PersonScope`]).
    ViewPersons,
    EditPersons,
    ViewDeadlines,
    DecideOrientation,
    ValidateOrientation,
    MergePersons,
    AssignReferent,
    ManageSettings,
    /// "Mon portefeuille": the people one follows as référent unique.
    ViewCaseload,
    ViewDiagnostic,
    /// Health and psychological content of the diagnostic.
    ViewSensitive,
    EditDiagnostic,
    EditContract,
    /// The référent's appointments with a person, and the week's agenda.
    PlanMeetings,
    ValidateContract,
    ManageCatalogue,
    EditActionPractical,
    AnswerReferrals,
    /// A person who came directly to the structure (checked with the action).
    RecordSelfReferral,
    /// Validating a self-referral: the référent's cadre, or the chargé de
    /// mission when the person has no référent (checked with the file).
    ValidateSelfReferral,
    /// The FSE+ participant data at entry on a co-financed action (checked with the action).
    RecordFseData,
    /// A structure's dashboard: its actions' places, occupation, waiting lists and sessions.
    ViewStructureDashboard,
    /// Importing CAF/MSA XML and CSV files, their reports and column mappings.
    ImportData,
    /// Seeing the waiting lists of one's scope and setting priorities on them.
    RankWaitingLists,
    /// The retention policy and what its next run touches (counts, file ids).
    ViewRetention,
    /// Anonymising inactive files and deleting old audit events.
    PurgePersonalData,
    /// The right of access: everything held about a person, as PDF and JSON.
    ExportSubjectAccess,
    /// The steering figures (delays) and the people behind them.
    ViewSteering,
    /// The organisations' DREES categories and the mapping of contract
    /// objectives to the return's 15 action categories.
    ConfigureOarsa,
    /// FSE+ operations: their number, title, period and beneficiary.
    ManageFseOperations,
    /// An operation's indicators, data-quality list, participant file and
    /// proofs of participation.
    ReportFse,
    /// A partner's staff member's request (through ProConnect) to join a
    /// structure of the catalogue: granting it gives the opérateur role.
    DecideJoinRequests,
}

impl Permission {
    pub const ALL: [Permission; 38] = [
        Permission::ViewOwnAccount,
        Permission::ManageUsers,
        Permission::ManageApiTokens,
        Permission::ManageReferenceData,
        Permission::ReadAuditLog,
        Permission::ViewOrganisations,
        Permission::ViewPersons,
        Permission::EditPersons,
        Permission::ViewDeadlines,
        Permission::DecideOrientation,
        Permission::ValidateOrientation,
        Permission::MergePersons,
        Permission::AssignReferent,
        Permission::ManageSettings,
        Permission::ViewCaseload,
        Permission::ViewDiagnostic,
        Permission::ViewSensitive,
        Permission::EditDiagnostic,
        Permission::EditContract,
        Permission::PlanMeetings,
        Permission::ValidateContract,
        Permission::ManageCatalogue,
        Permission::EditActionPractical,
        Permission::AnswerReferrals,
        Permission::RecordSelfReferral,
        Permission::ValidateSelfReferral,
        Permission::RecordFseData,
        Permission::ViewStructureDashboard,
        Permission::ImportData,
        Permission::RankWaitingLists,
        Permission::ViewRetention,
        Permission::PurgePersonalData,
        Permission::ExportSubjectAccess,
        Permission::ViewSteering,
        Permission::ConfigureOarsa,
        Permission::ManageFseOperations,
        Permission::ReportFse,
        Permission::DecideJoinRequests,
    ];
}

/// Who is looking, as far as visibility of person files is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer {
    pub user_id: Uuid,
    pub role: Role,
    pub organisation_id: Uuid,
    pub territory_id: Option<Uuid>,
}

/// Which person files a viewer may see. The store turns it into one SQL
/// predicate; [`PersonScope::allows`] is the same rule for one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PersonScope {
    pub all: bool,
    /// Files whose responsible organisation is this one…
    pub organisation_id: Option<Uuid>,
    /// …and, when set, whose territory is this one.
    pub territory_id: Option<Uuid>,
    /// Files where this user is the current référent unique.
    pub referent_id: Option<Uuid>,
    /// Files whose current référent unique belongs to this organisation,
    /// wherever the person lives: the cadre's team's people.
    pub team_organisation_id: Option<Uuid>,
}

impl Viewer {
    /// Référent: their caseload and their organisation's files; cadre: their
    /// organisation's files within their territory, and wherever they live
    /// the people their organisation's référents follow (the team's work
    /// they validate); chargé de mission and admin: everything; opérateur
    /// and DPO: no person file here.
    pub fn person_scope(&self) -> PersonScope {
        let none = PersonScope {
            all: false,
            organisation_id: None,
            territory_id: None,
            referent_id: None,
            team_organisation_id: None,
        };
        match self.role {
            Role::Admin | Role::ProgrammeOfficer => PersonScope { all: true, ..none },
            Role::Manager => PersonScope {
                organisation_id: Some(self.organisation_id),
                territory_id: self.territory_id,
                team_organisation_id: Some(self.organisation_id),
                ..none
            },
            Role::Referent => PersonScope {
                organisation_id: Some(self.organisation_id),
                referent_id: Some(self.user_id),
                ..none
            },
            Role::Operator | Role::Dpo => none,
        }
    }
}

/// What decides whether a scope covers one file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FileScope {
    /// The file's responsible organisation.
    pub organisation: Option<Uuid>,
    pub territory: Option<Uuid>,
    /// The current référent unique, and the organisation they belong to.
    pub referent: Option<Uuid>,
    pub referent_organisation: Option<Uuid>,
}

impl PersonScope {
    /// Every file: the chargé de mission's and the command line's view.
    pub const EVERY_FILE: PersonScope = PersonScope {
        all: true,
        organisation_id: None,
        territory_id: None,
        referent_id: None,
        team_organisation_id: None,
    };

    pub fn allows(&self, file: FileScope) -> bool {
        self.all
            || (self.organisation_id.is_some()
                && file.organisation == self.organisation_id
                && (self.territory_id.is_none() || file.territory == self.territory_id))
            || (self.referent_id.is_some() && file.referent == self.referent_id)
            || (self.team_organisation_id.is_some()
                && file.referent_organisation == self.team_organisation_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_codes_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::from_code(role.code()), Some(role));
        }
        assert_eq!(Role::from_code("superuser"), None);
    }

    fn viewer(role: Role, territory: Option<Uuid>) -> Viewer {
        Viewer {
            user_id: Uuid::from_u128(1),
            role,
            organisation_id: Uuid::from_u128(10),
            territory_id: territory,
        }
    }

    #[test]
    fn person_scopes() {
        let (org, other_org) = (Some(Uuid::from_u128(10)), Some(Uuid::from_u128(11)));
        let (territory, other_territory) = (Some(Uuid::from_u128(20)), Some(Uuid::from_u128(21)));
        let me = Some(Uuid::from_u128(1));
        let file = |organisation, territory, referent, referent_organisation| FileScope {
            organisation,
            territory,
            referent,
            referent_organisation,
        };
        let referent = viewer(Role::Referent, None).person_scope();
        assert!(referent.allows(file(org, other_territory, None, None)));
        assert!(
            referent.allows(file(other_org, None, me, other_org)),
            "their caseload, whatever the organisation"
        );
        let colleague = Some(Uuid::from_u128(2));
        assert!(!referent.allows(file(other_org, territory, colleague, org)));
        let manager = viewer(Role::Manager, territory).person_scope();
        assert!(manager.allows(file(org, territory, None, None)));
        assert!(!manager.allows(file(org, other_territory, None, None)));
        assert!(!manager.allows(file(other_org, territory, None, None)));
        assert!(
            manager.allows(file(other_org, other_territory, colleague, org)),
            "followed by their team, wherever the person lives"
        );
        assert!(!manager.allows(file(org, other_territory, colleague, other_org)));
        assert!(viewer(Role::Manager, None).person_scope().allows(file(
            org,
            other_territory,
            None,
            None
        )));
        assert!(viewer(Role::ProgrammeOfficer, None)
            .person_scope()
            .allows(FileScope::default()));
        for role in [Role::Operator, Role::Dpo] {
            assert!(!viewer(role, None)
                .person_scope()
                .allows(file(org, territory, me, org)));
        }
    }

    #[test]
    fn only_the_dpo_exports_any_persons_data() {
        for role in Role::ALL {
            assert_eq!(role.exports_any_person(), role == Role::Dpo, "{role:?}");
            assert!(!role.exports_any_person() || role.can(Permission::ExportSubjectAccess));
        }
    }

    /// The policy, stated as a table: a change to `can` must change this too.
    #[test]
    fn permission_matrix() {
        use Permission::*;
        use Role::*;
        let expected: &[(Permission, &[Role])] = &[
            (ViewOwnAccount, &Role::ALL),
            (ManageUsers, &[Admin]),
            (ManageApiTokens, &[Admin]),
            (ManageReferenceData, &[Admin]),
            (ReadAuditLog, &[Dpo]),
            (ViewOrganisations, &[Admin, ProgrammeOfficer, Dpo]),
            (ViewPersons, &[Admin, ProgrammeOfficer, Manager, Referent]),
            (EditPersons, &[Admin, ProgrammeOfficer, Manager, Referent]),
            (ViewDeadlines, &[Admin, ProgrammeOfficer, Manager, Referent]),
            (DecideOrientation, &[ProgrammeOfficer, Manager, Referent]),
            (ValidateOrientation, &[Manager]),
            (MergePersons, &[Manager]),
            (AssignReferent, &[ProgrammeOfficer, Manager]),
            (ManageSettings, &[Admin]),
            (ViewCaseload, &[Referent]),
            (ViewDiagnostic, &[Referent, Manager, ProgrammeOfficer]),
            (ViewSensitive, &[Referent, Manager]),
            (EditDiagnostic, &[Referent, Manager]),
            (EditContract, &[Referent, Manager]),
            (PlanMeetings, &[Referent, Manager]),
            (ValidateContract, &[Manager]),
            (ManageCatalogue, &[ProgrammeOfficer]),
            (EditActionPractical, &[ProgrammeOfficer, Operator]),
            (AnswerReferrals, &[Operator]),
            (RecordSelfReferral, &[Operator]),
            (ValidateSelfReferral, &[Manager, ProgrammeOfficer]),
            (RecordFseData, &[Operator]),
            (ViewStructureDashboard, &[Operator, ProgrammeOfficer]),
            (ImportData, &[ProgrammeOfficer]),
            (RankWaitingLists, &[Manager, ProgrammeOfficer]),
            (ViewRetention, &[Dpo]),
            (PurgePersonalData, &[]),
            (ExportSubjectAccess, &[Dpo, Referent, Manager]),
            (ViewSteering, &[ProgrammeOfficer, Manager]),
            (ConfigureOarsa, &[ProgrammeOfficer]),
            (ManageFseOperations, &[ProgrammeOfficer]),
            (ReportFse, &[ProgrammeOfficer, Operator]),
            (DecideJoinRequests, &[ProgrammeOfficer, Admin]),
        ];
        assert_eq!(expected.len(), Permission::ALL.len());
        for (permission, allowed) in expected {
            for role in Role::ALL {
                assert_eq!(
                    role.can(*permission),
                    allowed.contains(&role),
                    "{role:?} / {permission:?}"
                );
            }
        }
    }
}
