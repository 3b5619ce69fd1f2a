//! Imports of people: CAF/MSA XML files and CSV files with a column
//! mapping. Both read records one at a time, validate each with the domain
//! rules, report the rejected ones with their line and reason, and apply the
//! valid ones through the store in chunks, all in one transaction per file.

pub mod caf_xml;
pub mod csv_file;
#[cfg(feature = "store")]
mod job;

#[cfg(feature = "store")]
pub use job::{ImportError, ImportJob};

use parcours_domain::caf::{validate, Dossier, RawDossier, Rejected};
use parcours_domain::person::Fund;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use time::Date;

/// The kind recorded for CSV imports.
pub const CSV: &str = "csv";

/// Why a whole file was refused (nothing of it imported).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    pub line: Option<u64>,
    pub message: String,
}

impl FileError {
    pub fn file(message: impl Into<String>) -> FileError {
        FileError {
            line: None,
            message: message.into(),
        }
    }

    pub fn at(line: u64, message: impl Into<String>) -> FileError {
        FileError {
            line: Some(line),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "ligne {line} : {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// How far an import has gone, for progress bars.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    pub records: u64,
    pub rejected: u64,
    /// Bytes read so far, of `total_bytes` (when known).
    pub bytes: u64,
    pub total_bytes: Option<u64>,
}

impl Progress {
    /// Percentage done, when the file's size is known.
    pub fn percent(&self) -> Option<u8> {
        self.total_bytes
            .filter(|t| *t > 0)
            .map(|t| (self.bytes.min(t) * 100 / t) as u8)
    }
}

/// A source of raw dossiers: the CAF XML reader or the CSV reader.
pub trait Source {
    fn next_dossier(&mut self) -> Result<Option<RawDossier>, FileError>;
    fn bytes_read(&self) -> u64;
}

/// What a file's dossiers go through before the database: the domain's
/// rules ([`validate`]), then no dossier number nor NIR twice in the file.
/// Pure code, one per file: the import runs it on every dossier read, and
/// so do the fuzz targets (`fuzz/`).
pub struct Validator {
    fund: Fund,
    date: Date,
    seen: Seen,
}

impl Validator {
    /// For a file of `fund` (the dossiers' default) dated `date`.
    pub fn new(fund: Fund, date: Date) -> Validator {
        Validator {
            fund,
            date,
            seen: Seen::default(),
        }
    }

    /// The dossier as the import stores it, or why it is left out.
    pub fn check(&mut self, raw: &RawDossier) -> Result<Dossier, Rejected> {
        validate(raw, self.fund, self.date).and_then(|d| self.seen.check(d))
    }
}

/// Dossier numbers and NIRs already met in the file (as 64-bit hashes, so
/// that memory stays small for a département's file).
#[derive(Default)]
struct Seen {
    dossiers: HashMap<u64, u64>,
    nirs: HashMap<u64, u64>,
}

impl Seen {
    fn check(&mut self, dossier: Dossier) -> Result<Dossier, Rejected> {
        let reject = |line: u64, reason: String| Rejected {
            line,
            reference: dossier.household.rsa_number.clone(),
            reason,
        };
        if let Some(first) = self.dossiers.get(&hash(&dossier.household.rsa_number)) {
            return Err(reject(
                dossier.line,
                format!("Dossier en double : déjà présent ligne {first} du fichier."),
            ));
        }
        for person in &dossier.persons {
            if let Some(nir) = &person.data.nir {
                if let Some(first) = self.nirs.get(&hash(nir.as_str())) {
                    return Err(reject(
                        person.line,
                        format!(
                            "{} {} : NIR déjà présent ligne {first} du fichier.",
                            person.data.last_name, person.data.first_names
                        ),
                    ));
                }
            }
        }
        self.dossiers
            .insert(hash(&dossier.household.rsa_number), dossier.line);
        for person in &dossier.persons {
            if let Some(nir) = &person.data.nir {
                self.nirs.insert(hash(nir.as_str()), person.line);
            }
        }
        Ok(dossier)
    }
}

fn hash(value: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}
