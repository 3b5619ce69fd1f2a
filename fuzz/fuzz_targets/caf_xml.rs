//! Arbitrary bytes as a CAF/MSA XML file, read as the import reads it: the
//! header, then every dossier until the end or the first error of the
//! file, each dossier through the import's validation. A panic, a hang or
//! an unbounded allocation is a bug; a refused file is not. The file is
//! read whole from memory, and again through a small buffer (as from a
//! disk or an upload, in pieces): both readings must import the same, or
//! both refuse the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parcours_domain::caf::RawDossier;
use parcours_import::caf_xml::{CafXml, Header};
use parcours_import::{FileError, Source, Validator};
use std::io::BufRead;
use time::{Date, Month};

/// What a reading gives: the header, the dossiers, and the error that
/// stopped it.
type Reading = (Option<Header>, Vec<RawDossier>, Option<FileError>);

fn read(input: impl BufRead) -> Reading {
    let today = Date::from_calendar_date(2026, Month::December, 1).expect("a date");
    let mut reader = CafXml::new(input, today);
    let header = match reader.header() {
        Ok(header) => header,
        Err(error) => return (None, Vec::new(), Some(error)),
    };
    let mut validator = Validator::new(header.fund, header.date);
    let mut dossiers = Vec::new();
    loop {
        match reader.next_dossier() {
            Ok(Some(raw)) => {
                match validator.check(&raw) {
                    Ok(dossier) => assert!(!dossier.persons.is_empty(), "a dossier of nobody"),
                    // What a rejection quotes of the file is printable (no
                    // NUL, no control character): it is stored and shown.
                    Err(rejected) => assert!(
                        !rejected.reason.chars().any(char::is_control)
                            && !rejected.reference.chars().any(char::is_control),
                        "{rejected:?}"
                    ),
                }
                dossiers.push(raw);
            }
            Ok(None) => return (Some(header), dossiers, None),
            Err(error) => return (Some(header), dossiers, Some(error)),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let whole = read(std::io::Cursor::new(data));
    // Pieces of a size drawn from the input, 128 bytes or more; the first
    // holds the XML declaration, which the reader looks for in its input's
    // first buffer (8 KiB from a file).
    let declaration = data
        .windows(2)
        .position(|w| w == b"?>")
        .map_or(0, |at| at + 2);
    let piece = (128 + data.iter().map(|b| usize::from(*b)).sum::<usize>() % 4096).max(declaration);
    let pieces = read(std::io::BufReader::with_capacity(piece, data));
    // The same file is imported the same, or refused both ways (an error
    // of the file refuses it whole; where it is met may differ, as
    // quick-xml's decoder reads ahead of the events).
    match (&whole.2, &pieces.2) {
        (None, None) => assert_eq!(whole, pieces, "read whole, then in pieces of {piece} bytes"),
        (Some(_), Some(_)) => {}
        _ => panic!("read whole, then in pieces of {piece} bytes: {whole:?} {pieces:?}"),
    }
});
