//! Notifications for staff. They are written in the transaction of what
//! they tell (an entry, a refusal, a place offered by the waiting list's
//! own step…), so that nothing happens untold and nothing is told that did
//! not happen; a clock about to run out is told once per due date.

use crate::audit::{record, Actor};
use crate::{now, Moment, Result, Store, Tx};
use parcours_domain::audit::AuditAction;
use parcours_domain::notification::{NotificationKind, LIST_MAX};
use serde::Serialize;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// One notification, with the person it is about.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Notification {
    pub id: Uuid,
    pub kind: NotificationKind,
    pub person_id: Option<Uuid>,
    /// « NOM Prénoms », when it is about a person.
    pub person_name: Option<String>,
    pub text: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub read_at: Option<OffsetDateTime>,
}

const NOTIFICATIONS: &str = "SELECT n.id, n.kind, n.person_id,
        CASE WHEN p.id IS NULL THEN NULL ELSE UPPER(p.last_name) || ' ' || p.first_names END AS person_name,
        n.text, n.created_at, n.read_at
     FROM notifications n LEFT JOIN persons p ON p.id = n.person_id";

/// Tells the person's référent unique (none: nobody to tell); once only
/// for a `dedup` key already used.
pub(crate) async fn notify_referent(
    tx: &mut Tx,
    person_id: Uuid,
    kind: NotificationKind,
    text: &str,
    dedup: Option<&str>,
) -> Result<()> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO notifications (id, user_id, kind, person_id, text, dedup_key, created_at)
         SELECT $1, a.referent_id, $2, $3, $4, $5, $6 FROM referent_assignments a
         WHERE a.person_id = $3 AND a.ends_on IS NULL
         ON CONFLICT (user_id, dedup_key) DO NOTHING",
    )
    .bind(Uuid::now_v7()).bind(kind).bind(person_id).bind(text).bind(dedup).bind(Moment(now()))
    .execute(conn).await.map(|_| ()))?;
    Ok(())
}

/// Tells the référent of the person positioned by `referral_id`, naming the action.
pub(crate) async fn notify_of_referral(
    tx: &mut Tx,
    referral_id: Uuid,
    kind: NotificationKind,
    dedup: Option<&str>,
    what: impl FnOnce(&str) -> String,
) -> Result<()> {
    let (person_id, action): (Uuid, String) = on_tx!(tx, conn => sqlx::query_as(
        "SELECT r.person_id, a.name || ' (' || s.name || ')' FROM referrals r
         JOIN actions a ON a.id = r.action_id JOIN organisations s ON s.id = a.structure_id
         WHERE r.id = $1",
    ).bind(referral_id).fetch_one(conn).await)?;
    notify_referent(tx, person_id, kind, &what(&action), dedup).await
}

/// Tells the active cadres of the organisation of the person's référent.
pub(crate) async fn notify_managers(
    tx: &mut Tx,
    person_id: Uuid,
    kind: NotificationKind,
    text: &str,
) -> Result<()> {
    let managers: Vec<Uuid> = on_tx!(tx, conn => sqlx::query_scalar(
        "SELECT u.id FROM users u
         WHERE u.role = 'manager' AND NOT u.disabled AND u.organisation_id IN (
            SELECT r.organisation_id FROM referent_assignments a JOIN users r ON r.id = a.referent_id
            WHERE a.person_id = $1 AND a.ends_on IS NULL)",
    ).bind(person_id).fetch_all(conn).await)?;
    for manager in managers {
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO notifications (id, user_id, kind, person_id, text, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(Uuid::now_v7()).bind(manager).bind(kind).bind(person_id).bind(text).bind(Moment(now()))
        .execute(conn).await.map(|_| ()))?;
    }
    Ok(())
}

impl Store {
    /// The user's notifications, the newest first (at most [`LIST_MAX`]).
    pub async fn notifications(&self, user_id: Uuid) -> Result<Vec<Notification>> {
        let sql = format!(
            "{NOTIFICATIONS} WHERE n.user_id = $1 ORDER BY n.created_at DESC, n.id DESC LIMIT $2"
        );
        Ok(read!(self, pool => sqlx::query_as::<_, Notification>(&sql)
            .bind(user_id).bind(LIST_MAX).fetch_all(pool).await)?)
    }

