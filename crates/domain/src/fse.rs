//! FSE+ participant data collected at entry on an action co-financed by the
//! European Social Fund Plus (Regulation (EU) 2021/1057, Annex I: the common
//! output indicators EECO01 to EECO17 are counted from them).
//!
//! Disability, foreign background and minority are special-category data
//! (GDPR art. 9): [`FseQuestion::is_special_category`] is the one place
//! that says so. Every sensitive question accepts « Ne souhaite pas
//! répondre ».
//!
//! Who records them ([`may_record_fse_data`]): the opérateur of the
//! structure that runs the action, and nobody else. The référent, the
//! cadre, another structure and the DPO never see the individual answers;
//! the chargé de mission only sees aggregate counts (in the FSE+ report),
//! never one person's answers.

use crate::access::{Permission, Viewer};
use crate::person::codes;
use crate::referral::ReferralStatus;
use crate::validation::Invalid;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

codes!(
    /// The questions asked at entry, in the order of the form. The code is
    /// the field's name in the form, the API and the database.
    FseQuestion {
        Gender = "gender", "Genre";
        EmploymentStatus = "employment_status", "Situation vis-à-vis de l'emploi à l'entrée";
        EducationLevel = "education_level", "Plus haut niveau d'études atteint";
        Nationality = "nationality", "Nationalité";
        Disability = "disability", "Situation de handicap";
        ForeignBackground = "foreign_background", "Origine étrangère (personne née à l'étranger ou dont un parent est né à l'étranger)";
        Minority = "minority", "Appartenance à une minorité, y compris les communautés marginalisées comme les Roms";
        Homeless = "homeless", "Sans domicile ou exclu du logement";
        Rural = "rural", "Résidence en zone rurale";
    }
);

impl FseQuestion {
    /// Special-category data (GDPR art. 9): collected with care (« Ne
    /// souhaite pas répondre » always possible), shown only to the
    /// structure's opérateur on the edit form, every read audited.
    pub fn is_special_category(self) -> bool {
        matches!(
            self,
            FseQuestion::Disability | FseQuestion::ForeignBackground | FseQuestion::Minority
        )
    }

    /// The special-category questions, for notices and audit details.
    pub fn special_categories() -> Vec<FseQuestion> {
        Self::ALL
            .iter()
            .copied()
            .filter(|q| q.is_special_category())
            .collect()
    }
}

codes!(
    /// Gender as the participant states it (every indicator is broken down
    /// by it); the codes of the person file's sex for women and men.
    Gender {
        Woman = "F", "Femme";
        Man = "M", "Homme";
        NonBinary = "X", "Non binaire";
    }
);

codes!(
    /// Labour market status at entry (EECO02 to EECO05).
    EmploymentStatus {
        Unemployed = "unemployed", "Chômeur";
        LongTermUnemployed = "long_term_unemployed", "Chômeur de longue durée";
        Inactive = "inactive", "Inactif";
        Employed = "employed", "En emploi, y compris indépendant";
    }
);

impl EmploymentStatus {
    /// Long-term unemployed people are counted among the unemployed too (EECO02).
    pub fn is_unemployed(self) -> bool {
        matches!(
            self,
            EmploymentStatus::Unemployed | EmploymentStatus::LongTermUnemployed
        )
    }
}

codes!(
    /// Highest level of education attained, by ISCED (CITE) groups (EECO09 to EECO11).
    EducationLevel {
        Isced0To2 = "isced_0_2", "Aucun diplôme, école primaire ou collège (brevet) — CITE 0 à 2";
        Isced3To4 = "isced_3_4", "Lycée, CAP, BEP, baccalauréat ou équivalent — CITE 3 et 4";
        Isced5To8 = "isced_5_8", "Études supérieures : BTS, DUT, licence, master, doctorat — CITE 5 à 8";
    }
);

codes!(
    /// Nationality group (EECO13: third-country nationals).
    NationalityGroup {
        French = "french", "Française";
        OtherEu = "other_eu", "D'un autre pays de l'Union européenne";
        ThirdCountry = "third_country", "D'un pays hors de l'Union européenne";
    }
);

codes!(
    /// An answer the person may decline to give.
    Answer {
        Yes = "yes", "Oui";
        No = "no", "Non";
        Declined = "declined", "Ne souhaite pas répondre";
    }
);

