//! The outbox of messages to people about their appointments. A message
//! is queued in the transaction that plans its appointment; a sender takes
//! it by moving it to `en_cours` (one sender only, even with several
//! servers), then records what became of it. A send left `en_cours` too
//! long (a stop in the middle) becomes `inconnu`: it is never sent again
//! by itself, so nobody receives a message twice.

use crate::audit::{record, Actor};
use crate::{now, Moment, Result, Store, StoreError, Tx};
use parcours_domain::audit::{entity, AuditAction};
use parcours_domain::meeting::{MeetingKind, MeetingOutcome};
use parcours_domain::outbox::{Channel, DeliveryState, Purpose};
use serde::Serialize;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// One message, with its appointment's time and holder.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Message {
    pub id: Uuid,
    pub meeting_id: Uuid,
    pub person_id: Uuid,
    pub person_name: String,
    pub channel: Channel,
    pub purpose: Purpose,
    pub state: DeliveryState,
    /// When it is (or was) to be sent; the next attempt after a refusal.
    #[serde(with = "time::serde::rfc3339")]
    pub due_at: OffsetDateTime,
    pub attempts: i64,
    /// The address or number it was sent to.
    pub recipient: Option<String>,
    /// The provider's id of the message, for its delivery reports.
    pub provider_id: Option<String>,
    pub last_error: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub sent_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub state_at: OffsetDateTime,
    pub meeting_kind: MeetingKind,
    #[serde(with = "time::serde::rfc3339")]
    pub meeting_starts_at: OffsetDateTime,
    pub meeting_outcome: Option<MeetingOutcome>,
    pub held_by: Uuid,
}

const MESSAGES: &str = "SELECT x.id, x.meeting_id, x.person_id,
        p.last_name || ' ' || p.first_names AS person_name, x.channel, x.purpose, x.state,
        x.due_at, x.attempts, x.recipient, x.provider_id, x.last_error, x.sent_at, x.state_at,
        m.kind AS meeting_kind, m.starts_at AS meeting_starts_at, m.outcome AS meeting_outcome,
        m.held_by
     FROM outbox x JOIN meetings m ON m.id = x.meeting_id JOIN persons p ON p.id = x.person_id";

/// How long a sender may hold a message before it is taken as interrupted.
pub const SENDING_TIMEOUT: Duration = Duration::minutes(10);

/// What became of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// Accepted by the server or the provider (with its id, if any).
    Sent {
        recipient: String,
        provider_id: Option<String>,
    },
    /// Refused; tried again at `retry_at`, or given up when none.
    Refused {
        error: String,
        retry_at: Option<OffsetDateTime>,
    },
}

/// Queues one message, once per appointment, channel and purpose.
pub(crate) async fn queue(
    tx: &mut Tx,
    meeting_id: Uuid,
    person_id: Uuid,
    channel: Channel,
    purpose: Purpose,
    due_at: OffsetDateTime,
    at: OffsetDateTime,
) -> Result<()> {
    on_tx!(tx, conn => sqlx::query(
        "INSERT INTO outbox (id, meeting_id, person_id, channel, purpose, state, due_at, attempts,
            state_at, created_at)
         VALUES ($1, $2, $3, $4, $5, 'a_envoyer', $6, 0, $7, $7)
         ON CONFLICT (meeting_id, channel, purpose) DO NOTHING",
    )
    .bind(Uuid::now_v7()).bind(meeting_id).bind(person_id).bind(channel).bind(purpose)
    .bind(Moment(due_at)).bind(Moment(at))
    .execute(conn).await.map(|_| ()))?;
    Ok(())
}

/// The appointment is cancelled: what was not sent yet never will be;
/// when the service calls it off, the person is told on each channel its
/// convocation went by.
pub(crate) async fn cancel_pending(
    tx: &mut Tx,
    meeting_id: Uuid,
    by_service: bool,
    at: OffsetDateTime,
) -> Result<()> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE outbox SET state = 'annule', state_at = $1 WHERE meeting_id = $2 AND state = 'a_envoyer'",
    )
    .bind(Moment(at)).bind(meeting_id)
    .execute(conn).await.map(|_| ()))?;
    if !by_service {
        return Ok(());
    }
    let told: Vec<(Uuid, Channel)> = on_tx!(tx, conn => sqlx::query_as(
        "SELECT person_id, channel FROM outbox
         WHERE meeting_id = $1 AND purpose = 'convocation' AND state IN ('envoye', 'remis')",
    ).bind(meeting_id).fetch_all(conn).await)?;
    for (person_id, channel) in told {
        queue(
            tx,
            meeting_id,
            person_id,
            channel,
            Purpose::Cancellation,
            at,
            at,
        )
        .await?;
    }
    Ok(())
}

