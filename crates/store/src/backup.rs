//! Backups and restores of the whole database (`parcours backup DIR`,
//! `parcours restore DIR`), and the checkpoint of a clean stop.
//!
//! SQLite: a consistent snapshot of each file by `VACUUM INTO`, taken by a
//! connection of its own while the server reads and writes (a read
//! transaction on the write-ahead log: writers go on), never a copy of the
//! files. The reads' audit file (`….lectures`) is taken first, then the main
//! one: every read it records is of something the later snapshot holds.
//! PostgreSQL: `pg_dump` of the store's schema (custom format), `pg_restore`
//! in one transaction; the password goes to them by their environment,
//! never on their command line.
//!
//! A backup directory holds a manifest ([`MANIFEST`]): backend, date, schema
//! version (the last migration applied), files; a restore checks it first.

use crate::db::{attach_reads, reads_file, Db};
use crate::fault::{io_cause, postgres_place, url_password};
use crate::{Backend, Result, Store, StoreError};
use serde::{Deserialize, Serialize};
use sqlx::postgres::{PgConnectOptions, PgSslMode};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::Connection;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use time::OffsetDateTime;

/// The manifest's file name in a backup directory.
pub const MANIFEST: &str = "sauvegarde.json";
/// The snapshot of SQLite's main file.
const SQLITE_MAIN: &str = "parcours.db";
/// The snapshot of SQLite's reads' audit file.
const SQLITE_READS: &str = "parcours.db.lectures";
/// PostgreSQL's dump, custom format.
const POSTGRES_DUMP: &str = "parcours.dump";
/// The manifest's own format.
const FORMAT: u32 = 1;

/// What a backup directory holds, written last: a directory without it is
/// an unfinished backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// `sqlite` or `postgresql`.
    pub backend: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// The last migration applied to the database saved.
    pub schema_version: i64,
    /// PostgreSQL: the schema saved (`public` but in tests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postgres_schema: Option<String>,
    pub files: Vec<String>,
}

fn backend_name(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgresql",
    }
}

/// The last migration this program knows, per backend.
pub fn latest_migration(backend: Backend) -> i64 {
    let migrator = match backend {
        Backend::Sqlite => sqlx::migrate!("./migrations/sqlite"),
        Backend::Postgres => sqlx::migrate!("./migrations/postgres"),
    };
    migrator.iter().map(|m| m.version).max().unwrap_or(0)
}

fn unreachable(message: String) -> StoreError {
    StoreError::Unreachable(message)
}

fn io_error(what: &str, path: &Path, err: std::io::Error) -> StoreError {
    unreachable(format!("{what} {} : {}", path.display(), io_cause(&err)))
}

impl Store {
    /// The last migration applied to this database (0 before any).
    pub async fn schema_version(&self) -> Result<i64> {
        let version: Option<i64> = read!(self, pool => sqlx::query_scalar(
            "SELECT MAX(version) FROM _sqlx_migrations WHERE success"
        )
        .fetch_one(pool)
        .await)?;
        Ok(version.unwrap_or(0))
    }

    /// Writes a consistent copy of the whole database into `dir` (created if
    /// need be; refused if it already holds files), while the store goes on
    /// serving; the manifest last.
    pub async fn backup_to(&self, dir: &Path) -> Result<Manifest> {
        std::fs::create_dir_all(dir)
            .map_err(|err| io_error("création du dossier de sauvegarde", dir, err))?;
        let not_empty = std::fs::read_dir(dir)
            .map_err(|err| io_error("lecture du dossier de sauvegarde", dir, err))?
            .next()
            .is_some();
        if not_empty {
            return Err(unreachable(format!(
                "le dossier de sauvegarde {} n'est pas vide : choisissez un dossier neuf",
                dir.display()
            )));
        }
        let schema_version = self.schema_version().await?;
        let (files, postgres_schema) = match &*self.db {
            Db::Sqlite { writer, .. } => {
                let options = (*writer.connect_options()).clone();
                sqlite_snapshot(&options, dir).await?;
                (vec![SQLITE_READS.to_owned(), SQLITE_MAIN.to_owned()], None)
            }
            Db::Postgres { pool, url, .. } => {
                let schema: String = sqlx::query_scalar("SELECT current_schema()")
                    .fetch_one(pool)
                    .await?;
                pg_dump(url, &schema, &dir.join(POSTGRES_DUMP)).await?;
                (vec![POSTGRES_DUMP.to_owned()], Some(schema))
            }
        };
        let manifest = Manifest {
            format: FORMAT,
            backend: backend_name(self.backend()).to_owned(),
            created_at: crate::now(),
            schema_version,
            postgres_schema,
            files,
        };
        let json = serde_json::to_string_pretty(&manifest)
            .map_err(|err| StoreError::Config(err.to_string()))?;
        let path = dir.join(MANIFEST);
        std::fs::write(&path, json + "\n")
            .map_err(|err| io_error("écriture du manifeste", &path, err))?;
        Ok(manifest)
    }

