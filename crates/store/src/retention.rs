//! Retention (issue 18): the files with no contact since the cut-off are
//! anonymised, and the audit events older than the audit period deleted —
//! by [`Store::retention_purge`] alone, in one transaction (the append-only
//! triggers let it through while it holds a row of `audit_purge_permits`,
//! migrations/*/0023_retention.sql). [`Store::retention_preview`] shows what
//! the next run touches.
//!
//! A contact is any dated event of the pathway: every dated column of
//! every table that reaches a person is listed in [`CONTACTS`]; every table
//! that reaches a person or a household is listed in [`TABLES`] with what
//! the purge does to it (a test walks the schema's foreign keys to check
//! that none is forgotten).
//!
//! Anonymisation keeps what the statistics and the FSE+ reports count —
//! ids, dates, codes, sex, commune, the birth year — and blanks identity,
//! contact, free texts and sensitive content.

use crate::audit::{record, Actor};
use crate::db::Db;
use crate::{Backend, Moment, Result, Store, Tx};
use parcours_domain::audit::AuditAction;
use parcours_domain::diagnostic::DiagnosticData;
use parcours_domain::retention::{self, Cutoffs, ANONYMISED_NAME};
use serde::Serialize;
use std::collections::HashMap;
use time::{Date, Month, OffsetDateTime};
use uuid::Uuid;

/// Whether a dated column holds a day or an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Day,
    Instant,
}

/// A dated column of a person's pathway: `column` of the rows of `from`
/// whose `person` is the file's id.
#[derive(Debug, Clone, Copy)]
pub struct Contact {
    pub from: &'static str,
    pub person: &'static str,
    pub column: &'static str,
    pub when: When,
}

const fn day(from: &'static str, person: &'static str, column: &'static str) -> Contact {
    Contact {
        from,
        person,
        column,
        when: When::Day,
    }
}

const fn instant(from: &'static str, person: &'static str, column: &'static str) -> Contact {
    Contact {
        from,
        person,
        column,
        when: When::Instant,
    }
}

const REFERRALS_OF: &str = "referrals r";
const ATTENDANCES: &str = "attendances a JOIN referrals r ON r.id = a.referral_id";
const APPOINTMENTS: &str = "action_sessions s JOIN referrals r ON r.id = s.referral_id";
const FSE: &str = "fse_entries f JOIN referrals r ON r.id = f.referral_id";
const HOUSEHOLD: &str = "households h JOIN persons m ON m.household_id = h.id";
const HOUSEHOLD_CHANGES: &str =
    "import_changes c JOIN persons m ON m.household_id = c.household_id AND c.person_id IS NULL";

