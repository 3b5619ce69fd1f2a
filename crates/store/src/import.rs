//! Imports of people from the CAF/MSA (XML) or another system (CSV): a file
//! goes in whole, in one transaction, or not at all. Dossiers are applied in
//! chunks — two lookups and a few multi-row statements per chunk — so that
//! a département's monthly file takes seconds on both backends.

use crate::audit::record;
use crate::bulk::Rows;
use crate::person::Person;
use crate::person_load::PeopleLoad;
use crate::sql::Sql;
use crate::{now, Actor, Result, Store, StoreError, Tx};
use parcours_domain::audit::AuditAction;
use parcours_domain::caf::{
    iso_date, merge, same_identity, CsvMapping, Dossier, PersonChange, Rejected,
};
use parcours_domain::deadline::PathwayFacts;
use parcours_domain::nir::Nir;
use parcours_domain::organisation::OrganisationKind;
use parcours_domain::person::{HouseholdData, HouseholdRole, PersonData, RsaState, Sex};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// What an import did, counted.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportCounts {
    pub records: i64,
    pub households_created: i64,
    pub households_updated: i64,
    pub persons_created: i64,
    pub persons_updated: i64,
    pub new_entrants: i64,
    pub rejected: i64,
}

/// The detail of an import: the records left out, and warnings; or why
/// the whole file was refused.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImportReport {
    pub rejected: Vec<RejectedRecord>,
    pub warnings: Vec<String>,
    /// Set when the file was refused: nothing of it was imported.
    pub error: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedRecord {
    pub line: u64,
    pub reference: String,
    pub reason: String,
}

impl From<Rejected> for RejectedRecord {
    fn from(r: Rejected) -> Self {
        RejectedRecord {
            line: r.line,
            reference: r.reference,
            reason: r.reason,
        }
    }
}

/// One imported (or refused) file.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportRecord {
    pub id: Uuid,
    /// caf_beneficiaires, caf_instruction, csv
    pub kind: String,
    pub file_name: String,
    pub file_date: Option<Date>,
    /// done, failed
    pub status: String,
    pub counts: ImportCounts,
    pub report: ImportReport,
    pub imported_by: String,
    pub started_at: OffsetDateTime,
    pub finished_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct ImportRow {
    id: Uuid,
    kind: String,
    file_name: String,
    file_date: Option<Date>,
    status: String,
    records: i64,
    households_created: i64,
    households_updated: i64,
    persons_created: i64,
    persons_updated: i64,
    new_entrants: i64,
    rejected: i64,
    report: String,
    imported_by: String,
    started_at: OffsetDateTime,
    finished_at: OffsetDateTime,
}

impl From<ImportRow> for ImportRecord {
    fn from(r: ImportRow) -> Self {
        ImportRecord {
            id: r.id,
            kind: r.kind,
            file_name: r.file_name,
            file_date: r.file_date,
            status: r.status,
            counts: ImportCounts {
                records: r.records,
                households_created: r.households_created,
                households_updated: r.households_updated,
                persons_created: r.persons_created,
                persons_updated: r.persons_updated,
                new_entrants: r.new_entrants,
                rejected: r.rejected,
            },
            report: serde_json::from_str(&r.report).unwrap_or_default(),
            imported_by: r.imported_by,
            started_at: r.started_at,
            finished_at: r.finished_at,
        }
    }
}

/// One change an import made, for the import's page and the person's history.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct ImportChange {
    pub kind: String,
    pub detail: String,
    pub occurred_on: Date,
    pub rsa_number: String,
    pub person_id: Option<Uuid>,
    pub person_name: Option<String>,
}

pub mod change {
    pub const NEW_ENTRANT: &str = "new_entrant";
    pub const LEFT_DUTIES: &str = "left_duties";
    pub const IDENTITY: &str = "identity";
    pub const ADDRESS: &str = "address";
    pub const HOUSEHOLD_MOVED: &str = "household_moved";
    pub const RSA_STATE: &str = "rsa_state";
    pub const HOUSEHOLD: &str = "household";
}

const STATUS_DONE: &str = "done";
const STATUS_FAILED: &str = "failed";

/// A file being imported: commit it with [`Import::finish`], or drop it and
/// nothing of the file remains.
pub struct Import {
    store: Store,
    tx: Tx,
    id: Uuid,
    file_date: Date,
    department: Uuid,
    load: PeopleLoad,
    changes: Rows,
    counts: ImportCounts,
    warnings: Vec<String>,
    actor: Actor,
}

