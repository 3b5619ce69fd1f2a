//! The catalogue exchanged with data·inclusion (schema v1, PyPI package
//! `data-inclusion-schema` 1.x): partner structures become `structures`,
//! published actions become `services`.
//!
//! # Export
//!
//! [`export`] writes the published, current actions (`Store::public_actions`)
//! and the structures that run them. A row that came from an import keeps
//! its `external_id` as data·inclusion `id`; any other row is
//! `{source}--{uuid}`. Optional fields are omitted when absent, and a value
//! the official models would refuse (a malformed e-mail address or URL, a
//! postal code that is not 5 digits…) is omitted rather than exported: the
//! export must always validate (`scripts/validate-data-inclusion.py`).
//! Département-funded actions are free: `frais` is always `gratuit`.
//!
//! # Import policy: valid rows are kept
//!
//! [`import`] takes the two files' contents. Each must be a JSON array, or
//! the whole import is refused before anything is written. Then every row
//! is checked on its own, structures first: a row with the wrong JSON shape,
//! failing our validation (a structure without a valid SIRET, a service
//! without a known thématique…), a service whose `structure_id` is neither
//! in `structures.json` (accepted rows) nor already in the catalogue, or an
//! `id` already seen earlier in the same file (the first one wins) is
//! REJECTED and listed in the [`ImportReport`] — one [`RejectedRow`] per
//! problem, with the file, the row's position in the array (from 1), its id
//! and the data·inclusion field. Every other row is IMPORTED. A catalogue
//! fed by many producers is rarely perfect; importing what is valid and
//! listing precisely what to fix at the source is more useful than refusing
//! everything for one bad row, and since the import is an upsert, running it
//! again on the corrected files converges (it is idempotent).
//!
//! Rows are matched by `id` against `external_id`: an existing structure or
//! action is updated (with the version it has), otherwise it is created.
//! data·inclusion does not carry everything our catalogue needs, so:
//!
//! - a new structure's kind comes from its first known réseau porteur
//!   (CCAS, département, France Travail, mission locale, Cap emploi, SIAE
//!   networks), `other` otherwise; `reseaux_porteurs` codes we do not know
//!   are ignored and the first known one is kept;
//! - a new action is a **draft** (the chargé de mission reviews it before
//!   publishing); its family comes from its first thématique's category
//!   ([`default_family`]); its format is collective for `atelier`,
//!   `formation` and `information`, individual otherwise; it has no
//!   capacity; it starts on `date_maj` (today if that date is in the
//!   future); reception is `modes_accueil` (on site when absent), and an
//!   on-site service without an address takes its structure's;
//! - `horaires_accueil` written the way our export writes it ("Tu
//!   14:00-17:00", "week 01-53/2 Mo 09:00-12:00", "Th[2] 09:00-17:00") is
//!   read back; anything else, or nothing, means "sur rendez-vous";
//! - `zone_eligibilite` becomes the eligibility communes (codes of other
//!   levels — département, EPCI, pays, `france` — mean no restriction);
//!   `conditions_acces` (free text), `frais` and `modes_mobilisation` are not
//!   read back (the latter is derived from the contact on export);
//! - on an update, what data·inclusion does not carry is kept as the
//!   département set it: a structure's kind and contact name, an action's
//!   family, format, capacity, eligibility rules other than communes,
//!   dates, status, and its schedule when `horaires_accueil` is present but
//!   not understood.

use crate::catalogue::{Action, Structure};
use crate::{Actor, Result, Store, StoreError};
use parcours_domain::account::is_email;
use parcours_domain::catalogue::{
    is_siret, ActionData, ActionInput, AddressInput, ContactInput, Network, PracticalInput, Public,
    Reception, StructureData, StructureInput,
};
use parcours_domain::organisation::OrganisationKind;
use parcours_domain::person::is_commune_code;
use parcours_domain::schedule::{Frequency, Schedule, ScheduleInput, WEEKDAYS};
use parcours_domain::{taxonomy, FieldError, Invalid};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

pub const STRUCTURES_FILE: &str = "structures.json";
pub const SERVICES_FILE: &str = "services.json";

/// A data·inclusion v1 `Structure`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiStructure {
    pub source: String,
    pub id: String,
    pub nom: String,
    pub date_maj: Date,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub siret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commune: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_postal: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_insee: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adresse: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub telephone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub courriel: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site_web: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reseaux_porteurs: Vec<String>,
}

/// A data·inclusion v1 `Service`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiService {
    pub source: String,
    pub structure_id: String,
    pub id: String,
    pub nom: String,
    pub description: String,
    pub date_maj: Date,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub service_type: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thematiques: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frais: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub publics: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions_acces: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commune: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_postal: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_insee: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adresse: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub telephone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub courriel: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_nom_prenom: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modes_accueil: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub zone_eligibilite: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modes_mobilisation: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mobilisable_par: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobilisation_precisions: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_horaire_hebdomadaire: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nombre_semaines: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub horaires_accueil: Option<String>,
}

/// One problem with one row of an imported file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RejectedRow {
    /// `structures.json` or `services.json`.
    pub file: String,
    /// Position of the row in the file's array, from 1.
    pub row: usize,
    pub id: Option<String>,
    /// The data·inclusion field at fault; none when the row as a whole is.
    pub field: Option<String>,
    /// In French.
    pub message: String,
}

/// What an import did. A row rejected for two reasons appears twice in `rejected`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub structures_created: usize,
    pub structures_updated: usize,
    pub services_created: usize,
    pub services_updated: usize,
    pub rejected: Vec<RejectedRow>,
}

impl ImportReport {
    /// How many distinct rows were rejected, per file (structures, services).
    pub fn rejected_rows(&self) -> (usize, usize) {
        let rows = |file: &str| {
            self.rejected
                .iter()
                .filter(|r| r.file == file)
                .map(|r| r.row)
                .collect::<HashSet<_>>()
                .len()
        };
        (rows(STRUCTURES_FILE), rows(SERVICES_FILE))
    }

    fn reject(&mut self, file: &str, row: usize, id: Option<&str>, errors: Vec<FieldError>) {
        for error in errors {
            self.rejected.push(RejectedRow {
                file: file.to_owned(),
                row,
                id: id.map(str::to_owned),
                field: (!error.field.is_empty()).then_some(error.field),
                message: error.message,
            });
        }
    }
}

/// Pretty JSON, as the exported files are written.
pub fn to_pretty_json<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string_pretty(value).expect("serialisable")
}

// ---------------------------------------------------------------- export

