//! The history of a person file's rectifications, in French: each saved
//! version against the one before, as sentences (« Adresse : 1 rue … →
//! 3 rue … »), linked records named instead of their ids, the NIR masked
//! as the person's page masks it. The subject access export reads the
//! same fields with the same labels.

use crate::{App, Failure};
use parcours_domain::clock;
use parcours_domain::nir;
use parcours_domain::person::{ClosureReason, HouseholdRole, Sex};
use parcours_store::person::PersonRevision;
use serde_json::{Map, Value};
use std::collections::HashMap;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// The saved fields people read, in the order of the form: (key, label).
pub const FIELDS: &[(&str, &str)] = &[
    ("last_name", "Nom"),
    ("first_names", "Prénoms"),
    ("birth_name", "Nom de naissance"),
    ("birth_date", "Date de naissance"),
    ("sex", "Sexe"),
    ("nir", "NIR"),
    ("email", "Courriel"),
    ("phone", "Téléphone"),
    ("address", "Adresse"),
    ("commune_code", "Commune"),
    ("territory_id", "Territoire"),
    ("household_role", "Rôle dans le foyer"),
    ("subject_to_duties", "Soumis aux droits et devoirs"),
    ("duties_since", "Droits et devoirs depuis le"),
    ("single_parent", "Parent isolé"),
    ("other_minimum_income", "Autre minimum social"),
    ("rqth", "RQTH"),
    (
        "responsible_organisation_id",
        "Organisme responsable du dossier",
    ),
    ("closed_on", "Dossier clos le"),
    ("closure_reason", "Motif de clôture"),
    ("merged_into_id", "Fusionné dans le dossier de"),
];

/// One saved version: when, by whom, and what it changed.
#[derive(Debug, Clone, PartialEq)]
pub struct Rectification {
    pub version: i64,
    pub at: OffsetDateTime,
    pub by: String,
    /// « Libellé : avant → après », in the order of [`FIELDS`].
    pub changes: Vec<String>,
}

/// How the NIR reads: masked on screen, whole in the person's own export.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum NirShown {
    Masked,
    Whole,
}

/// The names of the records a file links to, by id (or INSEE code).
#[derive(Default)]
pub struct Names {
    records: HashMap<String, String>,
}

impl Names {
    /// The names behind every link of `versions`.
    async fn of(app: &App, versions: &[Map<String, Value>]) -> Result<Names, Failure> {
        let mut records = HashMap::new();
        for o in app.store.organisations().await?.iter() {
            records.insert(o.id.to_string(), o.name.clone());
        }
        for t in app.store.territories().await? {
            records.insert(t.id.to_string(), t.name);
        }
        let linked = |key: &str| {
            versions
                .iter()
                .filter_map(|v| v.get(key)?.as_str().map(str::to_owned))
                .collect::<std::collections::BTreeSet<_>>()
        };
        for code in linked("commune_code") {
            if let Some(label) = app.store.commune_label(&code).await? {
                records.insert(code, label);
            }
        }
        for id in linked("merged_into_id") {
            let Ok(uuid) = Uuid::parse_str(&id) else {
                continue;
            };
            if let Ok(p) = app.store.person(uuid).await {
                records.insert(id, format!("{} {}", p.first_names, p.last_name));
            }
        }
        Ok(Names { records })
    }
}

/// A saved value as the French read it: dates, codes and yes/no in French,
/// a linked record by its name, the NIR as `nir` says. Empty when unset.
pub fn value(key: &str, saved: &Value, names: &Names, nir: NirShown) -> String {
    let Value::String(s) = saved else {
        return match saved {
            Value::Null => String::new(),
            Value::Bool(true) => "oui".to_owned(),
            Value::Bool(false) => "non".to_owned(),
            other => other.to_string(),
        };
    };
    let label = match key {
        "nir" if nir == NirShown::Masked => Some(nir::mask(s)),
        "birth_date" | "duties_since" | "closed_on" => {
            let iso = time::macros::format_description!("[year]-[month]-[day]");
            Date::parse(s, &iso).ok().map(clock::fr_date)
        }
        "sex" => Sex::from_code(s).map(|x| x.label().to_owned()),
        "household_role" => HouseholdRole::from_code(s).map(|x| x.label().to_owned()),
        "closure_reason" => ClosureReason::from_code(s).map(|x| x.label().to_owned()),
        _ => names.records.get(s).cloned(),
    };
    label.unwrap_or_else(|| s.clone())
}

