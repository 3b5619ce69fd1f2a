use crate::{Result, StoreError};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};
use std::str::FromStr;
use std::time::Duration;
use time::OffsetDateTime;

/// Runs `$body` against the read pool of whichever backend the store uses.
macro_rules! read {
    ($store:expr, $pool:ident => $body:expr) => {
        match &*$store.db {
            $crate::db::Db::Sqlite { reader: $pool, .. } => $body,
            $crate::db::Db::Postgres { pool: $pool, .. } => $body,
        }
    };
}

/// Like [`read!`], for a statement whose best plan is the same whatever its
/// parameters' values (lookups by id, a référent's caseload, a structure's
/// dashboard). On PostgreSQL it runs on a connection that plans each
/// statement once: by default PostgreSQL plans a prepared statement again
/// at each run while it judges the generic plan costlier, and for these
/// that planning cost a third of the run (docs/PERFORMANCE.md). Never for a
/// search by words: its plan depends on how many rows the words match.
macro_rules! read_planned_once {
    ($store:expr, $pool:ident => $body:expr) => {
        match &*$store.db {
            $crate::db::Db::Sqlite { reader: $pool, .. } => $body,
            $crate::db::Db::Postgres {
                planned_once: $pool,
                ..
            } => $body,
        }
    };
}

/// Runs `$body` against the connection of an open transaction.
macro_rules! on_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match $tx {
            $crate::db::Tx::Sqlite(tx) => {
                let $conn = &mut **tx;
                $body
            }
            $crate::db::Tx::Postgres(tx) => {
                let $conn = &mut **tx;
                $body
            }
        }
    };
}

pub(crate) enum Db {
    /// SQLite allows one writer at a time: writes go through a one-connection
    /// pool so they queue in the application instead of failing with BUSY.
    Sqlite {
        reader: SqlitePool,
        writer: SqlitePool,
    },
    /// `planned_once`: connections with `plan_cache_mode =
    /// force_generic_plan`, for [`read_planned_once!`].
    /// `url`: what the pools were made from, for `pg_dump` and `pg_restore`
    /// (backup.rs), which get its password by their environment.
    Postgres {
        pool: PgPool,
        planned_once: PgPool,
        url: String,
    },
}

/// Connections per PostgreSQL pool: two per core. Each connection is a
/// server process; with more of them than the cores can run, requests wait
/// in the kernel's run queue rather than the pool's, unfairly: at 32 users on
/// 2 cores, 16 connections per pool gave attendance recording a p99 of
/// 61–69 ms and the dashboard 42–61 ms, 4 gave 22–28 and 34–44 ms
/// (docs/PERFORMANCE.md, sixth round).
pub fn default_postgres_connections() -> u32 {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get()) as u32;
    (2 * cores).clamp(4, 16)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Analyzes every table of the main file whose statistics are missing or
/// out of date (row counts changed much since), the others left as they are.
const SQLITE_OPTIMIZE: &str = "PRAGMA main.optimize=0x10002";

/// Gathers the main file's statistics with `analyze` (ANALYZE or PRAGMA
/// optimize; the reads' audit file is only ever read in date order, by its index),
/// keeping the per-index row counts (`sqlite_stat1`) and dropping the value
/// samples (`sqlite_stat4`, which the bundled SQLite also gathers). With
/// samples, a statement whose parameter meets a sampled column is planned
/// anew at every run, since the value might change the plan: without them
/// the server's CPU per request fell by 6–40 % on the main screens
/// (docs/PERFORMANCE.md). The plans only need the counts.
async fn sqlite_statistics(writer: &SqlitePool, analyze: &str) -> Result<()> {
    let mut conn = writer.acquire().await?;
    sqlx::query(analyze).execute(&mut *conn).await?;
    let sampled: Option<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_schema WHERE name = 'sqlite_stat4'")
            .fetch_optional(&mut *conn)
            .await?;
    if sampled.is_some() {
        // Then reload what the planner knows (ANALYZE of the schema table
        // itself reads the statistics again, gathering nothing).
        sqlx::query("DELETE FROM sqlite_stat4; ANALYZE sqlite_schema")
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The SQLite file of the audit events recorded on their own, outside any
/// change (reads, mostly), beside the database's own (`parcours.db` → `parcours.db.lectures`):
/// `migrations/sqlite_reads.sql` says why.
pub(crate) fn reads_file(options: &SqliteConnectOptions) -> String {
    format!("{}.lectures", options.get_filename().display())
}

/// Attaches the reads' audit file as `lectures` (read-only on a read-only
/// connection, like the main file).
pub(crate) async fn attach_reads(
    conn: &mut sqlx::SqliteConnection,
    file: &str,
) -> sqlx::Result<()> {
    sqlx::query("ATTACH DATABASE $1 AS lectures")
        .bind(file)
        .execute(conn)
        .await
        .map(drop)
}

/// Attaches the reads' audit file, creating it and its table if need be.
async fn create_reads(conn: &mut sqlx::SqliteConnection, file: &str) -> sqlx::Result<()> {
    attach_reads(&mut *conn, file).await?;
    sqlx::query(include_str!("../migrations/sqlite_reads.sql"))
        .execute(conn)
        .await
        .map(drop)
}

/// Handle on the database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    pub(crate) db: std::sync::Arc<Db>,
    pub(crate) cache: std::sync::Arc<crate::cache::Caches>,
    pub(crate) audit_queue: std::sync::Arc<crate::audit::AuditQueue>,
}

/// An open unit of work; commit it or drop it to roll back.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

impl Tx {
    /// The placeholder of the `n`-th parameter, in a statement whose
    /// parameters are all written in order. SQLite finds a named parameter
    /// (`$n`, and even `?n`) by a linear search of the names, which makes a
    /// statement of thousands of parameters quadratic to bind; a bare `?` has
    /// no name and takes the next number. PostgreSQL only knows `$n`.
    pub(crate) fn placeholder(&self, n: usize) -> String {
        match self {
            Tx::Sqlite(_) => "?".to_owned(),
            Tx::Postgres(_) => format!("${n}"),
        }
    }

    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await?,
            Tx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }
}

