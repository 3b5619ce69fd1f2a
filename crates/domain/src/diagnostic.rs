//! The in-depth diagnostic: barriers (*freins*) by category of the shared
//! taxonomy with a severity, wishes, needs, strengths, professional project
//! and constraints. Health and psychological content is sensitive.

use crate::pathway_dates;
use crate::person::codes;
use crate::taxonomy;
use crate::validation::Invalid;
use serde::{Deserialize, Serialize};
use time::Date;

codes!(
    Severity {
        Light = "1", "Légère";
        Moderate = "2", "Modérée";
        Strong = "3", "Forte";
    }
);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Barrier {
    /// data·inclusion category code.
    pub category: String,
    pub label: String,
    pub severity: Severity,
}

impl Barrier {
    pub fn is_sensitive(&self) -> bool {
        taxonomy::category(&self.category).is_some_and(|c| c.sensitive)
    }
}

/// A resource (*atout*) the person can rely on: a driving licence, a
/// smartphone, a home. No severity; never a need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    /// data·inclusion category code.
    pub category: String,
    pub label: String,
}

/// One revision of a diagnostic. Stored whole (every revision is kept).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DiagnosticData {
    pub barriers: Vec<Barrier>,
    /// Revisions saved before resources were told apart keep them among
    /// the barriers: [`DiagnosticData::normalised`] moves them here.
    #[serde(default)]
    pub resources: Vec<Resource>,
    pub wishes: String,
    pub needs: String,
    pub strengths: String,
    pub professional_project: String,
    pub childcare_constraints: String,
    pub mobility_constraints: String,
    /// Sensitive: health constraints.
    pub health_constraints: String,
    /// Sensitive: health and psychological observations.
    pub health_notes: String,
}

/// The free-text fields: (field name, French label, sensitive).
pub const TEXT_FIELDS: &[(&str, &str, bool)] = &[
    ("wishes", "Envies", false),
    ("needs", "Besoins", false),
    ("strengths", "Potentialités et capacités", false),
    ("professional_project", "Projet professionnel", false),
    (
        "childcare_constraints",
        "Contraintes de garde d'enfant",
        false,
    ),
    ("mobility_constraints", "Contraintes de mobilité", false),
    ("health_constraints", "Contraintes de santé", true),
    (
        "health_notes",
        "Observations de santé et psychologiques",
        true,
    ),
];

const MAX_TEXT: usize = 5000;

impl DiagnosticData {
    pub fn text(&self, field: &str) -> &str {
        match field {
            "wishes" => &self.wishes,
            "needs" => &self.needs,
            "strengths" => &self.strengths,
            "professional_project" => &self.professional_project,
            "childcare_constraints" => &self.childcare_constraints,
            "mobility_constraints" => &self.mobility_constraints,
            "health_constraints" => &self.health_constraints,
            "health_notes" => &self.health_notes,
            _ => "",
        }
    }

    fn text_mut(&mut self, field: &str) -> Option<&mut String> {
        Some(match field {
            "wishes" => &mut self.wishes,
            "needs" => &mut self.needs,
            "strengths" => &mut self.strengths,
            "professional_project" => &mut self.professional_project,
            "childcare_constraints" => &mut self.childcare_constraints,
            "mobility_constraints" => &mut self.mobility_constraints,
            "health_constraints" => &mut self.health_constraints,
            "health_notes" => &mut self.health_notes,
            _ => return None,
        })
    }

    /// Builds a revision from form pairs: `frein` = "category|label",
    /// `gravite|category|label` = severity code, text fields by name.
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<DiagnosticData, Invalid> {
        let (data, invalid) = Self::read_pairs(pairs);
        invalid.into_result(data)
    }

