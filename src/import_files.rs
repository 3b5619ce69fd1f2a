//! `parcours import caf FILE` and `parcours import csv FILE --mapping NAME`:
//! the command-line side of the imports, with a progress bar on stderr and
//! the report on stdout.

use anyhow::{bail, Context};
use parcours_domain::caf::{CsvMapping, CSV_FIELDS};
use parcours_import::{ImportError, ImportJob, Progress};
use parcours_store::import::ImportRecord;
use parcours_store::{Actor, Store, StoreError};
use std::io::{BufReader, IsTerminal, Write};
use std::path::Path;

/// Rejected records printed before pointing to `--json`.
const SHOWN_REJECTS: usize = 50;

pub enum Format {
    CafXml,
    Csv(String),
}

pub async fn import(store: &Store, path: &Path, format: Format, json: bool) -> anyhow::Result<()> {
    let file =
        std::fs::File::open(path).with_context(|| format!("ouverture de {}", path.display()))?;
    let size = file.metadata().map(|m| m.len()).ok();
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let actor = Actor::system("import en ligne de commande");
    let job = ImportJob {
        store,
        actor: &actor,
        file_name: &name,
        total_bytes: size,
        today: parcours_domain::clock::today(),
        row: None,
    };
    let started = std::time::Instant::now();
    let input = BufReader::with_capacity(1 << 16, file);
    let result = match format {
        Format::CafXml => job.caf_xml(input, progress_bar).await,
        Format::Csv(mapping) => {
            let mapping = match store.csv_mapping(&mapping).await {
                Ok(mapping) => mapping,
                Err(StoreError::NotFound) => bail!(
                    "correspondance de colonnes inconnue : « {mapping} » (créez-la dans Imports → Correspondances CSV, ou avec `parcours import csv-mapping`)"
                ),
                Err(e) => return Err(e.into()),
            };
            job.csv(input, &mapping, progress_bar).await
        }
    };
    eprintln!();
    match result {
        Ok(record) if json => println!("{}", serde_json::to_string_pretty(&record)?),
        Ok(record) => print_report(&record, started.elapsed()),
        Err(ImportError::File { error, .. }) => {
            bail!("fichier refusé, rien n'a été importé : {error}")
        }
        Err(ImportError::Store(e)) => bail!("import interrompu, rien n'a été importé : {e}"),
    }
    Ok(())
}

/// Saves a CSV column mapping from a JSON file
/// (`{"delimiter": ";", "columns": {"rsa_number": "N° dossier", …}}`).
pub async fn save_mapping(store: &Store, name: &str, path: &Path) -> anyhow::Result<()> {
    #[derive(serde::Deserialize)]
    struct File {
        delimiter: String,
        columns: std::collections::BTreeMap<String, String>,
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("lecture de {}", path.display()))?;
    let file: File = serde_json::from_str(&text).with_context(|| {
        let fields: Vec<&str> = CSV_FIELDS.iter().map(|(code, _, _)| *code).collect();
        format!(
            "{} n'est pas une correspondance JSON {{\"delimiter\": \";\", \"columns\": {{champ: colonne}}}} (champs : {})",
            path.display(),
            fields.join(", ")
        )
    })?;
    let mapping = CsvMapping {
        name: name.to_owned(),
        delimiter: file.delimiter,
        columns: file.columns,
    };
    let mapping = parcours_app::import::save_mapping(
        &crate::cli::app(store, ""),
        &crate::cli::OPERATOR,
        mapping,
    )
    .await
    .map_err(|failure| anyhow::anyhow!("correspondance invalide : {failure}"))?;
    println!("Correspondance « {} » enregistrée.", mapping.name);
    Ok(())
}

/// `[##########----------]  50 % · 12 000 dossiers lus · 3 rejetés`, redrawn in place.
fn progress_bar(progress: Progress) {
    let mut err = std::io::stderr();
    if !err.is_terminal() && progress.percent() != Some(100) {
        return;
    }
    let bar = progress.percent().map_or(String::new(), |p| {
        let filled = usize::from(p) / 5;
        format!(
            "[{}{}] {p:>3} % · ",
            "#".repeat(filled),
            "-".repeat(20 - filled)
        )
    });
    let _ = write!(
        err,
        "\r{bar}{} dossiers lus · {} rejetés",
        progress.records, progress.rejected
    );
    let _ = err.flush();
}

fn print_report(record: &ImportRecord, elapsed: std::time::Duration) {
    let c = &record.counts;
    let rate = c.records as f64 / elapsed.as_secs_f64().max(1e-3);
    println!(
        "Import de {} ({}) : {} dossiers en {:.1} s ({:.0} dossiers/s).",
        record.file_name,
        record.kind,
        c.records,
        elapsed.as_secs_f64(),
        rate
    );
    println!(
        "  foyers : {} créés, {} mis à jour",
        c.households_created, c.households_updated
    );
    println!(
        "  personnes : {} créées, {} mises à jour",
        c.persons_created, c.persons_updated
    );
    println!(
        "  nouveaux entrants dans les droits et devoirs : {} (orientation à décider)",
        c.new_entrants
    );
    for warning in &record.report.warnings {
        println!("  attention : {warning}");
    }
    if record.report.rejected.is_empty() {
        println!("Aucun dossier rejeté.");
        return;
    }
    println!("Dossiers rejetés (non importés) : {}", c.rejected);
    for r in record.report.rejected.iter().take(SHOWN_REJECTS) {
        println!("  ligne {} — {} — {}", r.line, r.reference, r.reason);
    }
    if record.report.rejected.len() > SHOWN_REJECTS {
        println!(
            "  … et {} autres (liste complète : --json, ou la page de l'import).",
            record.report.rejected.len() - SHOWN_REJECTS
        );
    }
}