codes!(
    /// A plain yes or no.
    YesNo {
        Yes = "yes", "Oui";
        No = "no", "Non";
    }
);

/// The answers as typed in the form or sent to the API (codes as strings).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct FseEntryInput {
    /// F (femme), M (homme) or X (non binaire); when empty, the person
    /// file's sex.
    #[serde(default)]
    pub gender: String,
    /// unemployed, long_term_unemployed, inactive, employed
    #[serde(default)]
    pub employment_status: String,
    /// isced_0_2, isced_3_4, isced_5_8
    #[serde(default)]
    pub education_level: String,
    /// french, other_eu, third_country
    #[serde(default)]
    pub nationality: String,
    /// yes, no, declined (special category, GDPR art. 9)
    #[serde(default)]
    pub disability: String,
    /// yes, no, declined (special category, GDPR art. 9)
    #[serde(default)]
    pub foreign_background: String,
    /// yes, no, declined (special category, GDPR art. 9)
    #[serde(default)]
    pub minority: String,
    /// yes, no, declined
    #[serde(default)]
    pub homeless: String,
    /// yes, no
    #[serde(default)]
    pub rural: String,
}

impl FseEntryInput {
    /// The answer typed for a question.
    pub fn value(&self, question: FseQuestion) -> &str {
        match question {
            FseQuestion::Gender => &self.gender,
            FseQuestion::EmploymentStatus => &self.employment_status,
            FseQuestion::EducationLevel => &self.education_level,
            FseQuestion::Nationality => &self.nationality,
            FseQuestion::Disability => &self.disability,
            FseQuestion::ForeignBackground => &self.foreign_background,
            FseQuestion::Minority => &self.minority,
            FseQuestion::Homeless => &self.homeless,
            FseQuestion::Rural => &self.rural,
        }
    }

    /// The (code, label) choices of a question, in the order shown.
    pub fn choices(question: FseQuestion) -> Vec<(&'static str, &'static str)> {
        match question {
            FseQuestion::Gender => Gender::choices(),
            FseQuestion::EmploymentStatus => EmploymentStatus::choices(),
            FseQuestion::EducationLevel => EducationLevel::choices(),
            FseQuestion::Nationality => NationalityGroup::choices(),
            FseQuestion::Disability
            | FseQuestion::ForeignBackground
            | FseQuestion::Minority
            | FseQuestion::Homeless => Answer::choices(),
            FseQuestion::Rural => YesNo::choices(),
        }
    }
}

/// Validated answers: every question answered with a known code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FseEntryData {
    pub gender: Gender,
    pub employment_status: EmploymentStatus,
    pub education_level: EducationLevel,
    pub nationality: NationalityGroup,
    pub disability: Answer,
    pub foreign_background: Answer,
    pub minority: Answer,
    pub homeless: Answer,
    pub rural: bool,
}

/// The code of one question, checked: a message naming the field when it
/// is missing or unknown.
fn pick<T>(
    invalid: &mut Invalid,
    input: &FseEntryInput,
    question: FseQuestion,
    from_code: fn(&str) -> Option<T>,
) -> Option<T> {
    let raw = input.value(question).trim();
    let label = question.label();
    if raw.is_empty() {
        let message = if question.is_special_category() {
            format!("Le champ « {label} » est obligatoire : choisissez « Ne souhaite pas répondre » si la personne préfère ne pas le dire.")
        } else {
            format!("Le champ « {label} » est obligatoire : choisissez une réponse.")
        };
        invalid.add(question.code(), message);
        return None;
    }
    let value = from_code(raw);
    if value.is_none() {
        let codes: Vec<&str> = FseEntryInput::choices(question)
            .into_iter()
            .map(|(code, _)| code)
            .collect();
        invalid.add(
            question.code(),
            format!(
                "Réponse inconnue pour « {label} » : choisissez parmi {}.",
                codes.join(", ")
            ),
        );
    }
    value
}

