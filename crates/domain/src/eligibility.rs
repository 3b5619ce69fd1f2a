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

/// What is known of a person when a rule is checked; `None` is "not known"
/// (a person met at a structure's door may have no file yet).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonFacts {
    pub age: Option<u8>,
    pub rsa: Option<bool>,
    pub single_parent: Option<bool>,
    pub other_minimum_income: Option<bool>,
    /// `Some(true)`: the file is that of a person outside the RSA, admitted
    /// for their precarity (another minimum income or any other).
    pub outside_rsa: Option<bool>,
    /// `Some(None)`: known to have no validated orientation.
    pub orientation: Option<Option<OrientationKind>>,
    pub contract_running: Option<bool>,
    pub commune_code: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Eligible,
    NotEligible,
    Unknown,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Eligible => "Éligible",
            Verdict::NotEligible => "Non éligible",
            Verdict::Unknown => "À vérifier",
        }
    }
}

/// One rule's answer, with the sentence that says why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub verdict: Verdict,
    pub reason: String,
}

/// Every rule's answer and the overall one: not eligible if one rule says
/// so, to be checked if one cannot tell, eligible otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    pub verdict: Verdict,
    pub outcomes: Vec<Outcome>,
    /// Admitted outside the RSA public, on the quota of places for it.
    pub uses_margin: bool,
}

fn outcome(verdict: Verdict, reason: impl Into<String>) -> Outcome {
    Outcome {
        verdict,
        reason: reason.into(),
    }
}

impl EligibilityRules {
    /// Checks each rule against what is known of the person.
    /// `margin_taken` is how many of the action's places outside its publics
    /// are used now (the live count), so that the answer says how many remain.
    pub fn evaluate(
        &self,
        person: &PersonFacts,
        margin_taken: i64,
        commune_label: impl Fn(&str) -> String,
    ) -> Assessment {
        let mut outcomes = Vec::new();
        if let Some(outcome) = self.age_outcome(person.age) {
            outcomes.push(outcome);
        }
        let mut uses_margin = false;
        if !self.publics.is_empty() {
            let (outcome, margin) = self.public_outcome(person, margin_taken);
            uses_margin = margin;
            outcomes.push(outcome);
        }
        if !self.orientations.is_empty() {
            outcomes.push(self.orientation_outcome(person.orientation));
        }
        if self.contract_required {
            outcomes.push(match (uses_margin, person.contract_running) {
                (true, _) => outcome(Verdict::Eligible, "Hors RSA : pas de contrat exigé."),
                (false, Some(true)) => outcome(Verdict::Eligible, "A un contrat en cours."),
                (false, Some(false)) => outcome(
                    Verdict::NotEligible,
                    "N'a pas de contrat en cours : l'action en demande un.",
                ),
                (false, None) => outcome(
                    Verdict::Unknown,
                    "On ne sait pas si la personne a un contrat en cours.",
                ),
            });
        }
        if !self.communes.is_empty() {
            outcomes.push(match &person.commune_code {
                None => outcome(
                    Verdict::Unknown,
                    "Commune de résidence inconnue : l'action ne dessert que certaines communes.",
                ),
                Some(code) if self.communes.contains(code) => outcome(
                    Verdict::Eligible,
                    format!("Habite {}, commune desservie.", commune_label(code)),
                ),
                Some(code) => outcome(
                    Verdict::NotEligible,
                    format!(
                        "Habite {}, commune que l'action ne dessert pas.",
                        commune_label(code)
                    ),
                ),
            });
        }
        let verdict = if outcomes.iter().any(|o| o.verdict == Verdict::NotEligible) {
            Verdict::NotEligible
        } else if outcomes.iter().any(|o| o.verdict == Verdict::Unknown) {
            Verdict::Unknown
        } else {
            Verdict::Eligible
        };
        Assessment {
            verdict,
            outcomes,
            uses_margin,
        }
    }

