//! One conformance suite, run on SQLite always and on PostgreSQL whenever
//! PARCOURS_TEST_POSTGRES_URL is set.

use parcours_domain::account::AccountChange;
use parcours_domain::account::{NewUser, NewUserInput};
use parcours_domain::audit::AuditAction;
use parcours_domain::organisation::OrganisationKind;
use parcours_domain::Role;
use parcours_store::{testing, Actor, AuditFilter, Moment, Store, StoreError};
use time::Duration;
use uuid::Uuid;

fn admin() -> Actor {
    Actor::system("tests")
}

async fn organisation(store: &Store, name: &str) -> Uuid {
    store
        .create_organisation(&admin(), name, OrganisationKind::Ccas, None)
        .await
        .unwrap()
        .id
}

fn new_user(email: &str, organisation_id: Uuid, role: Role) -> NewUser {
    NewUser::parse(&NewUserInput {
        email: email.into(),
        display_name: "Camille Martin".into(),
        role: role.code().into(),
        organisation_id: organisation_id.to_string(),
        territory_id: String::new(),
        password: "un mot de passe solide".into(),
    })
    .unwrap()
}

fn change(org: Uuid, role: Role, disabled: bool) -> AccountChange {
    AccountChange {
        phone: None,
        display_name: "Camille Martin-Leroy".into(),
        role,
        organisation_id: org,
        territory_id: None,
        disabled,
    }
}

fn in_a_year() -> time::OffsetDateTime {
    parcours_store::now() + Duration::days(365)
}

async fn events(store: &Store, action: AuditAction) -> Vec<parcours_store::AuditEvent> {
    store
        .audit_events(&AuditFilter {
            action: Some(action),
            limit: 100,
            ..AuditFilter::default()
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn users_are_created_found_and_unique() {
    for store in testing::all().await {
        let org = organisation(&store, "CCAS de Caen").await;
        let user = store
            .create_account(
                &admin(),
                &new_user("camille@caen.fr", org, Role::Referent),
                "hash",
                false,
            )
            .await
            .unwrap();
        assert_eq!(user.organisation_name, "CCAS de Caen");
        assert_eq!(user.role, Role::Referent);
        let found = store
            .account_by_email(" Camille@Caen.fr ")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.id, user.id);
        assert_eq!(store.account(user.id).await.unwrap(), user);

        let again = store
            .create_account(
                &admin(),
                &new_user("camille@caen.fr", org, Role::Manager),
                "hash",
                false,
            )
            .await
            .unwrap_err();
        assert!(
            matches!(again, StoreError::Invalid(ref i) if i.message_for("email").is_some()),
            "{again:?}"
        );
        let unknown_org = store
            .create_account(
                &admin(),
                &new_user("x@caen.fr", Uuid::now_v7(), Role::Manager),
                "hash",
                false,
            )
            .await
            .unwrap_err();
        assert!(
            matches!(unknown_org, StoreError::Invalid(ref i) if i.message_for("organisation_id").is_some()),
            "{unknown_org:?}"
        );
        assert_eq!(
            store.accounts().await.unwrap().len(),
            1,
            "failed creations leave nothing behind"
        );
        // The failed creations were rolled back with their audit records.
        let user_creations = events(&store, AuditAction::Create).await;
        assert_eq!(
            user_creations
                .iter()
                .filter(|e| e.entity_type == "user")
                .count(),
            1
        );
    }
}

#[tokio::test]
async fn a_new_password_ends_the_sessions_and_says_whether_it_is_temporary() {
    for store in testing::all().await {
        let org = organisation(&store, "CCAS des sessions").await;
        let user = store
            .create_account(
                &admin(),
                &new_user("dominique@caen.fr", org, Role::Referent),
                "hash",
                true,
            )
            .await
            .unwrap();
        assert!(user.must_change_password, "set by an administrator");
        assert_eq!(user.session_generation, 0);

        let own = Actor::user(user.id, &user.email);
        assert_eq!(
            store
                .set_password(&own, user.id, "h2", false)
                .await
                .unwrap(),
            1
        );
        let changed = store.account(user.id).await.unwrap();
        assert!(!changed.must_change_password);
        assert_eq!(
            (changed.password_hash.as_str(), changed.session_generation),
            ("h2", 1)
        );

        store.end_sessions(&admin(), user.id).await.unwrap();
        assert_eq!(store.account(user.id).await.unwrap().session_generation, 2);
        assert_eq!(
            store
                .set_password(&admin(), user.id, "h3", true)
                .await
                .unwrap(),
            3
        );
        assert!(store.account(user.id).await.unwrap().must_change_password);

        let nobody = Uuid::now_v7();
        assert!(matches!(
            store.set_password(&admin(), nobody, "h", false).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store.end_sessions(&admin(), nobody).await,
            Err(StoreError::NotFound)
        ));
        let details: Vec<_> = events(&store, AuditAction::Update)
            .await
            .into_iter()
            .filter_map(|e| e.detail)
            .collect();
        assert!(
            details.iter().any(|d| d == "sessions fermées"),
            "{details:?}"
        );
    }
}

#[tokio::test]
async fn updates_detect_concurrent_changes() {
    for store in testing::all().await {
        let org = organisation(&store, "Département").await;
        let user = store
            .create_account(
                &admin(),
                &new_user("ref@dep.fr", org, Role::Referent),
                "hash",
                false,
            )
            .await
            .unwrap();
        let change = change(org, Role::Manager, true);
        let updated = store
            .update_account(&admin(), user.id, user.version, &change)
            .await
            .unwrap();
        assert_eq!(updated.role, Role::Manager);
        assert!(updated.disabled);
        assert_eq!(updated.version, user.version + 1);
        // A second admin working from the old version loses nothing silently.
        let stale = store
            .update_account(&admin(), user.id, user.version, &change)
            .await
            .unwrap_err();
        assert!(matches!(stale, StoreError::Stale));
        let missing = store
            .update_account(&admin(), Uuid::now_v7(), 1, &change)
            .await
            .unwrap_err();
        assert!(matches!(missing, StoreError::NotFound));
    }
}

#[tokio::test]
async fn an_admin_cannot_lock_themselves_out() {
    for store in testing::all().await {
        let org = organisation(&store, "Département").await;
        let me = store
            .create_account(
                &admin(),
                &new_user("admin@dep.fr", org, Role::Admin),
                "hash",
                false,
            )
            .await
            .unwrap();
        let err = store
            .update_account(
                &me.actor(),
                me.id,
                me.version,
                &change(org, Role::Referent, false),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)));
    }
}