impl Store {
    /// Opens the transaction of a file's import.
    pub async fn begin_import(
        &self,
        actor: &Actor,
        kind: &str,
        file_name: &str,
        file_date: Date,
    ) -> Result<Import> {
        let mut tx = self.begin().await?;
        let department: Option<(Uuid,)> = on_tx!(&mut tx, conn => sqlx::query_as(
            "SELECT id FROM organisations WHERE kind = $1 ORDER BY created_at, name LIMIT 1",
        )
        .bind(OrganisationKind::DepartmentService.code())
        .fetch_optional(conn)
        .await)?;
        let Some((department,)) = department else {
            return Err(StoreError::Config(
                "aucune organisation « Service du Département » : créez-la avant d'importer, \
                 les nouveaux entrants lui sont rattachés"
                    .into(),
            ));
        };
        let id = Uuid::now_v7();
        let at = now();
        on_tx!(&mut tx, conn => sqlx::query(
            "INSERT INTO imports (id, kind, file_name, file_date, status, report, imported_by, started_at, finished_at)
             VALUES ($1, $2, $3, $4, $5, '{}', $6, $7, $7)",
        )
        .bind(id).bind(kind).bind(file_name).bind(file_date).bind(STATUS_DONE).bind(&actor.label).bind(at)
        .execute(conn).await.map(|done| done.rows_affected()))?;
        let load = PeopleLoad::new(&mut tx, &actor.label).await?;
        Ok(Import {
            store: self.clone(),
            tx,
            id,
            file_date,
            department,
            load,
            changes: Rows::new(
                "import_changes",
                &[
                    "import_id",
                    "household_id",
                    "person_id",
                    "kind",
                    "detail",
                    "occurred_on",
                ],
            ),
            counts: ImportCounts::default(),
            warnings: Vec::new(),
            actor: actor.clone(),
        })
    }

    /// Keeps a trace of a file refused as a whole (nothing of it imported).
    pub async fn record_failed_import(
        &self,
        actor: &Actor,
        kind: &str,
        file_name: &str,
        started_at: OffsetDateTime,
        error: &str,
    ) -> Result<ImportRecord> {
        let report = ImportReport {
            error: Some(error.to_owned()),
            ..ImportReport::default()
        };
        let json = serde_json::to_string(&report).map_err(|e| StoreError::Config(e.to_string()))?;
        let id = Uuid::now_v7();
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, conn => sqlx::query(
            "INSERT INTO imports (id, kind, file_name, status, report, imported_by, started_at, finished_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id).bind(kind).bind(file_name).bind(STATUS_FAILED).bind(json).bind(&actor.label)
        .bind(started_at).bind(now())
        .execute(conn).await.map(|done| done.rows_affected()))?;
        record(
            &mut tx,
            actor,
            AuditAction::Create,
            "import",
            Some(&id.to_string()),
            Some(&format!("{file_name} : refusé")),
        )
        .await?;
        tx.commit().await?;
        self.import(id).await
    }

    pub async fn import(&self, id: Uuid) -> Result<ImportRecord> {
        let row: Option<ImportRow> = read!(self, pool => sqlx::query_as("SELECT * FROM imports WHERE id = $1")
            .bind(id).fetch_optional(pool).await)?;
        row.map(Into::into).ok_or(StoreError::NotFound)
    }