    fn age_outcome(&self, age: Option<u8>) -> Option<Outcome> {
        if self.min_age.is_none() && self.max_age.is_none() {
            return None;
        }
        let range = match (self.min_age, self.max_age) {
            (Some(min), Some(max)) => format!("de {min} à {max} ans"),
            (Some(min), None) => format!("d'au moins {min} ans"),
            (None, Some(max)) => format!("d'au plus {max} ans"),
            (None, None) => unreachable!("checked above"),
        };
        Some(match age {
            None => outcome(
                Verdict::Unknown,
                format!("Âge inconnu : l'action est pour les personnes {range}."),
            ),
            Some(age)
                if self.min_age.is_some_and(|m| age < m)
                    || self.max_age.is_some_and(|m| age > m) =>
            {
                outcome(
                    Verdict::NotEligible,
                    format!("A {age} ans : l'action est pour les personnes {range}."),
                )
            }
            Some(age) => outcome(
                Verdict::Eligible,
                format!("A {age} ans (personnes {range})."),
            ),
        })
    }

    /// Whether the person is in one of the publics, or may enter on the quota
    /// of places outside the RSA (people in precarity: single parents,
    /// other minimum incomes).
    fn public_outcome(&self, person: &PersonFacts, margin_taken: i64) -> (Outcome, bool) {
        let young = person.age.map(|a| (18..=25).contains(&a));
        let belongs = |public: TargetPublic| match public {
            TargetPublic::Rsa => person.rsa,
            TargetPublic::Young => young,
            TargetPublic::SingleParent => person.single_parent,
            TargetPublic::OtherMinimum => person.other_minimum_income,
        };
        if let Some(public) = self
            .publics
            .iter()
            .copied()
            .find(|p| belongs(*p) == Some(true))
        {
            return (
                outcome(Verdict::Eligible, format!("Est {}.", public.label())),
                false,
            );
        }
        let precarity = person.single_parent == Some(true)
            || person.other_minimum_income == Some(true)
            || person.outside_rsa == Some(true);
        if let (Some(places), true) = (self.margin_places, precarity) {
            return (
                outcome(Verdict::Eligible, margin_reason(places, margin_taken)),
                true,
            );
        }
        let publics: Vec<&str> = self.publics.iter().map(|p| p.label()).collect();
        if self.publics.iter().any(|p| belongs(*p).is_none()) {
            let reason = format!(
                "À vérifier : l'action est pour les personnes {}.",
                publics.join(", ou ")
            );
            return (outcome(Verdict::Unknown, reason), false);
        }
        let reason = format!(
            "N'est pas {} : l'action leur est réservée.",
            publics.join(", ni ")
        );
        (outcome(Verdict::NotEligible, reason), false)
    }

    fn orientation_outcome(&self, orientation: Option<Option<OrientationKind>>) -> Outcome {
        let wanted: Vec<String> = self
            .orientations
            .iter()
            .map(|o| o.label().to_lowercase())
            .collect();
        let wanted = wanted.join(" ou ");
        match orientation {
            None => outcome(
                Verdict::Unknown,
                format!("Orientation inconnue : l'action demande une orientation {wanted}."),
            ),
            Some(None) => outcome(
                Verdict::NotEligible,
                format!(
                    "N'a pas d'orientation validée : l'action demande une orientation {wanted}."
                ),
            ),
            Some(Some(kind)) if self.orientations.contains(&kind) => outcome(
                Verdict::Eligible,
                format!("A une orientation {}.", kind.label().to_lowercase()),
            ),
            Some(Some(kind)) => outcome(
                Verdict::NotEligible,
                format!(
                    "A une orientation {} : l'action demande une orientation {wanted}.",
                    kind.label().to_lowercase()
                ),
            ),
        }
    }
}