/// The published, current actions as data·inclusion services, and the
/// structures that run them.
pub async fn export(
    store: &Store,
    source: &str,
    today: Date,
) -> Result<(Vec<DiStructure>, Vec<DiService>)> {
    let actions = store.public_actions(today).await?;
    let running: HashSet<Uuid> = actions.iter().map(|a| a.structure_id).collect();
    let communes: HashMap<String, String> = store
        .communes()
        .await?
        .into_iter()
        .map(|(code, name, _)| (code, name))
        .collect();
    let mut structures = Vec::new();
    let mut exported: HashMap<Uuid, (String, &Structure)> = HashMap::new();
    let all = store.all_structures().await?;
    for structure in all.iter().filter(|s| running.contains(&s.id)) {
        match structure_row(structure, source, today) {
            Some(row) => {
                exported.insert(structure.id, (row.id.clone(), structure));
                structures.push(row);
            }
            None => {
                tracing::warn!(structure = %structure.id, "structure not exportable to data·inclusion (name)")
            }
        }
    }
    let mut services = Vec::new();
    for action in &actions {
        let Some((structure_id, structure)) = exported.get(&action.structure_id) else {
            continue;
        };
        let label = |code: &str| {
            communes
                .get(code)
                .cloned()
                .unwrap_or_else(|| code.to_owned())
        };
        match service_row(action, structure_id, structure, source, today, label) {
            Some(row) => services.push(row),
            None => {
                tracing::warn!(action = %action.id, "action not exportable to data·inclusion (name or description)")
            }
        }
    }
    Ok((structures, services))
}

/// `external_id` for a row that came from an import, `{source}--{uuid}` otherwise.
pub fn exported_id(source: &str, id: Uuid, external_id: Option<&str>) -> String {
    match external_id.map(str::trim).filter(|e| !e.is_empty()) {
        Some(external) => external.to_owned(),
        None => format!("{source}--{id}"),
    }
}

/// The day of the last change in Paris (the product's one clock), never
/// after `today`: data·inclusion refuses a `date_maj` in the future.
pub fn date_maj(updated_at: OffsetDateTime, today: Date) -> Date {
    parcours_domain::clock::date_in_paris(updated_at).min(today)
}

fn structure_row(s: &Structure, source: &str, today: Date) -> Option<DiStructure> {
    if !valid_name(&s.name) {
        return None;
    }
    Some(DiStructure {
        source: source.to_owned(),
        id: exported_id(source, s.id, s.external_id.as_deref()),
        nom: s.name.clone(),
        date_maj: date_maj(s.updated_at, today),
        description: text(&s.description).filter(|d| valid_description(d)),
        siret: text(&Some(s.siret.clone())).filter(|s| is_siret(s)),
        commune: text(&s.commune_name),
        code_postal: text(&s.postal_code).filter(|c| is_postal_code(c)),
        code_insee: text(&s.commune_code).filter(|c| is_commune_code(c)),
        adresse: text(&s.address),
        telephone: text(&s.phone),
        courriel: text(&s.email).filter(|e| is_exportable_email(e)),
        site_web: text(&s.website).filter(|u| is_exportable_url(u)),
        reseaux_porteurs: s
            .network
            .iter()
            .filter(|n| Network::from_code(n).is_some())
            .cloned()
            .collect(),
    })
}

fn service_row(
    a: &Action,
    structure_id: &str,
    structure: &Structure,
    source: &str,
    today: Date,
    commune_label: impl Fn(&str) -> String,
) -> Option<DiService> {
    if !valid_name(&a.name) || !valid_description(&a.description) {
        return None;
    }
    let telephone = text(&a.contact_phone);
    let courriel = text(&a.contact_email).filter(|e| is_exportable_email(e));
    let reception: Vec<String> = a
        .reception
        .iter()
        .filter(|r| Reception::from_code(r).is_some())
        .cloned()
        .collect();
    let conditions = a.eligibility.describe(commune_label);
    let mut publics: Vec<String> = a
        .publics
        .iter()
        .filter(|p| Public::from_code(p).is_some())
        .cloned()
        .collect();
    if publics.len() > 1 {
        publics.retain(|p| p.as_str() != Public::Everyone.code());
    }
    Some(DiService {
        source: source.to_owned(),
        structure_id: structure_id.to_owned(),
        id: exported_id(source, a.id, a.external_id.as_deref()),
        nom: a.name.clone(),
        description: a.description.clone(),
        date_maj: date_maj(a.updated_at, today),
        service_type: Some(a.service_type.code().to_owned()),
        thematiques: a
            .thematiques
            .iter()
            .filter(|t| taxonomy::thematique_label(t).is_some())
            .cloned()
            .collect(),
        frais: Some("gratuit".to_owned()),
        publics,
        conditions_acces: (!conditions.is_empty()).then(|| conditions.join(" ")),
        commune: text(&a.commune_name),
        code_postal: text(&a.postal_code).filter(|c| is_postal_code(c)),
        code_insee: text(&a.commune_code).filter(|c| is_commune_code(c)),
        adresse: text(&a.address),
        modes_mobilisation: modes_mobilisation(
            telephone.is_some() || text(&structure.phone).is_some(),
            courriel.is_some() || text(&structure.email).is_some_and(|e| is_exportable_email(&e)),
            reception.iter().any(|r| r == Reception::OnSite.code()),
            a.self_referral,
        ),
        telephone,
        courriel,
        contact_nom_prenom: text(&a.contact_name),
        modes_accueil: reception,
        zone_eligibilite: a
            .eligibility
            .communes
            .iter()
            .filter(|c| is_commune_code(c))
            .cloned()
            .collect(),
        mobilisable_par: mobilisable_par(a.self_referral),
        mobilisation_precisions: text(&a.how_to_apply),
        volume_horaire_hebdomadaire: a.weekly_hours.filter(|h| h.is_finite() && *h >= 0.0),
        nombre_semaines: a.duration_weeks.filter(|w| *w >= 1),
        horaires_accueil: a.schedule.opening_hours(a.starts_on),
    })
}

/// How a person or a professional gets the service: by phone or e-mail when
/// the service (or its structure) has one, by turning up when the service
/// is on site and open without a prescription.
pub fn modes_mobilisation(
    phone: bool,
    email: bool,
    on_site: bool,
    self_referral: bool,
) -> Vec<String> {
    let mut modes = Vec::new();
    if phone {
        modes.push("telephoner".to_owned());
    }
    if email {
        modes.push("envoyer-un-courriel".to_owned());
    }
    if on_site && self_referral {
        modes.push("se-presenter".to_owned());
    }
    modes
}