    /// The latest imports, newest first.
    pub async fn imports(&self, limit: i64) -> Result<Vec<ImportRecord>> {
        let rows: Vec<ImportRow> = read!(self, pool => sqlx::query_as(
            "SELECT * FROM imports ORDER BY started_at DESC LIMIT $1",
        )
        .bind(limit).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// What an import changed, of one kind or all, in file order.
    pub async fn import_changes(
        &self,
        import_id: Uuid,
        kind: Option<&str>,
        limit: i64,
    ) -> Result<Vec<ImportChange>> {
        let mut sql = Sql::new(
            "SELECT c.kind, c.detail, c.occurred_on, h.rsa_number, c.person_id,
                    p.last_name || ' ' || p.first_names AS person_name
             FROM import_changes c JOIN households h ON h.id = c.household_id
             LEFT JOIN persons p ON p.id = c.person_id WHERE ",
        );
        sql.bind("c.import_id = ", import_id);
        if let Some(kind) = kind {
            sql.bind(" AND c.kind = ", kind);
        }
        sql.bind(" ORDER BY h.rsa_number, person_name LIMIT ", limit);
        Ok(
            read!(self, pool => bind_all!(sqlx::query_as::<_, ImportChange>(&sql.text), sql)
            .fetch_all(pool).await)?,
        )
    }

    /// The file carrying this NIR (as stored: 15 characters).
    pub async fn person_by_nir(&self, nir: &str) -> Result<Option<Person>> {
        Ok(
            read!(self, pool => sqlx::query_as::<_, Person>("SELECT * FROM persons WHERE nir = $1")
            .bind(nir).fetch_optional(pool).await)?,
        )
    }

    /// The household of this dossier RSA.
    pub async fn household_by_rsa_number(
        &self,
        rsa_number: &str,
    ) -> Result<Option<crate::person::Household>> {
        Ok(
            read!(self, pool => sqlx::query_as::<_, crate::person::Household>(
            "SELECT * FROM households WHERE rsa_number = $1",
        )
        .bind(rsa_number).fetch_optional(pool).await)?,
        )
    }

    /// What imports recorded about a person's file, newest first.
    pub async fn person_import_changes(&self, person_id: Uuid) -> Result<Vec<ImportChange>> {
        Ok(read!(self, pool => sqlx::query_as::<_, ImportChange>(
            "SELECT c.kind, c.detail, c.occurred_on, h.rsa_number, c.person_id,
                    p.last_name || ' ' || p.first_names AS person_name
             FROM import_changes c JOIN households h ON h.id = c.household_id
             LEFT JOIN persons p ON p.id = c.person_id
             WHERE c.person_id = $1
                OR (c.person_id IS NULL AND c.household_id = (SELECT household_id FROM persons WHERE id = $1))
             ORDER BY c.occurred_on DESC, c.kind LIMIT 50",
        )
        .bind(person_id).fetch_all(pool).await)?)
    }
}

/// A known person and what the file says of them.
struct PersonUpdate {
    before: Person,
    after: PersonData,
    household_id: Uuid,
    changes: Vec<PersonChange>,
    moved: bool,
}

impl Import {
    pub fn id(&self) -> Uuid {
        self.id
    }

    pub fn counts(&self) -> &ImportCounts {
        &self.counts
    }

    /// Applies valid dossiers (each dossier number and NIR once in the file).
    pub async fn apply(&mut self, dossiers: &[Dossier]) -> Result<()> {
        self.counts.records += dossiers.len() as i64;
        let households = self.known_households(dossiers).await?;
        let persons = self.known_persons(dossiers, &households).await?;
        let known_persons = Known::new(&persons);
        let mut household_updates = Vec::new();
        let mut person_updates = Vec::new();
        for dossier in dossiers {
            let household_id = match households.get(&dossier.household.rsa_number) {
                Some((id, known)) => {
                    if let Some(detail) = household_change(known, &dossier.household) {
                        household_updates.push((*id, dossier.household.clone(), detail));
                    }
                    *id
                }
                None => {
                    let id = Uuid::now_v7();
                    self.load.household(id, &dossier.household);
                    self.counts.households_created += 1;
                    id
                }
            };
            for incoming in &dossier.persons {
                let known = known_persons.find(household_id, &incoming.data);
                match known {
                    None => self.new_person(household_id, incoming.data.clone())?,
                    Some(before) => {
                        let Some(known_data) = known_data(before) else {
                            continue;
                        };
                        let moved = before.household_id != household_id;
                        let merged = merge(&known_data, &incoming.data);
                        if merged.is_none() && !moved {
                            continue;
                        }
                        let (after, changes) = merged.unwrap_or((known_data, Vec::new()));
                        person_updates.push(PersonUpdate {
                            before: before.clone(),
                            after,
                            household_id,
                            changes,
                            moved,
                        });
                    }
                }
            }
        }
        self.delete_tokens(&person_updates).await?;
        for update in &person_updates {
            self.queue_update(update)?;
        }
        self.load.write(&mut self.tx).await?;
        for (id, data, detail) in household_updates {
            self.update_household(id, &data, detail).await?;
        }
        for update in &person_updates {
            self.update_person(update).await?;
        }
        self.changes.write(&mut self.tx).await
    }

    /// Writes the import's counts and report, and commits the file.
    pub async fn finish(mut self, rejected: Vec<Rejected>) -> Result<ImportRecord> {
        self.counts.rejected = rejected.len() as i64;
        self.counts.records += self.counts.rejected;
        let report = ImportReport {
            rejected: rejected.into_iter().map(Into::into).collect(),
            warnings: std::mem::take(&mut self.warnings),
            error: None,
        };
        let json = serde_json::to_string(&report).map_err(|e| StoreError::Config(e.to_string()))?;
        let c = &self.counts;
        on_tx!(&mut self.tx, conn => sqlx::query(
            "UPDATE imports SET records = $1, households_created = $2, households_updated = $3,
                persons_created = $4, persons_updated = $5, new_entrants = $6, rejected = $7,
                report = $8, finished_at = $9 WHERE id = $10",
        )
        .bind(c.records).bind(c.households_created).bind(c.households_updated).bind(c.persons_created)
        .bind(c.persons_updated).bind(c.new_entrants).bind(c.rejected).bind(json).bind(now()).bind(self.id)
        .execute(conn).await.map(|done| done.rows_affected()))?;
        let detail = format!(
            "{} dossiers, {} personnes créées, {} mises à jour, {} nouveaux entrants, {} rejets",
            c.records, c.persons_created, c.persons_updated, c.new_entrants, c.rejected
        );
        record(
            &mut self.tx,
            &self.actor,
            AuditAction::Create,
            "import",
            Some(&self.id.to_string()),
            Some(&detail),
        )
        .await?;
        self.tx.commit().await?;
        self.store.import(self.id).await
    }

    async fn known_households(
        &mut self,
        dossiers: &[Dossier],
    ) -> Result<HashMap<String, (Uuid, HouseholdData)>> {
        if dossiers.is_empty() {
            return Ok(HashMap::new());
        }
        let mut sql = Sql::new(
            "SELECT id, rsa_number, caf_number, fund, rsa_state, rsa_state_on FROM households",
        );
        let numbers = dossiers
            .iter()
            .map(|d| d.household.rsa_number.as_str().into());
        push_in(&self.tx, &mut sql, " WHERE rsa_number IN (", numbers);
        type Row = (Uuid, String, Option<String>, String, i64, Option<Date>);
        let rows: Vec<Row> = on_tx!(&mut self.tx, conn => bind_all!(sqlx::query_as::<_, Row>(&sql.text), sql)
            .fetch_all(conn).await)?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, rsa_number, caf_number, fund, state, state_on)| {
                let data = HouseholdData {
                    rsa_number: rsa_number.clone(),
                    caf_number,
                    fund: parcours_domain::person::Fund::from_code(&fund)?,
                    rsa_state: RsaState::from_code(&state.to_string())?,
                    rsa_state_on: state_on,
                };
                Some((rsa_number, (id, data)))
            })
            .collect())
    }

    /// The people of the chunk already known: by NIR, or as members of a
    /// known household (matched by identity).
    /// The people of the chunk already known: by NIR, or as members of a
    /// known household (matched by identity). Two queries, so that each
    /// uses its index.
    async fn known_persons(
        &mut self,
        dossiers: &[Dossier],
        households: &HashMap<String, (Uuid, HouseholdData)>,
    ) -> Result<Vec<Person>> {
        let nirs = dossiers
            .iter()
            .flat_map(|d| &d.persons)
            .filter_map(|p| p.data.nir.as_ref().map(|n| n.as_str().into()));
        let mut persons = self.persons_where("nir", nirs).await?;
        let found: std::collections::HashSet<Uuid> = persons.iter().map(|p| p.id).collect();
        let members = households.values().map(|(id, _)| (*id).into());
        for person in self.persons_where("household_id", members).await? {
            if !found.contains(&person.id) {
                persons.push(person);
            }
        }
        Ok(persons)
    }

    async fn persons_where(
        &mut self,
        column: &str,
        values: impl Iterator<Item = crate::sql::Param>,
    ) -> Result<Vec<Person>> {
        let mut sql = Sql::new("SELECT * FROM persons WHERE merged_into_id IS NULL");
        push_in(&self.tx, &mut sql, &format!(" AND {column} IN ("), values);
        if sql.params.is_empty() {
            return Ok(Vec::new());
        }
        Ok(
            on_tx!(&mut self.tx, conn => bind_all!(sqlx::query_as::<_, Person>(&sql.text), sql)
            .fetch_all(conn).await)?,
        )
    }

    fn new_person(&mut self, household_id: Uuid, mut data: PersonData) -> Result<()> {
        if let Some(code) = data.commune_code.clone() {
            if !self.load.knows_commune(&code) {
                self.warnings.push(format!(
                    "{} {} : commune {code} absente du référentiel, fichier créé sans commune.",
                    data.last_name, data.first_names
                ));
                data.commune_code = None;
            }
        }
        let id = Uuid::now_v7();
        self.load.person(
            id,
            household_id,
            Some(self.department),
            &data,
            PathwayFacts::default(),
        )?;
        self.counts.persons_created += 1;
        if data.subject_to_duties {
            self.counts.new_entrants += 1;
            self.change(
                household_id,
                Some(id),
                change::NEW_ENTRANT,
                new_entrant_detail(&data),
            );
        }
        Ok(())
    }

    fn change(&mut self, household: Uuid, person: Option<Uuid>, kind: &str, detail: String) {
        self.changes.push(vec![
            self.id.into(),
            household.into(),
            person.into(),
            kind.into(),
            detail.into(),
            self.file_date.into(),
        ]);
    }

    async fn delete_tokens(&mut self, updates: &[PersonUpdate]) -> Result<()> {
        let renamed: Vec<Uuid> = updates
            .iter()
            .filter(|u| u.changes.contains(&PersonChange::Identity))
            .map(|u| u.before.id)
            .collect();
        if renamed.is_empty() {
            return Ok(());
        }
        let mut sql = Sql::new("DELETE FROM person_name_tokens");
        push_in(
            &self.tx,
            &mut sql,
            " WHERE person_id IN (",
            renamed.into_iter().map(Into::into),
        );
        on_tx!(&mut self.tx, conn => bind_all!(sqlx::query(&sql.text), sql)
            .execute(conn).await.map(|done| done.rows_affected()))?;
        Ok(())
    }

    /// Queues what an update adds: name tokens, revision, changes.
    fn queue_update(&mut self, update: &PersonUpdate) -> Result<()> {
        let mut after = updated(&update.before, &update.after, update.household_id);
        if let Some(code) = &after.commune_code {
            if !self.load.knows_commune(code) {
                after.commune_code = update.before.commune_code.clone();
            }
        }
        if update.changes.contains(&PersonChange::Identity) {
            self.load.tokens(after.id, &update.after);
        }
        self.load.revision(&after)?;
        self.counts.persons_updated += 1;
        let id = Some(after.id);
        if update.moved {
            self.change(
                update.household_id,
                id,
                change::HOUSEHOLD_MOVED,
                "Rattachement à un autre dossier RSA.".into(),
            );
        }
        for change in &update.changes {
            let detail = match change {
                PersonChange::NewEntrant => {
                    self.counts.new_entrants += 1;
                    new_entrant_detail(&update.after)
                }
                PersonChange::LeftDuties => format!(
                    "Sortie des droits et devoirs (flux du {}).",
                    fr(self.file_date)
                ),
                PersonChange::Identity => format!(
                    "Identité : {} {} → {} {}",
                    update.before.last_name,
                    update.before.first_names,
                    update.after.last_name,
                    update.after.first_names
                ),
                PersonChange::Address => format!(
                    "Adresse : {} → {}",
                    update.before.address.as_deref().unwrap_or("—"),
                    update.after.address.as_deref().unwrap_or("—")
                ),
            };
            self.change(update.household_id, id, change.code(), detail);
        }
        Ok(())
    }

    async fn update_household(
        &mut self,
        id: Uuid,
        data: &HouseholdData,
        detail: (&'static str, String),
    ) -> Result<()> {
        on_tx!(&mut self.tx, conn => sqlx::query(
            "UPDATE households SET caf_number = $1, fund = $2, rsa_state = $3, rsa_state_on = $4,
                version = version + 1, updated_at = $5 WHERE id = $6",
        )
        .bind(&data.caf_number).bind(data.fund.code())
        .bind(data.rsa_state.code().parse::<i64>().unwrap_or(0)).bind(data.rsa_state_on)
        .bind(now()).bind(id)
        .execute(conn).await.map(|done| done.rows_affected()))?;
        self.counts.households_updated += 1;
        self.change(id, None, detail.0, detail.1);
        Ok(())
    }

    async fn update_person(&mut self, update: &PersonUpdate) -> Result<()> {
        let after = updated(&update.before, &update.after, update.household_id);
        let commune = after
            .commune_code
            .clone()
            .filter(|c| self.load.knows_commune(c))
            .or(update.before.commune_code.clone());
        let territory = commune.as_deref().and_then(|c| self.load.territory(c));
        on_tx!(&mut self.tx, conn => sqlx::query(
            "UPDATE persons SET household_id = $1, household_role = $2, last_name = $3, first_names = $4,
                birth_name = $5, birth_date = $6, sex = $7, nir = $8, address = $9, commune_code = $10,
                territory_id = $11, subject_to_duties = $12, duties_since = $13, version = version + 1,
                updated_at = $14
             WHERE id = $15",
        )
        .bind(after.household_id).bind(&after.household_role).bind(&after.last_name).bind(&after.first_names)
        .bind(&after.birth_name).bind(after.birth_date).bind(&after.sex).bind(&after.nir).bind(&after.address)
        .bind(commune).bind(territory).bind(after.subject_to_duties).bind(after.duties_since).bind(now())
        .bind(after.id)
        .execute(conn).await.map(|done| done.rows_affected()))?;
        crate::deadline::refresh_clocks(&mut self.tx, after.id).await
    }
}