impl Store {
    /// Takes up to `limit` messages due at `at`: each moves to `en_cours`
    /// for this caller only (another sender that read it too finds it taken).
    pub async fn take_due_messages(&self, at: OffsetDateTime, limit: i64) -> Result<Vec<Message>> {
        let sql = format!(
            "{MESSAGES} WHERE x.state = 'a_envoyer' AND x.due_at <= $1 ORDER BY x.due_at, x.id LIMIT $2"
        );
        let due = read!(self, pool => sqlx::query_as::<_, Message>(&sql)
            .bind(Moment(at)).bind(limit).fetch_all(pool).await)?;
        let mut taken = Vec::with_capacity(due.len());
        for message in due {
            let mut tx = self.begin().await?;
            let won = on_tx!(&mut tx, conn => sqlx::query(
                "UPDATE outbox SET state = 'en_cours', attempts = attempts + 1, state_at = $1
                 WHERE id = $2 AND state = 'a_envoyer'",
            )
            .bind(Moment(at)).bind(message.id)
            .execute(conn).await.map(|done| done.rows_affected()))?;
            tx.commit().await?;
            if won == 1 {
                taken.push(Message {
                    state: DeliveryState::Sending,
                    attempts: message.attempts + 1,
                    state_at: at,
                    ..message
                });
            }
        }
        Ok(taken)
    }

    /// Records the attempt on a message this sender took.
    pub async fn record_attempt(&self, id: Uuid, attempt: &Attempt) -> Result<()> {
        let at = Moment(now());
        let mut tx = self.begin().await?;
        let changed = match attempt {
            Attempt::Sent {
                recipient,
                provider_id,
            } => on_tx!(&mut tx, conn => sqlx::query(
                "UPDATE outbox SET state = 'envoye', recipient = $1, provider_id = $2, sent_at = $3,
                    state_at = $3, last_error = NULL
                 WHERE id = $4 AND state = 'en_cours'",
            )
            .bind(recipient).bind(provider_id).bind(at).bind(id)
            .execute(conn).await.map(|done| done.rows_affected()))?,
            Attempt::Refused { error, retry_at } => {
                let (state, due) = match retry_at {
                    Some(retry) => (DeliveryState::Pending, Moment(*retry)),
                    None => (DeliveryState::Failed, at),
                };
                on_tx!(&mut tx, conn => sqlx::query(
                    "UPDATE outbox SET state = $1, due_at = $2, last_error = $3, state_at = $4
                     WHERE id = $5 AND state = 'en_cours'",
                )
                .bind(state).bind(due).bind(error).bind(at).bind(id)
                .execute(conn).await.map(|done| done.rows_affected()))?
            }
        };
        tx.commit().await?;
        match changed {
            0 => Err(StoreError::Stale),
            _ => Ok(()),
        }
    }

    /// Messages a sender held longer than [`SENDING_TIMEOUT`] (a stop in
    /// the middle of a send): their result is unknown, they are not sent
    /// again by themselves. Returns how many.
    pub async fn interrupt_stale_sends(&self, at: OffsetDateTime) -> Result<u64> {
        let mut tx = self.begin().await?;
        let done = on_tx!(&mut tx, conn => sqlx::query(
            "UPDATE outbox SET state = 'inconnu', state_at = $1,
                last_error = 'envoi interrompu avant d''en connaître le résultat'
             WHERE state = 'en_cours' AND state_at < $2",
        )
        .bind(Moment(at)).bind(Moment(at - SENDING_TIMEOUT))
        .execute(conn).await.map(|done| done.rows_affected()))?;
        tx.commit().await?;
        Ok(done)
    }

