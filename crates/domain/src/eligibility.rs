//! Who an action is for, declared as rules: age range, publics, orientation,
//! contract, territory, and a quota of places for people outside the RSA.
//! Each rule reads as a French sentence (the public page, the positioning
//! screen); evaluating them against a person is the positioning's work.

use crate::deadline::OrientationKind;
use crate::person::{codes, is_commune_code};
use crate::validation::Invalid;
use serde::{Deserialize, Serialize};

codes!(
    /// Publics an action may require (at least one of them).
    TargetPublic {
        Rsa = "rsa", "bénéficiaire du RSA";
        Young = "jeune_18_25", "jeune de 18 à 25 ans";
        SingleParent = "parent_isole", "parent isolé";
        OtherMinimum = "autre_minimum_social", "bénéficiaire d'un autre minimum social";
    }
);

/// The rules as typed in a form or sent to the API.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct EligibilityInput {
    #[serde(default)]
    pub min_age: String,
    #[serde(default)]
    pub max_age: String,
    /// rsa, jeune_18_25, parent_isole, autre_minimum_social (any of them).
    #[serde(default)]
    pub publics: Vec<String>,
    /// professional, socio_professional, social (any of them; none: all).
    #[serde(default)]
    pub orientations: Vec<String>,
    #[serde(default)]
    pub contract_required: bool,
    /// INSEE codes of the communes served, separated by spaces or commas (none: the whole département).
    #[serde(default)]
    pub communes: String,
    /// Places open to people who are not RSA beneficiaries.
    #[serde(default)]
    pub margin_places: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EligibilityRules {
    pub min_age: Option<u8>,
    pub max_age: Option<u8>,
    pub publics: Vec<TargetPublic>,
    pub orientations: Vec<OrientationKind>,
    pub contract_required: bool,
    pub communes: Vec<String>,
    pub margin_places: Option<i64>,
}

impl EligibilityRules {
    pub fn parse(input: &EligibilityInput, invalid: &mut Invalid) -> EligibilityRules {
        let min_age = age(invalid, "eligibility_min_age", &input.min_age);
        let max_age = age(invalid, "eligibility_max_age", &input.max_age);
        if let (Some(min), Some(max)) = (min_age, max_age) {
            if max < min {
                invalid.add(
                    "eligibility_max_age",
                    "L'âge maximum doit être supérieur ou égal à l'âge minimum.",
                );
            }
        }
        let mut publics = Vec::new();
        for code in &input.publics {
            match TargetPublic::from_code(code.trim()) {
                Some(p) if !publics.contains(&p) => publics.push(p),
                Some(_) => {}
                None => invalid.add(
                    "eligibility_publics",
                    format!("Public inconnu : « {code} »."),
                ),
            }
        }
        let mut orientations = Vec::new();
        for code in &input.orientations {
            match OrientationKind::from_code(code.trim()) {
                Some(o) if !orientations.contains(&o) => orientations.push(o),
                Some(_) => {}
                None => invalid.add(
                    "eligibility_orientations",
                    format!("Orientation inconnue : « {code} »."),
                ),
            }
        }
        let mut communes: Vec<String> = Vec::new();
        for code in input
            .communes
            .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        {
            let code = code.trim().to_uppercase();
            if code.is_empty() || communes.contains(&code) {
                continue;
            }
            if !is_commune_code(&code) {
                invalid.add(
                    "eligibility_communes",
                    format!(
                        "« {code} » n'est pas un code commune INSEE (5 caractères, ex. 35238)."
                    ),
                );
            }
            communes.push(code);
        }
        let margin_places = match input.margin_places.trim() {
            "" => None,
            raw => match raw.parse::<i64>() {
                Ok(n) if n > 0 => Some(n),
                _ => {
                    invalid.add(
                        "eligibility_margin_places",
                        "Le nombre de places hors RSA est un entier positif (ou vide).",
                    );
                    None
                }
            },
        };
        EligibilityRules {
            min_age,
            max_age,
            publics,
            orientations,
            contract_required: input.contract_required,
            communes,
            margin_places,
        }
    }

    pub fn to_input(&self) -> EligibilityInput {
        EligibilityInput {
            min_age: self.min_age.map(|a| a.to_string()).unwrap_or_default(),
            max_age: self.max_age.map(|a| a.to_string()).unwrap_or_default(),
            publics: self.publics.iter().map(|p| p.code().to_owned()).collect(),
            orientations: self
                .orientations
                .iter()
                .map(|o| o.code().to_owned())
                .collect(),
            contract_required: self.contract_required,
            communes: self.communes.join(" "),
            margin_places: self
                .margin_places
                .map(|n| n.to_string())
                .unwrap_or_default(),
        }
    }