/// Appends `prefix` and the values' placeholders, closed, or nothing when
/// there are none.
fn push_in(tx: &Tx, sql: &mut Sql, prefix: &str, values: impl Iterator<Item = crate::sql::Param>) {
    let mut any = false;
    for value in values {
        sql.params.push(value);
        sql.text.push_str(if any { ", " } else { prefix });
        sql.text.push_str(&tx.placeholder(sql.params.len()));
        any = true;
    }
    if any {
        sql.text.push(')');
    }
}

/// The known people of a chunk, by NIR and by household.
struct Known<'a> {
    by_nir: HashMap<&'a str, &'a Person>,
    by_household: HashMap<Uuid, Vec<&'a Person>>,
}

impl<'a> Known<'a> {
    fn new(persons: &'a [Person]) -> Known<'a> {
        let mut known = Known {
            by_nir: HashMap::with_capacity(persons.len()),
            by_household: HashMap::new(),
        };
        for p in persons {
            if let Some(nir) = &p.nir {
                known.by_nir.insert(nir, p);
            }
            known
                .by_household
                .entry(p.household_id)
                .or_default()
                .push(p);
        }
        known
    }

    /// The file of this person: same NIR, or same identity in the household.
    fn find(&self, household_id: Uuid, data: &PersonData) -> Option<&'a Person> {
        if let Some(p) = data.nir.as_ref().and_then(|n| self.by_nir.get(n.as_str())) {
            return Some(p);
        }
        self.by_household
            .get(&household_id)?
            .iter()
            .copied()
            .find(|p| known_data(p).is_some_and(|known| same_identity(&known, data)))
    }
}

