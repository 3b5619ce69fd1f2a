//! Organisations users belong to (département service, CCAS, association…).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationKind {
    DepartmentService,
    Ccas,
    Association,
    FranceTravail,
    MissionLocale,
    CapEmploi,
    Siae,
    Other,
}

crate::person::stored_as_code!(OrganisationKind);

impl OrganisationKind {
    pub const ALL: [OrganisationKind; 8] = [
        OrganisationKind::DepartmentService,
        OrganisationKind::Ccas,
        OrganisationKind::Association,
        OrganisationKind::FranceTravail,
        OrganisationKind::MissionLocale,
        OrganisationKind::CapEmploi,
        OrganisationKind::Siae,
        OrganisationKind::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            OrganisationKind::DepartmentService => "department_service",
            OrganisationKind::Ccas => "ccas",
            OrganisationKind::Association => "association",
            OrganisationKind::FranceTravail => "france_travail",
            OrganisationKind::MissionLocale => "mission_locale",
            OrganisationKind::CapEmploi => "cap_emploi",
            OrganisationKind::Siae => "siae",
            OrganisationKind::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            OrganisationKind::DepartmentService => "Service du Département",
            OrganisationKind::Ccas => "CCAS",
            OrganisationKind::Association => "Association",
            OrganisationKind::FranceTravail => "France Travail",
            OrganisationKind::MissionLocale => "Mission locale",
            OrganisationKind::CapEmploi => "Cap emploi",
            OrganisationKind::Siae => "SIAE",
            OrganisationKind::Other => "Autre",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for kind in OrganisationKind::ALL {
            assert_eq!(OrganisationKind::from_code(kind.code()), Some(kind));
        }
    }
}
