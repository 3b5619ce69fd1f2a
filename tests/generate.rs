//! The scale dataset (`parcours generate`), small, on every backend: every
//! part of the pathway is there, dates hold together, places and queues
//! add up, clocks are what the store would compute, the same seed gives
//! the same data, and a second run adds to the first.

use parcours::generate::{dataset, Progress};
use parcours_store::{testing, Store, Tx};
use std::cell::Cell;
use time::Date;
use uuid::Uuid;

const PEOPLE: usize = 300;
const ACTIONS: usize = 30;

async fn scalar(store: &Store, sql: &str) -> i64 {
    match store.begin().await.unwrap() {
        Tx::Sqlite(mut tx) => sqlx::query_scalar(sql).fetch_one(&mut *tx).await,
        Tx::Postgres(mut tx) => sqlx::query_scalar(sql).fetch_one(&mut *tx).await,
    }
    .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn ids(store: &Store, sql: &str) -> Vec<Uuid> {
    match store.begin().await.unwrap() {
        Tx::Sqlite(mut tx) => sqlx::query_scalar(sql).fetch_all(&mut *tx).await,
        Tx::Postgres(mut tx) => sqlx::query_scalar(sql).fetch_all(&mut *tx).await,
    }
    .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

type ClockRow = (
    Uuid,
    String,
    Date,
    Date,
    Option<Date>,
    Option<Uuid>,
    Option<Uuid>,
);

async fn clocks(store: &Store) -> Vec<ClockRow> {
    let sql = "SELECT person_id, kind, started_on, due_on, met_on, organisation_id, territory_id
               FROM person_clocks ORDER BY person_id, kind";
    match store.begin().await.unwrap() {
        Tx::Sqlite(mut tx) => sqlx::query_as(sql).fetch_all(&mut *tx).await,
        Tx::Postgres(mut tx) => sqlx::query_as(sql).fetch_all(&mut *tx).await,
    }
    .unwrap()
}

/// Rows of each table the dataset fills.
const TABLES: &[&str] = &[
    "households",
    "persons",
    "person_name_tokens",
    "person_revisions",
    "person_clocks",
    "orientations",
    "referent_assignments",
    "pathway_reviews",
    "diagnostics",
    "contracts",
    "contract_objectives",
    "structures",
    "actions",
    "action_tags",
    "action_fundings",
    "action_sessions",
    "referrals",
    "attendances",
    "fse_entries",
];

async fn counts(store: &Store) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in TABLES {
        counts.push(scalar(store, &format!("SELECT COUNT(*) FROM {table}")).await);
    }
    counts
}

async fn generate(store: &Store, people: usize, actions: usize, seed: u64) {
    let last = Cell::new(None);
    dataset(store, people, actions, seed, |p| last.set(Some(p)))
        .await
        .unwrap();
    assert_eq!(last.get(), Some(Progress::People(people, people)));
}

/// Whether a row was generated (version 8 ids) rather than made by the demo.
fn generated(ids: Vec<Uuid>) -> Vec<Uuid> {
    ids.into_iter()
        .filter(|id| id.get_version_num() == 8)
        .collect()
}

#[tokio::test]
async fn the_dataset_covers_the_pathway_and_holds_together() {
    let today = parcours_domain::clock::today();
    for store in testing::all().await {
        generate(&store, PEOPLE, ACTIONS, 7).await;
        let backend = format!("{:?}", store.backend());
        for (table, count) in TABLES.iter().zip(counts(&store).await) {
            assert!(count > 0, "{backend}: {table} is empty");
        }
        // The people asked for, beneficiaries, and their households' children.
        let generated_people = generated(
            ids(
                &store,
                "SELECT id FROM persons WHERE household_role <> 'ENF'",
            )
            .await,
        )
        .len();
        assert_eq!(generated_people, PEOPLE, "{backend}");
        // Every kind of situation is there.
        for (what, sql) in [
            (
                "couples",
                "SELECT COUNT(*) FROM persons WHERE household_role = 'CJT'",
            ),
            (
                "children",
                "SELECT COUNT(*) FROM persons WHERE household_role = 'ENF' AND NOT subject_to_duties",
            ),
            (
                "declared education levels",
                "SELECT COUNT(*) FROM declared_situations WHERE education_level IS NOT NULL",
            ),
            (
                "closed files",
                "SELECT COUNT(*) FROM persons WHERE closed_on IS NOT NULL",
            ),
            (
                "pending orientations",
                "SELECT COUNT(*) FROM orientations WHERE status = 'pending'",
            ),
            (
                "re-orientations",
                "SELECT COUNT(*) FROM orientations WHERE reason IS NOT NULL AND status = 'validated'",
            ),
            (
                "changed référents",
                "SELECT COUNT(*) FROM referent_assignments WHERE ends_on IS NOT NULL",
            ),
            (
                "revised diagnostics",
                "SELECT COUNT(*) FROM diagnostics WHERE version = 2",
            ),
            ("CER", "SELECT COUNT(*) FROM contracts WHERE kind = 'cer'"),
            (
                "contrats d'engagement",
                "SELECT COUNT(*) FROM contracts WHERE kind = 'engagement'",
            ),
            (
                "contracts awaiting validation",
                "SELECT COUNT(*) FROM contracts WHERE status = 'awaiting_validation'",
            ),
            (
                "running contracts",
                "SELECT COUNT(*) FROM contracts WHERE status = 'running'",
            ),
            (
                "bilans",
                "SELECT COUNT(*) FROM contracts WHERE reviewed_on IS NOT NULL",
            ),
            (
                "renewals",
                "SELECT COUNT(*) FROM contracts WHERE previous_contract_id IS NOT NULL",
            ),
            (
                "objectives reviewed",
                "SELECT COUNT(*) FROM contract_objectives WHERE review_result IS NOT NULL",
            ),
            (
                "self-referrals",
                "SELECT COUNT(*) FROM referrals WHERE origin = 'self_referral'",
            ),
            (
                "positionings serving an objective",
                "SELECT COUNT(*) FROM referrals WHERE objective_id IS NOT NULL",
            ),
            (
                "appointments",
                "SELECT COUNT(*) FROM action_sessions WHERE referral_id IS NOT NULL",
            ),
        ] {
            assert!(scalar(&store, sql).await > 0, "{backend}: no {what}");
        }
        for status in [
            "sent", "waiting", "entered", "refused", "exited", "declined", "expired",
        ] {
            let sql = format!("SELECT COUNT(*) FROM referrals WHERE status = '{status}'");
            assert!(
                scalar(&store, &sql).await > 0,
                "{backend}: no positioning {status}"
            );
        }
        // Dates hold together, and places and queues add up.
        let day = format!("'{today}'");
        for (what, sql) in [
            (
                "born after entering the droits et devoirs",
                "SELECT COUNT(*) FROM persons WHERE birth_date >= duties_since".to_owned(),
            ),
            (
                "decided before the droits et devoirs",
                "SELECT COUNT(*) FROM orientations o JOIN persons p ON p.id = o.person_id
                 WHERE o.decided_on < p.duties_since"
                    .to_owned(),
            ),
            (
                "notified before decided",
                "SELECT COUNT(*) FROM orientations WHERE notified_on < decided_on".to_owned(),
            ),
            (
                "référent before the orientation's notification",
                "SELECT COUNT(*) FROM referent_assignments a JOIN orientations o ON o.id = a.orientation_id
                 WHERE a.starts_on < o.notified_on OR o.status <> 'validated' OR o.person_id <> a.person_id"
                    .to_owned(),
            ),
            (
                "two référents at once",
                "SELECT COUNT(*) FROM (SELECT person_id FROM referent_assignments WHERE ends_on IS NULL
                 GROUP BY person_id HAVING COUNT(*) > 1) twice"
                    .to_owned(),
            ),
            (
                "contracts signed before the designation",
                "SELECT COUNT(*) FROM contracts c JOIN referent_assignments a ON a.id = c.assignment_id
                 WHERE c.signed_on < a.starts_on OR a.person_id <> c.person_id"
                    .to_owned(),
            ),
            (
                "contracts ending before they start",
                "SELECT COUNT(*) FROM contracts WHERE ends_on <= starts_on OR validated_on < signed_on
                 OR reviewed_on < ended_on"
                    .to_owned(),
            ),
            (
                "clocks of closed files",
                "SELECT COUNT(*) FROM person_clocks k JOIN persons p ON p.id = k.person_id
                 WHERE p.closed_on IS NOT NULL"
                    .to_owned(),
            ),
            (
                "exits before entries",
                "SELECT COUNT(*) FROM referrals WHERE exited_on < entered_on".to_owned(),
            ),
            (
                "places taken other than the people in the action",
                "SELECT COUNT(*) FROM actions a WHERE a.places_taken <>
                 (SELECT COUNT(*) FROM referrals r WHERE r.action_id = a.id AND r.status = 'entered')"
                    .to_owned(),
            ),
            (
                "margin places taken other than the people in the action outside its publics",
                "SELECT COUNT(*) FROM actions a WHERE a.margin_taken <>
                 (SELECT COUNT(*) FROM referrals r WHERE r.action_id = a.id AND r.status = 'entered' AND r.uses_margin = TRUE)"
                    .to_owned(),
            ),
            (
                "places taken beyond the capacity",
                "SELECT COUNT(*) FROM actions WHERE capacity IS NOT NULL AND places_taken > capacity"
                    .to_owned(),
            ),
            (
                "queues on actions with a free place",
                "SELECT COUNT(*) FROM actions a WHERE EXISTS (SELECT 1 FROM referrals r
                   WHERE r.action_id = a.id AND r.status = 'waiting')
                 AND a.places_taken + (SELECT COUNT(*) FROM referrals r
                   WHERE r.action_id = a.id AND r.status = 'offered') < a.capacity"
                    .to_owned(),
            ),
            (
                "marks on sessions to come",
                format!(
                    "SELECT COUNT(*) FROM attendances t JOIN action_sessions s ON s.id = t.session_id
                     WHERE s.on_date >= {day}"
                ),
            ),
            (
                "marks of people not in the action that day",
                "SELECT COUNT(*) FROM attendances t JOIN action_sessions s ON s.id = t.session_id
                 JOIN referrals r ON r.id = t.referral_id
                 WHERE r.status NOT IN ('entered', 'exited') OR r.action_id <> s.action_id
                    OR r.entered_on > s.on_date OR r.exited_on < s.on_date OR s.cancelled
                    OR (s.referral_id IS NOT NULL AND s.referral_id <> r.id)"
                    .to_owned(),
            ),
            (
                "FSE+ data of people who never entered",
                "SELECT COUNT(*) FROM fse_entries f JOIN referrals r ON r.id = f.referral_id
                 WHERE r.status NOT IN ('entered', 'exited')"
                    .to_owned(),
            ),
        ] {
            assert_eq!(scalar(&store, &sql).await, 0, "{backend}: {what}");
        }
        // Clocks are exactly what the store computes from the rows.
        let written = clocks(&store).await;
        store.refresh_all_clocks().await.unwrap();
        assert_eq!(written, clocks(&store).await, "{backend}: clocks");
        // A second run adds to the first.
        generate(&store, 40, 10, 7).await;
        assert_eq!(
            generated(
                ids(
                    &store,
                    "SELECT id FROM persons WHERE household_role <> 'ENF'"
                )
                .await
            )
            .len(),
            PEOPLE + 40,
            "{backend}"
        );
    }
}

#[tokio::test]
async fn the_same_seed_gives_the_same_data() {
    let (a, b) = (
        testing::sqlite().await.unwrap(),
        testing::sqlite().await.unwrap(),
    );
    generate(&a, 120, 12, 11).await;
    generate(&b, 120, 12, 11).await;
    assert_eq!(counts(&a).await, counts(&b).await);
    for sql in [
        "SELECT id FROM persons ORDER BY id",
        "SELECT id FROM contracts ORDER BY id",
        "SELECT id FROM referrals ORDER BY status, id",
        "SELECT id FROM actions ORDER BY id",
    ] {
        let ids_a = generated(ids(&a, sql).await);
        assert!(!ids_a.is_empty(), "{sql}");
        assert_eq!(ids_a, generated(ids(&b, sql).await), "{sql}");
    }
}