/// A stored file as the domain's data (None for codes no longer known).
fn known_data(p: &Person) -> Option<PersonData> {
    Some(PersonData {
        household_role: HouseholdRole::from_code(&p.household_role)?,
        last_name: p.last_name.clone(),
        first_names: p.first_names.clone(),
        birth_name: p.birth_name.clone(),
        birth_date: p.birth_date,
        sex: Sex::from_code(&p.sex)?,
        nir: p.nir.as_deref().and_then(|n| Nir::parse(n).ok()),
        email: p.email.clone(),
        phone: p.phone.clone(),
        address: p.address.clone(),
        commune_code: p.commune_code.clone(),
        subject_to_duties: p.subject_to_duties,
        duties_since: p.duties_since,
        single_parent: p.single_parent,
        other_minimum_income: p.other_minimum_income,
        rqth: p.rqth,
    })
}

/// The stored file after an update (for its revision).
fn updated(before: &Person, data: &PersonData, household_id: Uuid) -> Person {
    Person {
        household_id,
        household_role: data.household_role.code().to_owned(),
        last_name: data.last_name.clone(),
        first_names: data.first_names.clone(),
        birth_name: data.birth_name.clone(),
        birth_date: data.birth_date,
        sex: data.sex.code().to_owned(),
        nir: data.nir.as_ref().map(|n| n.as_str().to_owned()),
        address: data.address.clone(),
        commune_code: data.commune_code.clone(),
        subject_to_duties: data.subject_to_duties,
        duties_since: data.duties_since,
        version: before.version + 1,
        ..before.clone()
    }
}

