//! Person files and households (dossier RSA): codes, validation, name search keys.

use crate::nir::Nir;
use crate::validation::{optional_text, required_text, Invalid, ADDRESS_MAX, LINE_MAX, NAME_MAX};
use serde::{Deserialize, Serialize};
use time::{Date, Month};
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// A coded value with a French label (the CAF's codes where there is one).
macro_rules! codes {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $code:literal, $label:literal;)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),* }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
            pub fn code(self) -> &'static str { match self { $($name::$variant => $code),* } }
            pub fn label(self) -> &'static str { match self { $($name::$variant => $label),* } }
            pub fn from_code(code: &str) -> Option<$name> { Self::ALL.iter().copied().find(|v| v.code() == code) }
            /// (code, label) pairs, for a form's choices.
            pub fn choices() -> Vec<(&'static str, &'static str)> { Self::ALL.iter().map(|v| (v.code(), v.label())).collect() }
        }
        /// Exchanged (JSON, stored revisions) by its code.
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.code())
            }
        }
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let code = String::deserialize(deserializer)?;
                Self::from_code(&code).ok_or_else(|| serde::de::Error::custom(format!("code inconnu : {code}")))
            }
        }
        $crate::person::stored_as_code!($name);
    };
}
pub(crate) use codes;

/// A code type (with `ALL`, `code()` and `from_code()`) stored as its code in
/// a TEXT column (the migrations' constraints list the codes) and described
/// by the API's schema as one of its codes.
macro_rules! stored_as_code {
    ($name:ident) => {
        #[cfg(feature = "sqlx")]
        impl<DB: sqlx::Database> sqlx::Type<DB> for $name
        where
            String: sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <String as sqlx::Type<DB>>::type_info()
            }
            fn compatible(ty: &DB::TypeInfo) -> bool {
                <String as sqlx::Type<DB>>::compatible(ty)
            }
        }
        /// A stored code that is not one of ours is an error of the read.
        #[cfg(feature = "sqlx")]
        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $name
        where
            &'r str: sqlx::Decode<'r, DB>,
        {
            fn decode(value: DB::ValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                let code = <&'r str as sqlx::Decode<'r, DB>>::decode(value)?;
                Self::from_code(code).ok_or_else(|| {
                    format!("{} : code inconnu « {code} »", stringify!($name)).into()
                })
            }
        }
        #[cfg(feature = "sqlx")]
        impl<'q, DB: sqlx::Database> sqlx::Encode<'q, DB> for $name
        where
            String: sqlx::Encode<'q, DB>,
        {
            fn encode_by_ref(
                &self,
                buf: &mut DB::ArgumentBuffer<'q>,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                // Owned: a borrowed &'static str would tie the query to 'static.
                <String as sqlx::Encode<'q, DB>>::encode(self.code().to_owned(), buf)
            }
        }
        /// In the API's schema: a string, one of the codes.
        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some($name::ALL.iter().map(|v| v.code())))
                    .into()
            }
        }
        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}
    };
}
pub(crate) use stored_as_code;

codes!(
    /// Role in the household (CAF `ROLEPERS`).
    HouseholdRole {
        Requester = "DEM", "Demandeur";
        Partner = "CJT", "Conjoint";
        Child = "ENF", "Enfant";
        Other = "AUT", "Autre";
    }
);

codes!(
    /// State of the RSA case (CAF `ETATDOSRSA`).
    RsaState {
        New = "0", "Nouvelle demande en attente de décision";
        Refused = "1", "Droit refusé";
        OpenPaid = "2", "Droit ouvert et versable";
        OpenSuspended = "3", "Droit ouvert et suspendu";
        OpenPaymentSuspended = "4", "Droit ouvert, versement suspendu";
        Closed = "5", "Droit clos";
        ClosedRegularised = "6", "Droit clos sur mois antérieur";
    }
);

codes!(
    Fund {
        Caf = "caf", "CAF";
        Msa = "msa", "MSA";
    }
);

codes!(
    /// Why the person has a file: the RSA (a dossier RSA, and droits et
    /// devoirs when subject to them), or admitted at the margin without RSA.
    RsaSituation {
        Beneficiary = "rsa", "Bénéficiaire du RSA";
        OtherMinimumIncome = "other_minimum_income", "Autre minimum social, sans RSA";
        OtherPrecarity = "other_precarity", "Autre situation de précarité, sans RSA";
    }
);

