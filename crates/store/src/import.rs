//! Imports of people from the CAF/MSA (XML) or another system (CSV): a file
//! goes in whole, in one transaction, or not at all. Dossiers are applied in
//! chunks — those that change nothing set aside by one read, then a few
//! lookups and multi-row statements per chunk — so that a département's
//! monthly file takes seconds on both backends.

use crate::audit::record;
use crate::bulk::{execute_by_keys, fetch_by_keys, read_by_keys, Rows, Updates};
use crate::json::JsonText;
use crate::person::Person;
use crate::person_load::PeopleLoad;
use crate::sql::Sql;
use crate::{now, Actor, Moment, Result, Store, StoreError, Tx};
use parcours_domain::audit::AuditAction;
use parcours_domain::caf::{
    iso_date, merge, same_identity, state_reason, CafFacts, CsvMapping, Dossier, DossierPerson,
    PersonChange, Rejected,
};
use parcours_domain::deadline::PathwayFacts;
use parcours_domain::nir::Nir;
use parcours_domain::organisation::OrganisationKind;
use parcours_domain::person::{HouseholdData, PersonData, RsaState};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
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
    /// done, failed; running while its file is read, interrupted when a
    /// stop of the server cut it short
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
    report: JsonText<ImportReport>,
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
            report: r.report.0,
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
const STATUS_RUNNING: &str = "running";
const STATUS_INTERRUPTED: &str = "interrupted";

/// Why an import left running by a stop of the server is marked interrupted.
pub const INTERRUPTED: &str =
    "Import interrompu par un arrêt du serveur : rien de ce fichier n'a été importé ; importez-le à nouveau.";

/// A file being imported: commit it with [`Import::finish`], or drop it and
/// nothing of the file remains.
pub struct Import {
    store: Store,
    tx: Tx,
    id: Uuid,
    file_date: Date,
    department: Uuid,
    load: PeopleLoad,
    households: Updates,
    persons: Updates,
    changes: Rows,
    declarations: Rows,
    counts: ImportCounts,
    warnings: Vec<String>,
    actor: Actor,
}

impl Store {
    /// Opens the transaction of a file's import; its row is `row` when one
    /// was recorded as running ([`Store::import_running`]), else a new one.
    pub async fn begin_import(
        &self,
        actor: &Actor,
        kind: &str,
        file_name: &str,
        file_date: Date,
        row: Option<Uuid>,
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
        let id = row.unwrap_or_else(Uuid::now_v7);
        let at = now();
        let written = match row {
            None => on_tx!(&mut tx, conn => sqlx::query(
                "INSERT INTO imports (id, kind, file_name, file_date, status, report, imported_by, started_at, finished_at)
                 VALUES ($1, $2, $3, $4, $5, '{}', $6, $7, $7)",
            )
            .bind(id).bind(kind).bind(file_name).bind(file_date).bind(STATUS_DONE).bind(&actor.label).bind(Moment(at))
            .execute(conn).await.map(|done| done.rows_affected()))?,
            // Done once committed: until then others still read it running.
            Some(id) => on_tx!(&mut tx, conn => sqlx::query(
                "UPDATE imports SET kind = $2, file_date = $3, status = $4 WHERE id = $1 AND status = $5",
            )
            .bind(id).bind(kind).bind(file_date).bind(STATUS_DONE).bind(STATUS_RUNNING)
            .execute(conn).await.map(|done| done.rows_affected()))?,
        };
        if written != 1 {
            return Err(StoreError::NotFound);
        }
        let load = PeopleLoad::new(&mut tx, &actor.label).await?;
        Ok(Import {
            store: self.clone(),
            tx,
            id,
            file_date,
            department,
            load,
            households: Updates::new(
                "households",
                &[
                    "id",
                    "caf_number",
                    "fund",
                    "rsa_state",
                    "rsa_state_on",
                    "updated_at",
                    "rsa_requested_on",
                    "family_situation",
                    "family_situation_on",
                    "homeless",
                    "rsa_state_reason",
                ],
                "version = households.version + 1",
            ),
            persons: Updates::new(
                "persons",
                &[
                    "id",
                    "household_id",
                    "household_role",
                    "last_name",
                    "first_names",
                    "birth_name",
                    "birth_date",
                    "sex",
                    "nir",
                    "email",
                    "phone",
                    "address",
                    "commune_code",
                    "territory_id",
                    "subject_to_duties",
                    "duties_since",
                    "updated_at",
                ],
                "version = persons.version + 1",
            ),
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
            declarations: Rows::new("declared_situations", crate::declared_situation::COLUMNS),
            counts: ImportCounts::default(),
            warnings: Vec::new(),
            actor: actor.clone(),
        })
    }

