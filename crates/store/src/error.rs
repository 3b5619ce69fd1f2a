use parcours_domain::Invalid;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("élément introuvable")]
    NotFound,
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// Someone else changed the record since it was read (optimistic lock).
    #[error("l'élément a été modifié entre-temps par quelqu'un d'autre")]
    Stale,
    #[error("configuration : {0}")]
    Config(String),
    #[error("base de données : {0}")]
    Database(sqlx::Error),
    #[error("migration : {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("mot de passe : {0}")]
    Password(String),
    /// The database cannot be reached, opened or written (start-up checks,
    /// backups): the path or address and the cause, in French.
    #[error("{0}")]
    Unreachable(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        match err {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            // A last guard behind the domain's checks: PostgreSQL refuses a
            // NUL in a text (22021) and a text longer than its column (22001).
            sqlx::Error::Database(db) if db.code().as_deref() == Some("22021") => {
                StoreError::Invalid(Invalid::field(
                    "texte",
                    "Un texte envoyé contient un caractère interdit (caractère nul) : retirez-le.",
                ))
            }
            sqlx::Error::Database(db) if db.code().as_deref() == Some("22001") => {
                StoreError::Invalid(Invalid::field(
                    "texte",
                    "Un texte envoyé est trop long pour être enregistré : raccourcissez-le.",
                ))
            }
            other => StoreError::Database(other),
        }
    }
}

impl StoreError {
    /// The database did not answer (down, unreachable, pool exhausted).
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            StoreError::Database(sqlx::Error::PoolTimedOut | sqlx::Error::Io(_))
        )
    }

    /// Turns a unique-constraint violation into a message on `field`.
    pub(crate) fn unique_as(self, field: &str, message: &str) -> StoreError {
        match &self {
            StoreError::Database(sqlx::Error::Database(db)) if db.is_unique_violation() => {
                StoreError::Invalid(Invalid::field(field, message))
            }
            _ => self,
        }
    }

    /// Turns a foreign-key violation into a message on `field`.
    pub(crate) fn foreign_key_as(self, field: &str, message: &str) -> StoreError {
        match &self {
            StoreError::Database(sqlx::Error::Database(db)) if db.is_foreign_key_violation() => {
                StoreError::Invalid(Invalid::field(field, message))
            }
            _ => self,
        }
    }
}