/// What changed in a household, if anything: the RSA state first.
fn household_change(
    known: &HouseholdData,
    incoming: &HouseholdData,
) -> Option<(&'static str, String)> {
    if (known.rsa_state, known.rsa_state_on) != (incoming.rsa_state, incoming.rsa_state_on) {
        return Some((
            change::RSA_STATE,
            format!(
                "État du droit : {} → {}{}",
                known.rsa_state.label(),
                incoming.rsa_state.label(),
                incoming
                    .rsa_state_on
                    .map(|d| format!(" (au {})", fr(d)))
                    .unwrap_or_default()
            ),
        ));
    }
    if (&known.caf_number, known.fund) != (&incoming.caf_number, incoming.fund) {
        return Some((
            change::HOUSEHOLD,
            format!(
                "Numéro allocataire : {} → {}",
                known.caf_number.as_deref().unwrap_or("—"),
                incoming.caf_number.as_deref().unwrap_or("—")
            ),
        ));
    }
    None
}

fn new_entrant_detail(data: &PersonData) -> String {
    format!(
        "Entrée dans les droits et devoirs le {} : orientation à décider.",
        data.duties_since.map(fr).unwrap_or_default()
    )
}

fn fr(date: Date) -> String {
    let iso = iso_date(date);
    format!("{}/{}/{}", &iso[8..10], &iso[5..7], &iso[..4])
}