impl RsaSituation {
    /// As chosen in a form or sent to the API: nothing chosen is the RSA
    /// (as every file was before the choice existed).
    pub fn parse(raw: &str) -> Result<RsaSituation, Invalid> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(RsaSituation::Beneficiary);
        }
        RsaSituation::from_code(raw).ok_or_else(|| {
            Invalid::field(
                "situation",
                "Choisissez la situation : bénéficiaire du RSA, autre minimum social ou autre situation de précarité.",
            )
        })
    }

    /// Only an RSA beneficiary has a dossier RSA and its clocks.
    pub fn is_rsa(self) -> bool {
        self == RsaSituation::Beneficiary
    }

    /// The situation of a stored file: outside the RSA it has no household.
    pub fn of_file(has_household: bool, other_minimum_income: bool) -> RsaSituation {
        match (has_household, other_minimum_income) {
            (true, _) => RsaSituation::Beneficiary,
            (false, true) => RsaSituation::OtherMinimumIncome,
            (false, false) => RsaSituation::OtherPrecarity,
        }
    }
}

codes!(
    Sex {
        Female = "F", "Femme";
        Male = "M", "Homme";
    }
);

codes!(
    /// Why a person file is closed (exit from the scheme).
    ClosureReason {
        RsaClosed = "rsa_closed", "Droit RSA clos";
        Moved = "moved", "Départ du département";
        EndOfDuties = "end_of_duties", "Fin des droits et devoirs";
        Deceased = "deceased", "Décès";
        Merged = "merged", "Doublon fusionné";
        Other = "other", "Autre motif";
    }
);

/// The 7-digit numéro allocataire in a number as stored or as the CAF's
/// files write it (`MATRICULE`: the 7 digits followed by 8 zeros), so that
/// a household stored with 7 digits is recognised in a 15-digit file. A
/// 15-digit number not ending in 8 zeros (MSA) is its own key.
pub fn allocataire_key(number: &str) -> &str {
    match number.strip_suffix("00000000") {
        Some(key) if number.len() == 15 => key,
        _ => number,
    }
}

/// Whether two numéros allocataire are the same (7 or 15 digits).
pub fn same_caf_number(a: Option<&str>, b: Option<&str>) -> bool {
    a.map(allocataire_key) == b.map(allocataire_key)
}

/// Household data as typed in a form or sent to the API.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
pub struct HouseholdInput {
    #[serde(default)]
    pub rsa_number: String,
    #[serde(default)]
    pub caf_number: String,
    #[serde(default)]
    pub fund: String,
    #[serde(default)]
    pub rsa_state: String,
    #[serde(default)]
    pub rsa_state_on: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HouseholdData {
    pub rsa_number: String,
    pub caf_number: Option<String>,
    pub fund: Fund,
    pub rsa_state: RsaState,
    pub rsa_state_on: Option<Date>,
    /// What the CAF's files say beyond the state; None when the source
    /// (a form, a CSV export) does not carry it, so the known facts stay.
    pub caf: Option<crate::caf::CafFacts>,
}

impl HouseholdData {
    pub fn parse(input: &HouseholdInput, today: Date) -> Result<HouseholdData, Invalid> {
        let mut invalid = Invalid::new();
        let rsa_number = required_text(
            &mut invalid,
            "rsa_number",
            "Numéro de demande RSA",
            &input.rsa_number,
            20,
        )
        .to_uppercase();
        if !rsa_number.is_empty() && !rsa_number.chars().all(|c| c.is_ascii_alphanumeric()) {
            invalid.add(
                "rsa_number",
                "Le numéro de demande RSA ne contient que des chiffres et des lettres.",
            );
        }
        let caf_number = optional_text(
            &mut invalid,
            "caf_number",
            "Numéro allocataire",
            &input.caf_number,
            LINE_MAX,
        );
        if let Some(number) = &caf_number {
            if !matches!(number.len(), 7 | 15) || !number.chars().all(|c| c.is_ascii_digit()) {
                invalid.add(
                    "caf_number",
                    "Le numéro allocataire compte 7 chiffres, ou 15 comme la CAF l'écrit \
                     (les 7 chiffres suivis de 8 zéros).",
                );
            }
        }
        let fund = Fund::from_code(input.fund.trim());
        if fund.is_none() {
            invalid.add("fund", "Choisissez l'organisme payeur (CAF ou MSA).");
        }
        let rsa_state = RsaState::from_code(input.rsa_state.trim());
        if rsa_state.is_none() {
            invalid.add("rsa_state", "Choisissez l'état du droit RSA dans la liste.");
        }
        let rsa_state_on = optional_date(
            &mut invalid,
            "rsa_state_on",
            "Date de l'état du droit",
            &input.rsa_state_on,
        );
        if rsa_state_on.is_some_and(|d| d > today) {
            invalid.add(
                "rsa_state_on",
                "La date de l'état du droit ne peut pas être dans le futur.",
            );
        }
        let (Some(fund), Some(rsa_state)) = (fund, rsa_state) else {
            return Err(invalid);
        };
        invalid.into_result(())?;
        Ok(HouseholdData {
            rsa_number,
            caf_number,
            fund,
            rsa_state,
            rsa_state_on,
            caf: None,
        })
    }
}

/// Person data as typed in a form or sent to the API.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PersonInput {
    /// rsa (the default), other_minimum_income or other_precarity: outside
    /// the RSA the file has no dossier RSA and no droits et devoirs.
    #[serde(default)]
    pub situation: String,
    #[serde(default)]
    pub household_role: String,
    #[serde(default)]
    pub last_name: String,
    #[serde(default)]
    pub first_names: String,
    #[serde(default)]
    pub birth_name: String,
    #[serde(default)]
    pub birth_date: String,
    #[serde(default)]
    pub sex: String,
    #[serde(default)]
    pub nir: String,
    /// On a rectification, an empty `nir` keeps the stored one (the edit
    /// form and the API's answers never carry it in clear).
    #[serde(default)]
    pub keep_nir: bool,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub commune_code: String,
    #[serde(default)]
    pub subject_to_duties: bool,
    #[serde(default)]
    pub duties_since: String,
    #[serde(default)]
    pub single_parent: bool,
    #[serde(default)]
    pub other_minimum_income: bool,
    #[serde(default)]
    pub rqth: bool,
}

