//! Fresh, migrated stores for tests: SQLite always, PostgreSQL when
//! `PARCOURS_TEST_POSTGRES_URL` is set (one throw-away schema per store).

use crate::sql::Sql;
use crate::{Result, Store};
use sqlx::Connection;

pub use crate::sql::Param;

pub const POSTGRES_URL_VAR: &str = "PARCOURS_TEST_POSTGRES_URL";

pub async fn sqlite() -> Result<Store> {
    let dir = std::env::temp_dir().join("parcours-tests");
    std::fs::create_dir_all(&dir).map_err(|e| crate::StoreError::Config(e.to_string()))?;
    let path = dir.join(format!("{}.db", uuid::Uuid::now_v7()));
    let store = Store::connect(&format!("sqlite://{}", path.display())).await?;
    store.migrate().await?;
    Ok(store)
}

/// `None` when the variable is unset; an error when it is set and the server
/// does not answer (a silently skipped backend would hide failures).
pub async fn postgres() -> Result<Option<Store>> {
    let Ok(url) = std::env::var(POSTGRES_URL_VAR) else {
        return Ok(None);
    };
    let schema = format!("t_{}", uuid::Uuid::now_v7().simple());
    let mut conn = sqlx::PgConnection::connect(&url).await?;
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    let store = Store::connect_postgres_schema(&url, &schema).await?;
    store.migrate().await?;
    Ok(Some(store))
}

/// Every backend available to this test run.
pub async fn all() -> Vec<Store> {
    let mut stores = vec![sqlite().await.expect("SQLite test store")];
    if let Some(pg) = postgres()
        .await
        .expect("PostgreSQL test store (PARCOURS_TEST_POSTGRES_URL is set)")
    {
        stores.push(pg);
    }
    stores
}

/// Makes every open web session look expired (to test session expiry).
pub async fn expire_all_sessions(store: &Store) -> Result<()> {
    let past = crate::now() - time::Duration::minutes(1);
    execute(
        store,
        "UPDATE sessions SET expires_at = $1",
        vec![past.into()],
    )
    .await?;
    store.cache.sessions.clear();
    Ok(())
}