/// Professionals always (the référent prescribes); the person too when the
/// action takes direct requests.
pub fn mobilisable_par(self_referral: bool) -> Vec<String> {
    let mut who = vec!["professionnels".to_owned()];
    if self_referral {
        who.push("usagers".to_owned());
    }
    who
}

fn text(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

fn valid_name(name: &str) -> bool {
    (3..=150).contains(&name.chars().count())
}

fn valid_description(description: &str) -> bool {
    (5..=10_000).contains(&description.chars().count())
}

fn is_postal_code(code: &str) -> bool {
    code.len() == 5 && code.bytes().all(|b| b.is_ascii_digit())
}

/// An address the official model (pydantic `EmailStr`, email-validator)
/// accepts: a dot-atom local part, an ASCII host name of two labels or more
/// ending with a letter, not a special-use domain. Stricter than the
/// catalogue's own check, so nothing exported is refused.
pub fn is_exportable_email(email: &str) -> bool {
    if !is_email(email) || email.len() > 254 {
        return false;
    }
    let Some((local, domain)) = email.rsplit_once('@') else {
        return false;
    };
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c);
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local
            .split('.')
            .all(|atom| !atom.is_empty() && atom.chars().all(atext));
    local_ok && is_host_name(domain, true)
}

fn is_host_name(domain: &str, for_email: bool) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |label: &&str| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || (!for_email && c == '_'))
            && !(label.len() >= 4 && &label[2..4] == "--" && !label.starts_with("xn"))
    };
    let tld = labels
        .last()
        .copied()
        .unwrap_or_default()
        .to_ascii_lowercase();
    domain.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(label_ok)
        && tld.ends_with(|c: char| c.is_ascii_alphabetic())
        && !["arpa", "invalid", "local", "localhost", "onion", "test"].contains(&tld.as_str())
}

/// A web address the official model (pydantic `HttpUrl`) accepts:
/// http(s), a plain host name, an optional port, no spaces.
pub fn is_exportable_url(url: &str) -> bool {
    let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
    else {
        return false;
    };
    if url.len() > 2083 || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    !authority.contains('@')
        && is_host_name(host, false)
        && port.is_none_or(|p| p.parse::<u16>().is_ok_and(|p| p > 0))
}

// ---------------------------------------------------------------- import

/// Upserts the rows of `structures.json` and `services.json` (their
/// contents); see the module documentation for what is kept and rejected.
pub async fn import(
    store: &Store,
    actor: &Actor,
    structures_json: &str,
    services_json: &str,
    today: Date,
) -> Result<ImportReport> {
    let structure_rows = json_array(STRUCTURES_FILE, structures_json)?;
    let service_rows = json_array(SERVICES_FILE, services_json)?;
    let mut report = ImportReport::default();

    let mut imported: HashMap<String, Structure> = HashMap::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (index, raw) in structure_rows.iter().enumerate() {
        let row = index + 1;
        let raw_id = raw.get("id").and_then(Value::as_str);
        let di: DiStructure = match read_row(raw, STRUCTURE_FIELDS) {
            Ok(di) => di,
            Err(errors) => {
                report.reject(STRUCTURES_FILE, row, raw_id, errors);
                continue;
            }
        };
        if let Err(error) = check_id(&mut seen, &di.id, row) {
            report.reject(STRUCTURES_FILE, row, Some(&di.id), vec![error]);
            continue;
        }
        let existing = store.structure_by_external_id(&di.id).await?;
        let data = match StructureData::parse(&structure_input(&di, existing.as_ref())) {
            Ok(data) => data,
            Err(invalid) => {
                let errors = di_errors(invalid, structure_field);
                report.reject(STRUCTURES_FILE, row, Some(&di.id), errors);
                continue;
            }
        };
        let saved = match &existing {
            Some(s) => store.update_structure(actor, s.id, s.version, &data).await,
            None => store.create_structure(actor, &data, Some(&di.id)).await,
        };
        match saved {
            Ok(structure) => {
                if existing.is_some() {
                    report.structures_updated += 1;
                } else {
                    report.structures_created += 1;
                }
                imported.insert(di.id, structure);
            }
            Err(error) => {
                let errors = row_errors(error, structure_field)?;
                report.reject(STRUCTURES_FILE, row, Some(&di.id), errors);
            }
        }
    }

    let mut seen: HashMap<String, usize> = HashMap::new();
    for (index, raw) in service_rows.iter().enumerate() {
        let row = index + 1;
        let raw_id = raw.get("id").and_then(Value::as_str);
        let di: DiService = match read_row(raw, SERVICE_FIELDS) {
            Ok(di) => di,
            Err(errors) => {
                report.reject(SERVICES_FILE, row, raw_id, errors);
                continue;
            }
        };
        if let Err(error) = check_id(&mut seen, &di.id, row) {
            report.reject(SERVICES_FILE, row, Some(&di.id), vec![error]);
            continue;
        }
        let structure = match imported.get(&di.structure_id) {
            Some(s) => Some(s.clone()),
            None => store.structure_by_external_id(&di.structure_id).await?,
        };
        let Some(structure) = structure else {
            let message = format!(
                "Structure inconnue : « {} » n'est ni une structure acceptée de {STRUCTURES_FILE} ni une structure déjà importée.",
                di.structure_id
            );
            report.reject(
                SERVICES_FILE,
                row,
                Some(&di.id),
                vec![field_error("structure_id", message)],
            );
            continue;
        };
        let existing = store.action_by_external_id(&di.id).await?;
        let input = service_input(&di, &structure, existing.as_ref(), today);
        let data = match ActionData::parse(&input) {
            Ok(data) => data,
            Err(invalid) => {
                let errors = di_errors(invalid, service_field);
                report.reject(SERVICES_FILE, row, Some(&di.id), errors);
                continue;
            }
        };
        let saved = match &existing {
            Some(a) => {
                store
                    .update_action(actor, a.id, a.version, &data, today)
                    .await
            }
            None => store.create_action(actor, &data, today, Some(&di.id)).await,
        };
        match saved {
            Ok(_) if existing.is_some() => report.services_updated += 1,
            Ok(_) => report.services_created += 1,
            Err(error) => {
                let errors = row_errors(error, service_field)?;
                report.reject(SERVICES_FILE, row, Some(&di.id), errors);
            }
        }
    }
    Ok(report)
}