#[tokio::test]
async fn repeated_login_failures_lock_the_account() {
    for store in testing::all().await {
        let org = organisation(&store, "Département").await;
        let mut user = store
            .create_account(
                &admin(),
                &new_user("ref@dep.fr", org, Role::Referent),
                "hash",
                false,
            )
            .await
            .unwrap();
        for _ in 0..parcours_domain::account::MAX_FAILED_LOGINS {
            assert!(!user.throttle().is_locked(parcours_store::now()));
            store
                .record_login_failure(&user.email, Some(&user))
                .await
                .unwrap();
            user = store.account(user.id).await.unwrap();
        }
        assert!(user.throttle().is_locked(parcours_store::now()));
        assert_eq!(events(&store, AuditAction::LoginFailed).await.len(), 5);
        store.record_login_success(&user).await.unwrap();
        let user = store.account(user.id).await.unwrap();
        assert!(!user.throttle().is_locked(parcours_store::now()));
    }
}

#[tokio::test]
async fn api_tokens_authenticate_until_revoked() {
    for store in testing::all().await {
        let org = organisation(&store, "Département").await;
        let user = store
            .create_account(
                &admin(),
                &new_user("api@dep.fr", org, Role::ProgrammeOfficer),
                "hash",
                false,
            )
            .await
            .unwrap();
        let (token, secret) = store
            .create_api_token(&admin(), user.id, "SI départemental", in_a_year())
            .await
            .unwrap();
        assert!(secret.starts_with("prc_"));
        assert_ne!(token.token_hash, secret, "only a hash is stored");
        assert_eq!(
            store.account_for_token(&secret).await.unwrap().unwrap().id,
            user.id
        );
        assert!(store
            .account_for_token("prc_wrong")
            .await
            .unwrap()
            .is_none());
        assert!(store.api_tokens(user.id).await.unwrap()[0]
            .last_used_at
            .is_some());

        store.revoke_api_token(&admin(), token.id).await.unwrap();
        assert!(store.account_for_token(&secret).await.unwrap().is_none());
        assert!(matches!(
            store.revoke_api_token(&admin(), token.id).await,
            Err(StoreError::NotFound)
        ));

        // An expired token no longer opens the API.
        let (expired, old_secret) = store
            .create_api_token(
                &admin(),
                user.id,
                "ancien",
                parcours_store::now() - Duration::seconds(1),
            )
            .await
            .unwrap();
        assert!(expired.expires_at.is_some());
        assert!(store
            .account_for_token(&old_secret)
            .await
            .unwrap()
            .is_none());

        // A disabled account's tokens stop working too.
        let (_, secret) = store
            .create_api_token(&admin(), user.id, "autre", in_a_year())
            .await
            .unwrap();
        let disable = change(org, Role::ProgrammeOfficer, true);
        store
            .update_account(&admin(), user.id, user.version, &disable)
            .await
            .unwrap();
        assert!(store.account_for_token(&secret).await.unwrap().is_none());
    }
}