    /// One French sentence per rule, for whoever reads the action.
    pub fn describe(&self, commune_label: impl Fn(&str) -> String) -> Vec<String> {
        let mut rules = Vec::new();
        match (self.min_age, self.max_age) {
            (Some(min), Some(max)) => rules.push(format!("Avoir entre {min} et {max} ans.")),
            (Some(min), None) => rules.push(format!("Avoir au moins {min} ans.")),
            (None, Some(max)) => rules.push(format!("Avoir au plus {max} ans.")),
            (None, None) => {}
        }
        if !self.publics.is_empty() {
            let publics: Vec<&str> = self.publics.iter().map(|p| p.label()).collect();
            rules.push(format!("Être {}.", publics.join(", ou ")));
        }
        if !self.orientations.is_empty() {
            let kinds: Vec<String> = self
                .orientations
                .iter()
                .map(|o| o.label().to_lowercase())
                .collect();
            rules.push(format!("Avoir une orientation {}.", kinds.join(" ou ")));
        }
        if self.contract_required {
            rules.push("Avoir un contrat (CER ou contrat d'engagement) en cours.".to_owned());
        }
        if !self.communes.is_empty() {
            let names: Vec<String> = self.communes.iter().map(|c| commune_label(c)).collect();
            rules.push(format!(
                "Habiter l'une de ces communes : {}.",
                names.join(", ")
            ));
        }
        if let Some(n) = self.margin_places {
            let s = if n > 1 { "s" } else { "" };
            rules.push(format!("{n} place{s} peu{} être proposée{s} à des personnes hors RSA en situation de précarité.", if n > 1 { "vent" } else { "t" }));
        }
        rules
    }
}

fn age(invalid: &mut Invalid, field: &str, raw: &str) -> Option<u8> {
    match raw.trim() {
        "" => None,
        raw => match raw.parse::<u8>() {
            Ok(a) if (16..=99).contains(&a) => Some(a),
            _ => {
                invalid.add(field, "L'âge est un nombre entre 16 et 99 (ou vide).");
                None
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(input: &EligibilityInput) -> Result<EligibilityRules, Invalid> {
        let mut invalid = Invalid::new();
        let rules = EligibilityRules::parse(input, &mut invalid);
        invalid.into_result(rules)
    }

    #[test]
    fn youth_support_reads_as_sentences() {
        let rules = parse(&EligibilityInput {
            min_age: "18".into(),
            max_age: "25".into(),
            publics: vec!["jeune_18_25".into(), "rsa".into()],
            orientations: vec!["social".into()],
            contract_required: true,
            communes: "35238, 35047".into(),
            margin_places: "2".into(),
        })
        .unwrap();
        assert_eq!(
            rules.describe(|c| if c == "35238" { "Rennes".into() } else { c.into() }),
            vec![
                "Avoir entre 18 et 25 ans.",
                "Être jeune de 18 à 25 ans, ou bénéficiaire du RSA.",
                "Avoir une orientation sociale.",
                "Avoir un contrat (CER ou contrat d'engagement) en cours.",
                "Habiter l'une de ces communes : Rennes, 35047.",
                "2 places peuvent être proposées à des personnes hors RSA en situation de précarité.",
            ]
        );
        assert_eq!(parse(&rules.to_input()).unwrap(), rules);
        assert!(parse(&EligibilityInput::default())
            .unwrap()
            .describe(|c| c.into())
            .is_empty());
    }

    #[test]
    fn bad_rules_name_their_field() {
        let err = parse(&EligibilityInput {
            min_age: "30".into(),
            max_age: "25".into(),
            publics: vec!["martiens".into()],
            orientations: vec!["aucune".into()],
            communes: "35238 rennes".into(),
            margin_places: "0".into(),
            ..EligibilityInput::default()
        })
        .unwrap_err();
        for field in [
            "eligibility_max_age",
            "eligibility_publics",
            "eligibility_orientations",
            "eligibility_communes",
            "eligibility_margin_places",
        ] {
            assert!(err.message_for(field).is_some(), "{field}");
        }
        assert!(parse(&EligibilityInput {
            min_age: "12".into(),
            ..Default::default()
        })
        .is_err());
    }
}