/// The file's rows, or the whole import refused.
fn json_array(file: &str, json: &str) -> Result<Vec<Value>> {
    match serde_json::from_str::<Value>(json) {
        Ok(Value::Array(rows)) => Ok(rows),
        Ok(_) => Err(Invalid::field(
            file,
            format!("{file} doit contenir un tableau JSON (data·inclusion v1 : [ {{…}}, {{…}} ]) ; rien n'a été importé."),
        )
        .into()),
        Err(error) => Err(Invalid::field(
            file,
            format!(
                "{file} n'est pas un JSON lisible (ligne {}, colonne {}) ; rien n'a été importé.",
                error.line(),
                error.column()
            ),
        )
        .into()),
    }
}

fn field_error(field: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.to_owned(),
        message: message.into(),
    }
}

fn check_id(seen: &mut HashMap<String, usize>, id: &str, row: usize) -> Result<(), FieldError> {
    if id.trim().is_empty() {
        return Err(field_error("id", "L'identifiant est vide."));
    }
    if let Some(first) = seen.get(id) {
        return Err(field_error(
            "id",
            format!("Identifiant en double dans le fichier (déjà ligne {first}) : seule la première ligne est importée."),
        ));
    }
    seen.insert(id.to_owned(), row);
    Ok(())
}

/// A store refusal of one row, or the error that stops the import.
fn row_errors(error: StoreError, field: fn(&str) -> &str) -> Result<Vec<FieldError>> {
    match error {
        StoreError::Invalid(invalid) => Ok(di_errors(invalid, field)),
        StoreError::Stale => Ok(vec![field_error(
            "id",
            "L'élément a été modifié pendant l'import : relancez l'import.",
        )]),
        other => Err(other),
    }
}

fn di_errors(invalid: Invalid, field: fn(&str) -> &str) -> Vec<FieldError> {
    invalid
        .errors
        .into_iter()
        .map(|e| FieldError {
            field: field(&e.field).to_owned(),
            message: e.message,
        })
        .collect()
}

/// Our structure field → the data·inclusion field it comes from.
fn structure_field(field: &str) -> &str {
    match field {
        "name" => "nom",
        "kind" | "network" => "reseaux_porteurs",
        "address" => "adresse",
        "postal_code" => "code_postal",
        "commune_code" => "code_insee",
        "commune_name" => "commune",
        "contact_phone" => "telephone",
        "contact_email" => "courriel",
        "website" => "site_web",
        other => other,
    }
}