/// A valid person file's identity and situation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonData {
    pub household_role: HouseholdRole,
    pub last_name: String,
    pub first_names: String,
    pub birth_name: Option<String>,
    pub birth_date: Date,
    pub sex: Sex,
    pub nir: Option<Nir>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub commune_code: Option<String>,
    pub subject_to_duties: bool,
    pub duties_since: Option<Date>,
    pub single_parent: bool,
    pub other_minimum_income: bool,
    pub rqth: bool,
}

impl PersonData {
    pub fn parse(input: &PersonInput, today: Date) -> Result<PersonData, Invalid> {
        let mut invalid = Invalid::new();
        let situation = RsaSituation::parse(&input.situation)
            .map_err(|e| invalid.merge(e))
            .ok();
        let household_role = HouseholdRole::from_code(input.household_role.trim());
        if household_role.is_none() {
            invalid.add("household_role", "Choisissez le rôle dans le foyer.");
        }
        let last_name = required_text(&mut invalid, "last_name", "Nom", &input.last_name, NAME_MAX);
        let first_names = required_text(
            &mut invalid,
            "first_names",
            "Prénoms",
            &input.first_names,
            NAME_MAX,
        );
        let birth_name = optional_text(
            &mut invalid,
            "birth_name",
            "Nom de naissance",
            &input.birth_name,
            NAME_MAX,
        );
        let birth_date = required_date(
            &mut invalid,
            "birth_date",
            "Date de naissance",
            &input.birth_date,
        );
        if let Some(date) = birth_date {
            if date > today {
                invalid.add(
                    "birth_date",
                    "La date de naissance ne peut pas être dans le futur.",
                );
            } else if date.year() < 1900 {
                invalid.add("birth_date", "La date de naissance est trop ancienne.");
            }
        }
        let sex = Sex::from_code(input.sex.trim());
        if sex.is_none() {
            invalid.add("sex", "Indiquez le sexe (F ou M).");
        }
        let nir = match optional_text(&mut invalid, "nir", "NIR", &input.nir, LINE_MAX) {
            None => None,
            Some(raw) => match Nir::parse(&raw) {
                Ok(nir) => Some(nir),
                Err(message) => {
                    invalid.add("nir", message);
                    None
                }
            },
        };
        if let (Some(nir), Some(sex), Some(birth)) = (&nir, sex, birth_date) {
            check_nir_consistency(&mut invalid, nir, sex, birth);
        }
        let email = optional_text(
            &mut invalid,
            "email",
            "Adresse électronique",
            &input.email,
            LINE_MAX,
        )
        .map(|e| e.to_lowercase());
        if email.as_ref().is_some_and(|e| !valid_email(e)) {
            invalid.add("email", "L'adresse électronique n'est pas valide.");
        }
        let phone = optional_text(&mut invalid, "phone", "Téléphone", &input.phone, LINE_MAX);
        if phone.as_ref().is_some_and(|p| !valid_phone(p)) {
            invalid.add(
                "phone",
                "Le numéro de téléphone n'est pas valide (exemple : 02 31 00 00 00).",
            );
        }
        let address = optional_text(
            &mut invalid,
            "address",
            "Adresse",
            &input.address,
            ADDRESS_MAX,
        );
        let commune_code = optional_text(
            &mut invalid,
            "commune_code",
            "Code commune",
            &input.commune_code,
            LINE_MAX,
        )
        .map(|c| c.to_uppercase());
        if commune_code.as_ref().is_some_and(|c| !is_commune_code(c)) {
            invalid.add(
                "commune_code",
                "Le code commune INSEE compte 5 caractères (exemple : 14118 pour Caen).",
            );
        }
        let duties_since = optional_date(
            &mut invalid,
            "duties_since",
            "Soumis aux droits et devoirs depuis",
            &input.duties_since,
        );
        if let Some(since) = duties_since {
            if since > today {
                invalid.add(
                    "duties_since",
                    "La date d'entrée dans les droits et devoirs ne peut pas être dans le futur.",
                );
            } else if birth_date.is_some_and(|b| since < b) {
                invalid.add(
                    "duties_since",
                    "La date d'entrée dans les droits et devoirs précède la naissance.",
                );
            }
        }
        if input.subject_to_duties
            && duties_since.is_none()
            && invalid.message_for("duties_since").is_none()
        {
            invalid.add(
                "duties_since",
                "Indiquez depuis quand la personne est soumise aux droits et devoirs.",
            );
        }
        if input.subject_to_duties && situation.is_some_and(|s| !s.is_rsa()) {
            invalid.add(
                "subject_to_duties",
                "Seul un bénéficiaire du RSA est soumis aux droits et devoirs.",
            );
        }
        let (Some(situation), Some(household_role), Some(birth_date), Some(sex)) =
            (situation, household_role, birth_date, sex)
        else {
            return Err(invalid);
        };
        invalid.into_result(())?;
        Ok(PersonData {
            household_role,
            last_name,
            first_names,
            birth_name,
            birth_date,
            sex,
            nir,
            email,
            phone,
            address,
            commune_code,
            subject_to_duties: input.subject_to_duties,
            duties_since: if input.subject_to_duties {
                duties_since
            } else {
                None
            },
            single_parent: input.single_parent,
            // Outside the RSA the situation says it; an RSA beneficiary may
            // also draw another minimum income.
            other_minimum_income: match situation {
                RsaSituation::Beneficiary => input.other_minimum_income,
                RsaSituation::OtherMinimumIncome => true,
                RsaSituation::OtherPrecarity => false,
            },
            rqth: input.rqth,
        })
    }

