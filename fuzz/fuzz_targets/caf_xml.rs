//! Arbitrary bytes as a CAF/MSA XML file, read as the import reads it: the
//! header, then every dossier until the end or the first error of the
//! file, each dossier through the import's validation. A panic, a hang or
//! an unbounded allocation is a bug; a refused file is not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parcours_import::caf_xml::CafXml;
use parcours_import::{Source, Validator};
use time::{Date, Month};

fuzz_target!(|data: &[u8]| {
    let today = Date::from_calendar_date(2026, Month::December, 1).expect("a date");
    let mut reader = CafXml::new(std::io::Cursor::new(data), today);
    let Ok(header) = reader.header() else {
        return;
    };
    let mut validator = Validator::new(header.fund, header.date);
    while let Ok(Some(raw)) = reader.next_dossier() {
        match validator.check(&raw) {
            Ok(dossier) => assert!(!dossier.persons.is_empty(), "a dossier of nobody"),
            // What a rejection quotes of the file is printable (no NUL, no
            // control character): it is stored and shown.
            Err(rejected) => assert!(
                !rejected.reason.chars().any(char::is_control)
                    && !rejected.reference.chars().any(char::is_control),
                "{rejected:?}"
            ),
        }
    }
});