/// Our action field → the data·inclusion field it comes from.
fn service_field(field: &str) -> &str {
    match field {
        "name" => "nom",
        "service_type" | "format" => "type",
        "family" => "thematiques",
        "reception" => "modes_accueil",
        "address" => "adresse",
        "postal_code" => "code_postal",
        "commune_code" => "code_insee",
        "commune_name" => "commune",
        "weekly_hours" => "volume_horaire_hebdomadaire",
        "duration_weeks" => "nombre_semaines",
        "starts_on" | "ends_on" => "date_maj",
        "contact_name" => "contact_nom_prenom",
        "contact_phone" => "telephone",
        "contact_email" => "courriel",
        "how_to_apply" => "mobilisation_precisions",
        "eligibility_communes" => "zone_eligibilite",
        f if f.starts_with("schedule_") => "horaires_accueil",
        f if f.starts_with("eligibility_") || f == "capacity" => "conditions_acces",
        other => other,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Text,
    Date,
    Texts,
    Number,
    Integer,
}

/// Every field of [`DiStructure`], its JSON shape and whether it is required.
const STRUCTURE_FIELDS: &[(&str, Shape, bool)] = &[
    ("source", Shape::Text, true),
    ("id", Shape::Text, true),
    ("nom", Shape::Text, true),
    ("date_maj", Shape::Date, true),
    ("description", Shape::Text, false),
    ("siret", Shape::Text, false),
    ("commune", Shape::Text, false),
    ("code_postal", Shape::Text, false),
    ("code_insee", Shape::Text, false),
    ("adresse", Shape::Text, false),
    ("telephone", Shape::Text, false),
    ("courriel", Shape::Text, false),
    ("site_web", Shape::Text, false),
    ("reseaux_porteurs", Shape::Texts, false),
];

/// Every field of [`DiService`], its JSON shape and whether it is required.
const SERVICE_FIELDS: &[(&str, Shape, bool)] = &[
    ("source", Shape::Text, true),
    ("structure_id", Shape::Text, true),
    ("id", Shape::Text, true),
    ("nom", Shape::Text, true),
    ("description", Shape::Text, true),
    ("date_maj", Shape::Date, true),
    ("type", Shape::Text, false),
    ("thematiques", Shape::Texts, false),
    ("frais", Shape::Text, false),
    ("publics", Shape::Texts, false),
    ("conditions_acces", Shape::Text, false),
    ("commune", Shape::Text, false),
    ("code_postal", Shape::Text, false),
    ("code_insee", Shape::Text, false),
    ("adresse", Shape::Text, false),
    ("telephone", Shape::Text, false),
    ("courriel", Shape::Text, false),
    ("contact_nom_prenom", Shape::Text, false),
    ("modes_accueil", Shape::Texts, false),
    ("zone_eligibilite", Shape::Texts, false),
    ("modes_mobilisation", Shape::Texts, false),
    ("mobilisable_par", Shape::Texts, false),
    ("mobilisation_precisions", Shape::Text, false),
    ("volume_horaire_hebdomadaire", Shape::Number, false),
    ("nombre_semaines", Shape::Integer, false),
    ("horaires_accueil", Shape::Text, false),
];

/// Checks the JSON shape of a row field by field (French messages), then
/// reads it. `null` is an absent value; unknown fields are ignored.
fn read_row<T: serde::de::DeserializeOwned>(
    raw: &Value,
    fields: &[(&str, Shape, bool)],
) -> Result<T, Vec<FieldError>> {
    let Value::Object(object) = raw else {
        return Err(vec![field_error(
            "",
            "La ligne n'est pas un objet JSON ({ \"id\": …, \"nom\": … }).",
        )]);
    };
    let mut row = Map::new();
    let mut errors = Vec::new();
    for (name, shape, required) in fields {
        let value = object.get(*name).filter(|v| !v.is_null());
        let Some(value) = value else {
            if *required {
                errors.push(field_error(
                    name,
                    format!("Le champ « {name} » est obligatoire."),
                ));
            }
            continue;
        };
        let fits = match shape {
            Shape::Text => value.is_string(),
            Shape::Date => value.as_str().is_some_and(|d| iso_date(d).is_some()),
            Shape::Texts => value
                .as_array()
                .is_some_and(|items| items.iter().all(Value::is_string)),
            Shape::Number => value.as_f64().is_some(),
            Shape::Integer => value.as_i64().is_some(),
        };
        if fits {
            row.insert((*name).to_owned(), value.clone());
        } else {
            let expected = match shape {
                Shape::Text => "une chaîne de caractères",
                Shape::Date => "une date AAAA-MM-JJ",
                Shape::Texts => "une liste de chaînes de caractères",
                Shape::Number => "un nombre",
                Shape::Integer => "un nombre entier",
            };
            errors.push(field_error(
                name,
                format!("Le champ « {name} » doit être {expected}."),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    serde_json::from_value(Value::Object(row))
        .map_err(|e| vec![field_error("", format!("Ligne illisible : {e}."))])
}

fn iso_date(raw: &str) -> Option<Date> {
    Date::parse(
        raw,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
}

/// The kind of a new structure, from its réseau porteur.
pub fn kind_of_network(network: Option<Network>) -> OrganisationKind {
    match network {
        Some(Network::Departement) => OrganisationKind::DepartmentService,
        Some(Network::Ccas) => OrganisationKind::Ccas,
        Some(Network::FranceTravail) => OrganisationKind::FranceTravail,
        Some(Network::MissionLocale) => OrganisationKind::MissionLocale,
        Some(Network::CapEmploi) => OrganisationKind::CapEmploi,
        Some(Network::Aci | Network::Ei | Network::Ai) => OrganisationKind::Siae,
        _ => OrganisationKind::Other,
    }
}

/// The form our validation reads, from a data·inclusion structure (and
/// what the département set that data·inclusion does not carry).
pub fn structure_input(di: &DiStructure, existing: Option<&Structure>) -> StructureInput {
    let network = di
        .reseaux_porteurs
        .iter()
        .find_map(|code| Network::from_code(code.trim()));
    let kind = match existing {
        Some(s) => s.kind.code().to_owned(),
        None => kind_of_network(network).code().to_owned(),
    };
    StructureInput {
        name: di.nom.clone(),
        kind,
        siret: di.siret.clone().unwrap_or_default(),
        description: di.description.clone().unwrap_or_default(),
        place: AddressInput {
            address: di.adresse.clone().unwrap_or_default(),
            postal_code: di.code_postal.clone().unwrap_or_default(),
            commune_code: di.code_insee.clone().unwrap_or_default(),
            commune_name: di.commune.clone().unwrap_or_default(),
        },
        contact: ContactInput {
            name: existing
                .and_then(|s| s.contact_name.clone())
                .unwrap_or_default(),
            phone: di.telephone.clone().unwrap_or_default(),
            email: di.courriel.clone().unwrap_or_default(),
        },
        website: di.site_web.clone().unwrap_or_default(),
        network: network.map(|n| n.code().to_owned()).unwrap_or_default(),
    }
}

/// The family of an imported action, from its first thématique's category
/// (one of `DEFAULT_FAMILIES`, which every catalogue has):
///
/// | category | family |
/// |---|---|
/// | mobilite | mobilite |
/// | logement-hebergement | habitat |
/// | lecture-ecriture-calcul, numerique | savoirs-de-base |
/// | sante | accompagnement-psychologique |
/// | remobilisation | mobilisation-entraide |
/// | choisir-un-metier, preparer-sa-candidature, trouver-un-emploi, se-former, creer-une-entreprise, souvrir-a-linternational | espaces-dynamisation |
/// | famille, difficultes-*, equipement-et-alimentation, anything else | accompagnement-social |
pub fn default_family(thematiques: &[String]) -> &'static str {
    let category = thematiques
        .iter()
        .find_map(|t| taxonomy::category_of(t.trim()))
        .map(|c| c.code);
    match category {
        Some("mobilite") => "mobilite",
        Some("logement-hebergement") => "habitat",
        Some("lecture-ecriture-calcul" | "numerique") => "savoirs-de-base",
        Some("sante") => "accompagnement-psychologique",
        Some("remobilisation") => "mobilisation-entraide",
        Some(
            "choisir-un-metier"
            | "preparer-sa-candidature"
            | "trouver-un-emploi"
            | "se-former"
            | "creer-une-entreprise"
            | "souvrir-a-linternational",
        ) => "espaces-dynamisation",
        _ => "accompagnement-social",
    }
}

/// Workshops, training and information sessions are collective; the rest
/// (accompagnement, aids) individual.
pub fn default_format(service_type: Option<&str>) -> &'static str {
    match service_type.map(str::trim) {
        Some("atelier" | "formation" | "information") => "collective",
        _ => "individual",
    }
}

/// Reads back the `opening_hours` forms [`Schedule::opening_hours`] writes:
/// "Tu,Th 14:00-17:00" (weekly), "week 01-53/2 Tu 14:00-17:00"
/// (fortnightly, with the parity of the ISO weeks: 1 odd, 0 even) and
/// "Th[2] 09:00-17:00" or "Th[-1] …" (monthly). Anything else: `None`.
pub fn parse_opening_hours(raw: &str) -> Option<(ScheduleInput, Option<u8>)> {
    let tokens: Vec<&str> = raw.split_whitespace().collect();
    let (parity, rest) = match tokens.as_slice() {
        ["week", "01-53/2", rest @ ..] => (Some(1), rest),
        ["week", "02-52/2", rest @ ..] => (Some(0), rest),
        rest => (None, rest),
    };
    let [days, hours] = rest else {
        return None;
    };
    let (starts_at, ends_at) = hours.split_once('-')?;
    let hhmm = |t: &str| {
        t.len() == 5 && t.as_bytes()[2] == b':' && t.bytes().filter(u8::is_ascii_digit).count() == 4
    };
    if !hhmm(starts_at) || !hhmm(ends_at) {
        return None;
    }
    let (days, week_of_month) = match days.split_once('[') {
        Some((day, nth)) => {
            let nth = match nth.strip_suffix(']')? {
                "-1" => "5",
                n @ ("1" | "2" | "3" | "4") => n,
                _ => return None,
            };
            (day, nth.to_owned())
        }
        None => (*days, String::new()),
    };
    let weekdays: Vec<String> = days.split(',').map(str::to_owned).collect();
    if !weekdays
        .iter()
        .all(|d| WEEKDAYS.iter().any(|(code, _, _)| code == d))
    {
        return None;
    }
    let frequency = match (parity, week_of_month.is_empty()) {
        (Some(_), true) => Frequency::Fortnightly,
        (None, true) => Frequency::Weekly,
        (None, false) => Frequency::Monthly,
        (Some(_), false) => return None,
    };
    let input = ScheduleInput {
        frequency: frequency.code().to_owned(),
        weekdays,
        week_of_month,
        starts_at: starts_at.to_owned(),
        ends_at: ends_at.to_owned(),
    };
    let mut invalid = Invalid::new();
    Schedule::parse(&input, &mut invalid);
    invalid.is_empty().then_some((input, parity))
}

/// The latest day on or before `day` whose ISO week has the given parity
/// (a fortnightly schedule counts its weeks from the action's start).
pub fn with_week_parity(day: Date, parity: u8) -> Date {
    let mut anchor = day;
    for _ in 0..3 {
        if anchor.iso_week() % 2 == parity {
            break;
        }
        anchor -= Duration::days(7);
    }
    anchor
}

/// The form our validation reads, from a data·inclusion service, the
/// structure it belongs to and the action it updates (if any).
pub fn service_input(
    di: &DiService,
    structure: &Structure,
    existing: Option<&Action>,
    today: Date,
) -> ActionInput {
    let mut reception: Vec<String> = di.modes_accueil.clone();
    if reception.is_empty() {
        reception.push(Reception::OnSite.code().to_owned());
    }
    let on_site = reception
        .iter()
        .any(|r| r.trim() == Reception::OnSite.code());
    let has_place = [&di.adresse, &di.code_insee]
        .iter()
        .any(|v| text(v).is_some());
    let place = if on_site && !has_place {
        AddressInput {
            address: structure.address.clone().unwrap_or_default(),
            postal_code: structure.postal_code.clone().unwrap_or_default(),
            commune_code: structure.commune_code.clone().unwrap_or_default(),
            commune_name: structure.commune_name.clone().unwrap_or_default(),
        }
    } else {
        AddressInput {
            address: di.adresse.clone().unwrap_or_default(),
            postal_code: di.code_postal.clone().unwrap_or_default(),
            commune_code: di.code_insee.clone().unwrap_or_default(),
            commune_name: di.commune.clone().unwrap_or_default(),
        }
    };
    let mut eligibility = existing
        .map(|a| a.eligibility.to_input())
        .unwrap_or_default();
    eligibility.communes = di
        .zone_eligibilite
        .iter()
        .map(|c| c.trim().to_uppercase())
        .filter(|c| is_commune_code(c) && !c.starts_with("99"))
        .collect::<Vec<_>>()
        .join(" ");
    let mut starts_on = match existing {
        Some(a) => a.starts_on,
        None => di.date_maj.min(today),
    };
    let schedule = match di.horaires_accueil.as_deref().map(str::trim) {
        None | Some("") => Schedule::appointment().to_input(),
        Some(raw) => match parse_opening_hours(raw) {
            Some((schedule, parity)) => {
                if let Some(parity) = parity {
                    starts_on = with_week_parity(starts_on, parity);
                }
                schedule
            }
            None => existing
                .map(|a| a.schedule.to_input())
                .unwrap_or_else(|| Schedule::appointment().to_input()),
        },
    };
    let optional_number = |n: Option<String>| n.unwrap_or_default();
    ActionInput {
        structure_id: structure.id.to_string(),
        name: di.nom.clone(),
        description: di.description.clone(),
        family: existing
            .and_then(|a| a.family.clone())
            .unwrap_or_else(|| default_family(&di.thematiques).to_owned()),
        thematiques: di.thematiques.clone(),
        service_type: di.service_type.clone().unwrap_or_default(),
        format: match existing {
            Some(a) => a.format.code().to_owned(),
            None => default_format(di.service_type.as_deref()).to_owned(),
        },
        publics: di.publics.clone(),
        eligibility,
        capacity: optional_number(existing.and_then(|a| a.capacity).map(|c| c.to_string())),
        capacity_period: existing
            .map(|a| a.capacity_period.code().to_owned())
            .unwrap_or_default(),
        reception,
        place,
        weekly_hours: optional_number(di.volume_horaire_hebdomadaire.map(|h| h.to_string())),
        duration_weeks: optional_number(di.nombre_semaines.map(|w| w.to_string())),
        self_referral: di.mobilisable_par.iter().any(|p| p.trim() == "usagers"),
        starts_on: starts_on.to_string(),
        ends_on: existing
            .and_then(|a| a.ends_on)
            .map(|d| d.to_string())
            .unwrap_or_default(),
        practical: PracticalInput {
            schedule,
            contact: ContactInput {
                name: di.contact_nom_prenom.clone().unwrap_or_default(),
                phone: di.telephone.clone().unwrap_or_default(),
                email: di.courriel.clone().unwrap_or_default(),
            },
            how_to_apply: di.mobilisation_precisions.clone().unwrap_or_default(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn ids_keep_the_imported_one_or_are_made_from_the_source() {
        let id = Uuid::from_u128(42);
        assert_eq!(
            exported_id("cd14", id, None),
            "cd14--00000000-0000-0000-0000-00000000002a"
        );
        assert_eq!(exported_id("cd14", id, Some("dora--xyz")), "dora--xyz");
        assert_eq!(
            exported_id("cd14", id, Some("  ")),
            "cd14--00000000-0000-0000-0000-00000000002a"
        );
    }

    #[test]
    fn date_maj_is_never_in_the_future() {
        let today = date!(2026 - 03 - 02);
        assert_eq!(
            date_maj(datetime!(2026-02-10 23:30 UTC), today),
            date!(2026 - 02 - 11),
            "already the next day in Paris"
        );
        assert_eq!(
            date_maj(datetime!(2026-03-02 01:00 +02:00), today),
            date!(2026 - 03 - 02),
            "midnight in Paris"
        );
        assert_eq!(date_maj(datetime!(2026-03-05 10:00 UTC), today), today);
    }

    #[test]
    fn mobilisation() {
        assert_eq!(
            modes_mobilisation(true, true, true, true),
            ["telephoner", "envoyer-un-courriel", "se-presenter"]
        );
        assert_eq!(
            modes_mobilisation(false, false, true, false),
            Vec::<String>::new()
        );
        assert_eq!(
            modes_mobilisation(false, false, false, true),
            Vec::<String>::new()
        );
        assert_eq!(mobilisable_par(false), ["professionnels"]);
        assert_eq!(mobilisable_par(true), ["professionnels", "usagers"]);
    }

    #[test]
    fn only_addresses_the_official_model_takes_are_exported() {
        for ok in [
            "contact@association.fr",
            "a.b+c@demo.parcours.fr",
            "x@example.com",
        ] {
            assert!(is_exportable_email(ok), "{ok}");
        }
        for bad in [
            "a..b@c.fr",
            ".a@c.fr",
            "a@c..fr",
            "a@-c.fr",
            "a(b)@c.fr",
            "a@c.123",
            "a@foo.test",
            "a@foo.local",
            "a@c_d.fr",
            "a,b@c.fr",
            "pas-une-adresse",
        ] {
            assert!(!is_exportable_email(bad), "{bad}");
        }
        for ok in [
            "https://association.fr",
            "http://www.caen.fr/insertion?x=1",
            "https://a.fr:8443/",
        ] {
            assert!(is_exportable_url(ok), "{ok}");
        }
        for bad in [
            "www.example.fr",
            "https://a.fr:99999",
            "https://un site.fr",
            "https://user@a.fr",
            "ftp://a.fr",
        ] {
            assert!(!is_exportable_url(bad), "{bad}");
        }
    }

    #[test]
    fn families_come_from_the_first_thematique() {
        let family =
            |t: &[&str]| default_family(&t.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
        assert_eq!(family(&["mobilite--preparer-un-permis"]), "mobilite");
        assert_eq!(
            family(&[
                "remobilisation--lien-social",
                "mobilite--preparer-un-permis"
            ]),
            "mobilisation-entraide"
        );
        assert_eq!(
            family(&["inconnue--x", "sante--sante-mentale"]),
            "accompagnement-psychologique"
        );
        assert_eq!(family(&[]), "accompagnement-social");
        for category in taxonomy::CATEGORIES {
            let code = family(&[&format!("{}--x", category.code)]);
            assert!(
                parcours_domain::catalogue::DEFAULT_FAMILIES
                    .iter()
                    .any(|(c, _)| *c == code),
                "{code}"
            );
        }
        assert_eq!(default_format(Some("atelier")), "collective");
        assert_eq!(default_format(Some("accompagnement")), "individual");
        assert_eq!(default_format(None), "individual");
    }

    #[test]
    fn kinds_come_from_the_network() {
        assert_eq!(kind_of_network(Some(Network::Ccas)), OrganisationKind::Ccas);
        assert_eq!(kind_of_network(Some(Network::Aci)), OrganisationKind::Siae);
        assert_eq!(kind_of_network(None), OrganisationKind::Other);
    }

    fn schedule(frequency: &str, days: &[&str], week: &str) -> Schedule {
        let mut invalid = Invalid::new();
        let schedule = Schedule::parse(
            &ScheduleInput {
                frequency: frequency.into(),
                weekdays: days.iter().map(|d| (*d).to_owned()).collect(),
                week_of_month: week.into(),
                starts_at: "09:30".into(),
                ends_at: "12:00".into(),
            },
            &mut invalid,
        );
        assert!(invalid.is_empty(), "{invalid}");
        schedule
    }

    #[test]
    fn opening_hours_are_read_back() {
        let anchor = date!(2026 - 01 - 06);
        for s in [
            schedule("weekly", &["Tu"], ""),
            schedule("weekly", &["Mo", "Th"], ""),
            schedule("monthly", &["Th"], "2"),
            schedule("monthly", &["Fr"], "5"),
            schedule("fortnightly", &["We"], ""),
        ] {
            let written = s.opening_hours(anchor).unwrap();
            let (input, parity) = parse_opening_hours(&written).unwrap();
            let mut invalid = Invalid::new();
            let read = Schedule::parse(&input, &mut invalid);
            assert_eq!(read, s, "{written}");
            let start = parity.map_or(anchor, |p| with_week_parity(date!(2026 - 03 - 10), p));
            assert_eq!(read.opening_hours(start).as_deref(), Some(written.as_str()));
        }
        for other in [
            "Mo-Fr 08:30-12:30; PH off",
            "Tu 14:00-17:00; Th 09:00-12:00",
            "Xx 14:00-17:00",
            "Tu 14h-17h",
            "Tu 17:00-14:00",
            "",
        ] {
            assert!(parse_opening_hours(other).is_none(), "{other}");
        }
    }

    #[test]
    fn week_parity_moves_back_at_most_two_weeks() {
        let day = date!(2026 - 03 - 10); // ISO week 11
        assert_eq!(with_week_parity(day, 1), day);
        assert_eq!(with_week_parity(day, 0), date!(2026 - 03 - 03));
        // 2021-01-05 is in week 1; 2020 had 53 weeks (odd as well).
        assert_eq!(with_week_parity(date!(2021 - 01 - 05), 0).iso_week(), 52);
    }

    fn full_service() -> DiService {
        DiService {
            source: "cd14".into(),
            structure_id: "cd14--s".into(),
            id: "cd14--a".into(),
            nom: "Atelier".into(),
            description: "Une description.".into(),
            date_maj: date!(2026 - 03 - 01),
            service_type: Some("atelier".into()),
            thematiques: vec!["mobilite--preparer-un-permis".into()],
            frais: Some("gratuit".into()),
            publics: vec!["tous-publics".into()],
            conditions_acces: Some("Avoir 18 ans.".into()),
            commune: Some("Caen".into()),
            code_postal: Some("14000".into()),
            code_insee: Some("14118".into()),
            adresse: Some("1 rue".into()),
            telephone: Some("02 31 00 00 00".into()),
            courriel: Some("a@b.fr".into()),
            contact_nom_prenom: Some("Marie Martin".into()),
            modes_accueil: vec!["en-presentiel".into()],
            zone_eligibilite: vec!["14118".into()],
            modes_mobilisation: vec!["telephoner".into()],
            mobilisable_par: vec!["professionnels".into()],
            mobilisation_precisions: Some("Appeler.".into()),
            volume_horaire_hebdomadaire: Some(3.5),
            nombre_semaines: Some(12),
            horaires_accueil: Some("Tu 14:00-17:00".into()),
        }
    }

    #[test]
    fn the_shape_lists_name_every_field() {
        let keys = |value: Value| -> Vec<String> {
            let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
            keys.sort();
            keys
        };
        let list = |fields: &[(&str, Shape, bool)]| {
            let mut names: Vec<String> = fields.iter().map(|(n, _, _)| (*n).to_owned()).collect();
            names.sort();
            names
        };
        assert_eq!(
            keys(serde_json::to_value(full_service()).unwrap()),
            list(SERVICE_FIELDS)
        );
        let structure = DiStructure {
            source: "cd14".into(),
            id: "cd14--s".into(),
            nom: "Structure".into(),
            date_maj: date!(2026 - 03 - 01),
            description: Some("Une description.".into()),
            siret: Some("73282932000074".into()),
            commune: Some("Caen".into()),
            code_postal: Some("14000".into()),
            code_insee: Some("14118".into()),
            adresse: Some("1 rue".into()),
            telephone: Some("02 31 00 00 00".into()),
            courriel: Some("a@b.fr".into()),
            site_web: Some("https://a.fr".into()),
            reseaux_porteurs: vec!["ccas-cias".into()],
        };
        assert_eq!(
            keys(serde_json::to_value(&structure).unwrap()),
            list(STRUCTURE_FIELDS)
        );
        let back: DiStructure =
            read_row(&serde_json::to_value(&structure).unwrap(), STRUCTURE_FIELDS).unwrap();
        assert_eq!(back, structure);
    }

    #[test]
    fn rows_are_checked_field_by_field_in_french() {
        let row = serde_json::json!({
            "source": "cd14", "id": "cd14--a", "structure_id": "cd14--s",
            "nom": 12, "date_maj": "02/03/2026", "thematiques": ["a", 3],
            "nombre_semaines": 2.5, "commune": null, "champ_inconnu": true
        });
        let errors = read_row::<DiService>(&row, SERVICE_FIELDS).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "nom",
                "description",
                "date_maj",
                "thematiques",
                "nombre_semaines"
            ]
        );
        assert!(errors[1].message.contains("obligatoire"));
        assert!(errors[2].message.contains("AAAA-MM-JJ"));
        let errors = read_row::<DiService>(&serde_json::json!([1]), SERVICE_FIELDS).unwrap_err();
        assert_eq!(errors[0].field, "");
        let ok = serde_json::json!({
            "source": "cd14", "id": "cd14--a", "structure_id": "cd14--s", "nom": "Atelier",
            "description": "Une description.", "date_maj": "2026-03-01", "publics": null,
            "autre": {"x": 1}
        });
        let service: DiService = read_row(&ok, SERVICE_FIELDS).unwrap();
        assert!(service.publics.is_empty());
    }

    fn structure() -> Structure {
        Structure {
            id: Uuid::from_u128(7),
            name: "CCAS de Caen".into(),
            kind: OrganisationKind::Ccas,
            siret: "73282932000074".into(),
            description: None,
            address: Some("2 place".into()),
            postal_code: Some("14000".into()),
            commune_code: Some("14118".into()),
            commune_name: Some("Caen".into()),
            contact_name: Some("Accueil".into()),
            phone: None,
            email: None,
            website: None,
            network: Some("ccas-cias".into()),
            external_id: Some("cd14--s".into()),
            version: 1,
            updated_at: datetime!(2026-03-01 10:00 UTC),
        }
    }

    #[test]
    fn services_become_valid_draft_actions() {
        let today = date!(2026 - 03 - 02);
        let s = structure();
        let input = service_input(&full_service(), &s, None, today);
        assert_eq!(input.family, "mobilite");
        assert_eq!(input.format, "collective");
        assert_eq!(input.starts_on, "2026-03-01");
        assert_eq!(input.capacity, "");
        assert_eq!(input.eligibility.communes, "14118");
        assert_eq!(input.weekly_hours, "3.5");
        assert!(!input.self_referral);
        let data = ActionData::parse(&input).unwrap();
        assert_eq!(
            data.practical.schedule.describe(),
            "Chaque mardi, de 14 h à 17 h"
        );

        // Nothing but the required fields: on site at the structure's address, on appointment.
        let bare = DiService {
            service_type: Some("accompagnement".into()),
            date_maj: date!(2026 - 04 - 01),
            conditions_acces: None,
            commune: None,
            code_postal: None,
            code_insee: None,
            adresse: None,
            modes_accueil: vec![],
            zone_eligibilite: vec!["14".into(), "france".into(), "99100".into()],
            horaires_accueil: Some("Mo-Fr 08:30-12:30".into()),
            volume_horaire_hebdomadaire: None,
            nombre_semaines: None,
            mobilisable_par: vec!["usagers".into()],
            ..full_service()
        };
        let input = service_input(&bare, &s, None, today);
        assert_eq!(input.place.commune_code, "14118");
        assert_eq!(input.reception, ["en-presentiel"]);
        assert_eq!(input.format, "individual");
        assert_eq!(input.starts_on, "2026-03-02", "never after today");
        assert_eq!(input.eligibility.communes, "");
        assert!(input.self_referral);
        let data = ActionData::parse(&input).unwrap();
        assert_eq!(data.practical.schedule, Schedule::appointment());
    }

    #[test]
    fn structures_need_a_siret_and_keep_their_kind() {
        let di = DiStructure {
            source: "cd14".into(),
            id: "cd14--s".into(),
            nom: "Association Mobilité 14".into(),
            date_maj: date!(2026 - 03 - 01),
            description: None,
            siret: None,
            commune: Some("Caen".into()),
            code_postal: Some("14000".into()),
            code_insee: Some("14118".into()),
            adresse: None,
            telephone: None,
            courriel: None,
            site_web: None,
            reseaux_porteurs: vec!["adie".into(), "aci".into()],
        };
        let input = structure_input(&di, None);
        assert_eq!(
            (input.kind.as_str(), input.network.as_str()),
            ("siae", "aci")
        );
        let invalid = StructureData::parse(&input).unwrap_err();
        let errors = di_errors(invalid, structure_field);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "siret");
        let input = structure_input(
            &DiStructure {
                siret: Some("73282932000074".into()),
                ..di
            },
            Some(&structure()),
        );
        assert_eq!(
            (input.kind.as_str(), input.contact.name.as_str()),
            ("ccas", "Accueil")
        );
        assert!(StructureData::parse(&input).is_ok());
    }

    #[test]
    fn domain_fields_are_named_as_data_inclusion_names_them() {
        assert_eq!(service_field("service_type"), "type");
        assert_eq!(service_field("schedule_weekdays"), "horaires_accueil");
        assert_eq!(service_field("eligibility_communes"), "zone_eligibilite");
        assert_eq!(service_field("thematiques"), "thematiques");
        assert_eq!(structure_field("commune_code"), "code_insee");
        assert_eq!(structure_field("siret"), "siret");
    }

    #[test]
    fn a_file_that_is_not_an_array_is_refused_whole() {
        let refused = |json: &str| match json_array(SERVICES_FILE, json) {
            Err(StoreError::Invalid(invalid)) => invalid.errors[0].message.clone(),
            other => panic!("{other:?}"),
        };
        assert!(refused("{\"id\": \"x\"}").contains("tableau JSON"));
        assert!(refused("[{").contains("pas un JSON lisible"));
        assert_eq!(json_array(SERVICES_FILE, " [] ").unwrap().len(), 0);
    }
}
