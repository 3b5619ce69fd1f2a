//! The import of a file into the store: read and validated on its own
//! thread, sorted and applied in chunks, in one transaction per file.

use crate::{caf_xml, csv_file, FileError, Progress, Source, Validator, CSV};
use parcours_domain::caf::{CsvMapping, Dossier, Rejected};
use parcours_domain::person::Fund;
use parcours_store::import::{Chunk, ImportRecord};
use parcours_store::{Actor, Store, StoreError};
use std::io::BufRead;
use time::{Date, OffsetDateTime};

/// The kind recorded for a CAF file refused before its type was known.
const CAF: &str = "caf";

/// Dossiers applied per round of statements.
const CHUNK: usize = 2_000;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file was refused; the refusal is recorded among the imports.
    #[error("fichier refusé, rien n'a été importé : {error}")]
    File {
        error: FileError,
        record: Box<ImportRecord>,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One file to import: who imports it, its name and size, and the day.
pub struct ImportJob<'a> {
    pub store: &'a Store,
    pub actor: &'a Actor,
    pub file_name: &'a str,
    /// For the progress percentage.
    pub total_bytes: Option<u64>,
    pub today: Date,
    /// The import's row when it was recorded as running
    /// ([`Store::import_running`]), else `None` (a row is made at the end).
    pub row: Option<uuid::Uuid>,
}

/// What the records of a file are validated against.
struct FileInfo {
    kind: &'static str,
    fund: Fund,
    date: Date,
}

impl ImportJob<'_> {
    /// Imports a CAF/MSA bénéficiaires or instruction file.
    pub async fn caf_xml(
        &self,
        input: impl BufRead + Send + 'static,
        progress: impl FnMut(Progress),
    ) -> Result<ImportRecord, ImportError> {
        let started = OffsetDateTime::now_utc();
        let mut reader = caf_xml::CafXml::new(input, self.today);
        let header = match reader.header() {
            Ok(header) => header,
            Err(error) => return Err(self.refuse(CAF, started, error).await),
        };
        let file = FileInfo {
            kind: header.kind.code(),
            fund: header.fund,
            date: header.date,
        };
        self.run(started, reader, file, progress).await
    }

    /// Imports a CSV file of people through a column mapping, dated today.
    pub async fn csv(
        &self,
        input: impl std::io::Read + Send + 'static,
        mapping: &CsvMapping,
        progress: impl FnMut(Progress),
    ) -> Result<ImportRecord, ImportError> {
        let started = OffsetDateTime::now_utc();
        let reader = match csv_file::CsvFile::new(input, mapping) {
            Ok(reader) => reader,
            Err(error) => return Err(self.refuse(CSV, started, error).await),
        };
        let file = FileInfo {
            kind: CSV,
            fund: Fund::Caf,
            date: self.today,
        };
        self.run(started, reader, file, progress).await
    }

    /// Applies every valid dossier of `source`, then commits; refuses the
    /// whole file (rolling back) on an error of the file itself. The file is
    /// read and validated on its own thread, a chunk ahead of the database,
    /// and each chunk is sorted (what it changes) while the previous one is
    /// written.
    async fn run(
        &self,
        started: OffsetDateTime,
        source: impl Source + Send + 'static,
        file: FileInfo,
        mut progress: impl FnMut(Progress),
    ) -> Result<ImportRecord, ImportError> {
        let mut import = self
            .store
            .begin_import(self.actor, file.kind, self.file_name, file.date, self.row)
            .await?;
        let (sender, batches) = tokio::sync::mpsc::channel(2);
        let kind = file.kind;
        let reader = tokio::task::spawn_blocking(move || read_batches(source, file, sender));
        let (sorted_sender, mut sorted) = tokio::sync::mpsc::channel(1);
        let sorter = tokio::spawn(sort_batches(self.store.clone(), batches, sorted_sender));
        let mut rejected = Vec::new();
        while let Some(batch) = sorted.recv().await {
            let batch = match batch {
                Ok(batch) => batch,
                Err(Stop::File(error)) => {
                    drop(import);
                    return Err(self.refuse(kind, started, error).await);
                }
                Err(Stop::Store(error)) => return Err(error.into()),
            };
            import.apply(&batch.dossiers).await?;
            rejected.extend(batch.rejected);
            progress(Progress {
                records: batch.records,
                rejected: rejected.len() as u64,
                bytes: if batch.last {
                    self.total_bytes.unwrap_or(batch.bytes)
                } else {
                    batch.bytes
                },
                total_bytes: self.total_bytes,
            });
        }
        // A reader or sorter that stopped short (a panic) must not commit
        // part of the file.
        for stage in [reader.await, sorter.await] {
            stage
                .map_err(|e| StoreError::Config(format!("lecture du fichier interrompue : {e}")))?;
        }
        Ok(import.finish(rejected).await?)
    }

    /// Records the refusal of the whole file (nothing of it was imported).
    async fn refuse(&self, kind: &str, started: OffsetDateTime, error: FileError) -> ImportError {
        match self
            .store
            .record_failed_import(
                self.actor,
                kind,
                self.file_name,
                started,
                &error.to_string(),
                self.row,
            )
            .await
        {
            Ok(record) => ImportError::File {
                error,
                record: Box::new(record),
            },
            Err(e) => ImportError::Store(e),
        }
    }
}

