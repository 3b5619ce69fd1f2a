//! Orientation decisions and the référent unique's designation.

use crate::deadline::OrientationKind;
use crate::person::{codes, required_date};
use crate::validation::Invalid;
use serde::Deserialize;
use time::Date;
use uuid::Uuid;

codes!(
    OrientationStatus {
        Pending = "pending", "En attente de validation";
        Validated = "validated", "Validée";
        Rejected = "rejected", "Refusée";
    }
);

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OrientationInput {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub lead_organisation_id: String,
    #[serde(default)]
    pub decided_on: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub extended_review: bool,
}

/// The référent unique's designation, as typed.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DesignationInput {
    #[serde(default)]
    pub referent_id: String,
    #[serde(default)]
    pub starts_on: String,
}

/// The joint review of a social pathway, as typed.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReviewInput {
    #[serde(default)]
    pub reviewed_on: String,
    #[serde(default)]
    pub outcome: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OrientationData {
    pub kind: OrientationKind,
    pub lead_organisation_id: Uuid,
    pub decided_on: Date,
    pub reason: Option<String>,
    /// Health, disability, housing or childcare difficulties: joint review after 12 months, not 6.
    pub extended_review: bool,
}

impl OrientationData {
    /// `reorientation`: a reason is then required (the history must say why).
    pub fn parse(
        input: &OrientationInput,
        today: Date,
        reorientation: bool,
    ) -> Result<OrientationData, Invalid> {
        let mut invalid = Invalid::new();
        let kind = OrientationKind::from_code(input.kind.trim());
        if kind.is_none() {
            invalid.add("kind", "Choisissez le type d'orientation.");
        }
        let lead = crate::account::parse_uuid(
            &mut invalid,
            "lead_organisation_id",
            "Organisme référent",
            &input.lead_organisation_id,
        );
        let decided_on = required_date(
            &mut invalid,
            "decided_on",
            "Date de décision",
            &input.decided_on,
        );
        if decided_on.is_some_and(|d| d > today) {
            invalid.add(
                "decided_on",
                "La date de décision ne peut pas être dans le futur.",
            );
        }
        let reason = Some(crate::validation::free_text(
            &mut invalid,
            "reason",
            "Motif",
            &input.reason,
            2000,
        ))
        .filter(|r| !r.is_empty());
        if reorientation && reason.is_none() {
            invalid.add("reason", "Indiquez le motif de la réorientation.");
        }
        let (Some(kind), Some(lead), Some(decided_on)) = (kind, lead, decided_on) else {
            return Err(invalid);
        };
        invalid.into_result(())?;
        Ok(OrientationData {
            kind,
            lead_organisation_id: lead,
            decided_on,
            reason,
            extended_review: input.extended_review,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn input() -> OrientationInput {
        OrientationInput {
            kind: "social".into(),
            lead_organisation_id: Uuid::now_v7().to_string(),
            decided_on: "2026-11-02".into(),
            reason: String::new(),
            extended_review: true,
        }
    }

    #[test]
    fn a_first_orientation_needs_no_reason_a_reorientation_does() {
        let today = date!(2026 - 11 - 23);
        let data = OrientationData::parse(&input(), today, false).unwrap();
        assert_eq!(data.kind, OrientationKind::Social);
        assert!(data.extended_review);
        let err = OrientationData::parse(&input(), today, true).unwrap_err();
        assert!(err.message_for("reason").is_some());
    }

    #[test]
    fn refuses_future_decisions_and_unknown_kinds() {
        let today = date!(2026 - 11 - 01);
        let bad = OrientationInput {
            kind: "autre".into(),
            ..input()
        };
        let err = OrientationData::parse(&bad, today, false).unwrap_err();
        assert!(err.message_for("kind").is_some());
        assert!(err.message_for("decided_on").is_some());
    }
}
