//! CSV files of people from another system, read through a saved column
//! mapping: one person per line, consecutive lines with the same dossier
//! number forming one household (a requester and a partner).

use crate::{FileError, Source};
use parcours_domain::caf::{CsvMapping, Keeps, RawDossier, RawPerson, CSV_FIELDS};
use std::io::Read;

pub struct CsvFile<R: Read> {
    reader: csv::Reader<R>,
    /// Column index of each field of [`CSV_FIELDS`], when mapped.
    columns: Vec<Option<usize>>,
    record: csv::StringRecord,
    /// A line read ahead: the first of the next dossier.
    pending: Option<RawDossier>,
    /// What the mapping does not carry.
    keeps: Keeps,
}

impl<R: Read> CsvFile<R> {
    /// Reads the header line and checks that every mapped column is there.
    pub fn new(input: R, mapping: &CsvMapping) -> Result<CsvFile<R>, FileError> {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(mapping.delimiter_byte())
            .flexible(false)
            .from_reader(input);
        let headers = reader
            .headers()
            .map_err(|e| csv_error(&e))?
            .iter()
            .map(|h| h.trim().trim_start_matches('\u{feff}').to_owned())
            .collect::<Vec<_>>();
        let mut columns = Vec::new();
        let mut missing = Vec::new();
        for (code, label, _) in CSV_FIELDS {
            let index = mapping.columns.get(*code).map(|column| {
                let found = headers.iter().position(|h| h.eq_ignore_ascii_case(column));
                if found.is_none() {
                    missing.push(format!("« {column} » ({label})"));
                }
                found
            });
            columns.push(index.flatten());
        }
        if !missing.is_empty() {
            return Err(FileError::at(
                1,
                format!(
                    "Colonne absente de la ligne d'en-tête : {}. Colonnes du fichier : {}.",
                    missing.join(", "),
                    headers.join(", ")
                ),
            ));
        }
        Ok(CsvFile {
            reader,
            columns,
            record: csv::StringRecord::new(),
            pending: None,
            keeps: Keeps::unmapped(mapping),
        })
    }

    fn field(&self, code: &str) -> String {
        CSV_FIELDS
            .iter()
            .position(|(c, _, _)| *c == code)
            .and_then(|i| self.columns[i])
            .and_then(|i| self.record.get(i))
            .unwrap_or("")
            .trim()
            .to_owned()
    }

    /// The next line as a one-person dossier.
    fn next_line(&mut self) -> Result<Option<RawDossier>, FileError> {
        if !self
            .reader
            .read_record(&mut self.record)
            .map_err(|e| csv_error(&e))?
        {
            return Ok(None);
        }
        let line = self.record.position().map_or(0, |p| p.line());
        let or = |value: String, default: &str| {
            if value.is_empty() {
                default.to_owned()
            } else {
                value
            }
        };
        Ok(Some(RawDossier {
            line,
            rsa_number: self.field("rsa_number"),
            caf_number: self.field("caf_number"),
            rsa_state: or(self.field("rsa_state"), "2"),
            rsa_state_on: self.field("rsa_state_on"),
            address: self.field("address"),
            commune_code: self.field("commune_code"),
            persons: vec![RawPerson {
                line,
                role: or(self.field("role"), "DEM"),
                last_name: self.field("last_name"),
                first_names: self.field("first_names"),
                birth_name: self.field("birth_name"),
                birth_date: self.field("birth_date"),
                sex: self.field("sex"),
                nir: self.field("nir"),
                subject_to_duties: or(self.field("subject_to_duties"), "1"),
                ..RawPerson::default()
            }],
            keeps: self.keeps,
            ..RawDossier::default()
        }))
    }
}

impl<R: Read> Source for CsvFile<R> {
    fn next_dossier(&mut self) -> Result<Option<RawDossier>, FileError> {
        let Some(mut dossier) = self
            .pending
            .take()
            .map_or_else(|| self.next_line(), |d| Ok(Some(d)))?
        else {
            return Ok(None);
        };
        while let Some(next) = self.next_line()? {
            if next.rsa_number == dossier.rsa_number {
                dossier.persons.extend(next.persons);
            } else {
                self.pending = Some(next);
                break;
            }
        }
        Ok(Some(dossier))
    }

    fn bytes_read(&self) -> u64 {
        self.reader.position().byte()
    }
}

fn csv_error(error: &csv::Error) -> FileError {
    let line = error.position().map_or(0, |p| p.line());
    let message = match error.kind() {
        csv::ErrorKind::Utf8 { .. } => {
            "Encodage invalide : le fichier CSV doit être en UTF-8 (dans le tableur : « CSV UTF-8 »)."
                .to_owned()
        }
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} colonnes au lieu de {expected_len} (séparateur ou guillemets ?)."),
        other => format!("Lecture impossible : {other:?}."),
    };
    FileError::at(line, message)
}
