//! Imports of people by the chargé de mission (CAF/MSA XML, or CSV through
//! a saved column mapping): the received file kept in a temporary file
//! (never whole in memory), the import run on a blocking thread (the file
//! is read and parsed synchronously), at once or in the background with
//! its progress followed; the imports, their changes, the CSV mappings.
//! How the file is received (a request body, a form) is the adapter's.

use crate::clock::today;
use crate::{App, Caller, CurrentUser, Failure};
use parcours_domain::caf::CsvMapping;
use parcours_domain::{Invalid, Permission};
use parcours_import::{FileError, ImportError, ImportJob, Progress};
use parcours_store::import::{change, ImportChange, ImportRecord};
use parcours_store::{Actor, Store, StoreError};
use std::collections::HashMap;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

/// Finished jobs nobody came back for are forgotten after this long.
const FORGET_AFTER: Duration = Duration::from_secs(3600);

// ---------------------------------------------------------------- the file

/// A received file waiting for its import: personal data, so it is kept in
/// the upload directory (in the data directory, not a shared temporary
/// folder), readable by the server's account only, and deleted when dropped
/// — whatever the import's outcome. A crash's leftovers are removed at the
/// next start ([`remove_leftovers`]).
pub struct TempUpload {
    path: PathBuf,
    file: Option<tokio::fs::File>,
    pub bytes: u64,
}

const UPLOAD_PREFIX: &str = "parcours-import-";

impl TempUpload {
    pub async fn create(dir: &Path) -> Result<TempUpload, Failure> {
        let failure = |e: std::io::Error| {
            Failure::Internal(format!("upload directory {}: {e}", dir.display()))
        };
        let mut builder = tokio::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        builder.mode(0o700);
        builder.create(dir).await.map_err(failure)?;
        let path = dir.join(format!("{UPLOAD_PREFIX}{}.tmp", Uuid::new_v4().simple()));
        let mut options = tokio::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        options.mode(0o600);
        let file = options
            .open(&path)
            .await
            .map_err(|e| Failure::Internal(format!("temporary file {}: {e}", path.display())))?;
        Ok(TempUpload {
            path,
            file: Some(file),
            bytes: 0,
        })
    }

    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), Failure> {
        let Some(file) = self.file.as_mut() else {
            return Err(Failure::Internal("temporary file already closed".into()));
        };
        file.write_all(chunk)
            .await
            .map_err(|e| Failure::Internal(format!("temporary file: {e}")))?;
        self.bytes += chunk.len() as u64;
        Ok(())
    }

    /// Flushes and closes the file: it can then be read.
    pub async fn close(&mut self) -> Result<(), Failure> {
        if let Some(mut file) = self.file.take() {
            file.flush()
                .await
                .map_err(|e| Failure::Internal(format!("temporary file: {e}")))?;
        }
        Ok(())
    }

    fn reader(&self) -> std::io::Result<BufReader<std::fs::File>> {
        Ok(BufReader::with_capacity(
            256 * 1024,
            std::fs::File::open(&self.path)?,
        ))
    }
}

