//! The référent's appointments with a person: planned without overlapping
//! another appointment of the same staff member or of the same person,
//! their outcome recorded over the version read (no lost update), read per
//! person and as a week's agenda.

use crate::audit::{record, Actor};
use crate::{now, Moment, Result, Store, StoreError, Tx};
use parcours_domain::audit::{entity, AuditAction};
use parcours_domain::meeting::{
    check_outcome, fr_when, overlaps, MeetingData, MeetingKind, MeetingOutcome, Modality,
    DURATION_MAX,
};
use parcours_domain::outbox::Purpose;
use parcours_domain::Invalid;
use serde::Serialize;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// One appointment, with who it is with and who holds it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Meeting {
    pub id: Uuid,
    pub person_id: Uuid,
    /// « NOM Prénoms ».
    pub person_name: String,
    /// The staff member who holds it.
    pub held_by: Uuid,
    pub held_by_name: String,
    pub organisation_id: Uuid,
    pub organisation_name: String,
    pub kind: MeetingKind,
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    pub duration_minutes: i64,
    pub modality: Modality,
    pub place: Option<String>,
    pub note: Option<String>,
    /// None while it is to come (or not recorded yet).
    pub outcome: Option<MeetingOutcome>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub outcome_at: Option<OffsetDateTime>,
    pub version: i64,
}

impl Meeting {
    pub fn ends_at(&self) -> OffsetDateTime {
        self.starts_at + Duration::minutes(self.duration_minutes)
    }

    pub fn cancelled(&self) -> bool {
        self.outcome.is_some_and(MeetingOutcome::is_cancellation)
    }
}

const MEETINGS: &str =
    "SELECT m.id, m.person_id, p.last_name || ' ' || p.first_names AS person_name,
        m.held_by, u.display_name AS held_by_name, m.organisation_id, o.name AS organisation_name,
        m.kind, m.starts_at, m.duration_minutes, m.modality, m.place, m.note, m.outcome,
        m.outcome_at, m.version
     FROM meetings m JOIN persons p ON p.id = m.person_id JOIN users u ON u.id = m.held_by
     JOIN organisations o ON o.id = m.organisation_id";

/// Whose week an agenda shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgendaOf {
    /// One staff member's appointments.
    Holder(Uuid),
    /// Every appointment held by the organisation's staff.
    Organisation(Uuid),
}