impl Store {
    /// Saves a CSV column mapping under its name (replacing one of that name).
    pub async fn save_csv_mapping(&self, actor: &Actor, mapping: &CsvMapping) -> Result<()> {
        let columns = serde_json::to_string(&mapping.columns)
            .map_err(|e| StoreError::Config(e.to_string()))?;
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, conn => sqlx::query(
            "INSERT INTO csv_mappings (name, columns, delimiter, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (name) DO UPDATE SET columns = excluded.columns, delimiter = excluded.delimiter,
                updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        )
        .bind(&mapping.name).bind(columns).bind(&mapping.delimiter).bind(&actor.label).bind(now())
        .execute(conn).await.map(|done| done.rows_affected()))?;
        record(
            &mut tx,
            actor,
            AuditAction::Update,
            "csv_mapping",
            Some(&mapping.name),
            None,
        )
        .await?;
        tx.commit().await
    }

    pub async fn csv_mappings(&self) -> Result<Vec<CsvMapping>> {
        let rows: Vec<(String, String, String)> = read!(self, pool => sqlx::query_as(
            "SELECT name, columns, delimiter FROM csv_mappings ORDER BY name",
        )
        .fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .map(|(name, columns, delimiter)| CsvMapping {
                name,
                delimiter,
                columns: serde_json::from_str(&columns).unwrap_or_default(),
            })
            .collect())
    }

    pub async fn csv_mapping(&self, name: &str) -> Result<CsvMapping> {
        self.csv_mappings()
            .await?
            .into_iter()
            .find(|m| m.name == name)
            .ok_or(StoreError::NotFound)
    }
}

impl Store {
    /// The first `limit` households by dossier number with their members:
    /// what a CAF file about them would carry (the scale dataset's files).
    pub async fn households_with_members(
        &self,
        limit: i64,
    ) -> Result<Vec<(crate::person::Household, Vec<Person>)>> {
        let households: Vec<crate::person::Household> = read!(self, pool => sqlx::query_as(
            "SELECT * FROM households ORDER BY rsa_number LIMIT $1",
        )
        .bind(limit).fetch_all(pool).await)?;
        let persons: Vec<Person> = read!(self, pool => sqlx::query_as(
            "SELECT p.* FROM persons p
             JOIN (SELECT id FROM households ORDER BY rsa_number LIMIT $1) h ON h.id = p.household_id
             WHERE p.merged_into_id IS NULL",
        )
        .bind(limit).fetch_all(pool).await)?;
        let mut members: HashMap<Uuid, Vec<Person>> = HashMap::new();
        for person in persons {
            members.entry(person.household_id).or_default().push(person);
        }
        Ok(households
            .into_iter()
            .map(|h| {
                let persons = members.remove(&h.id).unwrap_or_default();
                (h, persons)
            })
            .collect())
    }
}
