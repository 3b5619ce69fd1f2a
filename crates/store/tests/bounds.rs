//! The last guard behind the domain's checks, on both backends: a text the
//! database cannot store (a NUL on PostgreSQL) is a validation error naming
//! what is wrong in French, never a database error (a 500).

use parcours_domain::audit::AuditAction;
use parcours_store::{testing, Actor, Backend, StoreError};

#[tokio::test]
async fn a_nul_the_database_refuses_is_a_validation_error() {
    for store in testing::all().await {
        let written = store
            .audit(
                &Actor::system("tests"),
                AuditAction::Read,
                "audit_log",
                None,
                Some("filtres : acteur=a\0b"),
            )
            .await;
        match (store.backend(), written) {
            (Backend::Sqlite, Ok(())) => {}
            (Backend::Postgres, Err(StoreError::Invalid(invalid))) => {
                assert!(
                    invalid
                        .message_for("texte")
                        .is_some_and(|m| m.contains("caractère nul")),
                    "{invalid:?}"
                );
            }
            (backend, other) => panic!("{backend:?}: {other:?}"),
        }
    }
}