impl Store {
    /// Plans appointments held by `held_by` (of `organisation_id`), one per
    /// person, all or none; queues the messages of each one's channels (the
    /// convocation now, the reminder `reminder_before` its start when that
    /// is still to come). Refused when one overlaps another appointment of
    /// the same staff member or of the same person that is not cancelled:
    /// on `starts_at` for one appointment, on `slots` naming the slot for
    /// several. NotFound when there is no such person or account.
    pub async fn plan_meetings(
        &self,
        actor: &Actor,
        held_by: Uuid,
        organisation_id: Uuid,
        planned: &[(Uuid, MeetingData)],
        reminder_before: Duration,
    ) -> Result<Vec<Meeting>> {
        let mut tx = self.begin().await?;
        // Lock the people (in one order for every planner) and then the
        // holder: two plannings of one slot, by the same holder or for the
        // same person, wait for each other.
        let mut people: Vec<Uuid> = planned.iter().map(|(p, _)| *p).collect();
        people.sort();
        people.dedup();
        let locks = people
            .iter()
            .map(|p| ("UPDATE persons SET version = version WHERE id = $1", *p))
            .chain([(
                "UPDATE users SET disabled = disabled WHERE id = $1",
                held_by,
            )]);
        for (lock, id) in locks {
            let found = on_tx!(&mut tx, conn => sqlx::query(lock)
                .bind(id).execute(conn).await.map(|done| done.rows_affected()))?;
            if found == 0 {
                return Err(StoreError::NotFound);
            }
        }
        let at = now();
        let mut ids = Vec::with_capacity(planned.len());
        for (n, (person_id, data)) in planned.iter().enumerate() {
            if let Some(taken) = overlapping(&mut tx, *person_id, held_by, data).await? {
                return Err(slot_taken(&taken, *person_id, held_by, n, planned.len()).into());
            }
            let id = Uuid::now_v7();
            on_tx!(&mut tx, conn => sqlx::query(
                "INSERT INTO meetings (id, person_id, held_by, organisation_id, kind, starts_at, duration_minutes,
                    modality, place, note, outcome, outcome_at, version, created_by, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, NULL, 1, $11, $12, $12)",
            )
            .bind(id).bind(person_id).bind(held_by).bind(organisation_id).bind(data.kind)
            .bind(Moment(data.starts_at)).bind(data.duration_minutes).bind(data.modality)
            .bind(&data.place).bind(&data.note).bind(&actor.label).bind(Moment(at))
            .execute(conn).await.map(|done| done.rows_affected()))?;
            let reminder_at = data.starts_at - reminder_before;
            for channel in &data.channels {
                crate::outbox::queue(
                    &mut tx,
                    id,
                    *person_id,
                    *channel,
                    Purpose::Convocation,
                    at,
                    at,
                )
                .await?;
                if reminder_at > at {
                    crate::outbox::queue(
                        &mut tx,
                        id,
                        *person_id,
                        *channel,
                        Purpose::Reminder,
                        reminder_at,
                        at,
                    )
                    .await?;
                }
            }
            let detail = format!(
                "rendez-vous planifié : {} le {}",
                data.kind.label(),
                fr_when(data.starts_at)
            );
            audit_person(&mut tx, actor, AuditAction::Create, *person_id, &detail).await?;
            ids.push(id);
        }
        tx.commit().await?;
        let mut meetings = Vec::with_capacity(ids.len());
        for id in ids {
            meetings.push(self.meeting(id).await?);
        }
        Ok(meetings)
    }

    /// One appointment (NotFound when there is none).
    pub async fn meeting(&self, id: Uuid) -> Result<Meeting> {
        let sql = format!("{MEETINGS} WHERE m.id = $1");
        Ok(read!(self, pool => sqlx::query_as::<_, Meeting>(&sql).bind(id).fetch_one(pool).await)?)
    }

    /// The person's appointments, the latest first, cancelled ones included.
    pub async fn meetings_of_person(&self, person_id: Uuid) -> Result<Vec<Meeting>> {
        let sql = format!("{MEETINGS} WHERE m.person_id = $1 ORDER BY m.starts_at DESC, m.id");
        Ok(read!(self, pool => sqlx::query_as::<_, Meeting>(&sql)
            .bind(person_id).fetch_all(pool).await)?)
    }

    /// The appointments of `of` starting in [from, to), in order.
    pub async fn agenda(
        &self,
        of: AgendaOf,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<Vec<Meeting>> {
        let (column, id) = match of {
            AgendaOf::Holder(id) => ("m.held_by", id),
            AgendaOf::Organisation(id) => ("m.organisation_id", id),
        };
        let sql = format!(
            "{MEETINGS} WHERE {column} = $1 AND m.starts_at >= $2 AND m.starts_at < $3
             ORDER BY m.starts_at, u.display_name, m.id"
        );
        Ok(read!(self, pool => sqlx::query_as::<_, Meeting>(&sql)
            .bind(id).bind(Moment(from)).bind(Moment(to)).fetch_all(pool).await)?)
    }

    /// Records what became of the appointment, over `version` (Stale when
    /// someone recorded it meanwhile): a cancellation before its time, the
    /// outcome once it has come.
    pub async fn record_meeting_outcome(
        &self,
        actor: &Actor,
        id: Uuid,
        version: i64,
        outcome: MeetingOutcome,
    ) -> Result<Meeting> {
        let mut tx = self.begin().await?;
        let sql = format!("{MEETINGS} WHERE m.id = $1");
        let meeting = on_tx!(&mut tx, conn => sqlx::query_as::<_, Meeting>(&sql)
            .bind(id).fetch_one(conn).await)?;
        if meeting.version != version {
            return Err(StoreError::Stale);
        }
        let at = now();
        check_outcome(outcome, meeting.starts_at, at)?;
        if meeting.cancelled() {
            return Err(Invalid::field(
                "outcome",
                "Ce rendez-vous est annulé : planifiez-en un autre.",
            )
            .into());
        }
        let changed = on_tx!(&mut tx, conn => sqlx::query(
            "UPDATE meetings SET outcome = $1, outcome_at = $2, updated_at = $2, version = version + 1
             WHERE id = $3 AND version = $4",
        )
        .bind(outcome).bind(Moment(at)).bind(id).bind(version)
        .execute(conn).await.map(|done| done.rows_affected()))?;
        if changed == 0 {
            return Err(StoreError::Stale);
        }
        if outcome.is_cancellation() {
            let by_service = outcome == MeetingOutcome::CancelledByService;
            crate::outbox::cancel_pending(&mut tx, id, by_service, at).await?;
        }
        let detail = format!(
            "rendez-vous du {} : {}",
            fr_when(meeting.starts_at),
            outcome.label()
        );
        audit_person(
            &mut tx,
            actor,
            AuditAction::Update,
            meeting.person_id,
            &detail,
        )
        .await?;
        tx.commit().await?;
        self.meeting(id).await
    }
}

