//! Roles and what each may do. Every permission check of the product goes
//! through [`Role::can`], so the whole policy reads (and is tested) here.

use serde::{Deserialize, Serialize};

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

    /// The single permission policy of the product.
    pub fn can(self, permission: Permission) -> bool {
        use Permission::*;
        use Role::*;
        match permission {
            // Everyone signed in sees their own account and home page.
            ViewOwnAccount => true,
            ManageUsers | ManageApiTokens | ManageReferenceData => self == Admin,
            ReadAuditLog => self == Dpo,
            ViewOrganisations => matches!(self, Admin | ProgrammeOfficer | Dpo),
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
}

impl Permission {
    pub const ALL: [Permission; 6] = [
        Permission::ViewOwnAccount,
        Permission::ManageUsers,
        Permission::ManageApiTokens,
        Permission::ManageReferenceData,
        Permission::ReadAuditLog,
        Permission::ViewOrganisations,
    ];
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