    /// A revision from form pairs and the day it was made (today when
    /// empty, never in the future): every problem of both at once.
    pub fn parse_revision(
        pairs: &[(String, String)],
        revised_on: &str,
        today: Date,
    ) -> Result<(DiagnosticData, Date), Invalid> {
        let (data, mut invalid) = Self::read_pairs(pairs);
        match pathway_dates::revision_date(revised_on, today, None) {
            Ok(date) => invalid.into_result((data, date)),
            Err(errors) => {
                invalid.merge(errors);
                Err(invalid)
            }
        }
    }

    /// What the pairs say, as far as it can be read, and what is wrong with
    /// them: a form refused shows again what was typed.
    pub fn read_pairs(pairs: &[(String, String)]) -> (DiagnosticData, Invalid) {
        let mut invalid = Invalid::new();
        let mut data = DiagnosticData::default();
        let value = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim());
        let barriers = pairs.iter().filter(|(key, _)| key == "frein").count();
        crate::validation::bounded_list(
            &mut invalid,
            "frein",
            "Freins",
            barriers,
            crate::validation::CODES_MAX,
        );
        for (key, raw) in pairs {
            if key != "frein" || data.barriers.len() >= crate::validation::CODES_MAX {
                continue;
            }
            let Some((category, label)) = raw.split_once('|') else {
                continue;
            };
            let label = label.trim();
            if label.is_empty() {
                continue;
            }
            if taxonomy::category(category).is_none() {
                invalid.add("frein", format!("Thématique inconnue : {category}."));
                continue;
            }
            let severity_key = format!("gravite|{category}|{label}");
            let (category, label) = taxonomy::current_item(category, label);
            if taxonomy::is_resource(category, label) {
                data.add_resource(category, label);
                continue;
            }
            let severity = value(&severity_key)
                .and_then(Severity::from_code)
                .unwrap_or(Severity::Moderate);
            if let Some(position) = crate::validation::forbidden_control(label, false) {
                invalid.add(
                    "frein",
                    format!("Le champ « Frein » contient un caractère de contrôle interdit (position {position})."),
                );
            } else if label.chars().count() > 200 {
                invalid.add("frein", "Un frein ne doit pas dépasser 200 caractères.");
            } else if !data
                .barriers
                .iter()
                .any(|b| b.category == category && b.label == label)
            {
                data.barriers.push(Barrier {
                    category: category.into(),
                    label: label.into(),
                    severity,
                });
            }
        }
        for (key, raw) in pairs {
            let Some((category, label)) = raw.split_once('|').filter(|_| key == "atout") else {
                continue;
            };
            let (category, label) = taxonomy::current_item(category, label.trim());
            if taxonomy::is_resource(category, label) {
                data.add_resource(category, label);
            } else {
                invalid.add("atout", format!("Atout inconnu : {label}."));
            }
        }
        for (field, label, _) in TEXT_FIELDS {
            let text = crate::validation::free_text(
                &mut invalid,
                field,
                label,
                value(field).unwrap_or(""),
                MAX_TEXT,
            );
            *data.text_mut(field).expect("known field") = text;
        }
        (data, invalid)
    }

    fn add_resource(&mut self, category: &str, label: &str) {
        if !self
            .resources
            .iter()
            .any(|r| r.category == category && r.label == label)
        {
            self.resources.push(Resource {
                category: category.into(),
                label: label.into(),
            });
        }
    }

    /// The revision as the checklists read today: items since renamed
    /// under their current label, resources ticked among the barriers
    /// (before they were told apart) moved to the resources.
    pub fn normalised(mut self) -> DiagnosticData {
        let barriers = std::mem::take(&mut self.barriers);
        for mut barrier in barriers {
            let (category, label) = taxonomy::current_item(&barrier.category, &barrier.label);
            if taxonomy::is_resource(category, label) {
                let (category, label) = (category.to_owned(), label.to_owned());
                self.add_resource(&category, &label);
            } else {
                (barrier.category, barrier.label) = (category.to_owned(), label.to_owned());
                self.barriers.push(barrier);
            }
        }
        self
    }

    /// The same revision without its sensitive content, for those who may not see it.
    pub fn redacted(&self) -> DiagnosticData {
        DiagnosticData {
            barriers: self
                .barriers
                .iter()
                .filter(|b| !b.is_sensitive())
                .cloned()
                .collect(),
            health_constraints: String::new(),
            health_notes: String::new(),
            ..self.clone()
        }
    }

    /// What changed from `before` to `self`, in French sentences.
    pub fn changes_since(&self, before: &DiagnosticData) -> Vec<String> {
        let mut changes = Vec::new();
        for barrier in &self.barriers {
            let category = taxonomy::category(&barrier.category).map_or("", |c| c.label);
            match before
                .barriers
                .iter()
                .find(|b| b.category == barrier.category && b.label == barrier.label)
            {
                None => changes.push(format!(
                    "Frein ajouté ({category}) : {} — {}",
                    barrier.label,
                    barrier.severity.label()
                )),
                Some(old) if old.severity != barrier.severity => changes.push(format!(
                    "Gravité changée ({category}) : {} — {} → {}",
                    barrier.label,
                    old.severity.label(),
                    barrier.severity.label()
                )),
                Some(_) => {}
            }
        }
        for old in &before.barriers {
            if !self
                .barriers
                .iter()
                .any(|b| b.category == old.category && b.label == old.label)
            {
                let category = taxonomy::category(&old.category).map_or("", |c| c.label);
                changes.push(format!("Frein levé ({category}) : {}", old.label));
            }
        }
        for r in &self.resources {
            if !before.resources.contains(r) {
                changes.push(format!("Atout ajouté : {}", r.label));
            }
        }
        for r in &before.resources {
            if !self.resources.contains(r) {
                changes.push(format!("Atout retiré : {}", r.label));
            }
        }
        for (field, label, _) in TEXT_FIELDS {
            if self.text(field) != before.text(field) {
                changes.push(format!(
                    "{label} : « {} » → « {} »",
                    before.text(field),
                    self.text(field)
                ));
            }
        }
        changes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn reads_barriers_severities_and_texts() {
        let data = DiagnosticData::from_pairs(&pairs(&[
            ("frein", "mobilite|Aucun moyen de transport à disposition"),
            (
                "gravite|mobilite|Aucun moyen de transport à disposition",
                "3",
            ),
            (
                "frein",
                "sante|Difficulté déclarée entrainant des absences régulières",
            ),
            ("frein", "mobilite|Aucun moyen de transport à disposition"),
            ("wishes", "  Travailler dans les espaces verts "),
            ("health_notes", "Suivi psychologique en cours"),
        ]))
        .unwrap();
        assert_eq!(data.barriers.len(), 2, "duplicates are ignored");
        assert_eq!(data.barriers[0].severity, Severity::Strong);
        assert_eq!(
            data.barriers[1].severity,
            Severity::Moderate,
            "default severity"
        );
        assert_eq!(data.wishes, "Travailler dans les espaces verts");
        let redacted = data.redacted();
        assert_eq!(redacted.barriers.len(), 1);
        assert!(redacted.health_notes.is_empty());
    }

    #[test]
    fn resources_are_told_apart_from_barriers_and_old_labels_read_as_today() {
        let data = DiagnosticData::from_pairs(&pairs(&[
            ("frein", "mobilite|Permis B"),
            ("gravite|mobilite|Permis B", "3"),
            ("atout", "numerique|Dispose d'un smartphone"),
            ("atout", "numerique|Dispose d'un smartphone"),
            ("frein", "remobilisation|Isolement social"),
        ]))
        .unwrap();
        let resources: Vec<&str> = data.resources.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(resources, ["Permis B", "Dispose d'un smartphone"]);
        assert_eq!(data.barriers.len(), 1);
        assert_eq!(data.barriers[0].label, "Isolement social");
        let err =
            DiagnosticData::from_pairs(&pairs(&[("atout", "mobilite|Une fusée")])).unwrap_err();
        assert!(err.message_for("atout").is_some());
        // A revision saved before: a resource among the barriers, Pôle emploi.
        let saved = DiagnosticData {
            barriers: vec![
                Barrier {
                    category: "trouver-un-emploi".into(),
                    label: "Inscrit à Pôle emploi".into(),
                    severity: Severity::Moderate,
                },
                Barrier {
                    category: "mobilite".into(),
                    label: "Aucun moyen de transport à disposition".into(),
                    severity: Severity::Strong,
                },
            ],
            ..DiagnosticData::default()
        }
        .normalised();
        assert_eq!(saved.barriers.len(), 1);
        assert_eq!(saved.resources[0].label, "Inscrit à France Travail");
        let old: DiagnosticData = serde_json::from_str(r#"{"barriers":[],"wishes":"","needs":"","strengths":"","professional_project":"","childcare_constraints":"","mobility_constraints":"","health_constraints":"","health_notes":""}"#).unwrap();
        assert!(
            old.resources.is_empty(),
            "revisions saved before read as they were"
        );
    }

    #[test]
    fn refuses_unknown_categories_and_long_texts() {
        let long = "x".repeat(MAX_TEXT + 1);
        let err = DiagnosticData::from_pairs(&pairs(&[
            ("frein", "astrologie|Mercure rétrograde"),
            ("needs", &long),
        ]))
        .unwrap_err();
        assert!(err.message_for("frein").is_some());
        assert!(err.message_for("needs").is_some());
    }

    #[test]
    fn a_revision_is_refused_with_its_date_and_kept_as_typed() {
        let today = time::macros::date!(2026 - 12 - 05);
        let typed = pairs(&[
            ("frein", "astrologie|Mercure rétrograde"),
            ("wishes", "Cuisine"),
        ]);
        let err = DiagnosticData::parse_revision(&typed, "2027-01-01", today).unwrap_err();
        assert!(err.message_for("frein").is_some());
        assert!(err.message_for("revised_on").is_some());
        let (kept, _) = DiagnosticData::read_pairs(&typed);
        assert_eq!(kept.wishes, "Cuisine");
        let ok = pairs(&[("wishes", "Cuisine")]);
        let (data, on) = DiagnosticData::parse_revision(&ok, "12/02/2026", today).unwrap();
        assert_eq!(
            (data.wishes.as_str(), on),
            ("Cuisine", time::macros::date!(2026 - 02 - 12))
        );
        assert_eq!(
            DiagnosticData::parse_revision(&ok, "", today).unwrap().1,
            today
        );
    }

    #[test]
    fn describes_changes_between_revisions() {
        let before = DiagnosticData::from_pairs(&pairs(&[
            ("frein", "mobilite|Aucun moyen de transport à disposition"),
            ("frein", "logement-hebergement|Hébergé chez un tiers"),
            ("wishes", "cuisine"),
        ]))
        .unwrap();
        let after = DiagnosticData::from_pairs(&pairs(&[
            ("frein", "mobilite|Aucun moyen de transport à disposition"),
            (
                "gravite|mobilite|Aucun moyen de transport à disposition",
                "1",
            ),
            ("frein", "numerique|Absence d'équipement"),
            ("atout", "mobilite|Permis B"),
            ("wishes", "cuisine collective"),
        ]))
        .unwrap();
        let changes = after.changes_since(&before);
        assert_eq!(changes.len(), 5, "{changes:?}");
        assert!(changes.contains(&"Atout ajouté : Permis B".to_owned()));
        assert!(changes.iter().any(|c| c.starts_with("Gravité changée")));
        assert!(changes.iter().any(|c| c.starts_with("Frein ajouté")));
        assert!(changes.iter().any(|c| c.starts_with("Frein levé")));
        assert!(after.changes_since(&after).is_empty());
    }
}