impl Drop for TempUpload {
    fn drop(&mut self) {
        drop(self.file.take());
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Removes the received files a crash left in the upload directory (at the
/// server's start, before any import runs); returns how many.
pub fn remove_leftovers(dir: &Path) -> std::io::Result<usize> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let mut removed = 0;
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(UPLOAD_PREFIX) && name.ends_with(".tmp") {
            std::fs::remove_file(entry.path())?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Keeps the base name of a file name sent by a browser or a client.
pub fn clean_file_name(name: &str, default: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("").trim();
    let base: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    if base.is_empty() {
        default.to_owned()
    } else {
        base
    }
}

// ---------------------------------------------------------------- running an import

/// What kind of file is imported.
pub enum FileFormat {
    CafXml,
    Csv(CsvMapping),
}

/// How an import ended, short of an internal failure.
pub enum Outcome {
    Done(ImportRecord),
    /// The whole file was refused (nothing imported); the refusal is recorded.
    Refused {
        error: FileError,
        record: ImportRecord,
    },
}

/// One file to import, by whom.
struct Run {
    store: Store,
    actor: Actor,
    file_name: String,
    format: FileFormat,
    upload: TempUpload,
}

impl Run {
    /// Imports the file (the temporary file is deleted afterwards),
    /// reporting its progress as it goes. The import is recorded as running
    /// first; an import that fails — an internal error, or a panic — is
    /// then recorded failed with its reason, and one a stop of the server
    /// cuts short is marked interrupted at the next start
    /// ([`interrupt_unfinished`]): never running forever, never vanished.
    async fn run(
        self,
        progress: impl FnMut(Progress) + Send + 'static,
    ) -> Result<Outcome, Failure> {
        let store = self.store.clone();
        let kind = match self.format {
            FileFormat::CafXml => "caf",
            FileFormat::Csv(_) => parcours_import::CSV,
        };
        let row = store
            .import_running(&self.actor, kind, &self.file_name)
            .await?;
        // On a task of its own, so that a panic ends it, not the caller;
        // it reads the file on a blocking thread of its own.
        let outcome = tokio::spawn(self.import(row, progress)).await;
        let reason = match outcome {
            Ok(Ok(record)) => return Ok(Outcome::Done(record)),
            Ok(Err(ImportError::File { error, record })) => {
                return Ok(Outcome::Refused {
                    error,
                    record: *record,
                })
            }
            Ok(Err(ImportError::Store(err))) => format!("{err}"),
            Err(joined) => panic_reason(joined),
        };
        tracing::error!(import = %row, %reason, "import failed");
        let failure = Failure::Internal(format!("import {row}: {reason}"));
        let reason = format!(
            "L'import s'est arrêté sur une erreur inattendue ; rien de ce fichier n'a été \
             importé. Détail : {reason}"
        );
        if let Err(err) = store.import_failed(row, &reason).await {
            tracing::error!(import = %row, %err, "import not marked failed");
        }
        Err(failure)
    }

    async fn import(
        self,
        row: Uuid,
        progress: impl FnMut(Progress),
    ) -> Result<ImportRecord, ImportError> {
        let input = self
            .upload
            .reader()
            .map_err(|e| StoreError::Config(format!("temporary file: {e}")))?;
        let job = ImportJob {
            store: &self.store,
            actor: &self.actor,
            file_name: &self.file_name,
            total_bytes: Some(self.upload.bytes),
            today: today(),
            row: Some(row),
        };
        match &self.format {
            FileFormat::CafXml => job.caf_xml(input, progress).await,
            FileFormat::Csv(mapping) => job.csv(input, mapping, progress).await,
        }
    }
}

/// What a panic said, or why a task ended without an outcome.
fn panic_reason(joined: tokio::task::JoinError) -> String {
    if !joined.is_panic() {
        return "tâche annulée".into();
    }
    let payload = joined.into_panic();
    let said = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    format!("panique : {said}")
}

/// At the server's start, before any import runs: the imports a stop left
/// running are marked interrupted. Returns how many.
pub async fn interrupt_unfinished(app: &App) -> Result<u64, Failure> {
    Ok(app.store.interrupt_running_imports().await?)
}

/// A CAF/MSA XML file, when `me` may import (checked before the file is received).
pub fn caf_format(me: &CurrentUser) -> Result<FileFormat, Failure> {
    me.require(Permission::ImportData)?;
    Ok(FileFormat::CafXml)
}

/// A CSV file read through the mapping `name` (a field error on `field`),
/// when `me` may import (checked before the file is received).
pub async fn csv_format(
    app: &App,
    me: &CurrentUser,
    field: &str,
    name: &str,
) -> Result<FileFormat, Failure> {
    me.require(Permission::ImportData)?;
    Ok(FileFormat::Csv(mapping_named(app, field, name).await?))
}

/// Imports a received file at once.
pub async fn import_now(
    app: &App,
    me: &CurrentUser,
    file_name: String,
    format: FileFormat,
    upload: TempUpload,
) -> Result<Outcome, Failure> {
    me.require(Permission::ImportData)?;
    let run = Run {
        store: app.store.clone(),
        actor: me.actor(),
        file_name,
        format,
        upload,
    };
    run.run(|_| {}).await
}

/// A file received by the upload form, for a CAF/MSA file or a CSV one.
pub struct Upload {
    /// `Some(mapping name)` for the CSV form.
    pub csv_mapping: Option<String>,
    pub file: Option<TempUpload>,
    pub file_name: String,
}

/// Checks an upload (the file and, for a CSV file, its mapping; field
/// errors name the form's inputs) and starts its import in the background:
/// the job's id, for its progress.
pub async fn start(
    app: &App,
    me: &CurrentUser,
    jobs: &ImportJobs,
    upload: Upload,
) -> Result<Uuid, Failure> {
    me.require(Permission::ImportData)?;
    let mut invalid = Invalid::new();
    let (form, format) = match &upload.csv_mapping {
        Some(name) => match mapping_named(app, "csv-correspondance", name).await {
            Ok(mapping) => ("csv", Some(FileFormat::Csv(mapping))),
            Err(Failure::Invalid(errors)) => {
                invalid.merge(errors);
                ("csv", None)
            }
            Err(other) => return Err(other),
        },
        None => ("caf", Some(FileFormat::CafXml)),
    };
    let file = upload.file.filter(|f| f.bytes > 0);
    if file.is_none() {
        invalid.add(
            &format!("{form}-fichier"),
            "Choisissez le fichier à importer (aucun fichier, ou un fichier vide, n'a été reçu).",
        );
    }
    match (file, format) {
        (Some(file), Some(format)) if invalid.is_empty() => Ok(jobs.start(
            me.user.id,
            Run {
                store: app.store.clone(),
                actor: me.actor(),
                file_name: clean_file_name(&upload.file_name, "fichier"),
                format,
                upload: file,
            },
        )),
        _ => Err(invalid.into()),
    }
}

// ---------------------------------------------------------------- background jobs

/// How a background import ended, for its progress page.
#[derive(Clone, Debug)]
pub enum JobEnd {
    Done(Uuid),
    Refused { import_id: Uuid, message: String },
    Failed,
}

/// A background import as its progress page sees it.
#[derive(Clone, Debug)]
pub struct JobState {
    pub owner: Uuid,
    pub file_name: String,
    pub progress: Progress,
    pub end: Option<JobEnd>,
    ended_at: Option<Instant>,
}

/// The imports running in the background (or finished and not yet seen).
#[derive(Clone, Default)]
pub struct ImportJobs(Arc<Mutex<HashMap<Uuid, JobState>>>);

impl ImportJobs {
    fn jobs(&self) -> MutexGuard<'_, HashMap<Uuid, JobState>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Starts `run` in the background for `owner`; returns the job's id.
    fn start(&self, owner: Uuid, run: Run) -> Uuid {
        let id = Uuid::new_v4();
        {
            let mut jobs = self.jobs();
            jobs.retain(|_, job| job.ended_at.is_none_or(|at| at.elapsed() < FORGET_AFTER));
            jobs.insert(
                id,
                JobState {
                    owner,
                    file_name: run.file_name.clone(),
                    progress: Progress::default(),
                    end: None,
                    ended_at: None,
                },
            );
        }
        let jobs = self.clone();
        tokio::spawn(async move {
            let reporter = jobs.clone();
            let outcome = run
                .run(move |p| reporter.update(id, |job| job.progress = p))
                .await;
            let end = match outcome {
                Ok(Outcome::Done(record)) => JobEnd::Done(record.id),
                Ok(Outcome::Refused { error, record }) => JobEnd::Refused {
                    import_id: record.id,
                    message: error.to_string(),
                },
                Err(failure) => {
                    tracing::error!(?failure, "background import failed");
                    JobEnd::Failed
                }
            };
            jobs.update(id, |job| {
                job.end = Some(end);
                job.ended_at = Some(Instant::now());
            });
        });
        id
    }

    fn update(&self, id: Uuid, change: impl FnOnce(&mut JobState)) {
        if let Some(job) = self.jobs().get_mut(&id) {
            change(job);
        }
    }

    /// The job, for the user who started it only; a finished job is
    /// forgotten once seen.
    fn read(&self, id: Uuid, user: Uuid) -> Option<JobState> {
        let mut jobs = self.jobs();
        let job = jobs.get(&id).filter(|job| job.owner == user)?.clone();
        if job.end.is_some() {
            jobs.remove(&id);
        }
        Some(job)
    }
}

/// A background import started by `me`, as it stands.
pub fn progress(me: &CurrentUser, jobs: &ImportJobs, id: Uuid) -> Result<JobState, Failure> {
    me.require(Permission::ImportData)?;
    jobs.read(id, me.user.id).ok_or(Failure::NotFound)
}

// ---------------------------------------------------------------- imports and their changes

/// The latest imports, newest first (1 to 500).
pub async fn imports(
    app: &App,
    me: &CurrentUser,
    limit: i64,
) -> Result<Vec<ImportRecord>, Failure> {
    me.require(Permission::ImportData)?;
    Ok(app.store.imports(limit.clamp(1, 500)).await?)
}

pub async fn import(app: &App, me: &CurrentUser, id: Uuid) -> Result<ImportRecord, Failure> {
    me.require(Permission::ImportData)?;
    Ok(app.store.import(id).await?)
}

/// The kinds of change an import records.
pub const CHANGE_KINDS: &[&str] = &[
    change::NEW_ENTRANT,
    change::LEFT_DUTIES,
    change::IDENTITY,
    change::ADDRESS,
    change::HOUSEHOLD_MOVED,
    change::RSA_STATE,
    change::HOUSEHOLD,
];

/// What an import changed, of one kind or all (at most `limit`, 1 to 100 000).
pub async fn changes(
    app: &App,
    me: &CurrentUser,
    id: Uuid,
    kind: Option<&str>,
    limit: i64,
) -> Result<Vec<ImportChange>, Failure> {
    me.require(Permission::ImportData)?;
    if let Some(kind) = kind.filter(|k| !CHANGE_KINDS.contains(k)) {
        return Err(Invalid::field(
            "kind",
            format!(
                "Type de changement inconnu : {kind} (attendu : {}).",
                CHANGE_KINDS.join(", ")
            ),
        )
        .into());
    }
    app.store.import(id).await?;
    Ok(app
        .store
        .import_changes(id, kind, limit.clamp(1, 100_000))
        .await?)
}

/// An import with its changes by kind, `per_kind` at most of each.
pub struct ImportSheet {
    pub record: ImportRecord,
    pub changes: HashMap<&'static str, Vec<ImportChange>>,
}

pub async fn open_import(
    app: &App,
    me: &CurrentUser,
    id: Uuid,
    per_kind: i64,
) -> Result<ImportSheet, Failure> {
    let record = import(app, me, id).await?;
    let mut changes = HashMap::new();
    for kind in CHANGE_KINDS {
        changes.insert(
            *kind,
            app.store.import_changes(id, Some(kind), per_kind).await?,
        );
    }
    Ok(ImportSheet { record, changes })
}

// ---------------------------------------------------------------- CSV mappings

/// The saved CSV column mappings.
pub async fn mappings(app: &App, me: &CurrentUser) -> Result<Vec<CsvMapping>, Failure> {
    me.require(Permission::ImportData)?;
    Ok(app.store.csv_mappings().await?)
}

/// The mapping of this name, or an empty one to fill when none is named.
pub async fn mapping(
    app: &App,
    me: &CurrentUser,
    name: Option<&str>,
) -> Result<CsvMapping, Failure> {
    me.require(Permission::ImportData)?;
    match name.filter(|n| !n.trim().is_empty()) {
        Some(name) => Ok(app.store.csv_mapping(name).await?),
        None => Ok(CsvMapping {
            name: String::new(),
            delimiter: ";".into(),
            columns: Default::default(),
        }),
    }
}

/// The mapping named `name`, or a field error on `field`.
async fn mapping_named(app: &App, field: &str, name: &str) -> Result<CsvMapping, Failure> {
    match app.store.csv_mapping(name.trim()).await {
        Ok(mapping) => Ok(mapping),
        Err(StoreError::NotFound) if name.trim().is_empty() => Err(Invalid::field(
            field,
            "Choisissez la correspondance des colonnes du fichier CSV.",
        )
        .into()),
        Err(StoreError::NotFound) => Err(Invalid::field(
            field,
            format!("Aucune correspondance ne s'appelle « {} ».", name.trim()),
        )
        .into()),
        Err(other) => Err(other.into()),
    }
}

/// Checks and saves a CSV column mapping.
pub async fn save_mapping(
    app: &App,
    me: &impl Caller,
    mapping: CsvMapping,
) -> Result<CsvMapping, Failure> {
    me.require(Permission::ImportData)?;
    let mapping = CsvMapping::parse(mapping)?;
    app.store.save_csv_mapping(&me.actor(), &mapping).await?;
    Ok(mapping)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn received_files_are_private_and_never_left_behind() {
        let dir = std::env::temp_dir().join(format!("parcours-upload-test-{}", Uuid::now_v7()));
        let mut upload = TempUpload::create(&dir).await.unwrap();
        upload.write(b"<Racine/>").await.unwrap();
        upload.close().await.unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&upload.path), 0o600);
            assert_eq!(mode(&dir), 0o700);
        }
        let path = upload.path.clone();
        drop(upload);
        assert!(!path.exists(), "deleted when dropped");

        // A crash's leftovers go at the next start; other files stay.
        std::fs::write(dir.join("parcours-import-0123.tmp"), "x").unwrap();
        std::fs::write(dir.join("notes.txt"), "x").unwrap();
        assert_eq!(remove_leftovers(&dir).unwrap(), 1);
        assert!(dir.join("notes.txt").exists());
        assert_eq!(remove_leftovers(&dir.join("absent")).unwrap(), 0);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn a_panicking_import_task_says_why() {
        let joined = tokio::spawn(async { panic!("boum") }).await.unwrap_err();
        assert_eq!(panic_reason(joined), "panique : boum");
        let said = format!("{} dossiers", 3);
        let joined = tokio::spawn(async move { panic!("{said}") })
            .await
            .unwrap_err();
        assert_eq!(panic_reason(joined), "panique : 3 dossiers");
    }

    #[test]
    fn file_names_keep_their_base_name() {
        assert_eq!(clean_file_name("C:\\Users\\x\\flux.xml", "f"), "flux.xml");
        assert_eq!(clean_file_name("../../etc/passwd", "f"), "passwd");
        assert_eq!(clean_file_name("  ", "défaut.csv"), "défaut.csv");
    }
}
