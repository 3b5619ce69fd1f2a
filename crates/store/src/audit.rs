//! The audit trail: who did what to which entity, and when. Append-only
//! (enforced by triggers); each event is written in the transaction of the
//! change it records.

use crate::{now, Result, Store, Tx};
use parcours_domain::audit::AuditAction;
use serde::Serialize;
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
    .bind(now())
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
        let mut tx = self.begin().await?;
        record(&mut tx, actor, action, entity_type, entity_id, detail).await?;
        tx.commit().await
    }

    /// Newest first.
    /// Several events of one kind in one transaction (a list that shows
    /// several people is one write, not one per line).
    pub async fn audit_many(
        &self,
        actor: &Actor,
        action: AuditAction,
        entity_type: &str,
        events: &[(String, String)],
    ) -> Result<()> {
        if events.is_empty() {
            return Ok(());
        }
        // One multi-row statement: a dashboard of fifty people is one write.
        let mut rows = crate::bulk::Rows::new("audit_events", AUDIT_COLUMNS);
        let at = now();
        for (entity_id, detail) in events {
            rows.push(vec![
                Uuid::now_v7().into(),
                at.into(),
                actor.user_id.into(),
                actor.label.as_str().into(),
                action.code().into(),
                entity_type.into(),
                entity_id.as_str().into(),
                detail.as_str().into(),
            ]);
        }
        let mut tx = self.begin().await?;
        rows.write(&mut tx).await?;
        tx.commit().await
    }

    pub async fn audit_events(&self, filter: &AuditFilter) -> Result<Vec<AuditEvent>> {
        let actor = filter
            .actor
            .as_deref()
            .map(|a| format!("%{}%", a.to_lowercase()));
        let rows = read!(self, pool => sqlx::query_as::<_, AuditEvent>(
            "SELECT * FROM audit_events
             WHERE ($1 IS NULL OR LOWER(actor_label) LIKE $1)
               AND ($2 IS NULL OR action = $2)
               AND ($3 IS NULL OR entity_type = $3)
               AND ($4 IS NULL OR entity_id = $4)
               AND ($5 IS NULL OR at >= $5)
               AND ($6 IS NULL OR at < $6)
             ORDER BY at DESC, id DESC
             LIMIT $7 OFFSET $8",
        )
        .bind(actor)
        .bind(filter.action.map(|a| a.code()))
        .bind(filter.entity_type.as_deref())
        .bind(filter.entity_id.as_deref())
        .bind(filter.from)
        .bind(filter.to)
        .bind(filter.limit)
        .bind(filter.offset)
        .fetch_all(pool)
        .await)?;
        Ok(rows)
    }
}
