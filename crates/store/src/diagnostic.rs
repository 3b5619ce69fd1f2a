//! Diagnostic revisions: each save is a new, numbered revision; none is
//! ever changed, so any two can be compared.

use crate::audit::{record, Actor};
use crate::json::JsonText;
use crate::{now, Moment, Result, Store, StoreError};
use parcours_domain::audit::AuditAction;
use parcours_domain::diagnostic::DiagnosticData;
use parcours_domain::pathway_dates::check_revision_date;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DiagnosticRevision {
    pub version: i64,
    /// The day the diagnostic was made (earlier than `created_at` when a
    /// paper file is caught up).
    pub revised_on: Date,
    pub data: DiagnosticData,
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct Row {
    version: i64,
    revised_on: Date,
    data: JsonText<DiagnosticData>,
    created_by: String,
    created_at: OffsetDateTime,
}

impl Row {
    fn revision(self) -> DiagnosticRevision {
        DiagnosticRevision {
            version: self.version,
            revised_on: self.revised_on,
            data: self.data.0.normalised(),
            created_by: self.created_by,
            created_at: self.created_at,
        }
    }
}

impl Store {
    /// Newest first.
    pub async fn diagnostic_revisions(&self, person_id: Uuid) -> Result<Vec<DiagnosticRevision>> {
        let rows = read_planned_once!(self, pool => sqlx::query_as::<_, Row>(
            "SELECT version, revised_on, data, created_by, created_at FROM diagnostics WHERE person_id = $1 ORDER BY version DESC",
        )
        .bind(person_id).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(Row::revision).collect())
    }

    /// Saves a new revision on top of `expected_version` (0 for the first),
    /// made on `revised_on`; refused as stale when someone saved another
    /// revision meanwhile, and when dated before the revision it follows.
    pub async fn save_diagnostic(
        &self,
        actor: &Actor,
        person_id: Uuid,
        expected_version: i64,
        data: &DiagnosticData,
        revised_on: Date,
    ) -> Result<i64> {
        let json = serde_json::to_string(data).map_err(|e| StoreError::Config(e.to_string()))?;
        let mut tx = self.begin().await?;
        crate::person::person_in(&mut tx, person_id).await?;
        let latest: Option<(i64, Date)> = on_tx!(&mut tx, conn => sqlx::query_as(
            "SELECT version, revised_on FROM diagnostics WHERE person_id = $1 ORDER BY version DESC LIMIT 1",
        )
        .bind(person_id).fetch_optional(conn).await)?;
        if latest.map_or(0, |(version, _)| version) != expected_version {
            return Err(StoreError::Stale);
        }
        check_revision_date(revised_on, latest.map(|(_, on)| on))?;
        let version = expected_version + 1;
        // The unique (person_id, version) key settles two simultaneous saves.
        on_tx!(&mut tx, conn => sqlx::query(
            &DIAGNOSTIC_INSERT,
        )
        .bind(Uuid::now_v7()).bind(person_id).bind(version).bind(revised_on).bind(&json).bind(&actor.label).bind(Moment(now()))
        .execute(conn).await.map(|done| done.rows_affected()))
        .map_err(|e| match StoreError::from(e) {
            StoreError::Database(sqlx::Error::Database(db)) if db.is_unique_violation() => StoreError::Stale,
            other => other,
        })?;
        let detail = format!("diagnostic, révision {version}");
        record(
            &mut tx,
            actor,
            AuditAction::Update,
            "person",
            Some(&person_id.to_string()),
            Some(&detail),
        )
        .await?;
        tx.commit().await?;
        Ok(version)
    }
}

/// The columns of a diagnostic version (here and in `pathway_load`).
pub(crate) const DIAGNOSTIC_COLUMNS: &[&str] = &[
    "id",
    "person_id",
    "version",
    "revised_on",
    "data",
    "created_by",
    "created_at",
];

static DIAGNOSTIC_INSERT: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| crate::bulk::insert_one("diagnostics", DIAGNOSTIC_COLUMNS));