/// Dossiers read and validated (then sorted), ready for the database.
struct Batch<D = Vec<Dossier>> {
    dossiers: D,
    rejected: Vec<Rejected>,
    /// Records read so far, and bytes.
    records: u64,
    bytes: u64,
    last: bool,
}

impl<D> Batch<D> {
    fn with<E>(self, dossiers: E) -> Batch<E> {
        Batch {
            dossiers,
            rejected: self.rejected,
            records: self.records,
            bytes: self.bytes,
            last: self.last,
        }
    }
}

/// Why the sorting of batches stopped.
enum Stop {
    File(FileError),
    Store(StoreError),
}

/// Sorts each batch (see [`Store::sort_chunk`]) until the file's end or an
/// error, or until the import gives up.
async fn sort_batches(
    store: Store,
    mut batches: tokio::sync::mpsc::Receiver<Result<Batch, FileError>>,
    sorted: tokio::sync::mpsc::Sender<Result<Batch<Chunk>, Stop>>,
) {
    while let Some(batch) = batches.recv().await {
        let batch = match batch {
            Ok(mut batch) => {
                let dossiers = std::mem::take(&mut batch.dossiers);
                match store.sort_chunk(dossiers).await {
                    Ok(chunk) => Ok(batch.with(chunk)),
                    Err(error) => Err(Stop::Store(error)),
                }
            }
            Err(error) => Err(Stop::File(error)),
        };
        let stop = batch.is_err();
        if sorted.send(batch).await.is_err() || stop {
            return;
        }
    }
}

/// Reads the file chunk by chunk (blocking I/O, on its own thread) until its
/// end or its first error of the file itself, or until the import gives up.
fn read_batches(
    mut source: impl Source,
    file: FileInfo,
    batches: tokio::sync::mpsc::Sender<Result<Batch, FileError>>,
) {
    let mut validator = Validator::new(file.fund, file.date);
    let mut records = 0u64;
    let mut batch = Batch::default();
    loop {
        let raw = match source.next_dossier() {
            Ok(Some(raw)) => raw,
            Ok(None) => break,
            Err(error) => {
                let _ = batches.blocking_send(Err(error));
                return;
            }
        };
        records += 1;
        match validator.check(&raw) {
            Ok(dossier) => batch.dossiers.push(dossier),
            Err(r) => batch.rejected.push(r),
        }
        if batch.dossiers.len() == CHUNK {
            let full = std::mem::take(&mut batch);
            let sent = Batch {
                records,
                bytes: source.bytes_read(),
                ..full
            };
            if batches.blocking_send(Ok(sent)).is_err() {
                return;
            }
        }
    }
    let _ = batches.blocking_send(Ok(Batch {
        records,
        bytes: source.bytes_read(),
        last: true,
        ..batch
    }));
}

impl Default for Batch {
    fn default() -> Self {
        Batch {
            dossiers: Vec::with_capacity(CHUNK),
            rejected: Vec::new(),
            records: 0,
            bytes: 0,
            last: false,
        }
    }
}