#[tokio::test]
async fn sessions_expire_and_can_be_deleted() {
    for store in testing::all().await {
        let later = parcours_store::now() + Duration::hours(1);
        assert!(store.session_save("s1", "{}", later, false).await.unwrap());
        assert!(
            !store
                .session_save("s1", "{\"x\":1}", later, false)
                .await
                .unwrap(),
            "ids never collide"
        );
        assert!(store
            .session_save("s1", "{\"x\":2}", later, true)
            .await
            .unwrap());
        assert_eq!(
            store.session_load("s1").await.unwrap().as_deref(),
            Some("{\"x\":2}")
        );

        let past = parcours_store::now() - Duration::seconds(1);
        store.session_save("old", "{}", past, false).await.unwrap();
        assert_eq!(store.session_load("old").await.unwrap(), None);
        assert_eq!(store.session_delete_expired().await.unwrap(), 1);

        store.session_delete("s1").await.unwrap();
        assert_eq!(store.session_load("s1").await.unwrap(), None);
    }
}

#[tokio::test]
async fn the_audit_trail_is_filterable_and_append_only() {
    for store in testing::all().await {
        let actor = Actor::user(Uuid::now_v7(), "dpo@dep.fr");
        let person = Uuid::now_v7().to_string();
        store
            .audit(&actor, AuditAction::Read, "person", Some(&person), None)
            .await
            .unwrap();
        store
            .audit(
                &admin(),
                AuditAction::Update,
                "person",
                Some(&person),
                Some("adresse"),
            )
            .await
            .unwrap();

        let filter = |f: AuditFilter| AuditFilter { limit: 10, ..f };
        let by_actor = store
            .audit_events(&filter(AuditFilter {
                actor: Some("DPO@".into()),
                ..Default::default()
            }))
            .await
            .unwrap();
        assert_eq!(by_actor.len(), 1);
        assert_eq!(by_actor[0].action, "read");
        let by_entity = store
            .audit_events(&filter(AuditFilter {
                entity_type: Some("person".into()),
                entity_id: Some(person.clone()),
                ..Default::default()
            }))
            .await
            .unwrap();
        assert_eq!(by_entity.len(), 2);
        assert_eq!(by_entity[0].action, "update", "newest first");
        let future = store
            .audit_events(&filter(AuditFilter {
                from: Some(parcours_store::now() + Duration::minutes(1)),
                ..Default::default()
            }))
            .await
            .unwrap();
        assert!(future.is_empty());

        // A change's event, written in the change's transaction (on SQLite
        // in the main file, where the reads' events have a file of their own).
        organisation(&store, "CCAS de Caen").await;
        let mut refused = vec![
            "UPDATE audit_events SET actor_label = 'x'",
            "DELETE FROM audit_events",
        ];
        if let parcours_store::Tx::Sqlite(tx) = &mut store.begin().await.unwrap() {
            let count = |sql| sqlx::query_scalar::<_, i64>(sql);
            let main = count("SELECT COUNT(*) FROM main.audit_events")
                .fetch_one(&mut **tx)
                .await
                .unwrap();
            let reads = count("SELECT COUNT(*) FROM lectures.audit_events")
                .fetch_one(&mut **tx)
                .await
                .unwrap();
            assert_eq!(
                (main, reads),
                (1, 2),
                "events on their own leave the main file alone"
            );
            // migrations/sqlite_reads.sql repeats 0001's table: kept in step.
            let mut both = Vec::new();
            for schema in ["main", "lectures"] {
                let sql = format!(
                    "SELECT name, type, \"notnull\", pk FROM pragma_table_info('audit_events', '{schema}') ORDER BY cid"
                );
                let rows: Vec<(String, String, bool, i64)> =
                    sqlx::query_as(&sql).fetch_all(&mut **tx).await.unwrap();
                both.push(rows);
            }
            assert_eq!(both[0].len(), 8, "{:?}", both[0]);
            assert_eq!(
                both[0], both[1],
                "the reads' table has the main one's columns"
            );
        }
        if store.backend() == parcours_store::Backend::Sqlite {
            refused.extend([
                "UPDATE lectures.audit_events SET actor_label = 'x'",
                "DELETE FROM lectures.audit_events",
            ]);
        }
        for sql in refused {
            let mut tx = store.begin().await.unwrap();
            assert!(raw(&mut tx, sql).await.is_err(), "{sql} must be refused");
        }
        let all = store
            .audit_events(&filter(AuditFilter::default()))
            .await
            .unwrap();
        assert_eq!(all.len(), 3, "reads and changes, one trail");
        assert_eq!(all[0].entity_type, "organisation", "newest first");
    }
}

