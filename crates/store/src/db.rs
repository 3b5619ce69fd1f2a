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
            $crate::db::Db::Postgres($pool) => $body,
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
    Postgres(PgPool),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
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
        let db = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let options = PgConnectOptions::from_str(url)?;
            Self::postgres(options).await?
        } else if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?;
            Self::sqlite(options).await?
        } else {
            return Err(StoreError::Config(format!(
                "adresse de base de données non reconnue (attendu postgres://… ou sqlite://…) : {url}"
            )));
        };
        Ok(Store::of(db))
    }

    /// Connects to PostgreSQL with an explicit `search_path` (one schema per test).
    pub async fn connect_postgres_schema(url: &str, schema: &str) -> Result<Store> {
        let options = PgConnectOptions::from_str(url)?.options([("search_path", schema)]);
        Ok(Store::of(Self::postgres(options).await?))
    }

    fn of(db: Db) -> Store {
        Store {
            db: std::sync::Arc::new(db),
            cache: Default::default(),
            audit_queue: Default::default(),
        }
    }

    async fn postgres(options: PgConnectOptions) -> Result<Db> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        Ok(Db::Postgres(pool))
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
            .pragma("cache_size", "-16384");
        // A connection to a local file cannot be lost: no ping before each
        // use (it is a round trip to the connection's thread per statement).
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await?;
        // One reader per core: more only adds hand-offs between threads and
        // page caches (measured at 100 000 people on 2 cores: the same
        // throughput with two readers as with four, 50 MiB less memory).
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let reader = SqlitePoolOptions::new()
            .max_connections(cores.clamp(2, 8) as u32)
            .test_before_acquire(false)
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
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies the migrations of the store's backend.
    pub async fn migrate(&self) -> Result<()> {
        match &*self.db {
            Db::Sqlite { writer, .. } => sqlx::migrate!("./migrations/sqlite").run(writer).await?,
            Db::Postgres(pool) => sqlx::migrate!("./migrations/postgres").run(pool).await?,
        }
        if let Db::Sqlite { writer, .. } = &*self.db {
            // Statistics for the tables that lack them (SQLite never gathers them by itself).
            sqlx::query("PRAGMA optimize=0x10002")
                .execute(writer)
                .await?;
        }
        self.ensure_default_families().await
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
            Db::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    pub async fn close(&self) {
        match &*self.db {
            Db::Sqlite { reader, writer } => {
                reader.close().await;
                writer.close().await;
            }
            Db::Postgres(pool) => pool.close().await,
        }
    }
}