/// Every dated event of a pathway: the last of them is the file's last contact.
pub const CONTACTS: &[Contact] = &[
    instant("persons x", "x.id", "x.created_at"),
    instant("persons x", "x.id", "x.updated_at"),
    day("persons x", "x.id", "x.duties_since"),
    day("persons x", "x.id", "x.closed_on"),
    instant(HOUSEHOLD, "m.id", "h.created_at"),
    instant(HOUSEHOLD, "m.id", "h.updated_at"),
    day(HOUSEHOLD, "m.id", "h.rsa_state_on"),
    instant("person_revisions v", "v.person_id", "v.changed_at"),
    day("declared_situations ds", "ds.person_id", "ds.declared_on"),
    day("orientations o", "o.person_id", "o.decided_on"),
    day("orientations o", "o.person_id", "o.notified_on"),
    instant("orientations o", "o.person_id", "o.created_at"),
    day("referent_assignments ra", "ra.person_id", "ra.starts_on"),
    day("referent_assignments ra", "ra.person_id", "ra.ends_on"),
    instant("referent_assignments ra", "ra.person_id", "ra.created_at"),
    day("pathway_reviews pr", "pr.person_id", "pr.reviewed_on"),
    instant("pathway_reviews pr", "pr.person_id", "pr.created_at"),
    day("diagnostics d", "d.person_id", "d.revised_on"),
    instant("diagnostics d", "d.person_id", "d.created_at"),
    day("contracts k", "k.person_id", "k.starts_on"),
    day("contracts k", "k.person_id", "k.ends_on"),
    day("contracts k", "k.person_id", "k.signed_on"),
    day("contracts k", "k.person_id", "k.validated_on"),
    day("contracts k", "k.person_id", "k.ended_on"),
    day("contracts k", "k.person_id", "k.reviewed_on"),
    instant("contracts k", "k.person_id", "k.created_at"),
    instant("contracts k", "k.person_id", "k.updated_at"),
    instant(REFERRALS_OF, "r.person_id", "r.requested_at"),
    day(REFERRALS_OF, "r.person_id", "r.positioned_on"),
    instant(REFERRALS_OF, "r.person_id", "r.answered_at"),
    instant(REFERRALS_OF, "r.person_id", "r.offer_until"),
    day(REFERRALS_OF, "r.person_id", "r.entered_on"),
    day(REFERRALS_OF, "r.person_id", "r.exited_on"),
    day(REFERRALS_OF, "r.person_id", "r.situation_4_weeks_on"),
    instant(
        REFERRALS_OF,
        "r.person_id",
        "r.situation_4_weeks_recorded_at",
    ),
    instant(REFERRALS_OF, "r.person_id", "r.created_at"),
    instant(REFERRALS_OF, "r.person_id", "r.updated_at"),
    instant(ATTENDANCES, "r.person_id", "a.recorded_at"),
    day(APPOINTMENTS, "r.person_id", "s.on_date"),
    instant(APPOINTMENTS, "r.person_id", "s.created_at"),
    instant(FSE, "r.person_id", "f.recorded_at"),
    instant("meetings mt", "mt.person_id", "mt.starts_at"),
    instant("meetings mt", "mt.person_id", "mt.created_at"),
    day("follow_up_log l", "l.person_id", "l.occurred_on"),
    instant("follow_up_log l", "l.person_id", "l.recorded_at"),
    day("import_changes c", "c.person_id", "c.occurred_on"),
    day(HOUSEHOLD_CHANGES, "m.id", "c.occurred_on"),
];

/// Every table that reaches a person's file or a household (by a foreign
/// key, directly or through another such table), and what the purge does
/// with it. Checked against the schema by the store's tests.
pub const TABLES: &[(&str, &str)] = &[
    (
        "persons",
        "identity and contact blanked, birth date to the year; sex, commune, codes and dates kept",
    ),
    (
        "households",
        "dossier RSA and CAF numbers replaced once every member is anonymised; fund and state kept",
    ),
    ("person_name_tokens", "deleted (the name search)"),
    (
        "person_revisions",
        "deleted (the rectifications' history holds the identity)",
    ),
    (
        "declared_situations",
        "deleted (the person's words at application, health included)",
    ),
    (
        "orientations",
        "reasons blanked; kind, organisation, status and dates kept",
    ),
    ("referent_assignments", "kept: ids and dates only"),
    ("pathway_reviews", "outcome (free text) blanked; date kept"),
    ("person_clocks", "kept: deadlines computed from the dates"),
    (
        "diagnostics",
        "free texts and sensitive barriers removed; other barriers' codes kept",
    ),
    (
        "contracts",
        "commitments, notes and comments blanked; kind, status, dates and hours kept",
    ),
    (
        "contract_objectives",
        "title, actions and comment blanked; category, barriers and result kept",
    ),
    (
        "referrals",
        "reasons and comments blanked; statuses, codes and dates kept",
    ),
    ("attendances", "kept: status and date only"),
    (
        "action_sessions",
        "an appointment's note blanked; dates kept",
    ),
    (
        "fse_entries",
        "birth date to the year; the FSE+ codes kept (the reports count them)",
    ),
    (
        "meetings",
        "place and note blanked; kind, times, holder and outcome kept",
    ),
    (
        "follow_up_log",
        "deleted (what the référent wrote down, confidences included)",
    ),
    (
        "outbox",
        "the address or number a message went to blanked; channel, purpose, dates and state kept",
    ),
    (
        "notifications",
        "deleted (staff's reminders of what happened to the person)",
    ),
    (
        "import_changes",
        "detail (names, previous identity) blanked; kind and date kept",
    ),
];

