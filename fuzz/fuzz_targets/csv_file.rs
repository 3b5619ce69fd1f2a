//! Arbitrary bytes as a CSV file of people, read as the import reads it.
//! The first byte picks the mapping (the delimiter, and which columns are
//! mapped), the rest is the file: its header line, then every dossier until
//! the end or the first error of the file, each dossier through the
//! import's validation. A panic, a hang or an unbounded allocation is a
//! bug; a refused file is not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parcours_domain::caf::{CsvMapping, CSV_FIELDS};
use parcours_domain::person::Fund;
use parcours_import::csv_file::CsvFile;
use parcours_import::{Source, Validator};
use time::{Date, Month};

/// The tests' export from another system (crates/import/tests/caf_import.rs).
const SOLIS: [(&str, &str); 8] = [
    ("rsa_number", "N° dossier"),
    ("last_name", "Nom"),
    ("first_names", "Prénom"),
    ("birth_date", "Né le"),
    ("sex", "Sexe"),
    ("nir", "NIR"),
    ("role", "Rôle"),
    ("commune_code", "Commune"),
];

/// The mapping picked by `selector`: `selector % 4` the delimiter, then
/// `selector / 4 % 3`: every field under a column of its code's name, the
/// required fields only (so that the others are kept from the known file),
/// or the tests' SOLIS export.
fn mapping(selector: u8) -> CsvMapping {
    let delimiter = [";", ",", "\t", "|"][usize::from(selector % 4)];
    let columns = match selector / 4 % 3 {
        0 => CSV_FIELDS
            .iter()
            .map(|(code, _, _)| (code.to_string(), code.to_string()))
            .collect(),
        1 => CSV_FIELDS
            .iter()
            .filter(|(_, _, required)| *required)
            .map(|(code, _, _)| (code.to_string(), code.to_string()))
            .collect(),
        _ => SOLIS
            .iter()
            .map(|(field, column)| (field.to_string(), column.to_string()))
            .collect(),
    };
    CsvMapping::parse(CsvMapping {
        name: "fuzz".into(),
        delimiter: delimiter.into(),
        columns,
    })
    .expect("a valid mapping")
}

fuzz_target!(|data: &[u8]| {
    let Some((selector, file)) = data.split_first() else {
        return;
    };
    let today = Date::from_calendar_date(2026, Month::December, 1).expect("a date");
    let Ok(mut reader) = CsvFile::new(file, &mapping(*selector)) else {
        return;
    };
    let mut validator = Validator::new(Fund::Caf, today);
    while let Ok(Some(raw)) = reader.next_dossier() {
        match validator.check(&raw) {
            Ok(dossier) => assert!(!dossier.persons.is_empty(), "a dossier of nobody"),
            Err(rejected) => assert!(
                !rejected.reason.chars().any(char::is_control)
                    && !rejected.reference.chars().any(char::is_control),
                "{rejected:?}"
            ),
        }
    }
});
