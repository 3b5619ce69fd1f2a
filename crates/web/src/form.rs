//! Rows whose keys are built from a number or an id (contract objectives
//! `objectif{i}_…`, bilan `resultat{i}`, attendance `presence_<id>`,
//! diagnostic `gravite|…`): a struct cannot name them, so such a form is
//! also read as its ordered pairs ([`crate::extract::FormRows`]) and one
//! documented reader per form turns these into typed rows. Every other
//! field is a typed struct's.

/// A urlencoded body's (key, value) pairs, in order.
pub type Pairs = Vec<(String, String)>;

/// The first value of `key`, trimmed, or "".
pub fn value(pairs: &[(String, String)], key: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_default()
}

/// Every value of a repeated `key`, in order.
pub fn values(pairs: &[(String, String)], key: &str) -> Vec<String> {
    pairs
        .iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .collect()
}

/// A text field as the domain reads it: without surrounding blanks.
pub fn trim(value: String) -> String {
    match value.trim() {
        trimmed if trimmed.len() == value.len() => value,
        trimmed => trimmed.to_owned(),
    }
}

/// A checkbox: ticked when it sends a non-blank value.
pub fn checked(value: &str) -> bool {
    !value.trim().is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(body: &str) -> Pairs {
        serde_urlencoded::from_str(body).unwrap_or_default()
    }

    #[test]
    fn reads_repeated_and_missing_fields() {
        let form = pairs("ids=a&ids=b&version=3&note=+x+&objectif0_frein=+f+");
        assert_eq!(values(&form, "ids"), vec!["a", "b"]);
        assert_eq!(values(&form, "objectif0_frein"), vec![" f "]);
        assert_eq!(value(&form, "note"), "x");
        assert_eq!(value(&form, "absent"), "");
        assert!(values(&form, "absent").is_empty());
    }

    #[test]
    fn trims_text_and_reads_checkboxes() {
        assert_eq!(trim("  a b ".into()), "a b");
        assert_eq!(trim("ab".into()), "ab");
        assert!(checked("1"));
        assert!(!checked(" "));
    }
}