/// The refusal of the `n`-th of `count` appointments, whose slot `taken` has.
fn slot_taken(taken: &Meeting, person_id: Uuid, held_by: Uuid, n: usize, count: usize) -> Invalid {
    let who = if taken.held_by == held_by && taken.person_id != person_id {
        &taken.held_by_name
    } else {
        &taken.person_name
    };
    let said = format!(
        "Ce créneau est déjà pris : {who} a déjà un rendez-vous {} ({} minutes).",
        fr_when(taken.starts_at),
        taken.duration_minutes
    );
    match count {
        1 => Invalid::field("starts_at", format!("{said} Choisissez une autre heure.")),
        _ => Invalid::field(
            "slots",
            format!(
                "Créneau {} : {said} Changez ce créneau : aucun rendez-vous n'a été planifié.",
                n + 1
            ),
        ),
    }
}

/// An appointment not cancelled that overlaps `data`, of the same holder
/// or of the same person.
async fn overlapping(
    tx: &mut Tx,
    person_id: Uuid,
    held_by: Uuid,
    data: &MeetingData,
) -> Result<Option<Meeting>> {
    // Anything starting after the new one ends cannot overlap; nothing
    // lasts longer than DURATION_MAX.
    let sql = format!(
        "{MEETINGS} WHERE (m.held_by = $1 OR m.person_id = $2) AND m.starts_at >= $3 AND m.starts_at < $4
         ORDER BY m.starts_at"
    );
    let near = on_tx!(tx, conn => sqlx::query_as::<_, Meeting>(&sql)
        .bind(held_by).bind(person_id)
        .bind(Moment(data.starts_at - Duration::minutes(DURATION_MAX)))
        .bind(Moment(data.ends_at()))
        .fetch_all(conn).await)?;
    Ok(near.into_iter().find(|m| {
        !m.cancelled()
            && overlaps(
                (m.starts_at, m.duration_minutes),
                (data.starts_at, data.duration_minutes),
            )
    }))
}

async fn audit_person(
    tx: &mut Tx,
    actor: &Actor,
    action: AuditAction,
    person_id: Uuid,
    detail: &str,
) -> Result<()> {
    record(
        tx,
        actor,
        action,
        entity::PERSON,
        Some(&person_id.to_string()),
        Some(detail),
    )
    .await
}
