//! Backups taken while the store writes, restored into a fresh place, on
//! SQLite always and on PostgreSQL whenever PARCOURS_TEST_POSTGRES_URL is set.

use parcours_domain::audit::AuditAction;
use parcours_domain::organisation::OrganisationKind;
use parcours_domain::person::{HouseholdData, HouseholdInput, PersonData, PersonInput};
use parcours_store::backup::{latest_migration, restore_from, MANIFEST};
use parcours_store::person::HouseholdTarget;
use parcours_store::{testing, Actor, Backend, Store};
use sqlx::Connection;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use uuid::Uuid;

fn admin() -> Actor {
    Actor::system("tests")
}

fn scratch(name: &str) -> PathBuf {
    std::env::temp_dir()
        .join("parcours-tests")
        .join(format!("{name}-{}", Uuid::now_v7()))
}

/// A new person in a household of their own, and a read of their file
/// (on SQLite, in the reads' audit file).
async fn person_and_read(store: &Store, org: Uuid, n: usize) {
    let today = parcours_domain::clock::today();
    let household = HouseholdData::parse(
        &HouseholdInput {
            rsa_number: format!("B{n:07}"),
            caf_number: String::new(),
            fund: "caf".into(),
            rsa_state: "2".into(),
            rsa_state_on: "2024-02-15".into(),
        },
        today,
    )
    .unwrap();
    let data = PersonData::parse(
        &PersonInput {
            household_role: "DEM".into(),
            last_name: format!("Sauvegarde{n}"),
            first_names: "Alix".into(),
            birth_date: "1980-03-04".into(),
            sex: "F".into(),
            ..PersonInput::default()
        },
        today,
    )
    .unwrap();
    let person = store
        .create_person(&admin(), org, &HouseholdTarget::New(household), &data)
        .await
        .unwrap();
    store
        .audit(
            &admin(),
            AuditAction::Read,
            "person",
            Some(&person.id.to_string()),
            None,
        )
        .await
        .unwrap();
}

/// Persons, the main audit trail, and SQLite's reads' audit file. (On a
/// SQLite reader, a bare `audit_events` may name either file's table.)
async fn counts(store: &Store) -> (i64, i64, i64) {
    let (main, reads) = match store.backend() {
        Backend::Sqlite => (
            "main.audit_events",
            testing::row_count(store, "lectures.audit_events")
                .await
                .unwrap(),
        ),
        Backend::Postgres => ("audit_events", 0),
    };
    (
        testing::row_count(store, "persons").await.unwrap(),
        testing::row_count(store, main).await.unwrap(),
        reads,
    )
}

/// A place to restore into, its URL, and how to open it once restored.
struct Fresh {
    url: String,
    /// PostgreSQL: the database to drop at the end, from the server's.
    database: Option<(String, String)>,
}

async fn fresh_place(store: &Store) -> Fresh {
    match store.backend() {
        Backend::Sqlite => Fresh {
            url: format!("sqlite://{}/p.db", scratch("restored").display()),
            database: None,
        },
        Backend::Postgres => {
            let base = std::env::var(testing::POSTGRES_URL_VAR).unwrap();
            let name = format!("wt_backup_r_{}", Uuid::now_v7().simple());
            let mut conn = sqlx::PgConnection::connect(&base).await.unwrap();
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await
                .unwrap();
            conn.close().await.unwrap();
            let (head, _) = base.split_once('?').unwrap_or((&base, ""));
            let slash = head.rfind('/').unwrap();
            Fresh {
                url: format!("{}/{name}", &head[..slash]),
                database: Some((base.clone(), name)),
            }
        }
    }
}

async fn open_restored(fresh: &Fresh, schema: Option<&str>) -> Store {
    match schema {
        Some(schema) => Store::connect_postgres_schema(&fresh.url, schema)
            .await
            .unwrap(),
        None => Store::connect(&fresh.url).await.unwrap(),
    }
}

