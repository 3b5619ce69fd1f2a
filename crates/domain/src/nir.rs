//! French social security number (NIR, "numéro de sécurité sociale").
//!
//! Layout (15 characters): sex/status (1), birth year (2), birth month (2),
//! département (2, digits or 2A/2B), commune (3), order number (3), key (2).

use serde::{Deserialize, Serialize};

/// A valid NIR: always 15 uppercase characters, key included.
///
/// Deserialization goes through [`Nir::parse`], so a stored value can never
/// break the invariant.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String")]
pub struct Nir(String);

impl Nir {
    /// Accepts 15 characters (key checked) or 13 characters (key computed, as
    /// some CAF files send). Spaces, dots and dashes are ignored; letters are
    /// case-insensitive (2a/2b). The error is a French sentence.
    pub fn parse(raw: &str) -> Result<Nir, String> {
        let chars: Vec<char> = raw
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '.' && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if chars.len() != 13 && chars.len() != 15 {
            return Err(format!(
                "Le NIR doit comporter 13 ou 15 caractères ({} reçus).",
                chars.len()
            ));
        }
        if let Some(c) = chars.iter().find(|c| !c.is_ascii_alphanumeric()) {
            return Err(format!(
                "Le NIR contient un caractère non autorisé : « {c} »."
            ));
        }
        if let Some((i, _)) = chars
            .iter()
            .enumerate()
            .find(|(i, c)| !(5..7).contains(i) && !c.is_ascii_digit())
        {
            return Err(format!(
                "Le NIR ne doit contenir que des chiffres, sauf 2A ou 2B pour le département \
                 (lettre en position {}).",
                i + 1
            ));
        }
        let s: String = chars.into_iter().collect();
        if !matches!(&s[0..1], "1" | "2" | "3" | "4" | "7" | "8") {
            return Err("Le premier chiffre du NIR doit être 1, 2, 3, 4, 7 ou 8.".to_owned());
        }
        let month: u8 = s[3..5].parse().expect("digits checked above");
        if !matches!(month, 1..=12 | 20..=42 | 50..=99) {
            return Err(format!(
                "Le mois de naissance du NIR n'est pas valide (« {} »).",
                &s[3..5]
            ));
        }
        let dept = &s[5..7];
        if !(dept == "2A" || dept == "2B" || dept.bytes().all(|b| b.is_ascii_digit())) {
            return Err(format!(
                "Le département du NIR n'est pas valide (« {dept} ») : deux chiffres, 2A ou 2B attendus."
            ));
        }
        let expected = key(&s[..13]).expect("body checked above");
        if s.len() == 15 {
            let given: u8 = s[13..].parse().expect("digits checked above");
            if given != expected {
                return Err(format!(
                    "La clé du NIR ne correspond pas (attendue : {expected:02})."
                ));
            }
            Ok(Nir(s))
        } else {
            Ok(Nir(format!("{s}{expected:02}")))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Masked for screens: sex digit, birth year and birth month stay
    /// visible, grouped as usual; département, commune, order number and key
    /// are replaced by '•'. Example: `"1 85 05 •• ••• ••• ••"`.
    pub fn masked(&self) -> String {
        let s = &self.0;
        format!("{} {} {} •• ••• ••• ••", &s[0..1], &s[1..3], &s[3..5])
    }

    /// Provisional numbers (NIA, foreign-born people awaiting registration)
    /// start with 7 or 8.
    pub fn is_provisional(&self) -> bool {
        matches!(self.sex_digit(), '7' | '8')
    }

    pub fn sex_digit(&self) -> char {
        self.0.as_bytes()[0] as char
    }
}

impl TryFrom<String> for Nir {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Nir::parse(&raw)
    }
}

/// Key of a 13-character NIR body: `97 - (n mod 97)`, where `n` is the body
/// read as a number after replacing 2A by 19 and 2B by 18 in the département
/// field (index 5..7). `None` if the body is not 13 digits (2A/2B allowed
/// only in the département field).
pub fn key(first13: &str) -> Option<u8> {
    if first13.len() != 13 || !first13.is_ascii() {
        return None;
    }
    let dept = match first13[5..7].to_ascii_uppercase().as_str() {
        "2A" => "19".to_owned(),
        "2B" => "18".to_owned(),
        other => other.to_owned(),
    };
    let digits = format!("{}{}{}", &first13[..5], dept, &first13[7..]);
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    Some((97 - n % 97) as u8)
}

/// A stored NIR as screens and the API show it by default (see
/// [`Nir::masked`]); a text that is no NIR is hidden whole.
pub fn mask(raw: &str) -> String {
    Nir::parse(raw).map_or_else(|_| "•".repeat(raw.chars().count()), |n| n.masked())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_valid_numbers() {
        // Keys checked independently: 97 - (n mod 97).
        let nir = Nir::parse("1 85 05 78 006 084 91").unwrap();
        assert_eq!(nir.as_str(), "185057800608491");
        assert_eq!(nir.sex_digit(), '1');
        assert!(!nir.is_provisional());
        assert_eq!(nir.masked(), "1 85 05 •• ••• ••• ••");
        assert_eq!(mask(nir.as_str()), nir.masked());
        assert_eq!(mask("12AB"), "••••");
        // Example commonly used in documentation.
        assert_eq!(key("2690549588157"), Some(80));
        assert!(Nir::parse("2-69-05-49-588-157.80").is_ok());
    }

    #[test]
    fn corsica() {
        // 2A reads as 19, 2B as 18: n = 1850519004123 and 2920618123045.
        assert_eq!(key("185052A004123"), Some(56));
        assert_eq!(key("185052A004123"), key("1850519004123"));
        assert_eq!(key("292062B123045"), Some(94));
        assert_eq!(key("292062B123045"), key("2920618123045"));
        let a = Nir::parse("1 85 05 2a 004 123 56").unwrap();
        assert_eq!(a.as_str(), "185052A00412356");
        let b = Nir::parse("292062B12304594").unwrap();
        assert_eq!(b.as_str(), "292062B12304594");
        assert!(Nir::parse("292062B12304518")
            .unwrap_err()
            .contains("attendue : 94"));
        assert_eq!(key("2A0000000000A"), None);
    }

    #[test]
    fn thirteen_chars_get_their_key() {
        let nir = Nir::parse("1850578006084").unwrap();
        assert_eq!(nir, Nir::parse("185057800608491").unwrap());
        assert_eq!(
            Nir::parse("292062b123045").unwrap().as_str(),
            "292062B12304594"
        );
    }

    #[test]
    fn provisional() {
        let nir = Nir::parse("7850599123456").unwrap();
        assert!(nir.is_provisional());
        assert_eq!(nir.sex_digit(), '7');
    }

    #[test]
    fn errors() {
        assert_eq!(
            Nir::parse("185057800608490").unwrap_err(),
            "La clé du NIR ne correspond pas (attendue : 91)."
        );
        assert!(Nir::parse("18505780060843")
            .unwrap_err()
            .contains("13 ou 15"));
        assert!(Nir::parse("").unwrap_err().contains("(0 reçus)"));
        assert!(Nir::parse("1850A7800608436")
            .unwrap_err()
            .contains("position 5"));
        assert!(Nir::parse("18505780060843A")
            .unwrap_err()
            .contains("position 15"));
        assert!(Nir::parse("1850578006084_6").unwrap_err().contains("« _ »"));
        assert!(Nir::parse("585057800608436")
            .unwrap_err()
            .contains("premier chiffre"));
        assert!(Nir::parse("1851378006084").unwrap_err().contains("mois"));
        assert!(Nir::parse("1854578006084").unwrap_err().contains("mois"));
        assert!(Nir::parse("1852078006084").is_ok()); // special month 20-42
        assert!(Nir::parse("1859978006084").is_ok()); // unknown month 50-99
        assert!(Nir::parse("185052C004123")
            .unwrap_err()
            .contains("département"));
        assert!(Nir::parse("18505A2004123")
            .unwrap_err()
            .contains("département"));
    }

    #[test]
    fn try_from_string_validates() {
        // Serde deserializes through this path (`#[serde(try_from = "String")]`).
        let nir = Nir::try_from("185057800608491".to_owned()).unwrap();
        assert_eq!(nir.as_str(), "185057800608491");
        assert!(Nir::try_from("185057800608490".to_owned()).is_err());
    }

    fn body() -> impl Strategy<Value = String> {
        (
            prop::sample::select(vec!['1', '2', '3', '4', '7', '8']),
            0u8..100,
            prop_oneof![1u8..=12, 20u8..=42, 50u8..=99],
            prop_oneof![
                (0u8..100).prop_map(|d| format!("{d:02}")),
                Just("2A".to_owned()),
                Just("2B".to_owned()),
            ],
            0u32..1_000_000,
        )
            .prop_map(|(s, y, m, d, rest)| format!("{s}{y:02}{m:02}{d}{rest:06}"))
    }

    proptest! {
        #[test]
        fn valid_bodies_round_trip(body in body(), other in 0u8..100) {
            let k = key(&body).unwrap();
            prop_assert!((1..=97).contains(&k));
            let nir = Nir::parse(&format!("{body}{k:02}")).unwrap();
            prop_assert_eq!(nir.as_str(), format!("{body}{k:02}"));
            prop_assert_eq!(&Nir::parse(nir.as_str()).unwrap(), &nir);
            prop_assert_eq!(&Nir::parse(&body).unwrap(), &nir);
            prop_assert_eq!(&Nir::parse(&body.to_lowercase()).unwrap(), &nir);
            if other != k {
                let wrong = format!("{body}{other:02}");
                prop_assert!(Nir::parse(&wrong).is_err());
            }
        }
    }
}