/// Events recorded at the same time by many requests are written together
/// (group commit), yet each request returns only once its own are stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_audit_events_are_all_committed_before_their_requests_return() {
    for store in testing::all().await {
        let mut requests = tokio::task::JoinSet::new();
        for n in 0..48 {
            let store = store.clone();
            requests.spawn(async move {
                let actor = Actor::user(Uuid::now_v7(), &format!("referent-{n}@dep.fr"));
                let people: Vec<(String, String)> = (0..3)
                    .map(|i| (format!("{n}-{i}"), "liste".to_owned()))
                    .collect();
                store
                    .audit_many(&actor, AuditAction::Read, "person", &people)
                    .await
                    .unwrap();
                store
                    .audit(
                        &actor,
                        AuditAction::Read,
                        "person",
                        Some(&format!("{n}-x")),
                        None,
                    )
                    .await
                    .unwrap();
                let mine = store
                    .audit_events(&AuditFilter {
                        actor: Some(format!("referent-{n}@")),
                        limit: 10,
                        ..Default::default()
                    })
                    .await
                    .unwrap();
                assert_eq!(mine.len(), 4, "request {n} sees its own events");
                assert_eq!(
                    mine[0].entity_id.as_deref(),
                    Some(format!("{n}-x").as_str())
                );
            });
        }
        while let Some(done) = requests.join_next().await {
            done.unwrap();
        }
        let all = store
            .audit_events(&AuditFilter {
                limit: 1000,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(all.len(), 48 * 4);
    }
}

/// Times compare as times on both databases, even a whole second against
/// its fractions: a day's last events are not taken into the next day, and
/// close events keep their order.
#[tokio::test]
async fn the_audit_trail_orders_and_bounds_close_times() {
    let midnight = time::macros::datetime!(2026-01-01 00:00 UTC);
    let offsets_ms = [-1_000, 0, 120, 123, 500];
    for store in testing::all().await {
        let entity = Uuid::now_v7().to_string();
        let mut tx = store.begin().await.unwrap();
        for ms in offsets_ms {
            let at = Moment(midnight + Duration::milliseconds(ms));
            let insert =
                "INSERT INTO audit_events (id, at, actor_label, action, entity_type, entity_id)
                          VALUES ($1, $2, 'tests', 'read', 'person', $3)";
            match &mut tx {
                parcours_store::Tx::Sqlite(tx) => {
                    let query = sqlx::query(insert).bind(Uuid::now_v7()).bind(at);
                    query.bind(&entity).execute(&mut **tx).await.unwrap();
                }
                parcours_store::Tx::Postgres(tx) => {
                    let query = sqlx::query(insert).bind(Uuid::now_v7()).bind(at);
                    query.bind(&entity).execute(&mut **tx).await.unwrap();
                }
            }
        }
        tx.commit().await.unwrap();
        let events = |from, to| {
            let filter = AuditFilter {
                entity_id: Some(entity.clone()),
                from,
                to,
                limit: 10,
                ..Default::default()
            };
            let store = store.clone();
            async move {
                let events = store.audit_events(&filter).await.unwrap();
                let ms = |e: &parcours_store::AuditEvent| (e.at - midnight).whole_milliseconds();
                events.iter().map(ms).collect::<Vec<_>>()
            }
        };
        assert_eq!(events(None, None).await, [500, 123, 120, 0, -1_000]);
        assert_eq!(
            events(None, Some(midnight)).await,
            [-1_000],
            "before midnight"
        );
        assert_eq!(events(Some(midnight), None).await, [500, 123, 120, 0]);
    }
}

/// On PostgreSQL, the reads whose plan does not depend on their values
/// (`read_planned_once!`) run on connections that plan each statement once;
/// the others keep PostgreSQL's default, which plans for the values given.
#[tokio::test]
async fn reads_planned_once_use_generic_plans_on_postgres() {
    for store in testing::all().await {
        let modes = testing::plan_cache_modes(&store).await.unwrap();
        match store.backend() {
            parcours_store::Backend::Sqlite => assert_eq!(modes, None),
            parcours_store::Backend::Postgres => assert_eq!(
                modes,
                Some(("auto".to_owned(), "force_generic_plan".to_owned()))
            ),
        }
    }
}

async fn raw(tx: &mut parcours_store::Tx, sql: &str) -> Result<(), sqlx::Error> {
    match tx {
        parcours_store::Tx::Sqlite(tx) => sqlx::query(sql).execute(&mut **tx).await.map(drop),
        parcours_store::Tx::Postgres(tx) => sqlx::query(sql).execute(&mut **tx).await.map(drop),
    }
}

/// Statistics are gathered on both databases; SQLite keeps the row counts
/// and none of the value samples that would make it plan every statement
/// again at each run.
#[tokio::test]
async fn statistics_keep_counts_without_value_samples() {
    for store in testing::all().await {
        for n in 0..3 {
            organisation(&store, &format!("CCAS {n}")).await;
        }
        store.analyze().await.unwrap();
        let mut tx = store.begin().await.unwrap();
        if let parcours_store::Tx::Sqlite(tx) = &mut tx {
            let count = |sql| sqlx::query_scalar::<_, i64>(sql);
            let counts = count("SELECT COUNT(*) FROM sqlite_stat1")
                .fetch_one(&mut **tx)
                .await
                .unwrap();
            assert!(counts > 0, "row counts gathered");
            let samples = count("SELECT COUNT(*) FROM sqlite_stat4")
                .fetch_one(&mut **tx)
                .await
                .unwrap();
            assert_eq!(samples, 0, "no value samples left");
        }
    }
}

/// Both migration folders must describe the same tables, columns and indexes.
#[tokio::test]
async fn sqlite_and_postgres_schemas_stay_in_step() {
    let Some(pg) = testing::postgres().await.unwrap() else {
        eprintln!("PARCOURS_TEST_POSTGRES_URL unset: schema comparison needs PostgreSQL");
        return;
    };
    let sqlite = testing::sqlite().await.unwrap();
    let sqlite_columns = schema_columns(&sqlite).await;
    let pg_columns = schema_columns(&pg).await;
    assert!(
        sqlite_columns.len() > 20,
        "schema read back: {sqlite_columns:?}"
    );
    assert_eq!(sqlite_columns, pg_columns);
    let sqlite_indexes = schema_indexes(&sqlite).await;
    assert!(
        sqlite_indexes.contains(&"persons_listing".to_owned()),
        "indexes read back: {sqlite_indexes:?}"
    );
    assert_eq!(sqlite_indexes, schema_indexes(&pg).await);
}

/// The indexes the migrations name (not those made for keys and unique columns).
async fn schema_indexes(store: &Store) -> Vec<String> {
    let mut tx = store.begin().await.unwrap();
    let mut names: Vec<String> = match &mut tx {
        parcours_store::Tx::Sqlite(tx) => sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex%'",
        )
        .fetch_all(&mut **tx)
        .await
        .unwrap(),
        parcours_store::Tx::Postgres(tx) => sqlx::query_scalar(
            "SELECT indexname::text FROM pg_indexes WHERE schemaname = current_schema()
             AND indexname NOT LIKE '%\\_pkey' AND indexname NOT LIKE '%\\_key'",
        )
        .fetch_all(&mut **tx)
        .await
        .unwrap(),
    };
    names.sort();
    names
}