async fn drop_place(fresh: Fresh) {
    if let Some((base, name)) = fresh.database {
        let mut conn = sqlx::PgConnection::connect(&base).await.unwrap();
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_writes_restores_the_same_data() {
    for store in testing::all().await {
        let org = store
            .create_organisation(&admin(), "CCAS de Caen", OrganisationKind::Ccas, None)
            .await
            .unwrap()
            .id;
        for n in 0..10 {
            person_and_read(&store, org, n).await;
        }
        let before = counts(&store).await;

        // Writes go on while the backup is taken.
        let stop = Arc::new(AtomicBool::new(false));
        let writer = tokio::spawn({
            let (store, stop) = (store.clone(), stop.clone());
            async move {
                let mut n = 1000;
                while !stop.load(Ordering::Relaxed) {
                    person_and_read(&store, org, n).await;
                    n += 1;
                }
                n - 1000
            }
        });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let dir = scratch("backup");
        let manifest = store.backup_to(&dir).await.unwrap();
        stop.store(true, Ordering::Relaxed);
        let written = writer.await.unwrap();
        let after = counts(&store).await;
        assert!(written > 0, "writes ran during the backup");
        assert_eq!(manifest.schema_version, latest_migration(store.backend()));
        assert!(dir.join(MANIFEST).is_file());
        let schema = manifest.postgres_schema.clone();

        // Restored into a fresh place: a state between before and after,
        // each person with its creation's audit event and its read.
        let fresh = fresh_place(&store).await;
        restore_from(&fresh.url, &dir, false).await.unwrap();
        let restored = open_restored(&fresh, schema.as_deref()).await;
        let (persons, audits, reads) = counts(&restored).await;
        assert!(persons >= before.0 && persons <= after.0, "{persons}");
        assert!(audits >= before.1 && audits <= after.1, "{audits}");
        assert!(reads >= before.2 && reads <= after.2, "{reads}");
        assert_eq!(
            restored.schema_version().await.unwrap(),
            manifest.schema_version
        );
        restored.close().await;

        // A non-empty target is refused, in French, unless forced.
        let refused = restore_from(&fresh.url, &dir, false).await.unwrap_err();
        assert!(refused.to_string().contains("n'est pas vide"), "{refused}");
        assert!(refused.to_string().contains("--force"), "{refused}");

        // Once the writes are done, a backup restores exactly what is there,
        // the audit trail included, over the first restore (forced).
        let quiet = scratch("backup");
        store.backup_to(&quiet).await.unwrap();
        restore_from(&fresh.url, &quiet, true).await.unwrap();
        let restored = open_restored(&fresh, schema.as_deref()).await;
        assert_eq!(counts(&restored).await, after);
        restored.close().await;

        // A backup directory is never overwritten.
        let again = store.backup_to(&quiet).await.unwrap_err();
        assert!(again.to_string().contains("n'est pas vide"), "{again}");
        store.close().await;
        drop_place(fresh).await;
    }
}

#[tokio::test]
async fn a_backup_of_another_backend_or_without_manifest_is_refused() {
    let store = testing::sqlite().await.unwrap();
    let dir = scratch("backup");
    store.backup_to(&dir).await.unwrap();
    let target = format!("sqlite://{}/p.db", scratch("restored").display());

    let manifest_path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&manifest_path).unwrap();
    std::fs::write(&manifest_path, text.replace("\"sqlite\"", "\"postgresql\"")).unwrap();
    let err = restore_from(&target, &dir, false).await.unwrap_err();
    assert!(err.to_string().contains("base postgresql"), "{err}");

    let future = text.replace(
        &format!("\"schema_version\": {}", latest_migration(Backend::Sqlite)),
        "\"schema_version\": 99999",
    );
    std::fs::write(&manifest_path, future).unwrap();
    let err = restore_from(&target, &dir, false).await.unwrap_err();
    assert!(err.to_string().contains("plus récent"), "{err}");

    std::fs::remove_file(&manifest_path).unwrap();
    let err = restore_from(&target, &dir, false).await.unwrap_err();
    assert!(
        err.to_string().contains("n'est pas une sauvegarde"),
        "{err}"
    );
}

#[tokio::test]
async fn a_clean_stop_leaves_no_write_ahead_log() {
    let store = testing::sqlite().await.unwrap();
    let org = store
        .create_organisation(&admin(), "CCAS", OrganisationKind::Ccas, None)
        .await
        .unwrap()
        .id;
    person_and_read(&store, org, 1).await;
    let file = testing::sqlite_file(&store).unwrap();
    store.checkpoint_and_close().await.unwrap();
    for side in ["-wal", ".lectures-wal"] {
        let wal = PathBuf::from(format!("{}{side}", file.display()));
        let len = std::fs::metadata(&wal).map_or(0, |m| m.len());
        assert_eq!(len, 0, "{}", wal.display());
    }
}