    /// Keeps a trace of a file refused as a whole (nothing of it imported):
    /// in its running row `row`, or a new one.
    pub async fn record_failed_import(
        &self,
        actor: &Actor,
        kind: &str,
        file_name: &str,
        started_at: OffsetDateTime,
        error: &str,
        row: Option<Uuid>,
    ) -> Result<ImportRecord> {
        let json = error_report(error)?;
        let id = row.unwrap_or_else(Uuid::now_v7);
        let mut tx = self.begin().await?;
        match row {
            None => on_tx!(&mut tx, conn => sqlx::query(
                "INSERT INTO imports (id, kind, file_name, status, report, imported_by, started_at, finished_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id).bind(kind).bind(file_name).bind(STATUS_FAILED).bind(json).bind(&actor.label)
            .bind(Moment(started_at)).bind(Moment(now()))
            .execute(conn).await.map(|done| done.rows_affected()))?,
            Some(id) => on_tx!(&mut tx, conn => sqlx::query(
                "UPDATE imports SET kind = $2, status = $3, report = $4, finished_at = $5 WHERE id = $1",
            )
            .bind(id).bind(kind).bind(STATUS_FAILED).bind(json).bind(Moment(now()))
            .execute(conn).await.map(|done| done.rows_affected()))?,
        };
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

    /// Records a file whose import begins, as running: the import then
    /// writes its outcome in this row ([`Store::begin_import`],
    /// [`Store::record_failed_import`], [`Store::import_failed`]), or the
    /// next start of the server marks it interrupted
    /// ([`Store::interrupt_running_imports`]).
    pub async fn import_running(&self, actor: &Actor, kind: &str, file_name: &str) -> Result<Uuid> {
        let id = Uuid::now_v7();
        let at = Moment(now());
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, conn => sqlx::query(
            "INSERT INTO imports (id, kind, file_name, status, report, imported_by, started_at, finished_at)
             VALUES ($1, $2, $3, $4, '{}', $5, $6, $6)",
        )
        .bind(id).bind(kind).bind(file_name).bind(STATUS_RUNNING).bind(&actor.label).bind(at)
        .execute(conn).await.map(|done| done.rows_affected()))?;
        tx.commit().await?;
        Ok(id)
    }

    /// An import still running that failed (an internal error, a panic):
    /// failed, with why. Nothing of its file was imported.
    pub async fn import_failed(&self, id: Uuid, reason: &str) -> Result<()> {
        let json = error_report(reason)?;
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, conn => sqlx::query(
            "UPDATE imports SET status = $2, report = $3, finished_at = $4 WHERE id = $1 AND status = $5",
        )
        .bind(id).bind(STATUS_FAILED).bind(json).bind(Moment(now())).bind(STATUS_RUNNING)
        .execute(conn).await.map(|done| done.rows_affected()))?;
        tx.commit().await?;
        Ok(())
    }

    /// At the server's start, before any import runs: the imports a stop
    /// left running are interrupted (nothing of their files was committed).
    /// Returns how many.
    pub async fn interrupt_running_imports(&self) -> Result<u64> {
        let json = error_report(INTERRUPTED)?;
        let mut tx = self.begin().await?;
        let done = on_tx!(&mut tx, conn => sqlx::query(
            "UPDATE imports SET status = $1, report = $2, finished_at = $3 WHERE status = $4",
        )
        .bind(STATUS_INTERRUPTED).bind(json).bind(Moment(now())).bind(STATUS_RUNNING)
        .execute(conn).await.map(|done| done.rows_affected()))?;
        tx.commit().await?;
        Ok(done)
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
        let sql = format!("{PERSON_IMPORT_CHANGES} LIMIT 50");
        Ok(read!(self, pool => sqlx::query_as::<_, ImportChange>(&sql)
        .bind(person_id).fetch_all(pool).await)?)
    }
}

/// Every change an import recorded about a person ($1): theirs, and their
/// household's that name no one. Newest first.
pub(crate) const PERSON_IMPORT_CHANGES: &str =
    "SELECT c.kind, c.detail, c.occurred_on, h.rsa_number, c.person_id,
            p.last_name || ' ' || p.first_names AS person_name
     FROM import_changes c JOIN households h ON h.id = c.household_id
     LEFT JOIN persons p ON p.id = c.person_id
     WHERE c.person_id = $1
        OR (c.person_id IS NULL AND c.household_id = (SELECT household_id FROM persons WHERE id = $1))
     ORDER BY c.occurred_on DESC, c.kind";

/// A chunk of a file's dossiers, those that change nothing set aside.
pub struct Chunk {
    changing: Vec<Dossier>,
    unchanged: usize,
}

