//! The audit trail: who did what to which entity, and when. Append-only
//! (enforced by triggers); each event is written in the transaction of the
//! change it records.

use crate::bulk::{Rows, Value};
use crate::db::Db;
use crate::{now, Backend, Moment, Result, Store, Tx};
use parcours_domain::audit::AuditAction;
use serde::Serialize;
use std::sync::{Arc, Mutex, OnceLock};
use time::OffsetDateTime;
use uuid::Uuid;

/// Who acts: a signed-in user, an API client, or a command-line job.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<Uuid>,
    pub label: String,
}

impl Actor {
    pub fn user(id: Uuid, email: &str) -> Actor {
        Actor {
            user_id: Some(id),
            label: email.to_owned(),
        }
    }

    pub fn system(job: &str) -> Actor {
        Actor {
            user_id: None,
            label: format!("système ({job})"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct AuditEvent {
    pub id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor_id: Option<Uuid>,
    pub actor_label: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<String>,
    pub detail: Option<String>,
}

/// Filters of the DPO's audit screen; `None` means "any".
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<AuditAction>,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub from: Option<OffsetDateTime>,
    pub to: Option<OffsetDateTime>,
    pub limit: i64,
    pub offset: i64,
}

const AUDIT_COLUMNS: &[&str] = &[
    "id",
    "at",
    "actor_id",
    "actor_label",
    "action",
    "entity_type",
    "entity_id",
    "detail",
];

fn audit_row(
    actor: &Actor,
    action: AuditAction,
    entity_type: &str,
    entity_id: Option<&str>,
    detail: Option<&str>,
) -> Vec<Value> {
    vec![
        Uuid::now_v7().into(),
        now().into(),
        actor.user_id.into(),
        actor.label.as_str().into(),
        action.code().into(),
        entity_type.into(),
        entity_id.map(str::to_owned).into(),
        detail.map(str::to_owned).into(),
    ]
}

pub async fn record(
    tx: &mut Tx,
    actor: &Actor,
    action: AuditAction,
    entity_type: &str,
    entity_id: Option<&str>,
    detail: Option<&str>,
) -> Result<()> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO audit_events (id, at, actor_id, actor_label, action, entity_type, entity_id, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(Uuid::now_v7())
    .bind(Moment(now()))
    .bind(actor.user_id)
    .bind(&actor.label)
    .bind(action.code())
    .bind(entity_type)
    .bind(entity_id)
    .bind(detail)
    .execute(conn)
    .await
        .map(|done| done.rows_affected()))?;
    Ok(())
}

/// Events recorded on their own (a file opened, a list shown) are written by
/// group commit: each request queues its events and waits until they are
/// committed, and whoever holds the writing turn commits every event queued
/// so far in one transaction. Under load the events of many pages become
/// one write instead of one each. On SQLite they go to a file of their own
/// (`lectures`, migrations/sqlite_reads.sql): a commit to the main file
/// makes each reader drop its page cache and its mapping of the file, and
/// one write per page viewed there cost more than the pages themselves
/// (docs/PERFORMANCE.md).
/// Nothing is acknowledged before it is committed.
#[derive(Default)]
pub(crate) struct AuditQueue {
    pending: Mutex<Batch>,
    turn: Arc<tokio::sync::Mutex<()>>,
}

#[derive(Default)]
struct Batch {
    rows: Vec<Vec<Value>>,
    outcome: Arc<OnceLock<Outcome>>,
}

/// How a batch ended: the error is shared by every request of the batch.
type Outcome = std::result::Result<(), (bool, String)>;

impl Store {
    /// Records an event on its own (reads, and events with no other change).
    pub async fn audit(
        &self,
        actor: &Actor,
        action: AuditAction,
        entity_type: &str,
        entity_id: Option<&str>,
        detail: Option<&str>,
    ) -> Result<()> {
        self.audit_rows(vec![audit_row(
            actor,
            action,
            entity_type,
            entity_id,
            detail,
        )])
        .await
    }

    /// Several events of one kind (a list that shows several people).
    pub async fn audit_many(
        &self,
        actor: &Actor,
        action: AuditAction,
        entity_type: &str,
        events: &[(String, String)],
    ) -> Result<()> {
        let rows = events
            .iter()
            .map(|(id, detail)| audit_row(actor, action, entity_type, Some(id), Some(detail)))
            .collect();
        self.audit_rows(rows).await
    }

    /// Queues the rows, then waits for the turn to write: unless the
    /// request before wrote them already, writes everything queued.
    async fn audit_rows(&self, rows: Vec<Vec<Value>>) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let queue = &self.audit_queue;
        let outcome = {
            let mut pending = queue.pending.lock().expect("audit queue");
            pending.rows.extend(rows);
            pending.outcome.clone()
        };
        let turn = queue.turn.clone().lock_owned().await;
        if outcome.get().is_none() {
            // Ours are still queued: only the holder of the turn takes a
            // batch, and writes it to the end even if this request is
            // cancelled (its batch holds other requests' events too).
            let batch = std::mem::take(&mut *queue.pending.lock().expect("audit queue"));
            let store = self.clone();
            let write = tokio::spawn(async move {
                let written = store.write_audit_rows(batch.rows).await;
                let _ = batch.outcome.set(
                    written
                        .as_ref()
                        .map(|_| ())
                        .map_err(|e| (e.is_unavailable(), e.to_string())),
                );
                drop(turn);
                written
            });
            return write
                .await
                .map_err(|e| sqlx::Error::Protocol(format!("journal d'audit : {e}")))?;
        }
        match outcome.get().expect("set by the batch's writer") {
            Ok(()) => Ok(()),
            Err((true, _)) => Err(sqlx::Error::PoolTimedOut.into()),
            Err((false, message)) => Err(sqlx::Error::Protocol(message.clone()).into()),
        }
    }

    async fn write_audit_rows(&self, rows: Vec<Vec<Value>>) -> Result<()> {
        let table = match self.backend() {
            // Kept out of the main file (migrations/sqlite_reads.sql).
            Backend::Sqlite => "lectures.audit_events",
            Backend::Postgres => "audit_events",
        };
        let mut insert = Rows::new(table, AUDIT_COLUMNS);
        rows.into_iter().for_each(|row| insert.push(row));
        match &*self.db {
            Db::Sqlite { .. } => {
                let mut tx = self.begin().await?;
                insert.write(&mut tx).await?;
                tx.commit().await
            }
            // One statement, atomic alone: no BEGIN and COMMIT round trips.
            Db::Postgres { pool, .. } => insert.write_alone(pool).await,
        }
    }

    /// Newest first.
    pub async fn audit_events(&self, filter: &AuditFilter) -> Result<Vec<AuditEvent>> {
        let actor = filter
            .actor
            .as_deref()
            .map(|a| format!("%{}%", a.to_lowercase()));
        let events = match self.backend() {
            // The events of changes and those of reads, each in its file.
            Backend::Sqlite => {
                "(SELECT * FROM main.audit_events UNION ALL SELECT * FROM lectures.audit_events)"
            }
            Backend::Postgres => "audit_events",
        };
        let sql = format!(
            "SELECT * FROM {events} e
             WHERE ($1 IS NULL OR LOWER(actor_label) LIKE $1)
               AND ($2 IS NULL OR action = $2)
               AND ($3 IS NULL OR entity_type = $3)
               AND ($4 IS NULL OR entity_id = $4)
               AND ($5 IS NULL OR at >= $5)
               AND ($6 IS NULL OR at < $6)
             ORDER BY at DESC, id DESC
             LIMIT $7 OFFSET $8"
        );
        let rows = read!(self, pool => sqlx::query_as::<_, AuditEvent>(&sql)
        .bind(actor)
        .bind(filter.action.map(|a| a.code()))
        .bind(filter.entity_type.as_deref())
        .bind(filter.entity_id.as_deref())
        .bind(filter.from.map(Moment))
        .bind(filter.to.map(Moment))
        .bind(filter.limit)
        .bind(filter.offset)
        .fetch_all(pool)
        .await)?;
        Ok(rows)
    }
}
