//! Forms with repeated or numbered fields (checkboxes, objective rows),
//! read as ordered pairs: `serde` structs cannot express them.

pub type Pairs = Vec<(String, String)>;

/// The pairs of a urlencoded body; an undecodable body is an empty form.
pub fn pairs(body: &str) -> Pairs {
    serde_urlencoded::from_str(body).unwrap_or_default()
}

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

/// The `version` a form was read at (0 when missing or malformed).
pub fn version(pairs: &[(String, String)]) -> i64 {
    value(pairs, "version").parse().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_repeated_and_missing_fields() {
        let form = pairs("ids=a&ids=b&version=3&note=+x+&bad=%ZZ");
        assert_eq!(values(&form, "ids"), vec!["a", "b"]);
        assert_eq!(value(&form, "note"), "x");
        assert_eq!(value(&form, "absent"), "");
        assert_eq!(version(&form), 3);
        assert_eq!(version(&pairs("version=trois")), 0);
    }
}
