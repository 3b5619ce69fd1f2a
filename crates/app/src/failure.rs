//! Why a use case did not happen, in terms every adapter can render: the
//! web layer turns each into a French page or a JSON error with a status.

use parcours_domain::Invalid;
use parcours_store::StoreError;

#[derive(Debug)]
pub enum Failure {
    /// Nobody is signed in (or the token is unknown).
    Unauthenticated,
    /// The caller's role or scope does not allow it.
    Forbidden,
    NotFound,
    /// The input is wrong: one French message per field.
    Invalid(Invalid),
    /// Someone else changed the element since the caller read it.
    Stale,
    /// The request cannot be understood (malformed or too large), in French.
    BadRequest(String),
    /// The database does not answer for now.
    Unavailable,
    /// A fault of ours: logged, never shown.
    Internal(String),
}

/// In French, for the command line (the web renders each failure itself).
impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Unauthenticated => f.write_str("authentification requise"),
            Failure::Forbidden => f.write_str("droits insuffisants"),
            Failure::NotFound => f.write_str("élément introuvable"),
            Failure::Invalid(invalid) => {
                let messages: Vec<String> = invalid
                    .errors
                    .iter()
                    .map(|e| format!("{} : {}", e.field, e.message))
                    .collect();
                f.write_str(&messages.join(" ; "))
            }
            Failure::Stale => f.write_str("l'élément a été modifié entre-temps"),
            Failure::BadRequest(message) => f.write_str(message),
            Failure::Unavailable => f.write_str("base de données indisponible"),
            Failure::Internal(detail) => write!(f, "erreur interne : {detail}"),
        }
    }
}

impl std::error::Error for Failure {}

impl From<StoreError> for Failure {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => Failure::NotFound,
            StoreError::Invalid(invalid) => Failure::Invalid(invalid),
            StoreError::Stale => Failure::Stale,
            other if other.is_unavailable() => Failure::Unavailable,
            other => Failure::Internal(other.to_string()),
        }
    }
}

impl From<Invalid> for Failure {
    fn from(invalid: Invalid) -> Self {
        Failure::Invalid(invalid)
    }
}