/// Ids per statement when the preview reads the candidates' last contacts.
const CHUNK: usize = 500;

/// The rsa_number an anonymised household takes (unique, not the dossier's).
const ANONYMISED_RSA_PREFIX: &str = "ANONYME-";

/// A file the next run anonymises.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RetentionCandidate {
    pub person_id: Uuid,
    /// The day of the last dated event (in Paris); none when the file has no date at all.
    pub last_contact: Option<Date>,
    pub organisation: Option<String>,
}

/// What the next run would touch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RetentionPreview {
    pub files: Vec<RetentionCandidate>,
    pub audit_events: i64,
    /// Requests to join a structure decided (or left waiting) before the
    /// audit cut-off.
    pub join_requests: i64,
}

/// What a run did (counts only).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct PurgeReport {
    pub anonymised: i64,
    pub households: i64,
    pub audit_events_deleted: i64,
    pub join_requests_deleted: i64,
}

/// The files whose every dated event is before the cut-off, not anonymised
/// yet, in a household with no open file in droits et devoirs: the
/// accompaniment runs while it has one, however long nothing happens (a file
/// the services lost sight of is still to follow), and retention counts
/// once it has ended (`p` is the person, checked apart for a file without
/// household; `$1` the cut-off day, `$2` its first instant).
fn inactive() -> String {
    let mut sql = String::from(
        "p.anonymised_on IS NULL AND NOT (p.subject_to_duties AND p.closed_on IS NULL)
         AND NOT EXISTS (SELECT 1 FROM persons a WHERE a.household_id = p.household_id
             AND a.subject_to_duties AND a.closed_on IS NULL AND a.merged_into_id IS NULL)",
    );
    for c in CONTACTS {
        let cutoff = match c.when {
            When::Day => "$1",
            When::Instant => "$2",
        };
        sql.push_str(&format!(
            " AND NOT EXISTS (SELECT 1 FROM {} WHERE {} = p.id AND {} >= {cutoff})",
            c.from, c.person, c.column
        ));
    }
    sql
}

/// The requests to join a structure kept no longer than the audit trail of
/// their decision: decided, or left waiting, before `$1` (the audit
/// cut-off). They hold a partner's name, address and SIRET.
const OLD_JOIN_REQUESTS: &str = "join_requests WHERE COALESCE(decided_at, created_at) < $1";

/// The audit tables: on SQLite the main file's and the reads' own.
fn audit_tables(backend: Backend) -> &'static [(&'static str, &'static str)] {
    match backend {
        Backend::Sqlite => &[
            ("main.audit_events", "main.audit_purge_permits"),
            ("lectures.audit_events", "lectures.audit_purge_permits"),
        ],
        Backend::Postgres => &[("audit_events", "audit_purge_permits")],
    }
}

