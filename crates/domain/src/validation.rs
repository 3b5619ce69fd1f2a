//! Validation errors that name the field and say, in French, what is wrong.

use serde::Serialize;

/// One problem with one input field. `field` is the form/API field name;
/// `message` is the French sentence shown next to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// Input rejected: one or more fields are wrong. Nothing was saved.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, thiserror::Error)]
#[error("données invalides : {}", .errors.iter().map(|e| format!("{} ({})", e.message, e.field)).collect::<Vec<_>>().join(", "))]
pub struct Invalid {
    pub errors: Vec<FieldError>,
}

impl Invalid {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let mut invalid = Self::new();
        invalid.add(field, message);
        invalid
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    /// Adds another validation's errors to these.
    pub fn merge(&mut self, other: Invalid) {
        self.errors.extend(other.errors);
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// `Ok(value)` when no error was collected, so validators read top-down.
    pub fn into_result<T>(self, value: T) -> Result<T, Invalid> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }

    pub fn message_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

/// The longest name (of a person, a structure, an account…).
pub const NAME_MAX: usize = 100;
/// The longest single-line text (a title, an e-mail, a label, a search).
pub const LINE_MAX: usize = 300;
/// The longest postal address (a few lines at most).
pub const ADDRESS_MAX: usize = 500;
/// The longest free text (notes, commitments, reasons, descriptions).
pub const TEXT_MAX: usize = 10_000;
/// The most elements in a list of codes or rows of one request (barriers,
/// publics, reception modes…).
pub const CODES_MAX: usize = 50;
/// The most objectives in a contract.
pub const OBJECTIVES_MAX: usize = 20;
/// The most rows of a sheet (attendance lines, marks).
pub const ROWS_MAX: usize = 500;
/// The most ids in a bulk action.
pub const IDS_MAX: usize = 1_000;

/// The 1-based position (in characters) of the first control character of
/// `value` that is not allowed: none at all in a single-line text; in a
/// multi-line text, line breaks and tabs are allowed. A NUL can never be
/// stored (PostgreSQL refuses it), the others hide what is written.
pub fn forbidden_control(value: &str, multiline: bool) -> Option<usize> {
    value
        .chars()
        .position(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')))
        .map(|i| i + 1)
}

/// `value` as it may be quoted in a message or a log: each control
/// character replaced by `�`, and cut after `max` characters (with `…`).
pub fn printable(value: &str, max: usize) -> String {
    let mut out: String = value
        .chars()
        .take(max)
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect();
    if value.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

/// The words of a search as typed: control characters read as spaces,
/// trimmed, cut after [`LINE_MAX`] characters — a search never fails on
/// its text.
pub fn search_words(raw: &str) -> String {
    let words: String = raw
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(LINE_MAX)
        .collect();
    words.trim().to_owned()
}

/// Checks a trimmed text against the rules shared by every text field:
/// no forbidden control character and at most `max` characters.
fn check_text(
    invalid: &mut Invalid,
    field: &str,
    label: &str,
    value: &str,
    max: usize,
    multiline: bool,
) {
    if let Some(position) = forbidden_control(value, multiline) {
        invalid.add(
            field,
            format!("Le champ « {label} » contient un caractère de contrôle interdit (position {position})."),
        );
    } else if value.chars().count() > max {
        invalid.add(
            field,
            format!("Le champ « {label} » ne doit pas dépasser {max} caractères."),
        );
    }
}

/// Trims and checks a required single-line text field with a maximum length.
pub fn required_text(
    invalid: &mut Invalid,
    field: &str,
    label: &str,
    value: &str,
    max: usize,
) -> String {
    let value = value.trim();
    if value.is_empty() {
        invalid.add(field, format!("Le champ « {label} » est obligatoire."));
    } else {
        check_text(invalid, field, label, value, max, false);
    }
    value.to_owned()
}

/// Trims and checks an optional single-line text field: `None` when empty.
pub fn optional_text(
    invalid: &mut Invalid,
    field: &str,
    label: &str,
    value: &str,
    max: usize,
) -> Option<String> {
    let value = value.trim();
    check_text(invalid, field, label, value, max, false);
    (!value.is_empty()).then(|| value.to_owned())
}

/// Trims and checks a free text (several lines allowed, possibly empty).
pub fn free_text(
    invalid: &mut Invalid,
    field: &str,
    label: &str,
    value: &str,
    max: usize,
) -> String {
    let value = value.trim();
    check_text(invalid, field, label, value, max, true);
    value.to_owned()
}

/// Checks the number of elements of a list sent in one request.
pub fn bounded_list(
    invalid: &mut Invalid,
    field: &str,
    label: &str,
    len: usize,
    max: usize,
) -> bool {
    if len > max {
        invalid.add(
            field,
            format!("Le champ « {label} » ne peut pas compter plus de {max} éléments."),
        );
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_control_character_is_refused_with_its_position() {
        let mut invalid = Invalid::new();
        required_text(&mut invalid, "last_name", "Nom", "Dup\u{0}ont", NAME_MAX);
        assert_eq!(
            invalid.message_for("last_name"),
            Some("Le champ « Nom » contient un caractère de contrôle interdit (position 4).")
        );
        let mut invalid = Invalid::new();
        assert_eq!(
            free_text(&mut invalid, "notes", "Notes", " a\nb\tc\r\n ", TEXT_MAX),
            "a\nb\tc"
        );
        assert!(invalid.is_empty());
        optional_text(&mut invalid, "address", "Adresse", "1 rue\nX", ADDRESS_MAX);
        free_text(&mut invalid, "notes", "Notes", "a\u{7f}", TEXT_MAX);
        assert_eq!(invalid.errors.len(), 2);
    }

    #[test]
    fn a_list_is_bounded() {
        let mut invalid = Invalid::new();
        assert!(bounded_list(
            &mut invalid,
            "ids",
            "Personnes",
            IDS_MAX,
            IDS_MAX
        ));
        assert!(!bounded_list(
            &mut invalid,
            "ids",
            "Personnes",
            IDS_MAX + 1,
            IDS_MAX
        ));
        assert_eq!(
            invalid.message_for("ids"),
            Some("Le champ « Personnes » ne peut pas compter plus de 1000 éléments.")
        );
    }

    proptest! {
        #[test]
        fn any_text_with_a_control_character_is_refused(
            before in "[a-zé ]{0,20}",
            control in prop_oneof![0u32..0x20, 0x7fu32..0xa0].prop_map(|c| char::from_u32(c).unwrap()),
            after in "[a-zé ]{0,20}",
        ) {
            let value = format!("x{before}{control}{after}x");
            let mut invalid = Invalid::new();
            required_text(&mut invalid, "f", "F", &value, LINE_MAX);
            optional_text(&mut invalid, "f", "F", &value, LINE_MAX);
            prop_assert_eq!(invalid.errors.len(), 2);
            let mut multi = Invalid::new();
            free_text(&mut multi, "f", "F", &value, TEXT_MAX);
            prop_assert_eq!(multi.is_empty(), matches!(control, '\n' | '\r' | '\t'));
        }

        #[test]
        fn a_text_is_accepted_up_to_its_limit(max in 1usize..400, extra in 0usize..3) {
            let value = "é".repeat(max + extra);
            let mut invalid = Invalid::new();
            optional_text(&mut invalid, "f", "F", &value, max);
            prop_assert_eq!(invalid.is_empty(), extra == 0);
            let mut invalid = Invalid::new();
            free_text(&mut invalid, "f", "F", &value, max);
            prop_assert_eq!(invalid.is_empty(), extra == 0);
        }
    }
}