impl Store {
    /// Sorts a chunk of dossiers: those the file changes (new ones, and known
    /// ones that differ from what is stored), and those it does not. Most
    /// dossiers of a monthly file change nothing; comparing them first with
    /// a text of the chunk's households and members, read in one statement,
    /// spares reading thousands of rows (each a hand-off between threads
    /// with sqlx). Read on the store's read connections, outside the
    /// import's transaction, so that it runs while the previous chunk is
    /// written: the import changes a dossier's household and people only
    /// when it reaches that dossier (numbers and NIRs are once in a file),
    /// and the dossiers that change are read again inside the transaction.
    pub async fn sort_chunk(&self, dossiers: Vec<Dossier>) -> Result<Chunk> {
        let numbers = dossiers
            .iter()
            .map(|d| d.household.rsa_number.as_str().into())
            .collect();
        let texts: Vec<(Option<String>,)> = read_by_keys(self, numbers, &snapshot::query()).await?;
        let stored = snapshot::parse(texts.iter().filter_map(|(t,)| t.as_deref()));
        let total = dossiers.len();
        let changing: Vec<Dossier> = dossiers
            .into_iter()
            .filter(|d| !stored.as_ref().is_some_and(|s| snapshot::unchanged(s, d)))
            .collect();
        Ok(Chunk {
            unchanged: total - changing.len(),
            changing,
        })
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

    /// Applies a chunk of valid dossiers (each dossier number and NIR once
    /// in the file), sorted by [`Store::sort_chunk`].
    pub async fn apply(&mut self, chunk: &Chunk) -> Result<()> {
        self.counts.records += (chunk.changing.len() + chunk.unchanged) as i64;
        let changing: Vec<&Dossier> = chunk.changing.iter().collect();
        let households = self.known_households(&changing).await?;
        let persons = self.known_persons(&changing, &households).await?;
        let known = Known::new(&persons);
        let mut updates = Vec::new();
        for dossier in changing {
            let household_id = self.household(dossier, &households);
            self.persons_of(dossier, household_id, &known, &mut updates)?;
        }
        self.write(&updates).await
    }

    /// Queues the dossier's new people and adds the updates of known ones.
    fn persons_of(
        &mut self,
        dossier: &Dossier,
        household_id: Uuid,
        known: &Known,
        updates: &mut Vec<PersonUpdate>,
    ) -> Result<()> {
        for incoming in &dossier.persons {
            let Some(person) = known.find(household_id, &incoming.data) else {
                let id = self.new_person(household_id, incoming.data.clone(), incoming.entering)?;
                self.declared(id, incoming);
                continue;
            };
            self.declared(person.person.id, incoming);
            let incoming = dossier
                .keeps
                .person_of(person.data.as_ref(), &incoming.data);
            let Some(update) = person_update(person, household_id, &incoming) else {
                continue;
            };
            // Once per chunk: the rows of one statement would update a file
            // in no set order.
            if !updates.iter().any(|u| u.before.id == update.before.id) {
                updates.push(update);
            }
        }
        Ok(())
    }

    /// Queues what the person declared at application, if the file says it.
    fn declared(&mut self, person_id: Uuid, incoming: &DossierPerson) {
        if let Some(declared) = &incoming.declared {
            let row = crate::declared_situation::row(person_id, declared, self.file_date);
            self.declarations.push(row);
        }
    }

    /// Writes what the chunk creates and changes.
    async fn write(&mut self, updates: &[PersonUpdate]) -> Result<()> {
        self.delete_tokens(updates).await?;
        let at = now();
        for update in updates {
            self.update_person(update, at)?;
        }
        self.load.write(&mut self.tx).await?;
        self.households.write(&mut self.tx).await?;
        self.persons.write(&mut self.tx).await?;
        self.declarations
            .upsert(&mut self.tx, crate::declared_situation::ON_CONFLICT)
            .await?;
        let updated: Vec<Uuid> = updates.iter().map(|u| u.before.id).collect();
        crate::deadline::refresh_clocks_of(&mut self.tx, &updated).await?;
        self.changes.write(&mut self.tx).await?;
        Ok(())
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
        .bind(c.persons_updated).bind(c.new_entrants).bind(c.rejected).bind(json).bind(Moment(now())).bind(self.id)
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
        // The file is in: statistics that cannot be refreshed now will be by
        // the database's own maintenance, so a failure here is only logged.
        if let Err(e) = self.store.refresh_import_statistics().await {
            tracing::warn!(error = %e, "statistics not refreshed after the import");
        }
        self.store.import(self.id).await
    }

    async fn known_households(
        &mut self,
        dossiers: &[&Dossier],
    ) -> Result<HashMap<String, (Uuid, HouseholdData)>> {
        let numbers = dossiers
            .iter()
            .map(|d| d.household.rsa_number.as_str().into())
            .collect();
        let rows: Vec<KnownHousehold> = fetch_by_keys(
            &mut self.tx,
            numbers,
            "SELECT h.id, h.rsa_number, h.caf_number, h.fund, h.rsa_state, h.rsa_state_on,
                    h.rsa_requested_on, h.family_situation, h.family_situation_on, h.homeless,
                    h.rsa_state_reason
             FROM k CROSS JOIN households h WHERE h.rsa_number = k.v",
        )
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|h| {
                let data = HouseholdData {
                    rsa_number: h.rsa_number.clone(),
                    caf_number: h.caf_number,
                    fund: parcours_domain::person::Fund::from_code(&h.fund)?,
                    rsa_state: RsaState::from_code(&h.rsa_state.to_string())?,
                    rsa_state_on: h.rsa_state_on,
                    caf: Some(CafFacts {
                        requested_on: h.rsa_requested_on,
                        family_situation: h.family_situation,
                        family_situation_on: h.family_situation_on,
                        homeless: h.homeless,
                        state_reason: h.rsa_state_reason,
                    }),
                };
                Some((h.rsa_number, (h.id, data)))
            })
            .collect())
    }

    /// The people of the chunk already known: the members of its known
    /// households, and by NIR those who are not (moving between dossiers).
    async fn known_persons(
        &mut self,
        dossiers: &[&Dossier],
        households: &HashMap<String, (Uuid, HouseholdData)>,
    ) -> Result<Vec<Person>> {
        let members = households.values().map(|(id, _)| (*id).into()).collect();
        let mut persons: Vec<Person> = fetch_by_keys(
            &mut self.tx,
            members,
            "SELECT p.* FROM k CROSS JOIN persons p WHERE p.household_id = k.v AND p.merged_into_id IS NULL",
        )
        .await?;
        let found: HashSet<&str> = persons.iter().filter_map(|p| p.nir.as_deref()).collect();
        let others = dossiers
            .iter()
            .flat_map(|d| &d.persons)
            .filter_map(|p| p.data.nir.as_ref().map(|n| n.as_str()))
            .filter(|nir| !found.contains(nir))
            .map(Into::into)
            .collect();
        let moving: Vec<Person> = fetch_by_keys(
            &mut self.tx,
            others,
            "SELECT p.* FROM k CROSS JOIN persons p WHERE p.nir = k.v AND p.merged_into_id IS NULL",
        )
        .await?;
        persons.extend(moving);
        Ok(persons)
    }

    /// The id of the dossier's household, queued for creation or update.
    fn household(
        &mut self,
        dossier: &Dossier,
        known: &HashMap<String, (Uuid, HouseholdData)>,
    ) -> Uuid {
        match known.get(&dossier.household.rsa_number) {
            Some((id, data)) => {
                let incoming = as_known(data, &dossier.keeps.household(data, &dossier.household));
                if let Some(change) = household_change(data, &incoming) {
                    self.update_household(*id, &incoming, change);
                }
                *id
            }
            None => {
                let id = Uuid::now_v7();
                self.load.household(id, &dossier.household);
                self.counts.households_created += 1;
                id
            }
        }
    }

    fn new_person(
        &mut self,
        household_id: Uuid,
        mut data: PersonData,
        entering: Option<bool>,
    ) -> Result<Uuid> {
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
        if data.subject_to_duties && entering != Some(false) {
            self.counts.new_entrants += 1;
            self.change(
                household_id,
                Some(id),
                change::NEW_ENTRANT,
                new_entrant_detail(&data),
            );
        }
        Ok(id)
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
        let renamed = updates
            .iter()
            .filter(|u| u.changes.contains(&PersonChange::Identity))
            .map(|u| u.before.id.into())
            .collect();
        execute_by_keys(
            &mut self.tx,
            renamed,
            "DELETE FROM person_name_tokens WHERE person_id IN (SELECT v FROM k)",
        )
        .await
    }

    /// Queues an update of a file, with its name tokens, revision and changes.
    fn update_person(&mut self, update: &PersonUpdate, at: OffsetDateTime) -> Result<()> {
        let after = self.updated(update, at);
        self.persons.push(vec![
            after.id.into(),
            after.household_id.into(),
            after.household_role.code().into(),
            after.last_name.clone().into(),
            after.first_names.clone().into(),
            after.birth_name.clone().into(),
            after.birth_date.into(),
            after.sex.code().into(),
            after.nir.clone().into(),
            after.email.clone().into(),
            after.phone.clone().into(),
            after.address.clone().into(),
            after.commune_code.clone().into(),
            after.territory_id.into(),
            after.subject_to_duties.into(),
            after.duties_since.into(),
            at.into(),
        ]);
        if update.changes.contains(&PersonChange::Identity) {
            self.load.tokens(&after, &update.after);
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
                PersonChange::Contact => contact_detail(&update.before, &update.after),
            };
            self.change(update.household_id, id, change.code(), detail);
        }
        Ok(())
    }

    /// The stored file after an update, as its revision keeps it: a commune
    /// missing from the referential leaves the known one.
    fn updated(&self, update: &PersonUpdate, at: OffsetDateTime) -> Person {
        let (before, data) = (&update.before, &update.after);
        let commune_code = data
            .commune_code
            .clone()
            .filter(|c| self.load.knows_commune(c))
            .or(before.commune_code.clone());
        Person {
            household_id: Some(update.household_id),
            household_role: data.household_role,
            last_name: data.last_name.clone(),
            first_names: data.first_names.clone(),
            birth_name: data.birth_name.clone(),
            birth_date: data.birth_date,
            sex: data.sex,
            nir: data.nir.as_ref().map(|n| n.as_str().to_owned()),
            email: data.email.clone(),
            phone: data.phone.clone(),
            address: data.address.clone(),
            territory_id: commune_code.as_deref().and_then(|c| self.load.territory(c)),
            commune_code,
            subject_to_duties: data.subject_to_duties,
            duties_since: data.duties_since,
            version: before.version + 1,
            updated_at: at,
            ..before.clone()
        }
    }

    /// Queues a household's update, and its line in the report when the
    /// change is worth one (a fact known for the first time is not).
    fn update_household(&mut self, id: Uuid, data: &HouseholdData, change: HouseholdChange) {
        let mut row = vec![
            id.into(),
            data.caf_number.clone().into(),
            data.fund.code().into(),
            crate::bulk::Value::Int(data.rsa_state.code().parse().unwrap_or(0)),
            data.rsa_state_on.into(),
            now().into(),
        ];
        row.extend(crate::person::caf_fact_values(data));
        self.households.push(row);
        self.counts.households_updated += 1;
        if let Some((kind, detail)) = change {
            self.change(id, None, kind, detail);
        }
    }
}