impl Store {
    /// The files the next run anonymises (oldest contact first) and the
    /// number of audit events it deletes. Reads only.
    pub async fn retention_preview(&self, cutoffs: &Cutoffs) -> Result<RetentionPreview> {
        let candidates = format!(
            "SELECT p.id, o.name FROM persons p
             LEFT JOIN organisations o ON o.id = p.responsible_organisation_id
             WHERE {}",
            inactive()
        );
        let rows: Vec<(Uuid, Option<String>)> = read!(self, pool => sqlx::query_as(&candidates)
            .bind(cutoffs.inactive_before)
            .bind(Moment(cutoffs.inactive_instant))
            .fetch_all(pool)
            .await)?;
        // The last contact of each candidate: per dated column, the latest
        // of the candidates' rows, by the index on the person (in chunks of
        // ids, rather than the candidates' query again for each column).
        let mut last: HashMap<Uuid, Date> = HashMap::new();
        let ids: Vec<Uuid> = rows.iter().map(|(id, _)| *id).collect();
        for chunk in ids.chunks(CHUNK) {
            let list = (1..=chunk.len())
                .map(|n| format!("${n}"))
                .collect::<Vec<_>>()
                .join(", ");
            for c in CONTACTS {
                let sql = format!(
                    "SELECT {person}, MAX({column}) FROM {from}
                     WHERE {person} IN ({list}) GROUP BY {person}",
                    person = c.person,
                    column = c.column,
                    from = c.from,
                );
                let days: Vec<(Uuid, Option<Date>)> = match c.when {
                    When::Day => read!(self, pool => {
                        let mut query = sqlx::query_as(&sql);
                        for id in chunk {
                            query = query.bind(*id);
                        }
                        query.fetch_all(pool).await
                    })?,
                    When::Instant => {
                        let at: Vec<(Uuid, Option<OffsetDateTime>)> = read!(self, pool => {
                            let mut query = sqlx::query_as(&sql);
                            for id in chunk {
                                query = query.bind(*id);
                            }
                            query.fetch_all(pool).await
                        })?;
                        at.into_iter()
                            .map(|(id, at)| (id, at.map(parcours_domain::clock::date_in_paris)))
                            .collect()
                    }
                };
                for (id, on) in days {
                    if let Some(on) = on {
                        let entry = last.entry(id).or_insert(on);
                        *entry = (*entry).max(on);
                    }
                }
            }
        }
        let mut files: Vec<RetentionCandidate> = rows
            .into_iter()
            .map(|(person_id, organisation)| RetentionCandidate {
                person_id,
                last_contact: last.get(&person_id).copied(),
                organisation,
            })
            .collect();
        files.sort_by_key(|f| (f.last_contact, f.person_id));
        let mut audit_events = 0;
        for (table, _) in audit_tables(self.backend()) {
            let sql = format!("SELECT COUNT(*) FROM {table} WHERE at < $1");
            let count: i64 = read!(self, pool => sqlx::query_scalar(&sql)
                .bind(Moment(cutoffs.audit_before))
                .fetch_one(pool)
                .await)?;
            audit_events += count;
        }
        let sql = format!("SELECT COUNT(*) FROM {OLD_JOIN_REQUESTS}");
        let join_requests: i64 = read!(self, pool => sqlx::query_scalar(&sql)
            .bind(Moment(cutoffs.audit_before))
            .fetch_one(pool)
            .await)?;
        Ok(RetentionPreview {
            files,
            audit_events,
            join_requests,
        })
    }

    /// Anonymises the inactive files and deletes the old audit events, in
    /// one transaction with the audit event of the run (counts only). On
    /// SQLite the deleted and overwritten content is zeroed as it goes
    /// (`secure_delete`) and the write-ahead log emptied after the commit,
    /// so that the removed text is nowhere in the files.
    pub async fn retention_purge(
        &self,
        actor: &Actor,
        cutoffs: &Cutoffs,
        today: Date,
    ) -> Result<PurgeReport> {
        let mut tx = self.begin().await?;
        let sqlite = self.backend() == Backend::Sqlite;
        if sqlite {
            exec(&mut tx, "PRAGMA secure_delete = ON").await?;
        }
        let report = purge_in(&mut tx, self.backend(), actor, cutoffs, today).await;
        if sqlite {
            // Back to the writer's usual setting, whatever the outcome.
            exec(&mut tx, "PRAGMA secure_delete = OFF").await?;
        }
        let report = report?;
        tx.commit().await?;
        if let Db::Sqlite { writer, .. } = &*self.db {
            // The log's frames still hold the pages as they were: copied
            // into the files, then the log truncated. Readers in the middle
            // of a read may delay it to the next run.
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(writer)
                .await?;
        }
        Ok(report)
    }
}