    /// A clean stop: SQLite's write-ahead logs are folded back into their
    /// files and emptied once the readers are closed; then every connection
    /// is closed.
    pub async fn checkpoint_and_close(&self) -> Result<()> {
        match &*self.db {
            Db::Sqlite { reader, writer } => {
                reader.close().await;
                let done = sqlx::query(
                    "PRAGMA main.wal_checkpoint(TRUNCATE); PRAGMA lectures.wal_checkpoint(TRUNCATE)",
                )
                .execute(writer)
                .await;
                writer.close().await;
                done?;
            }
            Db::Postgres { .. } => self.close().await,
        }
        Ok(())
    }
}

/// `VACUUM INTO` of both files, by a connection of its own.
async fn sqlite_snapshot(options: &SqliteConnectOptions, dir: &Path) -> Result<()> {
    let reads = reads_file(options);
    let mut conn =
        sqlx::SqliteConnection::connect_with(&options.clone().create_if_missing(false)).await?;
    attach_reads(&mut conn, &reads).await?;
    let done = async {
        for (schema, file) in [("lectures", SQLITE_READS), ("main", SQLITE_MAIN)] {
            let target = dir.join(file);
            sqlx::query(&format!("VACUUM {schema} INTO $1"))
                .bind(target.to_string_lossy().into_owned())
                .execute(&mut conn)
                .await?;
        }
        Ok::<_, StoreError>(())
    }
    .await;
    let _ = conn.close().await;
    done
}

/// Reads and checks the manifest of `dir` against the target's backend.
pub fn read_manifest(dir: &Path, backend: Backend) -> Result<Manifest> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&path).map_err(|err| {
        unreachable(format!(
            "{} n'est pas une sauvegarde de Parcours (manifeste {MANIFEST} illisible : {})",
            dir.display(),
            io_cause(&err)
        ))
    })?;
    let manifest: Manifest = serde_json::from_str(&text)
        .map_err(|err| unreachable(format!("manifeste {} illisible : {err}", path.display())))?;
    if manifest.format != FORMAT {
        return Err(unreachable(format!(
            "manifeste {} : format {} inconnu de cette version de Parcours",
            path.display(),
            manifest.format
        )));
    }
    if manifest.backend != backend_name(backend) {
        return Err(unreachable(format!(
            "cette sauvegarde vient d'une base {} : elle ne se restaure que dans une base {}, pas {}",
            manifest.backend,
            manifest.backend,
            backend_name(backend)
        )));
    }
    let latest = latest_migration(backend);
    if manifest.schema_version > latest {
        return Err(unreachable(format!(
            "cette sauvegarde est au schéma {}, plus récent que celui de ce programme ({latest}) : \
             restaurez-la avec la version de Parcours qui l'a faite",
            manifest.schema_version
        )));
    }
    for file in &manifest.files {
        if !dir.join(file).is_file() {
            return Err(unreachable(format!(
                "sauvegarde incomplète : {} manque",
                dir.join(file).display()
            )));
        }
    }
    Ok(manifest)
}

/// Restores the backup in `dir` into the database at `url`: refused if
/// that database holds data, unless `force`. The server must be stopped.
pub async fn restore_from(url: &str, dir: &Path, force: bool) -> Result<Manifest> {
    if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        let manifest = read_manifest(dir, Backend::Postgres)?;
        let options = PgConnectOptions::from_str(url)?;
        pg_restore(url, &options, &manifest, dir, force).await?;
        Ok(manifest)
    } else if url.starts_with("sqlite:") {
        let manifest = read_manifest(dir, Backend::Sqlite)?;
        let options = SqliteConnectOptions::from_str(url)?;
        sqlite_restore(&options, dir, force)?;
        Ok(manifest)
    } else {
        Err(StoreError::Config(format!(
            "adresse de base de données non reconnue (attendu postgres://… ou sqlite://…) : {}",
            crate::fault::redact_url(url)
        )))
    }
}

fn non_empty_file(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|meta| !meta.is_file() || meta.len() > 0)
}

