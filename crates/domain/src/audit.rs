//! Vocabulary of the audit trail: what happened to which entity.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    Read,
    Create,
    Update,
    Delete,
    Login,
    LoginFailed,
    Logout,
    /// A request refused for want of the right (403): who, what, and why.
    Refused,
    /// The right of access: everything held about a person, exported (a read).
    SubjectAccessExport,
}

impl AuditAction {
    pub const ALL: [AuditAction; 9] = [
        AuditAction::Read,
        AuditAction::Create,
        AuditAction::Update,
        AuditAction::Delete,
        AuditAction::Login,
        AuditAction::LoginFailed,
        AuditAction::Logout,
        AuditAction::Refused,
        AuditAction::SubjectAccessExport,
    ];

    pub fn code(self) -> &'static str {
        match self {
            AuditAction::Read => "read",
            AuditAction::Create => "create",
            AuditAction::Update => "update",
            AuditAction::Delete => "delete",
            AuditAction::Login => "login",
            AuditAction::LoginFailed => "login_failed",
            AuditAction::Logout => "logout",
            AuditAction::Refused => "refused",
            AuditAction::SubjectAccessExport => "subject_access_export",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            AuditAction::Read => "Consultation",
            AuditAction::Create => "Création",
            AuditAction::Update => "Modification",
            AuditAction::Delete => "Suppression",
            AuditAction::Login => "Connexion",
            AuditAction::LoginFailed => "Échec de connexion",
            AuditAction::Logout => "Déconnexion",
            AuditAction::Refused => "Accès refusé",
            AuditAction::SubjectAccessExport => "Export droit d'accès",
        }
    }
}

/// Kinds of entity named in the audit trail.
pub mod entity {
    pub const USER: &str = "user";
    /// An address of the application (a refused request names its route).
    pub const ROUTE: &str = "route";
    pub const API_TOKEN: &str = "api_token";
    pub const SESSION: &str = "session";
    pub const PERSON: &str = "person";
    pub const ORGANISATION: &str = "organisation";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::from_code(action.code()), Some(action));
        }
    }
}