async fn schema_columns(store: &Store) -> Vec<(String, String, bool)> {
    let mut tx = store.begin().await.unwrap();
    let mut rows: Vec<(String, String, bool)> = match &mut tx {
        parcours_store::Tx::Sqlite(tx) => sqlx::query_as(
            "SELECT m.name, p.name, p.\"notnull\" FROM sqlite_master m, pragma_table_info(m.name) p
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%'",
        )
        .fetch_all(&mut **tx)
        .await
        .unwrap(),
        parcours_store::Tx::Postgres(tx) => sqlx::query_as(
            "SELECT table_name::text, column_name::text, is_nullable = 'NO' FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name NOT LIKE '_sqlx%'",
        )
        .fetch_all(&mut **tx)
        .await
        .unwrap(),
    };
    rows.sort();
    rows
}

/// Each coded column and the domain's codes it must accept: the schema's
/// constraint (PostgreSQL) or triggers (SQLite) list exactly these.
fn coded_columns() -> Vec<(&'static str, &'static str, Vec<&'static str>)> {
    use parcours_domain::{
        catalogue, contract, deadline, follow_up, fse, meeting, notification, oarsa, oidc,
        orientation, outbox, person, referral,
    };
    fn all<T: Copy>(values: &[T], code: impl Fn(T) -> &'static str) -> Vec<&'static str> {
        values.iter().map(|v| code(*v)).collect()
    }
    vec![
        (
            "organisations",
            "kind",
            all(&OrganisationKind::ALL, OrganisationKind::code),
        ),
        (
            "organisations",
            "oarsa_category",
            all(
                oarsa::OrganisationCategory::ALL,
                oarsa::OrganisationCategory::code,
            ),
        ),
        ("users", "role", all(&Role::ALL, Role::code)),
        (
            "households",
            "fund",
            all(person::Fund::ALL, person::Fund::code),
        ),
        (
            "persons",
            "household_role",
            all(person::HouseholdRole::ALL, person::HouseholdRole::code),
        ),
        ("persons", "sex", all(person::Sex::ALL, person::Sex::code)),
        (
            "persons",
            "closure_reason",
            all(person::ClosureReason::ALL, person::ClosureReason::code),
        ),
        (
            "orientations",
            "kind",
            all(
                &deadline::OrientationKind::ALL,
                deadline::OrientationKind::code,
            ),
        ),
        (
            "orientations",
            "status",
            all(
                orientation::OrientationStatus::ALL,
                orientation::OrientationStatus::code,
            ),
        ),
        (
            "person_clocks",
            "kind",
            all(&deadline::ClockKind::ALL, deadline::ClockKind::code),
        ),
        (
            "contracts",
            "kind",
            all(contract::ContractKind::ALL, contract::ContractKind::code),
        ),
        (
            "contracts",
            "status",
            all(
                contract::ContractStatus::ALL,
                contract::ContractStatus::code,
            ),
        ),
        (
            "contracts",
            "hours_reason",
            all(contract::HoursReason::ALL, contract::HoursReason::code),
        ),
        (
            "contract_objectives",
            "review_result",
            all(contract::ReviewResult::ALL, contract::ReviewResult::code),
        ),
        (
            "actions",
            "service_type",
            all(catalogue::ServiceType::ALL, catalogue::ServiceType::code),
        ),
        (
            "actions",
            "format",
            all(catalogue::ActionFormat::ALL, catalogue::ActionFormat::code),
        ),
        (
            "actions",
            "capacity_period",
            all(
                catalogue::CapacityPeriod::ALL,
                catalogue::CapacityPeriod::code,
            ),
        ),
        (
            "actions",
            "status",
            all(catalogue::ActionStatus::ALL, catalogue::ActionStatus::code),
        ),
        (
            "action_fundings",
            "kind",
            all(catalogue::FundingKind::ALL, catalogue::FundingKind::code),
        ),
        (
            "referrals",
            "status",
            all(
                referral::ReferralStatus::ALL,
                referral::ReferralStatus::code,
            ),
        ),
        (
            "referrals",
            "refusal_reason",
            all(referral::RefusalReason::ALL, referral::RefusalReason::code),
        ),
        (
            "referrals",
            "exit_reason",
            all(referral::ExitReason::ALL, referral::ExitReason::code),
        ),
        (
            "referrals",
            "exit_situation",
            all(referral::Situation::ALL, referral::Situation::code),
        ),
        (
            "referrals",
            "situation_4_weeks",
            all(referral::Situation::ALL, referral::Situation::code),
        ),
        (
            "attendances",
            "status",
            all(referral::Attendance::ALL, referral::Attendance::code),
        ),
        (
            "fse_entries",
            "employment_status",
            all(fse::EmploymentStatus::ALL, fse::EmploymentStatus::code),
        ),
        (
            "fse_entries",
            "education_level",
            all(fse::EducationLevel::ALL, fse::EducationLevel::code),
        ),
        (
            "follow_up_log",
            "kind",
            all(follow_up::LogKind::ALL, follow_up::LogKind::code),
        ),
        (
            "meetings",
            "kind",
            all(meeting::MeetingKind::ALL, meeting::MeetingKind::code),
        ),
        (
            "meetings",
            "modality",
            all(meeting::Modality::ALL, meeting::Modality::code),
        ),
        (
            "meetings",
            "outcome",
            all(meeting::MeetingOutcome::ALL, meeting::MeetingOutcome::code),
        ),
        (
            "outbox",
            "channel",
            all(outbox::Channel::ALL, outbox::Channel::code),
        ),
        (
            "outbox",
            "purpose",
            all(outbox::Purpose::ALL, outbox::Purpose::code),
        ),
        (
            "outbox",
            "state",
            all(outbox::DeliveryState::ALL, outbox::DeliveryState::code),
        ),
        (
            "join_requests",
            "state",
            all(oidc::JoinRequestState::ALL, oidc::JoinRequestState::code),
        ),
        (
            "notifications",
            "kind",
            all(
                notification::NotificationKind::ALL,
                notification::NotificationKind::code,
            ),
        ),
        (
            "notification_email_choices",
            "kind",
            all(
                notification::NotificationKind::ALL,
                notification::NotificationKind::code,
            ),
        ),
    ]
}

/// The quoted literals of a constraint's or trigger's text, sorted.
fn literals(sql: &str) -> Vec<String> {
    let mut found: Vec<String> = sql
        .split('\'')
        .skip(1)
        .step_by(2)
        .filter(|l| !l.starts_with("CHECK constraint failed"))
        .map(str::to_owned)
        .collect();
    found.sort();
    found.dedup();
    found
}

#[tokio::test]
async fn coded_columns_accept_exactly_the_domains_codes() {
    for store in testing::all().await {
        let mut tx = store.begin().await.unwrap();
        for (table, column, codes) in coded_columns() {
            let name = format!("{table}_{column}_code");
            let definitions: Vec<String> = match &mut tx {
                parcours_store::Tx::Sqlite(tx) => sqlx::query_scalar(
                    "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name IN ($1, $2)",
                )
                .bind(format!("{name}_insert"))
                .bind(format!("{name}_update"))
                .fetch_all(&mut **tx)
                .await
                .unwrap(),
                parcours_store::Tx::Postgres(tx) => sqlx::query_scalar(
                    "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = $1",
                )
                .bind(&name)
                .fetch_all(&mut **tx)
                .await
                .unwrap(),
            };
            assert!(!definitions.is_empty(), "no constraint {name}");
            let mut expected: Vec<String> = codes.iter().map(|c| c.to_string()).collect();
            expected.sort();
            for definition in definitions {
                assert_eq!(literals(&definition), expected, "{name}: {definition}");
            }
        }
    }
}

#[tokio::test]
async fn a_code_the_domain_does_not_know_is_refused() {
    for store in testing::all().await {
        let org = organisation(&store, "CCAS des codes").await;
        let user = store
            .create_account(
                &admin(),
                &new_user("codes@example.fr", org, Role::Referent),
                "h",
                false,
            )
            .await
            .unwrap();
        let mut tx = store.begin().await.unwrap();
        let refused = match &mut tx {
            parcours_store::Tx::Sqlite(tx) => {
                sqlx::query("UPDATE users SET role = 'pirate' WHERE id = $1")
                    .bind(user.id)
                    .execute(&mut **tx)
                    .await
                    .map(drop)
            }
            parcours_store::Tx::Postgres(tx) => {
                sqlx::query("UPDATE users SET role = 'pirate' WHERE id = $1")
                    .bind(user.id)
                    .execute(&mut **tx)
                    .await
                    .map(drop)
            }
        };
        let err = refused.expect_err("an unknown role is refused");
        assert!(err.to_string().contains("users_role_code"), "{err}");
    }
}
