//! CAF/MSA and CSV imports, shared by the pages and the API: the upload
//! streamed to a temporary file (never whole in memory), the import run on
//! a blocking thread (the file is read and parsed synchronously), the jobs
//! that the progress page follows, and the mappings' use case.

use crate::auth::CurrentUser;
use crate::error::Failure;
use crate::AppState;
use axum::body::{Body, Bytes, HttpBody};
use parcours_app::clock::today;
use parcours_domain::caf::CsvMapping;
use parcours_domain::{Invalid, Permission};
use parcours_import::{FileError, ImportError, ImportJob, Progress};
use parcours_store::import::ImportRecord;
use parcours_store::{Actor, Store, StoreError};
use std::collections::HashMap;
use std::io::BufReader;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

/// The largest file accepted by the upload routes (the other routes keep
/// the default limit).
pub const UPLOAD_LIMIT: usize = 512 * 1024 * 1024;

/// Finished jobs nobody came back for are forgotten after this long.
const FORGET_AFTER: Duration = Duration::from_secs(3600);

/// An uploaded file in the system's temporary directory, deleted when dropped.
pub struct TempUpload {
    path: PathBuf,
    file: Option<tokio::fs::File>,
    pub bytes: u64,
}

impl TempUpload {
    pub async fn create() -> Result<TempUpload, Failure> {
        let path =
            std::env::temp_dir().join(format!("parcours-import-{}.tmp", Uuid::new_v4().simple()));
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
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

    /// A whole request body, chunk by chunk.
    pub async fn from_body(mut body: Body) -> Result<TempUpload, Failure> {
        let mut upload = TempUpload::create().await?;
        while let Some(chunk) = next_chunk(&mut body).await? {
            upload.write(&chunk).await?;
        }
        upload.close().await?;
        Ok(upload)
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

/// A body cut short (client gone, or over [`UPLOAD_LIMIT`]).
pub fn incomplete() -> Failure {
    Failure::BadRequest(
        "Le fichier n'a pas été reçu en entier (envoi interrompu, ou plus de 512 Mo).".into(),
    )
}

async fn next_chunk(body: &mut Body) -> Result<Option<Bytes>, Failure> {
    loop {
        let frame = std::future::poll_fn(|cx| std::pin::Pin::new(&mut *body).poll_frame(cx)).await;
        match frame {
            None => return Ok(None),
            Some(Err(_)) => return Err(incomplete()),
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    return Ok(Some(data));
                }
            }
        }
    }
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
pub struct Run {
    pub store: Store,
    pub actor: Actor,
    pub file_name: String,
    pub format: FileFormat,
    pub upload: TempUpload,
}

impl Run {
    /// Imports the file (the temporary file is deleted afterwards),
    /// reporting its progress as it goes.
    pub async fn run(
        self,
        progress: impl FnMut(Progress) + Send + 'static,
    ) -> Result<Outcome, Failure> {
        // The import reads the file on a blocking thread of its own.
        match self.import(progress).await {
            Ok(record) => Ok(Outcome::Done(record)),
            Err(ImportError::File { error, record }) => Ok(Outcome::Refused {
                error,
                record: *record,
            }),
            Err(ImportError::Store(err)) => Err(err.into()),
        }
    }

    async fn import(self, progress: impl FnMut(Progress)) -> Result<ImportRecord, ImportError> {
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
        };
        match &self.format {
            FileFormat::CafXml => job.caf_xml(input, progress).await,
            FileFormat::Csv(mapping) => job.csv(input, mapping, progress).await,
        }
    }
}

/// The mapping named `name`, or a field error on `field`.
pub async fn mapping_named(
    state: &AppState,
    field: &str,
    name: &str,
) -> Result<CsvMapping, Failure> {
    match state.store.csv_mapping(name.trim()).await {
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

/// Checks and saves a CSV column mapping (same rules for the page and the API).
pub async fn save_mapping(
    state: &AppState,
    me: &CurrentUser,
    mapping: CsvMapping,
) -> Result<CsvMapping, Failure> {
    me.require(Permission::ImportData)?;
    let mapping = CsvMapping::parse(mapping)?;
    state.store.save_csv_mapping(&me.actor(), &mapping).await?;
    Ok(mapping)
}

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
    pub fn start(&self, owner: Uuid, run: Run) -> Uuid {
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
    pub fn read(&self, id: Uuid, user: Uuid) -> Option<JobState> {
        let mut jobs = self.jobs();
        let job = jobs.get(&id).filter(|job| job.owner == user)?.clone();
        if job.end.is_some() {
            jobs.remove(&id);
        }
        Some(job)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_keep_their_base_name() {
        assert_eq!(clean_file_name("C:\\Users\\x\\flux.xml", "f"), "flux.xml");
        assert_eq!(clean_file_name("../../etc/passwd", "f"), "passwd");
        assert_eq!(clean_file_name("  ", "défaut.csv"), "défaut.csv");
    }
}