async fn exec(tx: &mut Tx, sql: &str) -> Result<u64> {
    Ok(on_tx!(tx, conn => sqlx::query(sql)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?)
}

/// Runs `sql` with the run's day as `$1`.
async fn on_today(tx: &mut Tx, sql: &str, today: Date) -> Result<u64> {
    Ok(on_tx!(tx, conn => sqlx::query(sql)
        .bind(today)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?)
}

/// The files anonymised by this run (`anonymised_on` = `$1`).
const TODAY: &str = "SELECT id FROM persons WHERE anonymised_on = $1";

async fn purge_in(
    tx: &mut Tx,
    backend: Backend,
    actor: &Actor,
    cutoffs: &Cutoffs,
    today: Date,
) -> Result<PurgeReport> {
    let mark = format!(
        "UPDATE persons SET anonymised_on = $3
         WHERE id IN (SELECT p.id FROM persons p WHERE {})",
        inactive()
    );
    let anonymised = on_tx!(tx, conn => sqlx::query(&mark)
        .bind(cutoffs.inactive_before)
        .bind(Moment(cutoffs.inactive_instant))
        .bind(today)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
    let mut households = 0;
    if anonymised > 0 {
        anonymise_files(tx, today).await?;
        households = anonymise_households(tx, today).await?;
    }
    let mut audit_events_deleted = 0;
    for (events, permits) in audit_tables(backend) {
        exec(tx, &format!("INSERT INTO {permits} (id) VALUES (1)")).await?;
        let sql = format!("DELETE FROM {events} WHERE at < $1");
        audit_events_deleted += on_tx!(tx, conn => sqlx::query(&sql)
            .bind(Moment(cutoffs.audit_before))
            .execute(conn)
            .await
            .map(|done| done.rows_affected()))?;
        exec(tx, &format!("DELETE FROM {permits}")).await?;
    }
    let sql = format!("DELETE FROM {OLD_JOIN_REQUESTS}");
    let join_requests_deleted = on_tx!(tx, conn => sqlx::query(&sql)
        .bind(Moment(cutoffs.audit_before))
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
    let report = PurgeReport {
        anonymised: anonymised as i64,
        households,
        audit_events_deleted: audit_events_deleted as i64,
        join_requests_deleted: join_requests_deleted as i64,
    };
    let detail = format!(
        "conservation : {} dossier(s) sans contact depuis le {} anonymisé(s), {} foyer(s), \
         {} événement(s) d'audit et {} demande(s) d'accès supprimé(e)s",
        report.anonymised,
        parcours_domain::clock::fr_date(cutoffs.inactive_before),
        report.households,
        report.audit_events_deleted,
        report.join_requests_deleted
    );
    record(
        tx,
        actor,
        AuditAction::Delete,
        "retention",
        None,
        Some(&detail),
    )
    .await?;
    Ok(report)
}

/// Blanks what identifies the files marked today, keeping codes and dates.
async fn anonymise_files(tx: &mut Tx, today: Date) -> Result<()> {
    let of_today = |table_sql: &str| table_sql.replace("{today}", TODAY);
    for sql in [
        "DELETE FROM person_name_tokens WHERE person_id IN ({today})",
        "DELETE FROM person_revisions WHERE person_id IN ({today})",
        "DELETE FROM declared_situations WHERE person_id IN ({today})",
        "DELETE FROM follow_up_log WHERE person_id IN ({today})",
        "UPDATE meetings SET place = NULL, note = NULL, version = version + 1 WHERE person_id IN ({today})",
        "UPDATE outbox SET recipient = NULL, last_error = NULL WHERE person_id IN ({today})",
        "DELETE FROM notifications WHERE person_id IN ({today})",
        "UPDATE orientations SET reason = NULL, rejection_reason = NULL WHERE person_id IN ({today})",
        "UPDATE pathway_reviews SET outcome = '' WHERE person_id IN ({today})",
        "UPDATE contracts SET hours_note = NULL, person_commitments = '', organisation_commitments = '',
                rejection_reason = NULL, review_comment = NULL, version = version + 1
         WHERE person_id IN ({today})",
        "UPDATE contract_objectives SET title = '', actions = '[]', review_comment = NULL
         WHERE contract_id IN (SELECT id FROM contracts WHERE person_id IN ({today}))",
        "UPDATE referrals SET override_reason = NULL, refusal_comment = NULL, cancel_reason = NULL,
                version = version + 1
         WHERE person_id IN ({today})",
        "UPDATE action_sessions SET note = NULL
         WHERE referral_id IN (SELECT id FROM referrals WHERE person_id IN ({today}))",
        "UPDATE import_changes SET detail = '' WHERE person_id IN ({today})",
    ] {
        on_today(tx, &of_today(sql), today).await?;
    }
    let identity = format!(
        "UPDATE persons SET last_name = '{ANONYMISED_NAME}', first_names = '', birth_name = NULL,
                nir = NULL, email = NULL, phone = NULL, address = NULL, version = version + 1
         WHERE anonymised_on = $1"
    );
    on_today(tx, &identity, today).await?;
    // The birth date keeps its year: one statement per year.
    let years: Vec<(Date,)> = on_tx!(tx, conn => sqlx::query_as(
        "SELECT birth_date FROM persons WHERE anonymised_on = $1
         UNION SELECT f.birth_date FROM fse_entries f JOIN referrals r ON r.id = f.referral_id
         WHERE r.person_id IN (SELECT id FROM persons WHERE anonymised_on = $1)")
        .bind(today)
        .fetch_all(conn)
        .await)?;
    let mut years: Vec<i32> = years.into_iter().map(|(d,)| d.year()).collect();
    years.sort_unstable();
    years.dedup();
    for year in years {
        let (Ok(from), Ok(to)) = (
            Date::from_calendar_date(year, Month::January, 1),
            Date::from_calendar_date(year + 1, Month::January, 1),
        ) else {
            continue;
        };
        let kept = retention::anonymised_birth_date(from);
        for sql in [
            "UPDATE persons SET birth_date = $2
             WHERE anonymised_on = $1 AND birth_date >= $2 AND birth_date < $3",
            "UPDATE fse_entries SET birth_date = $2
             WHERE birth_date >= $2 AND birth_date < $3
               AND referral_id IN (SELECT id FROM referrals WHERE person_id IN
                   (SELECT id FROM persons WHERE anonymised_on = $1))",
        ] {
            on_tx!(tx, conn => sqlx::query(sql)
                .bind(today)
                .bind(kept)
                .bind(to)
                .execute(conn)
                .await
                .map(|done| done.rows_affected()))?;
        }
    }
    // Diagnostics: the free texts and the sensitive barriers go, the other
    // barriers' codes stay (they are counted).
    let diagnostics: Vec<(Uuid, String)> = on_tx!(tx, conn => sqlx::query_as(
        "SELECT id, data FROM diagnostics WHERE person_id IN (SELECT id FROM persons WHERE anonymised_on = $1)")
        .bind(today)
        .fetch_all(conn)
        .await)?;
    for (id, data) in diagnostics {
        let data: DiagnosticData = serde_json::from_str(&data).unwrap_or_default();
        let kept = serde_json::to_string(&retention::anonymised_diagnostic(&data))
            .unwrap_or_else(|_| "{}".into());
        on_tx!(tx, conn => sqlx::query("UPDATE diagnostics SET data = $1 WHERE id = $2")
            .bind(kept)
            .bind(id)
            .execute(conn)
            .await
            .map(|done| done.rows_affected()))?;
    }
    Ok(())
}

/// Households whose every member is anonymised lose their dossier's numbers
/// (and the changes imports recorded on them their detail). Returns how many.
async fn anonymise_households(tx: &mut Tx, today: Date) -> Result<i64> {
    let ids: Vec<(Uuid,)> = on_tx!(tx, conn => sqlx::query_as(
        "SELECT h.id FROM households h
         WHERE h.rsa_number NOT LIKE $2
           AND EXISTS (SELECT 1 FROM persons p WHERE p.household_id = h.id AND p.anonymised_on = $1)
           AND NOT EXISTS (SELECT 1 FROM persons p WHERE p.household_id = h.id AND p.anonymised_on IS NULL)")
        .bind(today)
        .bind(format!("{ANONYMISED_RSA_PREFIX}%"))
        .fetch_all(conn)
        .await)?;
    for (id,) in &ids {
        on_tx!(tx, conn => sqlx::query(
            "UPDATE households SET rsa_number = $1, caf_number = NULL, version = version + 1 WHERE id = $2")
            .bind(format!("{ANONYMISED_RSA_PREFIX}{}", id.simple()))
            .bind(id)
            .execute(conn)
            .await
            .map(|done| done.rows_affected()))?;
        on_tx!(tx, conn => sqlx::query("UPDATE import_changes SET detail = '' WHERE household_id = $1")
            .bind(id)
            .execute(conn)
            .await
            .map(|done| done.rows_affected()))?;
    }
    Ok(ids.len() as i64)
}