    /// Tokens searched by name: every word of every name, accent- and case-free.
    pub fn name_tokens(&self) -> Vec<String> {
        let mut tokens = name_tokens(&self.last_name);
        tokens.extend(name_tokens(&self.first_names));
        if let Some(birth_name) = &self.birth_name {
            tokens.extend(name_tokens(birth_name));
        }
        tokens.sort();
        tokens.dedup();
        tokens
    }
}

/// The NIR's sex digit and birth year/month must agree with the identity.
fn check_nir_consistency(invalid: &mut Invalid, nir: &Nir, sex: Sex, birth: Date) {
    if nir.is_provisional() {
        return;
    }
    let expected_sex = match nir.sex_digit() {
        '1' | '3' => Some(Sex::Male),
        '2' | '4' => Some(Sex::Female),
        _ => None,
    };
    if expected_sex.is_some_and(|s| s != sex) {
        invalid.add("nir", "Le NIR ne correspond pas au sexe indiqué.");
    }
    let digits = nir.as_str();
    let year: i32 = digits[1..3].parse().unwrap_or(-1);
    if year != birth.year() % 100 {
        invalid.add("nir", "Le NIR ne correspond pas à l'année de naissance.");
    }
    let month: u8 = digits[3..5].parse().unwrap_or(0);
    if (1..=12).contains(&month) && month != u8::from(birth.month()) {
        invalid.add("nir", "Le NIR ne correspond pas au mois de naissance.");
    }
}