/// Puts the snapshots in place of the files: each copied beside its target
/// then renamed onto it, once the target's write-ahead log is removed (an
/// old log would be replayed onto the new file).
fn sqlite_restore(options: &SqliteConnectOptions, dir: &Path, force: bool) -> Result<()> {
    let main = options.get_filename().to_path_buf();
    let reads = PathBuf::from(reads_file(options));
    if !force && (non_empty_file(&main) || non_empty_file(&reads)) {
        return Err(unreachable(format!(
            "la base de destination {} n'est pas vide : ajoutez --force pour la remplacer \
             (serveur arrêté)",
            main.display()
        )));
    }
    if let Some(parent) = main.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|err| io_error("création du dossier", parent, err))?;
    }
    for (file, target) in [(SQLITE_MAIN, &main), (SQLITE_READS, &reads)] {
        let staged = PathBuf::from(format!("{}.restauration", target.display()));
        std::fs::copy(dir.join(file), &staged)
            .map_err(|err| io_error("copie de la sauvegarde vers", &staged, err))?;
        std::fs::File::open(&staged)
            .and_then(|f| f.sync_all())
            .map_err(|err| io_error("écriture de", &staged, err))?;
        for suffix in ["-wal", "-shm", "-journal"] {
            let side = PathBuf::from(format!("{}{suffix}", target.display()));
            match std::fs::remove_file(&side) {
                Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
                    return Err(io_error("suppression de", &side, err))
                }
                _ => {}
            }
        }
        std::fs::rename(&staged, target)
            .map_err(|err| io_error("mise en place de", target, err))?;
    }
    Ok(())
}

/// The environment that makes `pg_dump` and `pg_restore` reach the
/// database of `options` (its password read from `url`).
fn libpq_env(url: &str, options: &PgConnectOptions) -> Vec<(&'static str, String)> {
    let mut env = vec![
        (
            "PGHOST",
            match options.get_socket() {
                Some(socket) => socket.display().to_string(),
                None => options.get_host().to_owned(),
            },
        ),
        ("PGPORT", options.get_port().to_string()),
        ("PGUSER", options.get_username().to_owned()),
        ("PGDATABASE", database_of(options).to_owned()),
        (
            "PGSSLMODE",
            match options.get_ssl_mode() {
                PgSslMode::Disable => "disable",
                PgSslMode::Allow => "allow",
                PgSslMode::Prefer => "prefer",
                PgSslMode::Require => "require",
                PgSslMode::VerifyCa => "verify-ca",
                PgSslMode::VerifyFull => "verify-full",
            }
            .to_owned(),
        ),
    ];
    if let Some(password) = url_password(url) {
        env.push(("PGPASSWORD", password));
    }
    env
}

/// The database's name (PostgreSQL's default: the user's).
fn database_of(options: &PgConnectOptions) -> &str {
    options
        .get_database()
        .unwrap_or_else(|| options.get_username())
}

/// Runs a PostgreSQL client program, its error output kept for the message.
async fn run_client(program: &str, args: &[String], env: &[(&str, String)]) -> Result<()> {
    let mut command = tokio::process::Command::new(program);
    command.args(args).kill_on_drop(true);
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().await.map_err(|err| {
        unreachable(format!(
            "impossible de lancer {program} (client PostgreSQL) : {}",
            io_cause(&err)
        ))
    })?;
    if output.status.success() {
        return Ok(());
    }
    Err(unreachable(format!(
        "{program} a échoué : {}",
        String::from_utf8_lossy(&output.stderr).trim()
    )))
}

async fn pg_dump(url: &str, schema: &str, file: &Path) -> Result<()> {
    let options = PgConnectOptions::from_str(url)?;
    let args = [
        "--format=custom".to_owned(),
        "--no-owner".to_owned(),
        "--no-privileges".to_owned(),
        format!("--schema={schema}"),
        format!("--file={}", file.display()),
    ];
    run_client("pg_dump", &args, &libpq_env(url, &options)).await
}

async fn pg_restore(
    url: &str,
    options: &PgConnectOptions,
    manifest: &Manifest,
    dir: &Path,
    force: bool,
) -> Result<()> {
    let schema = manifest.postgres_schema.as_deref().unwrap_or("public");
    crate::fault::probe_postgres(options).await?;
    let mut conn = sqlx::PgConnection::connect_with(options).await?;
    let tables: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE schemaname = $1")
            .bind(schema)
            .fetch_one(&mut conn)
            .await?;
    if tables > 0 {
        if !force {
            let _ = conn.close().await;
            return Err(unreachable(format!(
                "la base de destination {} ({}, schéma {schema}) n'est pas vide : ajoutez --force \
                 pour la remplacer (serveur arrêté)",
                database_of(options),
                postgres_place(options)
            )));
        }
        // Objects the backup does not know would stay, or stop the restore.
        sqlx::query(&format!(
            "DROP SCHEMA \"{}\" CASCADE",
            schema.replace('"', "\"\"")
        ))
        .execute(&mut conn)
        .await?;
    }
    let _ = conn.close().await;
    let args = [
        "--clean".to_owned(),
        "--if-exists".to_owned(),
        "--no-owner".to_owned(),
        "--no-privileges".to_owned(),
        "--exit-on-error".to_owned(),
        "--single-transaction".to_owned(),
        format!("--dbname={}", database_of(options)),
        dir.join(POSTGRES_DUMP).display().to_string(),
    ];
    run_client("pg_restore", &args, &libpq_env(url, options)).await
}