impl FseEntryData {
    pub fn parse(input: &FseEntryInput) -> Result<FseEntryData, Invalid> {
        use FseQuestion as Q;
        let mut invalid = Invalid::new();
        let gender = pick(&mut invalid, input, Q::Gender, Gender::from_code);
        let employment_status = pick(
            &mut invalid,
            input,
            Q::EmploymentStatus,
            EmploymentStatus::from_code,
        );
        let education_level = pick(
            &mut invalid,
            input,
            Q::EducationLevel,
            EducationLevel::from_code,
        );
        let nationality = pick(
            &mut invalid,
            input,
            Q::Nationality,
            NationalityGroup::from_code,
        );
        let disability = pick(&mut invalid, input, Q::Disability, Answer::from_code);
        let foreign_background = pick(&mut invalid, input, Q::ForeignBackground, Answer::from_code);
        let minority = pick(&mut invalid, input, Q::Minority, Answer::from_code);
        let homeless = pick(&mut invalid, input, Q::Homeless, Answer::from_code);
        let rural = pick(&mut invalid, input, Q::Rural, YesNo::from_code);
        let (
            Some(gender),
            Some(employment_status),
            Some(education_level),
            Some(nationality),
            Some(disability),
            Some(foreign_background),
            Some(minority),
            Some(homeless),
            Some(rural),
        ) = (
            gender,
            employment_status,
            education_level,
            nationality,
            disability,
            foreign_background,
            minority,
            homeless,
            rural,
        )
        else {
            return Err(invalid);
        };
        invalid.into_result(())?;
        Ok(FseEntryData {
            gender,
            employment_status,
            education_level,
            nationality,
            disability,
            foreign_background,
            minority,
            homeless,
            rural: rural == YesNo::Yes,
        })
    }

    /// Back to the form's codes (to show recorded answers for correction).
    pub fn to_input(&self) -> FseEntryInput {
        FseEntryInput {
            gender: self.gender.code().to_owned(),
            employment_status: self.employment_status.code().to_owned(),
            education_level: self.education_level.code().to_owned(),
            nationality: self.nationality.code().to_owned(),
            disability: self.disability.code().to_owned(),
            foreign_background: self.foreign_background.code().to_owned(),
            minority: self.minority.code().to_owned(),
            homeless: self.homeless.code().to_owned(),
            rural: if self.rural { YesNo::Yes } else { YesNo::No }
                .code()
                .to_owned(),
        }
    }
}

/// Whether a positioning takes FSE+ data at all: the person entered the
/// action (or has since left it), and the action is co-financed by the
/// FSE+ (at least one funding line flagged). A message on the field at fault.
pub fn check_recordable(status: ReferralStatus, cofinanced: bool) -> Result<(), Invalid> {
    if !cofinanced {
        return Err(Invalid::field(
            "action_id",
            "Cette action n'est pas cofinancée par le FSE+ : aucune donnée FSE+ n'est à saisir.",
        ));
    }
    if !matches!(status, ReferralStatus::Entered | ReferralStatus::Exited) {
        return Err(Invalid::field(
            "status",
            "Les données FSE+ se saisissent pour une personne entrée sur l'action.",
        ));
    }
    Ok(())
}

