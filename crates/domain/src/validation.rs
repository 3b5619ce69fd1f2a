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

/// Trims and checks a required text field with a maximum length.
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
    } else if value.chars().count() > max {
        invalid.add(
            field,
            format!("Le champ « {label} » ne doit pas dépasser {max} caractères."),
        );
    }
    value.to_owned()
}