/// Lower-case, accent-free words of a name ("Élodie-Marie D'Aubigné" → elodie, marie, d, aubigne).
pub fn name_tokens(text: &str) -> Vec<String> {
    fold(text)
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Accent- and case-free form of a text, for search.
pub fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    for c in text.to_lowercase().nfd().filter(|c| !is_combining_mark(*c)) {
        match c {
            'œ' => folded.push_str("oe"),
            'æ' => folded.push_str("ae"),
            'ß' => folded.push_str("ss"),
            other => folded.push(other),
        }
    }
    folded
}

/// An e-mail address as the forms and the CAF's files accept it.
pub fn valid_email(email: &str) -> bool {
    email.contains('@') && !email.contains(' ')
}

/// A phone number as the forms and the CAF's files accept it: 10 to 15
/// digits, with spaces, dots, dashes, brackets or a plus.
pub fn valid_phone(phone: &str) -> bool {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    (10..=15).contains(&digits)
        && phone
            .chars()
            .all(|c| c.is_ascii_digit() || " .+-()".contains(c))
}

pub fn is_commune_code(code: &str) -> bool {
    let bytes = code.as_bytes();
    code.len() == 5
        && (code.starts_with("2A")
            || code.starts_with("2B")
            || bytes[..2].iter().all(u8::is_ascii_digit))
        && bytes[2..].iter().all(u8::is_ascii_digit)
}