/// Current time, truncated to microseconds: what PostgreSQL keeps, so that
/// values read back compare equal on both backends.
pub fn now() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(now.nanosecond() / 1_000 * 1_000)
        .expect("valid nanosecond")
}

impl Store {
    /// Connects to `postgres://…` or `sqlite://…` (the file is created if missing).
    pub async fn connect(url: &str) -> Result<Store> {
        Self::connect_with(url, None).await
    }

    /// Like [`Store::connect`], with `postgres_connections` connections per
    /// PostgreSQL pool instead of [`default_postgres_connections`].
    pub async fn connect_with(url: &str, postgres_connections: Option<u32>) -> Result<Store> {
        let db = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let options = PgConnectOptions::from_str(url)?;
            let connections = postgres_connections.unwrap_or_else(default_postgres_connections);
            Self::postgres(options, connections, url).await?
        } else if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?;
            Self::sqlite(options).await?
        } else {
            return Err(StoreError::Config(format!(
                "adresse de base de données non reconnue (attendu postgres://… ou sqlite://…) : {}",
                crate::fault::redact_url(url)
            )));
        };
        Ok(Store::of(db))
    }

    /// Connects to PostgreSQL with an explicit `search_path` (one schema per test).
    pub async fn connect_postgres_schema(url: &str, schema: &str) -> Result<Store> {
        let options = PgConnectOptions::from_str(url)?.options([("search_path", schema)]);
        Ok(Store::of(
            Self::postgres(options, default_postgres_connections(), url).await?,
        ))
    }

    fn of(db: Db) -> Store {
        Store {
            db: std::sync::Arc::new(db),
            cache: Default::default(),
            audit_queue: Default::default(),
        }
    }

    async fn postgres(options: PgConnectOptions, connections: u32, url: &str) -> Result<Db> {
        // Fails now, at once and in French, if the server or the database is
        // not there: the pool would retry until its timeout.
        crate::fault::probe_postgres(&options).await?;
        // No JIT compilation: the steering and OARSA statements' estimated
        // costs (a lookup per person) pass PostgreSQL's JIT thresholds, and
        // compiling them took 0.44 s of the OARSA return's 1.1 s while
        // saving nothing on statements that run well under a second.
        // Sorts and hashes of up to 16 MB in memory: at PostgreSQL's 4 MB,
        // those over a département's 100 000 people went to disk (the OARSA
        // return's people: 0.61 → 0.57 s, medians of six runs).
        let options = options.options([("jit", "off"), ("work_mem", "16MB")]);
        let pool_of = |options: PgConnectOptions| {
            PgPoolOptions::new()
                .max_connections(connections.max(1))
                .acquire_timeout(Duration::from_secs(10))
                .connect_lazy_with(options)
        };
        let planned_once = pool_of(
            options
                .clone()
                .options([("plan_cache_mode", "force_generic_plan")]),
        );
        let pool = pool_of(options);
        Ok(Db::Postgres {
            pool,
            planned_once,
            url: url.to_owned(),
        })
    }

    async fn sqlite(options: SqliteConnectOptions) -> Result<Db> {
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // A page cache big enough for the indexes the writer updates (the
            // default 2 MB turns every lookup into a read syscall past 100 MB
            // of data); readers keep it for the pages they find in the WAL.
            .pragma("cache_size", "-16384")
            // A statement's rows cross from the connection's thread to the
            // request's task through a channel: at sqlx's 50, a caseload of
            // a hundred people stops the thread twice to wait for the task.
            .row_buffer_size(1024);
        // An unwritable directory or file is said now, with its path.
        crate::fault::check_sqlite_files(options.get_filename(), &reads_file(&options))?;
        // A connection to a local file cannot be lost: no ping before each
        // use (it is a round trip to the connection's thread per statement).
        let reads = reads_file(&options);
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .after_connect(move |conn, _| {
                let reads = reads.clone();
                Box::pin(async move { create_reads(conn, &reads).await })
            })
            .connect_with(options.clone())
            .await?;
        let reads = reads_file(&options);
        // One reader per core: more only adds hand-offs between threads and
        // page caches (measured at 100 000 people on 2 cores: the same
        // throughput with two readers as with four, 50 MiB less memory).
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let reader = SqlitePoolOptions::new()
            .max_connections(cores.clamp(2, 8) as u32)
            .test_before_acquire(false)
            .after_connect(move |conn, _| {
                let reads = reads.clone();
                Box::pin(async move { attach_reads(conn, &reads).await })
            })
            // Readers map the file instead of copying its pages into their
            // own caches: every write (an audit event on each file opened)
            // makes SQLite drop a reader's whole page cache, and refilling
            // it by read syscalls cost more than the queries themselves
            // (measured: docs/PERFORMANCE.md). The mapped pages are the
            // kernel's page cache, shared by the readers.
            .connect_with(options.read_only(true).pragma("mmap_size", "4294967296"))
            .await?;
        Ok(Db::Sqlite { reader, writer })
    }

    pub fn backend(&self) -> Backend {
        match &*self.db {
            Db::Sqlite { .. } => Backend::Sqlite,
            Db::Postgres { .. } => Backend::Postgres,
        }
    }

    /// Applies the migrations of the store's backend.
    pub async fn migrate(&self) -> Result<()> {
        match &*self.db {
            Db::Sqlite { writer, .. } => sqlx::migrate!("./migrations/sqlite").run(writer).await?,
            Db::Postgres { pool, .. } => sqlx::migrate!("./migrations/postgres").run(pool).await?,
        }
        if let Db::Sqlite { writer, .. } = &*self.db {
            // Statistics for the tables that lack them (SQLite never gathers them by itself).
            sqlite_statistics(writer, SQLITE_OPTIMIZE).await?;
        }
        self.ensure_default_families().await
    }

    /// Refreshes the planner's statistics after a bulk load (generation,
    /// import): before it, both engines may scan where an index would do.
    /// PostgreSQL also needs VACUUM for index-only scans (visibility map),
    /// and it runs outside a transaction.
    pub async fn analyze(&self) -> Result<()> {
        match &*self.db {
            Db::Sqlite { writer, .. } => sqlite_statistics(writer, "ANALYZE main").await,
            Db::Postgres { pool, .. } => {
                sqlx::query("VACUUM ANALYZE").execute(pool).await?;
                Ok(())
            }
        }
    }

    /// Refreshes the statistics of the tables an import writes, once its
    /// file is committed. A month's CAF file adds about a fifth to the
    /// people, under PostgreSQL's autovacuum thresholds: with the counts of
    /// before, the name search took twice the CPU until the next automatic
    /// ANALYZE (docs/PERFORMANCE.md, sixth round). SQLite re-counts only
    /// the tables whose size has changed much (`PRAGMA optimize`).
    pub async fn refresh_import_statistics(&self) -> Result<()> {
        match &*self.db {
            Db::Sqlite { writer, .. } => sqlite_statistics(writer, SQLITE_OPTIMIZE).await,
            Db::Postgres { pool, .. } => {
                sqlx::query(
                    "ANALYZE households, persons, person_name_tokens, person_clocks, import_changes",
                )
                .execute(pool)
                .await?;
                Ok(())
            }
        }
    }

    /// Answers when the database does (used by `/healthz`).
    pub async fn ping(&self) -> Result<()> {
        read!(self, pool => sqlx::query("SELECT 1").execute(pool).await
        .map(|done| done.rows_affected()))?;
        Ok(())
    }

    pub async fn begin(&self) -> Result<Tx> {
        Ok(match &*self.db {
            Db::Sqlite { writer, .. } => Tx::Sqlite(writer.begin().await?),
            Db::Postgres { pool, .. } => Tx::Postgres(pool.begin().await?),
        })
    }

    pub async fn close(&self) {
        match &*self.db {
            Db::Sqlite { reader, writer } => {
                reader.close().await;
                writer.close().await;
            }
            Db::Postgres {
                pool, planned_once, ..
            } => {
                pool.close().await;
                planned_once.close().await;
            }
        }
    }
}