    /// A provider's report on a message it accepted (delivered, bounced,
    /// failed), found by the provider's id; NotFound when none matches.
    pub async fn report_delivery(
        &self,
        actor: &Actor,
        channel: Channel,
        provider_id: &str,
        state: DeliveryState,
        detail: Option<&str>,
    ) -> Result<Message> {
        let mut tx = self.begin().await?;
        let sql = format!("{MESSAGES} WHERE x.channel = $1 AND x.provider_id = $2");
        let message = on_tx!(&mut tx, conn => sqlx::query_as::<_, Message>(&sql)
            .bind(channel).bind(provider_id).fetch_optional(conn).await)?
        .ok_or(StoreError::NotFound)?;
        on_tx!(&mut tx, conn => sqlx::query(
            "UPDATE outbox SET state = $1, state_at = $2, last_error = COALESCE($3, last_error) WHERE id = $4",
        )
        .bind(state).bind(Moment(now())).bind(detail).bind(message.id)
        .execute(conn).await.map(|_| ()))?;
        let said = format!(
            "{} {} : {}",
            message.purpose.label(),
            message.channel.label(),
            state.label()
        );
        record(
            &mut tx,
            actor,
            AuditAction::Update,
            entity::PERSON,
            Some(&message.person_id.to_string()),
            Some(&said),
        )
        .await?;
        tx.commit().await?;
        self.message(message.id).await
    }

    /// Sends a message again that failed, bounced or whose result is
    /// unknown (the référent checked the address first).
    pub async fn resend_message(&self, actor: &Actor, id: Uuid) -> Result<Message> {
        let mut tx = self.begin().await?;
        let at = Moment(now());
        let changed = on_tx!(&mut tx, conn => sqlx::query(
            "UPDATE outbox SET state = 'a_envoyer', due_at = $1, attempts = 0, state_at = $1
             WHERE id = $2 AND state IN ('echec', 'rejete', 'inconnu')",
        )
        .bind(at).bind(id)
        .execute(conn).await.map(|done| done.rows_affected()))?;
        if changed == 0 {
            return Err(parcours_domain::Invalid::field(
                "message_id",
                "Ce message n'est pas en échec : il n'y a rien à renvoyer.",
            )
            .into());
        }
        let message = self.message_in(&mut tx, id).await?;
        let said = format!(
            "{} {} renvoyé",
            message.purpose.label(),
            message.channel.label()
        );
        record(
            &mut tx,
            actor,
            AuditAction::Update,
            entity::PERSON,
            Some(&message.person_id.to_string()),
            Some(&said),
        )
        .await?;
        tx.commit().await?;
        self.message(id).await
    }

    /// One message (NotFound when there is none).
    pub async fn message(&self, id: Uuid) -> Result<Message> {
        let sql = format!("{MESSAGES} WHERE x.id = $1");
        Ok(read!(self, pool => sqlx::query_as::<_, Message>(&sql).bind(id).fetch_one(pool).await)?)
    }

    async fn message_in(&self, tx: &mut Tx, id: Uuid) -> Result<Message> {
        let sql = format!("{MESSAGES} WHERE x.id = $1");
        Ok(on_tx!(tx, conn => sqlx::query_as::<_, Message>(&sql).bind(id).fetch_one(conn).await)?)
    }

    /// The person's messages, the latest appointment first.
    pub async fn messages_of_person(&self, person_id: Uuid) -> Result<Vec<Message>> {
        let sql = format!(
            "{MESSAGES} WHERE x.person_id = $1 ORDER BY m.starts_at DESC, x.purpose, x.channel"
        );
        Ok(read!(self, pool => sqlx::query_as::<_, Message>(&sql)
            .bind(person_id).fetch_all(pool).await)?)
    }

    /// The messages the holder must look at: failed, bounced or of unknown
    /// result, for appointments still to come and not cancelled.
    pub async fn undelivered_messages(
        &self,
        held_by: Uuid,
        at: OffsetDateTime,
    ) -> Result<Vec<Message>> {
        let sql = format!(
            "{MESSAGES} WHERE m.held_by = $1 AND m.starts_at > $2 AND m.outcome IS NULL
               AND x.state IN ('echec', 'rejete', 'inconnu')
             ORDER BY m.starts_at, x.id"
        );
        Ok(read!(self, pool => sqlx::query_as::<_, Message>(&sql)
            .bind(held_by).bind(Moment(at)).fetch_all(pool).await)?)
    }
}