/// A known person, with their file as the domain's data (None for codes no
/// longer known: such a file is left as it is).
struct KnownPerson<'a> {
    person: &'a Person,
    data: Option<PersonData>,
}

/// What the file changes of a known person, if anything.
fn person_update(
    known: &KnownPerson,
    household_id: Uuid,
    incoming: &PersonData,
) -> Option<PersonUpdate> {
    let data = known.data.as_ref()?;
    // A file outside the RSA found by its NIR enters the RSA here.
    let moved = known.person.household_id != Some(household_id);
    let merged = merge(data, incoming);
    if merged.is_none() && !moved {
        return None;
    }
    let (after, changes) = merged.unwrap_or_else(|| (data.clone(), Vec::new()));
    Some(PersonUpdate {
        before: known.person.clone(),
        after,
        household_id,
        changes,
        moved,
    })
}

/// The known people of a chunk, by NIR and by household.
struct Known<'a> {
    persons: Vec<KnownPerson<'a>>,
    by_nir: HashMap<&'a str, usize>,
    by_household: HashMap<Uuid, Vec<usize>>,
}

impl<'a> Known<'a> {
    fn new(persons: &'a [Person]) -> Known<'a> {
        let mut known = Known {
            persons: Vec::with_capacity(persons.len()),
            by_nir: HashMap::with_capacity(persons.len()),
            by_household: HashMap::new(),
        };
        for (i, p) in persons.iter().enumerate() {
            if let Some(nir) = &p.nir {
                known.by_nir.insert(nir, i);
            }
            if let Some(household_id) = p.household_id {
                known.by_household.entry(household_id).or_default().push(i);
            }
            known.persons.push(KnownPerson {
                person: p,
                data: known_data(p),
            });
        }
        known
    }

    /// The file of this person: same NIR, or same identity in the household.
    fn find(&self, household_id: Uuid, data: &PersonData) -> Option<&KnownPerson<'a>> {
        if let Some(i) = data.nir.as_ref().and_then(|n| self.by_nir.get(n.as_str())) {
            return Some(&self.persons[*i]);
        }
        self.by_household
            .get(&household_id)?
            .iter()
            .map(|i| &self.persons[*i])
            .find(|p| {
                p.data
                    .as_ref()
                    .is_some_and(|known| same_identity(known, data))
            })
    }
}