/// The access rule for one person's FSE+ data: the opérateur
/// ([`Permission::RecordFseData`]) of the structure that runs the action
/// (`viewer.organisation_id == action_structure_id`) records, corrects and
/// reads them. Everyone else is refused: the référent and the cadre (they
/// follow the pathway, not the programme's reporting), another structure,
/// the DPO (who reads the access log, not the data), the administrator,
/// and the chargé de mission, who sees aggregate counts only.
pub fn may_record_fse_data(viewer: &Viewer, action_structure_id: Uuid) -> bool {
    viewer.role.can(Permission::RecordFseData) && viewer.organisation_id == action_structure_id
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Role;

    fn complete() -> FseEntryInput {
        FseEntryInput {
            gender: "X".into(),
            employment_status: "long_term_unemployed".into(),
            education_level: "isced_3_4".into(),
            nationality: "french".into(),
            disability: "declined".into(),
            foreign_background: "no".into(),
            minority: "declined".into(),
            homeless: "yes".into(),
            rural: "no".into(),
        }
    }

    #[test]
    fn a_complete_entry_parses_and_round_trips() {
        let data = FseEntryData::parse(&complete()).unwrap();
        assert_eq!(data.employment_status, EmploymentStatus::LongTermUnemployed);
        assert!(data.employment_status.is_unemployed());
        assert_eq!(data.education_level, EducationLevel::Isced3To4);
        assert_eq!(data.nationality, NationalityGroup::French);
        assert_eq!(data.disability, Answer::Declined);
        assert_eq!(data.gender, Gender::NonBinary);
        assert_eq!(data.foreign_background, Answer::No);
        assert_eq!(data.minority, Answer::Declined);
        assert_eq!(data.homeless, Answer::Yes);
        assert!(!data.rural);
        assert_eq!(data.to_input(), complete());
        let padded = FseEntryInput {
            rural: " yes ".into(),
            ..complete()
        };
        assert!(FseEntryData::parse(&padded).unwrap().rural);
    }

    #[test]
    fn each_missing_or_unknown_answer_is_named() {
        let err = FseEntryData::parse(&FseEntryInput::default()).unwrap_err();
        let fields: Vec<&str> = err.errors.iter().map(|e| e.field.as_str()).collect();
        let expected: Vec<&str> = FseQuestion::ALL.iter().map(|q| q.code()).collect();
        assert_eq!(fields, expected);
        assert!(err
            .message_for("education_level")
            .unwrap()
            .contains("Plus haut niveau d'études atteint"));
        for question in FseQuestion::special_categories() {
            assert!(
                err.message_for(question.code())
                    .unwrap()
                    .contains("Ne souhaite pas répondre"),
                "{question:?}"
            );
        }

        let err = FseEntryData::parse(&FseEntryInput {
            nationality: "martienne".into(),
            rural: "declined".into(),
            ..complete()
        })
        .unwrap_err();
        assert_eq!(err.errors.len(), 2);
        assert!(err
            .message_for("nationality")
            .unwrap()
            .contains("french, other_eu, third_country"));
        assert!(
            err.message_for("rural").is_some(),
            "rural residence is yes or no"
        );
    }

    #[test]
    fn the_special_categories_are_disability_foreign_background_and_minority() {
        assert_eq!(
            FseQuestion::special_categories(),
            vec![
                FseQuestion::Disability,
                FseQuestion::ForeignBackground,
                FseQuestion::Minority
            ]
        );
        for question in FseQuestion::special_categories() {
            assert!(
                FseEntryInput::choices(question)
                    .iter()
                    .any(|(code, _)| *code == Answer::Declined.code()),
                "declining is always possible for {question:?}"
            );
        }
    }

    #[test]
    fn labels_are_the_french_ones() {
        let labels: Vec<&str> = EmploymentStatus::ALL.iter().map(|s| s.label()).collect();
        assert_eq!(
            labels,
            [
                "Chômeur",
                "Chômeur de longue durée",
                "Inactif",
                "En emploi, y compris indépendant"
            ]
        );
        assert!(!EmploymentStatus::Inactive.is_unemployed());
        for question in FseQuestion::ALL {
            for (code, label) in FseEntryInput::choices(*question) {
                assert!(!code.is_empty() && !label.is_empty());
            }
            assert_eq!(FseQuestion::from_code(question.code()), Some(*question));
        }
    }

    #[test]
    fn only_entered_participants_of_cofinanced_actions() {
        assert!(check_recordable(ReferralStatus::Entered, true).is_ok());
        assert!(check_recordable(ReferralStatus::Exited, true).is_ok());
        let field = |status, cofinanced| {
            check_recordable(status, cofinanced).unwrap_err().errors[0]
                .field
                .clone()
        };
        assert_eq!(field(ReferralStatus::Entered, false), "action_id");
        for status in [
            ReferralStatus::Sent,
            ReferralStatus::Waiting,
            ReferralStatus::Offered,
            ReferralStatus::Refused,
            ReferralStatus::PendingValidation,
        ] {
            assert_eq!(field(status, true), "status", "{status:?}");
        }
    }

    #[test]
    fn only_the_structures_operator_records() {
        let (structure, other) = (Uuid::from_u128(10), Uuid::from_u128(11));
        let viewer = |role, organisation_id| Viewer {
            user_id: Uuid::from_u128(1),
            role,
            organisation_id,
            territory_id: None,
        };
        assert!(may_record_fse_data(
            &viewer(Role::Operator, structure),
            structure
        ));
        assert!(!may_record_fse_data(
            &viewer(Role::Operator, other),
            structure
        ));
        for role in [
            Role::Admin,
            Role::ProgrammeOfficer,
            Role::Manager,
            Role::Referent,
            Role::Dpo,
        ] {
            assert!(
                !may_record_fse_data(&viewer(role, structure), structure),
                "{role:?}"
            );
        }
    }
}