/// Full years between `birth` and `on`.
pub fn age_on(birth: Date, on: Date) -> i32 {
    let mut age = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

pub fn optional(raw: &str) -> Option<String> {
    let raw = raw.trim();
    (!raw.is_empty()).then(|| raw.to_owned())
}

/// Dates are accepted as AAAA-MM-JJ (HTML date inputs, API) or JJ/MM/AAAA (typed by hand).
pub fn parse_date(raw: &str) -> Option<Date> {
    let raw = raw.trim();
    let (year, month, day) = if let Some((d, rest)) = raw.split_once('/') {
        let (m, y) = rest.split_once('/')?;
        (y, m, d)
    } else {
        let mut parts = raw.splitn(3, '-');
        (parts.next()?, parts.next()?, parts.next()?)
    };
    if year.len() != 4 {
        return None;
    }
    let month = Month::try_from(month.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(year.parse().ok()?, month, day.parse().ok()?).ok()
}

pub fn optional_date(invalid: &mut Invalid, field: &str, label: &str, raw: &str) -> Option<Date> {
    if raw.trim().is_empty() {
        return None;
    }
    let date = parse_date(raw);
    if date.is_none() {
        invalid.add(
            field,
            format!("Le champ « {label} » n'est pas une date valide (JJ/MM/AAAA)."),
        );
    }
    date
}

pub fn required_date(invalid: &mut Invalid, field: &str, label: &str, raw: &str) -> Option<Date> {
    if raw.trim().is_empty() {
        invalid.add(field, format!("Le champ « {label} » est obligatoire."));
        return None;
    }
    optional_date(invalid, field, label, raw)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 23);

    fn magali() -> PersonInput {
        PersonInput {
            household_role: "DEM".into(),
            last_name: "Lefèvre".into(),
            first_names: "Magali Anne".into(),
            birth_date: "12/05/1979".into(),
            sex: "F".into(),
            nir: Nir::parse("2790514118123").unwrap().as_str().into(),
            commune_code: "14118".into(),
            subject_to_duties: true,
            duties_since: "2024-03-01".into(),
            ..PersonInput::default()
        }
    }

    #[test]
    fn parses_a_complete_person() {
        let person = PersonData::parse(&magali(), TODAY).unwrap();
        assert_eq!(person.birth_date, date!(1979 - 05 - 12));
        assert_eq!(person.name_tokens(), vec!["anne", "lefevre", "magali"]);
        assert_eq!(person.duties_since, Some(date!(2024 - 03 - 01)));
    }

    #[test]
    fn refuses_impossible_dates_and_inconsistent_nir() {
        let input = PersonInput {
            birth_date: "2030-01-01".into(),
            ..magali()
        };
        let err = PersonData::parse(&input, TODAY).unwrap_err();
        assert!(err.message_for("birth_date").unwrap().contains("futur"));

        let input = PersonInput {
            birth_date: "31/02/1980".into(),
            ..magali()
        };
        assert!(PersonData::parse(&input, TODAY)
            .unwrap_err()
            .message_for("birth_date")
            .is_some());

        let input = PersonInput {
            sex: "M".into(),
            ..magali()
        };
        assert!(PersonData::parse(&input, TODAY)
            .unwrap_err()
            .message_for("nir")
            .unwrap()
            .contains("sexe"));

        let input = PersonInput {
            duties_since: "1970-01-01".into(),
            ..magali()
        };
        assert!(PersonData::parse(&input, TODAY)
            .unwrap_err()
            .message_for("duties_since")
            .is_some());

        let input = PersonInput {
            duties_since: String::new(),
            ..magali()
        };
        assert!(PersonData::parse(&input, TODAY)
            .unwrap_err()
            .message_for("duties_since")
            .is_some());

        let input = PersonInput {
            commune_code: "1411".into(),
            ..magali()
        };
        assert!(PersonData::parse(&input, TODAY)
            .unwrap_err()
            .message_for("commune_code")
            .is_some());
    }

    #[test]
    fn a_person_outside_the_rsa_has_no_duties() {
        let outside = PersonInput {
            situation: "other_minimum_income".into(),
            subject_to_duties: false,
            duties_since: String::new(),
            ..magali()
        };
        let person = PersonData::parse(&outside, TODAY).unwrap();
        assert!(person.other_minimum_income && !person.subject_to_duties);
        let precarity = PersonInput {
            situation: "other_precarity".into(),
            other_minimum_income: true,
            ..outside.clone()
        };
        assert!(
            !PersonData::parse(&precarity, TODAY)
                .unwrap()
                .other_minimum_income
        );
        let with_duties = PersonInput {
            subject_to_duties: true,
            ..outside.clone()
        };
        let err = PersonData::parse(&with_duties, TODAY).unwrap_err();
        assert!(err
            .message_for("subject_to_duties")
            .unwrap()
            .contains("RSA"));
        let unknown = PersonInput {
            situation: "ass".into(),
            ..outside
        };
        assert!(PersonData::parse(&unknown, TODAY)
            .unwrap_err()
            .message_for("situation")
            .is_some());
        // Nothing chosen is the RSA, as before the choice existed.
        assert_eq!(RsaSituation::parse(" "), Ok(RsaSituation::Beneficiary));
        assert_eq!(
            RsaSituation::of_file(false, true),
            RsaSituation::OtherMinimumIncome
        );
        assert_eq!(RsaSituation::of_file(true, true), RsaSituation::Beneficiary);
        assert_eq!(
            RsaSituation::of_file(false, false),
            RsaSituation::OtherPrecarity
        );
    }

    #[test]
    fn validates_households() {
        let input = HouseholdInput {
            rsa_number: "1410012345a".into(),
            caf_number: "1234567".into(),
            fund: "caf".into(),
            rsa_state: "2".into(),
            rsa_state_on: "01/10/2026".into(),
        };
        let household = HouseholdData::parse(&input, TODAY).unwrap();
        assert_eq!(household.rsa_number, "1410012345A");
        assert_eq!(household.rsa_state, RsaState::OpenPaid);
        let bad = HouseholdInput {
            caf_number: "12345".into(),
            rsa_state: "9".into(),
            ..input
        };
        let err = HouseholdData::parse(&bad, TODAY).unwrap_err();
        assert!(err.message_for("caf_number").is_some() && err.message_for("rsa_state").is_some());
    }

    #[test]
    fn folds_accents_and_ligatures() {
        assert_eq!(fold("Éloïse Cœur-Æsir"), "eloise coeur-aesir");
        assert_eq!(
            name_tokens("D'Aubigné  Jean-Pierre"),
            vec!["d", "aubigne", "jean", "pierre"]
        );
    }

    #[test]
    fn commune_codes_and_ages() {
        assert!(is_commune_code("14118") && is_commune_code("2A004") && !is_commune_code("2C004"));
        assert_eq!(age_on(date!(2001 - 11 - 24), TODAY), 24);
        assert_eq!(age_on(date!(2001 - 11 - 23), TODAY), 25);
    }

    proptest! {
        #[test]
        fn dates_round_trip_in_both_formats(days in 0i64..60_000) {
            let date = date!(1900 - 01 - 01) + time::Duration::days(days);
            let iso = format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day());
            let french = format!("{:02}/{:02}/{:04}", date.day(), u8::from(date.month()), date.year());
            prop_assert_eq!(parse_date(&iso), Some(date));
            prop_assert_eq!(parse_date(&french), Some(date));
        }

        #[test]
        fn folding_is_idempotent_and_tokens_are_ascii(s in "\\PC{0,30}") {
            let folded = fold(&s);
            prop_assert_eq!(fold(&folded), folded.clone());
            for token in name_tokens(&s) {
                prop_assert!(token.chars().all(|c| c.is_ascii_alphanumeric()));
            }
        }
    }
}