/// What changed from `before` to `after`, as sentences; against nothing
/// (the file's creation), what it recorded.
pub fn changes(
    before: &Map<String, Value>,
    after: &Map<String, Value>,
    names: &Names,
) -> Vec<String> {
    if before.is_empty() {
        return FIELDS
            .iter()
            .filter_map(|(key, label)| {
                let v = value(key, after.get(*key)?, names, NirShown::Masked);
                (!v.is_empty()).then(|| format!("{label} : {v}"))
            })
            .collect();
    }
    FIELDS
        .iter()
        .filter(|(key, _)| {
            after.get(*key).unwrap_or(&Value::Null) != before.get(*key).unwrap_or(&Value::Null)
        })
        .map(|(key, label)| {
            let shown = |map: &Map<String, Value>| {
                let v = value(
                    key,
                    map.get(*key).unwrap_or(&Value::Null),
                    names,
                    NirShown::Masked,
                );
                if v.is_empty() {
                    "(vide)".to_owned()
                } else {
                    v
                }
            };
            format!("{label} : {} → {}", shown(before), shown(after))
        })
        .collect()
}

/// The versions of a file, newest first, each with its changes (the
/// first one against an empty file: everything it recorded).
pub async fn rectifications(
    app: &App,
    revisions: &[PersonRevision],
) -> Result<Vec<Rectification>, Failure> {
    let saved: Vec<Map<String, Value>> = revisions
        .iter()
        .map(|r| serde_json::from_str(&r.data).unwrap_or_default())
        .collect();
    let names = Names::of(app, &saved).await?;
    let empty = Map::new();
    Ok(revisions
        .iter()
        .enumerate()
        .map(|(i, r)| Rectification {
            version: r.version,
            at: r.changed_at,
            by: r.changed_by.clone(),
            changes: changes(saved.get(i + 1).unwrap_or(&empty), &saved[i], &names),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(json: &str) -> Map<String, Value> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn a_change_reads_as_a_french_sentence_with_names_and_the_nir_masked() {
        let mut names = Names::default();
        names.records.insert("14118".into(), "Caen".into());
        names
            .records
            .insert("14762".into(), "Vire Normandie".into());
        let before = map(
            r#"{"address":"1 rue des Lilas","commune_code":"14118","sex":"F","nir":null,"rqth":false,"version":1}"#,
        );
        let after = map(
            r#"{"address":"3 rue des Roses","commune_code":"14762","sex":"F","nir":"271021400100270","rqth":true,"version":2}"#,
        );
        let said = changes(&before, &after, &names);
        assert_eq!(
            said,
            vec![
                format!("NIR : (vide) → {}", nir::mask("271021400100270")),
                "Adresse : 1 rue des Lilas → 3 rue des Roses".to_owned(),
                "Commune : Caen → Vire Normandie".to_owned(),
                "RQTH : non → oui".to_owned(),
            ]
        );
    }

    #[test]
    fn codes_and_dates_are_in_french_and_ids_never_show() {
        let names = Names::default();
        let first = map(
            r#"{"id":"01a2","household_id":"01a3","household_role":"DEM","birth_date":"1971-02-03","sex":"M","closure_reason":null}"#,
        );
        let said = changes(&Map::new(), &first, &names);
        assert_eq!(
            said,
            vec![
                "Date de naissance : 03/02/1971".to_owned(),
                "Sexe : Homme".to_owned(),
                "Rôle dans le foyer : Demandeur".to_owned(),
            ]
        );
    }
}