/// Why a person in precarity outside the publics may come, and how many of
/// the `places` kept for them remain once `taken` are used. When none
/// remains they are still eligible, but wait for one to free: a margin
/// person never takes a place of the publics.
fn margin_reason(places: i64, taken: i64) -> String {
    let left = (places - taken).max(0);
    let plural = |n: i64, word: &str| {
        if n > 1 {
            format!("{word}s")
        } else {
            word.to_owned()
        }
    };
    if left == 0 {
        let used = if places > 1 {
            format!("les {places} places hors publics sont occupées")
        } else {
            "la place hors publics est occupée".to_owned()
        };
        return format!("N'appartient pas aux publics de l'action (situation de précarité) : {used}, la personne attendra qu'une se libère.");
    }
    format!(
        "N'appartient pas aux publics de l'action, mais peut entrer hors publics (situation de précarité) : {left} {} hors publics sur {places} {} {}.",
        plural(left, "place"),
        if left > 1 { "restent" } else { "reste" },
        plural(left, "ouverte"),
    )
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

    fn youth_rules() -> EligibilityRules {
        parse(&EligibilityInput {
            min_age: "18".into(),
            max_age: "25".into(),
            publics: vec!["rsa".into()],
            orientations: vec!["social".into(), "socio_professional".into()],
            contract_required: true,
            communes: "14118".into(),
            margin_places: "2".into(),
        })
        .unwrap()
    }

    fn rsa_person() -> PersonFacts {
        PersonFacts {
            age: Some(22),
            rsa: Some(true),
            single_parent: Some(false),
            other_minimum_income: Some(false),
            outside_rsa: Some(false),
            orientation: Some(Some(OrientationKind::Social)),
            contract_running: Some(true),
            commune_code: Some("14118".into()),
        }
    }

    #[test]
    fn each_rule_answers_with_a_sentence() {
        let caen = |c: &str| {
            if c == "14118" {
                "Caen".to_owned()
            } else {
                c.to_owned()
            }
        };
        let a = youth_rules().evaluate(&rsa_person(), 0, caen);
        assert_eq!(a.verdict, Verdict::Eligible);
        let reasons: Vec<&str> = a.outcomes.iter().map(|o| o.reason.as_str()).collect();
        assert_eq!(
            reasons,
            vec![
                "A 22 ans (personnes de 18 à 25 ans).",
                "Est bénéficiaire du RSA.",
                "A une orientation sociale.",
                "A un contrat en cours.",
                "Habite Caen, commune desservie.",
            ]
        );
        let older = PersonFacts {
            age: Some(34),
            orientation: Some(Some(OrientationKind::Professional)),
            ..rsa_person()
        };
        let a = youth_rules().evaluate(&older, 0, caen);
        assert_eq!(a.verdict, Verdict::NotEligible);
        assert_eq!(
            a.outcomes[0].reason,
            "A 34 ans : l'action est pour les personnes de 18 à 25 ans."
        );
        assert_eq!(a.outcomes[2].reason, "A une orientation professionnelle : l'action demande une orientation sociale ou socio-professionnelle.");
        let unknown = PersonFacts {
            age: None,
            contract_running: None,
            commune_code: None,
            ..rsa_person()
        };
        let a = youth_rules().evaluate(&unknown, 0, caen);
        assert_eq!(
            a.verdict,
            Verdict::Unknown,
            "nothing against, but three things to check"
        );
        assert_eq!(
            a.outcomes
                .iter()
                .filter(|o| o.verdict == Verdict::Unknown)
                .count(),
            3
        );
        assert_eq!(
            EligibilityRules::default()
                .evaluate(&PersonFacts::default(), 0, caen)
                .verdict,
            Verdict::Eligible,
            "no rule, no condition"
        );
    }

    #[test]
    fn the_margin_quota_admits_people_in_precarity_outside_the_rsa() {
        let single_parent = PersonFacts {
            rsa: Some(false),
            single_parent: Some(true),
            contract_running: Some(false),
            ..rsa_person()
        };
        let a = youth_rules().evaluate(&single_parent, 0, |c| c.to_owned());
        assert_eq!((a.verdict, a.uses_margin), (Verdict::Eligible, true));
        assert!(
            a.outcomes[1]
                .reason
                .ends_with("2 places hors publics sur 2 restent ouvertes."),
            "{}",
            a.outcomes[1].reason
        );
        assert_eq!(a.outcomes[3].reason, "Hors RSA : pas de contrat exigé.");
        let neither = PersonFacts {
            rsa: Some(false),
            ..rsa_person()
        };
        let a = youth_rules().evaluate(&neither, 0, |c| c.to_owned());
        assert_eq!((a.verdict, a.uses_margin), (Verdict::NotEligible, false));
        assert_eq!(
            a.outcomes[1].reason,
            "N'est pas bénéficiaire du RSA : l'action leur est réservée."
        );
        // A file outside the RSA is admitted for its precarity, whatever it is.
        let outside = PersonFacts {
            outside_rsa: Some(true),
            ..neither.clone()
        };
        let a = youth_rules().evaluate(&outside, 0, |c| c.to_owned());
        assert_eq!((a.verdict, a.uses_margin), (Verdict::Eligible, true));
        let no_quota = EligibilityRules {
            margin_places: None,
            ..youth_rules()
        };
        assert_eq!(
            no_quota
                .evaluate(&single_parent, 0, |c| c.to_owned())
                .verdict,
            Verdict::NotEligible
        );
    }

    /// The answer counts the places outside the publics already used: one
    /// left of two, then none (still eligible, but to wait for one).
    #[test]
    fn the_margin_answer_says_how_many_places_remain() {
        let single_parent = PersonFacts {
            rsa: Some(false),
            single_parent: Some(true),
            ..rsa_person()
        };
        let rules = youth_rules();
        let reason = |taken| rules.evaluate(&single_parent, taken, |c| c.to_owned());
        let one_used = reason(1);
        assert!(one_used.outcomes[1]
            .reason
            .ends_with("1 place hors publics sur 2 reste ouverte."));
        let all_used = reason(2);
        assert_eq!(
            (all_used.verdict, all_used.uses_margin),
            (Verdict::Eligible, true)
        );
        assert_eq!(
            all_used.outcomes[1].reason,
            "N'appartient pas aux publics de l'action (situation de précarité) : les 2 places hors publics sont occupées, la personne attendra qu'une se libère."
        );
        assert_eq!(reason(5).outcomes[1].reason, all_used.outcomes[1].reason);
        let one_place = EligibilityRules {
            margin_places: Some(1),
            ..youth_rules()
        };
        assert!(one_place
            .evaluate(&single_parent, 1, |c| c.to_owned())
            .outcomes[1]
            .reason
            .contains("la place hors publics est occupée"));
        assert_eq!(
            rules.evaluate(&rsa_person(), 2, |c| c.to_owned()).outcomes[1].reason,
            "Est bénéficiaire du RSA.",
            "the public's places are not the margin's"
        );
    }

    proptest::proptest! {
        /// The overall verdict is the worst of the rules' (not eligible over
        /// to check over eligible), and a known fact never yields "to check"
        /// for a rule that only needs it.
        #[test]
        fn the_overall_verdict_is_the_worst_rule(age in proptest::option::of(16u8..70), rsa in proptest::option::of(proptest::bool::ANY),
                                                  contract in proptest::option::of(proptest::bool::ANY), orientation in 0usize..5) {
            let orientation = match orientation {
                0 => None,
                1 => Some(None),
                n => Some(Some(OrientationKind::ALL[n - 2])),
            };
            let person = PersonFacts { age, rsa, contract_running: contract, orientation, ..rsa_person() };
            let a = youth_rules().evaluate(&person, 0, |c| c.to_owned());
            let worst = if a.outcomes.iter().any(|o| o.verdict == Verdict::NotEligible) { Verdict::NotEligible }
                else if a.outcomes.iter().any(|o| o.verdict == Verdict::Unknown) { Verdict::Unknown } else { Verdict::Eligible };
            proptest::prop_assert_eq!(a.verdict, worst);
            proptest::prop_assert!(a.outcomes.iter().all(|o| !o.reason.is_empty()));
            if age.is_some() {
                proptest::prop_assert!(a.outcomes[0].verdict != Verdict::Unknown);
            }
        }
    }
}