/// Runs one statement with its parameters in a transaction of its own, on
/// either database: how a test sets what no use case writes (a day moved
/// back, a due time passed). Returns how many rows it changed.
pub async fn execute(store: &Store, statement: &str, params: Vec<Param>) -> Result<u64> {
    let sql = Sql {
        text: statement.to_owned(),
        params,
    };
    let mut tx = store.begin().await?;
    let done = on_tx!(&mut tx, conn => bind_all!(sqlx::query(&sql.text), sql)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
    tx.commit().await?;
    Ok(done)
}

/// Sets how many places of an action are taken (positioning fills them;
/// tests of the catalogue's "places available" filter need it directly).
pub async fn set_places_taken(store: &Store, action_id: uuid::Uuid, taken: i64) -> Result<()> {
    let sql = "UPDATE actions SET places_taken = $1 WHERE id = $2";
    execute(store, sql, vec![taken.into(), action_id.into()])
        .await
        .map(drop)
}

/// Overwrites an action's stored eligibility rules with `text` (to test
/// that a rule set which does not decode is an error, not "no rules").
pub async fn set_raw_eligibility(store: &Store, action_id: uuid::Uuid, text: &str) -> Result<()> {
    let sql = "UPDATE actions SET eligibility = $1 WHERE id = $2";
    execute(store, sql, vec![text.into(), action_id.into()])
        .await
        .map(drop)
}

/// `plan_cache_mode` as seen by `read!` and by `read_planned_once!`
/// (PostgreSQL only: `None` on SQLite, which has no such setting).
pub async fn plan_cache_modes(store: &Store) -> Result<Option<(String, String)>> {
    if store.backend() == crate::Backend::Sqlite {
        return Ok(None);
    }
    let show = "SELECT current_setting('plan_cache_mode')";
    let usual: String = read!(store, pool => sqlx::query_scalar(show).fetch_one(pool).await)?;
    let once: String =
        read_planned_once!(store, pool => sqlx::query_scalar(show).fetch_one(pool).await)?;
    Ok(Some((usual, once)))
}

/// Whether the planner has statistics about `table`, gathered by an ANALYZE
/// (PostgreSQL: run by hand, not by autovacuum; SQLite: `sqlite_stat1`).
pub async fn analyzed(store: &Store, table: &str) -> Result<bool> {
    let sql = match store.backend() {
        crate::Backend::Sqlite => "SELECT COUNT(*) > 0 FROM sqlite_stat1 WHERE tbl = $1",
        crate::Backend::Postgres => {
            "SELECT COUNT(*) > 0 FROM pg_stat_user_tables
             WHERE relname = $1 AND schemaname = current_schema() AND last_analyze IS NOT NULL"
        }
    };
    Ok(read!(store, pool => sqlx::query_scalar(sql).bind(table).fetch_one(pool).await)?)
}

/// The main database file of a SQLite store (`None` on PostgreSQL), to read
/// what it holds byte by byte.
pub fn sqlite_file(store: &Store) -> Option<std::path::PathBuf> {
    match &*store.db {
        crate::db::Db::Sqlite { writer, .. } => {
            Some(writer.connect_options().get_filename().to_path_buf())
        }
        crate::db::Db::Postgres { .. } => None,
    }
}

/// How many rows `table` holds (a name written by the test, e.g.
/// `persons` or SQLite's `lectures.audit_events`).
pub async fn row_count(store: &Store, table: &str) -> Result<i64> {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    Ok(read!(store, pool => sqlx::query_scalar(&sql).fetch_one(pool).await)?)
}

/// Moves the organisations of kind `from` to kind `to` (to test what an
/// import does when the département's service is missing).
pub async fn set_organisation_kind(store: &Store, from: &str, to: &str) -> Result<u64> {
    let sql = "UPDATE organisations SET kind = $1 WHERE kind = $2";
    execute(store, sql, vec![to.into(), from.into()]).await
}

/// (table, column) of every column, and (table, column, referenced table)
/// of every foreign key.
pub async fn schema(
    store: &Store,
) -> Result<(Vec<(String, String)>, Vec<(String, String, String)>)> {
    let mut tx = store.begin().await?;
    Ok(match &mut tx {
        crate::Tx::Sqlite(tx) => (
            sqlx::query_as(
                "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%'",
            )
            .fetch_all(&mut **tx)
            .await
            .map_err(crate::StoreError::from)?,
            sqlx::query_as(
                "SELECT m.name, f.\"from\", f.\"table\" FROM sqlite_master m, pragma_foreign_key_list(m.name) f
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%'",
            )
            .fetch_all(&mut **tx)
            .await
            .map_err(crate::StoreError::from)?,
        ),
        crate::Tx::Postgres(tx) => (
            sqlx::query_as(
                "SELECT table_name::text, column_name::text FROM information_schema.columns
                 WHERE table_schema = current_schema() AND table_name NOT LIKE '_sqlx%'",
            )
            .fetch_all(&mut **tx)
            .await
            .map_err(crate::StoreError::from)?,
            sqlx::query_as(
                "SELECT src.relname::text, a.attname::text, dst.relname::text
                 FROM pg_constraint c
                 JOIN pg_class src ON src.oid = c.conrelid
                 JOIN pg_class dst ON dst.oid = c.confrelid
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
                 WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace",
            )
            .fetch_all(&mut **tx)
            .await
            .map_err(crate::StoreError::from)?,
        ),
    })
}

/// The tables holding person data in `store`'s schema (see
/// [`person_data_tables`]): what the right of access exports and the
/// retention's purge considers, each checked by its own test.
pub async fn tables_holding_person_data(
    store: &Store,
) -> Result<std::collections::BTreeSet<String>> {
    let (columns, keys) = schema(store).await?;
    Ok(person_data_tables(&columns, &keys))
}

/// The tables holding person data: persons and households, every table
/// with a column naming a person, a household or a positioning, and every
/// table referencing one of those (to the end of the chain).
pub fn person_data_tables(
    columns: &[(String, String)],
    keys: &[(String, String, String)],
) -> std::collections::BTreeSet<String> {
    const PERSON_COLUMNS: &[&str] = &["person_id", "household_id", "referral_id"];
    let mut found: std::collections::BTreeSet<String> =
        ["persons", "households"].map(String::from).into();
    found.extend(
        columns
            .iter()
            .filter(|(_, column)| PERSON_COLUMNS.contains(&column.as_str()))
            .map(|(table, _)| table.clone()),
    );
    loop {
        let more: Vec<String> = keys
            .iter()
            .filter(|(table, _, target)| found.contains(target) && !found.contains(table))
            .map(|(table, _, _)| table.clone())
            .collect();
        if more.is_empty() {
            return found;
        }
        found.extend(more);
    }
}