/// A stored file as the domain's data (None for codes no longer known).
fn known_data(p: &Person) -> Option<PersonData> {
    Some(PersonData {
        household_role: p.household_role,
        last_name: p.last_name.clone(),
        first_names: p.first_names.clone(),
        birth_name: p.birth_name.clone(),
        birth_date: p.birth_date,
        sex: p.sex,
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

/// The known dossiers of a chunk as stored, read as one text: each
/// household's fields then its members' fields that a file compares, in
/// the same SQL on both backends. Anything unexpected in the text (a
/// separator inside a field, a code no longer known) only makes the
/// dossiers concerned, or the whole chunk, be read row by row.
mod snapshot {
    use super::household_change;
    use parcours_domain::caf::{merge, same_identity, CafFacts, Dossier};
    use parcours_domain::nir::Nir;
    use parcours_domain::person::{Fund, HouseholdData, HouseholdRole, PersonData, RsaState, Sex};
    use std::collections::HashMap;
    use time::Date;

    /// Control characters, which a CAF file (XML) cannot carry; a field
    /// holding one makes the text not parse.
    const HOUSEHOLD: char = '\u{1d}';
    const MEMBER: char = '\u{1e}';
    const FIELD: char = '\u{1f}';

    /// A stored member: their NIR as stored, and their file.
    type Member = (Option<String>, PersonData);

    /// Known households by dossier number, with their members.
    pub(super) type Snapshot = HashMap<String, (HouseholdData, Vec<Member>)>;

    /// The text of the households `k` (optional fields are `=value` or empty).
    pub(super) fn query() -> String {
        let household = fields(&[
            "h.rsa_number",
            "'=' || h.caf_number",
            "h.fund",
            "h.rsa_state",
            "'=' || h.rsa_state_on",
            "'=' || h.rsa_requested_on",
            "'=' || h.family_situation",
            "'=' || h.family_situation_on",
            "CASE WHEN h.homeless THEN '1' ELSE '0' END",
            "'=' || h.rsa_state_reason",
        ]);
        let member = fields(&[
            "p.household_role",
            "p.last_name",
            "p.first_names",
            "'=' || p.birth_name",
            "p.birth_date",
            "p.sex",
            "'=' || p.nir",
            "'=' || p.address",
            "'=' || p.commune_code",
            "CASE WHEN p.subject_to_duties THEN '1' ELSE '0' END",
            "'=' || p.duties_since",
        ]);
        format!(
            "SELECT string_agg({household} || COALESCE((SELECT string_agg('{MEMBER}' || {member}, '')
                FROM persons p WHERE p.household_id = h.id AND p.merged_into_id IS NULL), ''), '{HOUSEHOLD}')
             FROM k CROSS JOIN households h WHERE h.rsa_number = k.v"
        )
    }

    /// `format('%s…%s', …)`: one string built at once (rather than a chain
    /// of `||`), NULL written as nothing, on both backends.
    fn fields(columns: &[&str]) -> String {
        let pattern = vec!["%s"; columns.len()].join(&FIELD.to_string());
        format!("format('{pattern}', {})", columns.join(", "))
    }

    /// The stored households; None when the text is not as expected.
    pub(super) fn parse<'t>(texts: impl Iterator<Item = &'t str>) -> Option<Snapshot> {
        let mut snapshot = Snapshot::new();
        for text in texts.flat_map(|t| t.split(HOUSEHOLD)) {
            let mut records = text.split(MEMBER);
            let household: Vec<&str> = records.next()?.split(FIELD).collect();
            let members: Vec<Vec<&str>> = records.map(|m| m.split(FIELD).collect()).collect();
            if household.len() != 10 || members.iter().any(|m| m.len() != 11) {
                return None;
            }
            let parsed = household_data(&household).and_then(|data| {
                let members = members
                    .iter()
                    .map(|m| member(m))
                    .collect::<Option<Vec<_>>>()?;
                Some((data, members))
            });
            // Codes no longer known: the dossier is read row by row.
            if let Some(parsed) = parsed {
                snapshot.insert(household[0].to_owned(), parsed);
            }
        }
        Some(snapshot)
    }

    /// Whether the file changes nothing of this dossier, as the import would
    /// find its people: by NIR, or by identity in the household (when two
    /// members could be the one, the dossier is read row by row).
    pub(super) fn unchanged(snapshot: &Snapshot, dossier: &Dossier) -> bool {
        let Some((household, members)) = snapshot.get(&dossier.household.rsa_number) else {
            return false;
        };
        let incoming = dossier.keeps.household(household, &dossier.household);
        household_change(household, &super::as_known(household, &incoming)).is_none()
            && dossier.persons.iter().all(|incoming| {
                let incoming = &incoming.data;
                let mut found = members.iter().filter(|(nir, known)| match &incoming.nir {
                    Some(n) => nir.as_deref() == Some(n.as_str()),
                    None => same_identity(known, incoming),
                });
                match (found.next(), found.next()) {
                    (Some((_, known)), None) => {
                        merge(known, &dossier.keeps.person(known, incoming)).is_none()
                    }
                    _ => false,
                }
            })
            // What a person declared is written with the file (the
            // snapshot does not compare it).
            && dossier.persons.iter().all(|p| p.declared.is_none())
    }

    fn household_data(f: &[&str]) -> Option<HouseholdData> {
        Some(HouseholdData {
            rsa_number: f[0].to_owned(),
            caf_number: optional(f[1])?.map(str::to_owned),
            fund: Fund::from_code(f[2])?,
            rsa_state: RsaState::from_code(f[3])?,
            rsa_state_on: optional_date(f[4])?,
            caf: Some(CafFacts {
                requested_on: optional_date(f[5])?,
                family_situation: optional(f[6])?.map(str::to_owned),
                family_situation_on: optional_date(f[7])?,
                homeless: match f[8] {
                    "1" => true,
                    "0" => false,
                    _ => return None,
                },
                state_reason: optional(f[9])?.map(str::to_owned),
            }),
        })
    }

    /// A member as the import compares them; what a file does not carry
    /// (contact, situation) is left out.
    fn member(f: &[&str]) -> Option<Member> {
        let nir = optional(f[6])?;
        let data = PersonData {
            household_role: HouseholdRole::from_code(f[0])?,
            last_name: f[1].to_owned(),
            first_names: f[2].to_owned(),
            birth_name: optional(f[3])?.map(str::to_owned),
            birth_date: date(f[4])?,
            sex: Sex::from_code(f[5])?,
            nir: nir.and_then(|n| Nir::parse(n).ok()),
            email: None,
            phone: None,
            address: optional(f[7])?.map(str::to_owned),
            commune_code: optional(f[8])?.map(str::to_owned),
            subject_to_duties: match f[9] {
                "1" => true,
                "0" => false,
                _ => return None,
            },
            duties_since: optional_date(f[10])?,
            single_parent: false,
            other_minimum_income: false,
            rqth: false,
        };
        Some((nir.map(str::to_owned), data))
    }

    /// `=value` or nothing (NULL); None for anything else.
    fn optional(field: &str) -> Option<Option<&str>> {
        match field {
            "" => Some(None),
            _ => field.strip_prefix('=').map(Some),
        }
    }

    fn optional_date(field: &str) -> Option<Option<Date>> {
        match optional(field)? {
            None => Some(None),
            Some(text) => date(text).map(Some),
        }
    }

    fn date(text: &str) -> Option<Date> {
        Date::parse(
            text,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .ok()
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use parcours_domain::caf::{iso_date, validate, RawDossier, RawPerson};
        use time::macros::date;

        fn dossier() -> Dossier {
            let person = |role: &str, first: &str, nir: &str| RawPerson {
                role: role.into(),
                last_name: "Durand".into(),
                first_names: first.into(),
                birth_date: "1980-05-12".into(),
                sex: "2".into(),
                nir: nir.into(),
                subject_to_duties: "1".into(),
                ..RawPerson::default()
            };
            let raw = RawDossier {
                rsa_number: "14000000001".into(),
                caf_number: "1000001".into(),
                rsa_state: "2".into(),
                rsa_state_on: "2026-10-01".into(),
                address: "1 rue de la Paix".into(),
                commune_code: "14118".into(),
                persons: vec![
                    person("DEM", "Éloïse", "2800514100001"),
                    person("CJT", "Léa", ""),
                ],
                ..RawDossier::default()
            };
            validate(&raw, Fund::Caf, date!(2026 - 11 - 01)).unwrap()
        }

        /// The text the query reads for a dossier stored as the file says.
        fn stored(d: &Dossier) -> String {
            let opt = |v: Option<&str>| v.map(|v| format!("={v}")).unwrap_or_default();
            let h = &d.household;
            let facts = h.caf.clone().unwrap_or_default();
            let mut text = [
                h.rsa_number.clone(),
                opt(h.caf_number.as_deref()),
                h.fund.code().into(),
                h.rsa_state.code().into(),
                opt(h.rsa_state_on.map(iso_date).as_deref()),
                opt(facts.requested_on.map(iso_date).as_deref()),
                opt(facts.family_situation.as_deref()),
                opt(facts.family_situation_on.map(iso_date).as_deref()),
                if facts.homeless { "1" } else { "0" }.into(),
                opt(facts.state_reason.as_deref()),
            ]
            .join(&FIELD.to_string());
            for p in d.persons.iter().map(|p| &p.data) {
                text.push(MEMBER);
                text.push_str(
                    &[
                        p.household_role.code().into(),
                        p.last_name.clone(),
                        p.first_names.clone(),
                        opt(p.birth_name.as_deref()),
                        iso_date(p.birth_date),
                        p.sex.code().into(),
                        opt(p.nir.as_ref().map(|n| n.as_str())),
                        opt(p.address.as_deref()),
                        opt(p.commune_code.as_deref()),
                        if p.subject_to_duties { "1" } else { "0" }.into(),
                        opt(p.duties_since.map(iso_date).as_deref()),
                    ]
                    .join(&FIELD.to_string()),
                );
            }
            text
        }

        #[test]
        fn a_dossier_as_stored_changes_nothing() {
            let d = dossier();
            let snapshot = parse([stored(&d).as_str()].into_iter()).unwrap();
            assert!(unchanged(&snapshot, &d));
        }

        #[test]
        fn a_difference_a_newcomer_or_a_doubt_makes_it_read() {
            let d = dossier();
            let snapshot = parse([stored(&d).as_str()].into_iter()).unwrap();
            let mut renamed = d.clone();
            renamed.persons[1].data.last_name = "Martin".into();
            assert!(!unchanged(&snapshot, &renamed), "changed");
            let mut moved_in = d.clone();
            moved_in.persons[0].data.nir = Nir::parse("1800514100002").ok();
            assert!(!unchanged(&snapshot, &moved_in), "another NIR");
            let mut twice = d.clone();
            twice.persons.push(twice.persons[1].clone());
            let snapshot = parse([stored(&twice).as_str()].into_iter()).unwrap();
            assert!(
                !unchanged(&snapshot, &twice),
                "two members could be the one"
            );
            assert!(!unchanged(&Snapshot::new(), &d), "not stored");
        }

        #[test]
        fn an_unexpected_text_makes_the_whole_chunk_read() {
            let text = stored(&dossier());
            let broken = text.replacen("Durand", &format!("Du{FIELD}rand"), 1);
            assert!(parse([broken.as_str()].into_iter()).is_none());
            let unknown = text.replacen("DEM", "XYZ", 1);
            assert!(parse([unknown.as_str()].into_iter()).unwrap().is_empty());
        }
    }
}