    /// How many the user has not read.
    pub async fn unread_notifications(&self, user_id: Uuid) -> Result<i64> {
        Ok(read!(self, pool => sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL",
        ).bind(user_id).fetch_one(pool).await)?)
    }

    /// Marks the user's notifications read: these, or all when none is named.
    pub async fn mark_notifications_read(&self, user_id: Uuid, ids: &[Uuid]) -> Result<u64> {
        let mut tx = self.begin().await?;
        let at = Moment(now());
        let mut done = 0;
        if ids.is_empty() {
            done += on_tx!(&mut tx, conn => sqlx::query(
                "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL",
            ).bind(at).bind(user_id).execute(conn).await.map(|d| d.rows_affected()))?;
        }
        for id in ids {
            done += on_tx!(&mut tx, conn => sqlx::query(
                "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND id = $3 AND read_at IS NULL",
            ).bind(at).bind(user_id).bind(*id).execute(conn).await.map(|d| d.rows_affected()))?;
        }
        tx.commit().await?;
        Ok(done)
    }

    /// The kinds the user receives in the daily e-mail digest.
    pub async fn email_choices(&self, user_id: Uuid) -> Result<Vec<NotificationKind>> {
        Ok(
            read!(self, pool => sqlx::query_scalar::<_, NotificationKind>(
            "SELECT kind FROM notification_email_choices WHERE user_id = $1 ORDER BY kind",
        ).bind(user_id).fetch_all(pool).await)?,
        )
    }

    /// Replaces the kinds the user receives by e-mail.
    pub async fn set_email_choices(
        &self,
        actor: &Actor,
        user_id: Uuid,
        kinds: &[NotificationKind],
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, conn => sqlx::query("DELETE FROM notification_email_choices WHERE user_id = $1")
            .bind(user_id).execute(conn).await.map(|_| ()))?;
        for kind in kinds {
            on_tx!(&mut tx, conn => sqlx::query(
                "INSERT INTO notification_email_choices (user_id, kind) VALUES ($1, $2)",
            ).bind(user_id).bind(*kind).execute(conn).await.map(|_| ()))?;
        }
        let said: Vec<&str> = kinds.iter().map(|k| k.label()).collect();
        let detail = format!(
            "notifications par courriel : {}",
            if said.is_empty() {
                "aucune".to_owned()
            } else {
                said.join(", ")
            }
        );
        record(
            &mut tx,
            actor,
            AuditAction::Update,
            "user",
            Some(&user_id.to_string()),
            Some(&detail),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Tells each person's référent of their clocks due within
    /// [today, until], once per clock and due date. Returns how many were told.
    pub async fn notify_clocks_due(&self, today: Date, until: Date) -> Result<u64> {
        let mut tx = self.begin().await?;
        let due: Vec<(Uuid, Uuid, String, Date)> = on_tx!(&mut tx, conn => sqlx::query_as(
            "SELECT c.person_id, a.referent_id, c.kind, c.due_on FROM person_clocks c
             JOIN referent_assignments a ON a.person_id = c.person_id AND a.ends_on IS NULL
             WHERE c.met_on IS NULL AND c.due_on >= $1 AND c.due_on <= $2",
        ).bind(today).bind(until).fetch_all(conn).await)?;
        let mut told = 0;
        for (person_id, referent_id, kind, due_on) in due {
            let label = parcours_domain::deadline::ClockKind::from_code(&kind)
                .map_or(kind.clone(), |k| k.label().to_owned());
            let text = format!(
                "{label} : échéance le {}",
                parcours_domain::clock::fr_date(due_on)
            );
            let key = format!("echeance:{person_id}:{kind}:{due_on}");
            told += on_tx!(&mut tx, conn => sqlx::query(
                "INSERT INTO notifications (id, user_id, kind, person_id, text, dedup_key, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (user_id, dedup_key) DO NOTHING",
            )
            .bind(Uuid::now_v7()).bind(referent_id).bind(NotificationKind::ClockDueSoon).bind(person_id)
            .bind(&text).bind(&key).bind(Moment(now()))
            .execute(conn).await.map(|d| d.rows_affected()))?;
        }
        tx.commit().await?;
        Ok(told)
    }

    /// The digests to send: for each active user with an e-mail choice,
    /// their unread notifications of the kinds chosen not e-mailed yet.
    pub async fn digests_due(&self) -> Result<Vec<Digest>> {
        let rows: Vec<DigestRow> = read!(self, pool => sqlx::query_as::<_, DigestRow>(
            "SELECT u.id AS user_id, u.email, u.display_name, n.id, n.kind, n.person_id,
                    CASE WHEN p.id IS NULL THEN NULL ELSE UPPER(p.last_name) || ' ' || p.first_names END AS person_name,
                    n.text, n.created_at
             FROM notifications n JOIN users u ON u.id = n.user_id
             JOIN notification_email_choices c ON c.user_id = n.user_id AND c.kind = n.kind
             LEFT JOIN persons p ON p.id = n.person_id
             WHERE n.read_at IS NULL AND n.emailed_at IS NULL AND NOT u.disabled
             ORDER BY u.id, n.created_at, n.id",
        ).fetch_all(pool).await)?;
        let mut digests: Vec<Digest> = Vec::new();
        for row in rows {
            let notification = Notification {
                id: row.id,
                kind: row.kind,
                person_id: row.person_id,
                person_name: row.person_name,
                text: row.text,
                created_at: row.created_at,
                read_at: None,
            };
            match digests.last_mut() {
                Some(d) if d.user_id == row.user_id => d.notifications.push(notification),
                _ => digests.push(Digest {
                    user_id: row.user_id,
                    email: row.email,
                    display_name: row.display_name,
                    notifications: vec![notification],
                }),
            }
        }
        Ok(digests)
    }

    /// These notifications went out in a digest.
    pub async fn mark_emailed(&self, ids: &[Uuid]) -> Result<()> {
        let mut tx = self.begin().await?;
        let at = Moment(now());
        for id in ids {
            on_tx!(&mut tx, conn => sqlx::query("UPDATE notifications SET emailed_at = $1 WHERE id = $2")
                .bind(at).bind(*id).execute(conn).await.map(|_| ()))?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// One user's daily e-mail.
#[derive(Debug, Clone, PartialEq)]
pub struct Digest {
    pub user_id: Uuid,
    pub email: String,
    pub display_name: String,
    pub notifications: Vec<Notification>,
}

#[derive(sqlx::FromRow)]
struct DigestRow {
    user_id: Uuid,
    email: String,
    display_name: String,
    id: Uuid,
    kind: NotificationKind,
    person_id: Option<Uuid>,
    person_name: Option<String>,
    text: String,
    created_at: OffsetDateTime,
}
