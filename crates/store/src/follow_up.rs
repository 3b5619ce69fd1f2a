//! The follow-up log: entries are only ever added (a mistake is corrected
//! by a later entry), newest first; the sensitive ones are left out of the
//! read unless the caller may see them.

use crate::audit::{record, Actor};
use crate::person::person_in;
use crate::{now, Moment, Result, Store};
use parcours_domain::audit::{entity, AuditAction};
use parcours_domain::follow_up::{LogEntryData, LogKind};
use serde::Serialize;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// One entry of a person's log.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct LogEntry {
    pub id: Uuid,
    pub person_id: Uuid,
    /// entretien, appel, note, document.
    pub kind: LogKind,
    pub occurred_on: Date,
    pub text: String,
    pub sensitive: bool,
    /// Who wrote it: « Nom (Organisation) ».
    pub recorded_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
}

static ENTRIES: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let (author, joins) = crate::account_label("l.recorded_by", "author");
    format!(
        "SELECT l.id, l.person_id, l.kind, l.occurred_on, l.text, l.sensitive,
                {author} AS recorded_by, l.recorded_at
         FROM follow_up_log l {joins}"
    )
});

impl Store {
    /// Adds an entry to the person's log (NotFound when there is no such file).
    pub async fn add_log_entry(
        &self,
        actor: &Actor,
        person_id: Uuid,
        data: &LogEntryData,
    ) -> Result<LogEntry> {
        let mut tx = self.begin().await?;
        person_in(&mut tx, person_id).await?;
        let id = Uuid::now_v7();
        on_tx!(&mut tx, conn => sqlx::query(
            "INSERT INTO follow_up_log (id, person_id, kind, occurred_on, text, sensitive, recorded_by, recorded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id).bind(person_id).bind(data.kind).bind(data.occurred_on).bind(&data.text)
        .bind(data.sensitive).bind(&actor.label).bind(Moment(now()))
        .execute(conn).await.map(|done| done.rows_affected()))?;
        let detail = format!(
            "journal de suivi : {} du {}{}",
            data.kind.label(),
            parcours_domain::clock::fr_date(data.occurred_on),
            if data.sensitive {
                " (confidentiel)"
            } else {
                ""
            }
        );
        record(
            &mut tx,
            actor,
            AuditAction::Create,
            entity::PERSON,
            Some(&person_id.to_string()),
            Some(&detail),
        )
        .await?;
        tx.commit().await?;
        let sql = format!("{} WHERE l.id = $1", *ENTRIES);
        Ok(read!(self, pool => sqlx::query_as::<_, LogEntry>(&sql).bind(id).fetch_one(pool).await)?)
    }

    /// The person's log, newest first; sensitive entries only when `sensitive`.
    pub async fn log_entries(&self, person_id: Uuid, sensitive: bool) -> Result<Vec<LogEntry>> {
        let sql = format!(
            "{} WHERE l.person_id = $1 AND ($2 OR NOT l.sensitive)
             ORDER BY l.occurred_on DESC, l.recorded_at DESC, l.id DESC",
            *ENTRIES
        );
        Ok(read!(self, pool => sqlx::query_as::<_, LogEntry>(&sql)
            .bind(person_id).bind(sensitive).fetch_all(pool).await)?)
    }
}