/// The household as the file describes it, in the terms already stored:
/// the CAF's files date a state only by its suspension, closure or refusal,
/// so an unchanged state keeps its known date; and the numéro allocataire
/// keeps its stored form when the file writes the same number with 15
/// digits (the household stored with 7 is recognised).
fn as_known(known: &HouseholdData, incoming: &HouseholdData) -> HouseholdData {
    let mut data = incoming.clone();
    if data.caf.is_none() {
        data.caf = known.caf.clone();
    }
    if data.rsa_state_on.is_none() && data.rsa_state == known.rsa_state {
        data.rsa_state_on = known.rsa_state_on;
    }
    if parcours_domain::person::same_caf_number(
        known.caf_number.as_deref(),
        incoming.caf_number.as_deref(),
    ) {
        data.caf_number = known.caf_number.clone();
    }
    data
}

/// A known household's row, as the import compares it.
#[derive(sqlx::FromRow)]
struct KnownHousehold {
    id: Uuid,
    rsa_number: String,
    caf_number: Option<String>,
    fund: String,
    rsa_state: i64,
    rsa_state_on: Option<Date>,
    rsa_requested_on: Option<Date>,
    family_situation: Option<String>,
    family_situation_on: Option<Date>,
    homeless: bool,
    rsa_state_reason: Option<String>,
}

