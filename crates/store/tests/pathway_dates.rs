//! Issue 17, rule 2 on both backends: a diagnostic revision carries the day
//! it was made, in order; and migration 0017 dates the rows recorded before
//! it from their instants, taken in Paris.

use parcours_domain::diagnostic::DiagnosticData;
use parcours_domain::person::{HouseholdData, HouseholdInput, PersonData, PersonInput};
use parcours_store::person::HouseholdTarget;
use parcours_store::{testing, Actor, Store, StoreError};
use time::macros::date;
use time::Date;
use uuid::Uuid;

fn actor() -> Actor {
    Actor::system("tests")
}

async fn person(store: &Store) -> Uuid {
    let today = date!(2026 - 03 - 02);
    let household = HouseholdData::parse(
        &HouseholdInput {
            rsa_number: "R0000001".into(),
            fund: "caf".into(),
            rsa_state: "2".into(),
            rsa_state_on: "2025-01-10".into(),
            ..Default::default()
        },
        today,
    )
    .unwrap();
    let data = PersonData::parse(
        &PersonInput {
            household_role: "DEM".into(),
            last_name: "Martin".into(),
            first_names: "Camille".into(),
            birth_date: "1980-04-02".into(),
            sex: "F".into(),
            ..Default::default()
        },
        today,
    )
    .unwrap();
    let organisation = store
        .create_organisation(
            &actor(),
            "CCAS de Caen",
            parcours_domain::organisation::OrganisationKind::Ccas,
            None,
        )
        .await
        .unwrap()
        .id;
    store
        .create_person(
            &actor(),
            organisation,
            &HouseholdTarget::New(household),
            &data,
        )
        .await
        .unwrap()
        .id
}

fn wishes(text: &str) -> DiagnosticData {
    DiagnosticData {
        wishes: text.into(),
        ..DiagnosticData::default()
    }
}

#[tokio::test]
async fn diagnostic_revisions_carry_their_day_in_order() {
    for store in testing::all().await {
        let id = person(&store).await;
        let feb = date!(2026 - 02 - 12);
        store
            .save_diagnostic(&actor(), id, 0, &wishes("Cuisine"), feb)
            .await
            .unwrap();
        match store
            .save_diagnostic(
                &actor(),
                id,
                1,
                &wishes("Espaces verts"),
                date!(2026 - 02 - 11),
            )
            .await
        {
            Err(StoreError::Invalid(e)) => assert!(
                e.message_for("revised_on").unwrap().contains("12/02/2026"),
                "{e:?}"
            ),
            other => panic!("{other:?}"),
        }
        store
            .save_diagnostic(&actor(), id, 1, &wishes("Espaces verts"), feb)
            .await
            .unwrap();
        let revisions = store.diagnostic_revisions(id).await.unwrap();
        let days: Vec<(i64, Date)> = revisions
            .iter()
            .map(|r| (r.version, r.revised_on))
            .collect();
        assert_eq!(days, vec![(2, feb), (1, feb)]);
    }
}

async fn raw(store: &Store, sql: &str) {
    let mut tx = store.begin().await.unwrap();
    match &mut tx {
        parcours_store::Tx::Sqlite(tx) => sqlx::query(sql).execute(&mut **tx).await.map(drop),
        parcours_store::Tx::Postgres(tx) => sqlx::query(sql).execute(&mut **tx).await.map(drop),
    }
    .unwrap_or_else(|e| panic!("{sql}: {e}"));
    tx.commit().await.unwrap();
}

/// The migration's own statements that fill the new dates.
fn backfill(store: &Store) -> Vec<String> {
    let text = if store.backend() == parcours_store::Backend::Postgres {
        include_str!("../migrations/postgres/0017_pathway_dates.sql")
    } else {
        include_str!("../migrations/sqlite/0017_pathway_dates.sql")
    };
    let statements: Vec<String> = text
        .split(';')
        .map(|s| {
            s.lines()
                .filter(|l| !l.trim_start().starts_with("--"))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .filter(|s| s.trim_start().starts_with("UPDATE"))
        .collect();
    assert!(statements.len() >= 3, "{statements:?}");
    statements
}

#[tokio::test]
async fn the_migration_dates_earlier_rows_in_paris() {
    for store in testing::all().await {
        let id = person(&store).await;
        store
            .save_diagnostic(&actor(), id, 0, &wishes("Cuisine"), date!(2026 - 12 - 01))
            .await
            .unwrap();
        // Recorded late on a summer evening in UTC: already the next day in Paris.
        raw(
            &store,
            "UPDATE diagnostics SET created_at = '2026-07-15T22:30:00.000000Z'",
        )
        .await;
        for statement in backfill(&store) {
            raw(&store, &statement).await;
        }
        let revision = &store.diagnostic_revisions(id).await.unwrap()[0];
        assert_eq!(revision.revised_on, date!(2026 - 07 - 16));
        // A winter evening: 22:30 UTC is 23:30 in Paris, the same day.
        raw(
            &store,
            "UPDATE diagnostics SET created_at = '2026-01-15T22:30:00.000000Z'",
        )
        .await;
        for statement in backfill(&store) {
            raw(&store, &statement).await;
        }
        let revision = &store.diagnostic_revisions(id).await.unwrap()[0];
        assert_eq!(revision.revised_on, date!(2026 - 01 - 15));
    }
}