/// A household's change: its line in the report (kind and French detail),
/// None when only facts known for the first time come in.
type HouseholdChange = Option<(&'static str, String)>;

/// What changed in a household, if anything: the RSA state first.
fn household_change(known: &HouseholdData, incoming: &HouseholdData) -> Option<HouseholdChange> {
    if (known.rsa_state, known.rsa_state_on) != (incoming.rsa_state, incoming.rsa_state_on) {
        let reason = incoming
            .caf
            .as_ref()
            .and_then(|f| f.state_reason.as_deref())
            .map(|code| format!(", motif : {}", state_reason(incoming.rsa_state, code)))
            .unwrap_or_default();
        return Some(Some((
            change::RSA_STATE,
            format!(
                "État du droit : {} → {}{}{reason}",
                known.rsa_state.label(),
                incoming.rsa_state.label(),
                incoming
                    .rsa_state_on
                    .map(|d| format!(" (au {})", fr(d)))
                    .unwrap_or_default()
            ),
        )));
    }
    if (&known.caf_number, known.fund) != (&incoming.caf_number, incoming.fund) {
        return Some(Some((
            change::HOUSEHOLD,
            format!(
                "Numéro allocataire : {} → {}",
                known.caf_number.as_deref().unwrap_or("—"),
                incoming.caf_number.as_deref().unwrap_or("—")
            ),
        )));
    }
    if known.caf == incoming.caf {
        return None;
    }
    let before = known.caf.clone().unwrap_or_default();
    let after = incoming.caf.clone().unwrap_or_default();
    let changes = before.changes(&after, incoming.rsa_state);
    Some((!changes.is_empty()).then(|| (change::HOUSEHOLD, changes.join(" ; "))))
}

/// The report's line for a contact the household agreed to give: what
/// changed, not the values (the report is read by more people than the file).
fn contact_detail(before: &Person, after: &PersonData) -> String {
    let mut given = Vec::new();
    if before.phone != after.phone {
        given.push("téléphone");
    }
    if before.email != after.email {
        given.push("adresse électronique");
    }
    format!(
        "Coordonnées transmises par la CAF avec l'accord du foyer : {}.",
        given.join(", ")
    )
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
        .bind(&mapping.name).bind(columns).bind(&mapping.delimiter).bind(&actor.label).bind(Moment(now()))
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
        let rows: Vec<(String, JsonText<_>, String)> = read!(self, pool => sqlx::query_as(
            "SELECT name, columns, delimiter FROM csv_mappings ORDER BY name",
        )
        .fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .map(|(name, columns, delimiter)| CsvMapping {
                name,
                delimiter,
                columns: columns.0,
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
            if let Some(household_id) = person.household_id {
                members.entry(household_id).or_default().push(person);
            }
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

/// The report of an import that did not go in: why.
fn error_report(error: &str) -> Result<String> {
    let report = ImportReport {
        error: Some(error.to_owned()),
        ..ImportReport::default()
    };
    serde_json::to_string(&report).map_err(|e| StoreError::Config(e.to_string()))
}
