//! Appointments of individual actions: a session for one participant, fixed
//! by the structure. It lives in `action_sessions` with its `referral_id`,
//! so that attendance, cancellation and the dashboard treat it like any
//! session; it is never generated from the schedule, so regenerating the
//! sessions never deletes it.

use crate::audit::{record, Actor};
use crate::{now, Moment, Result, Store, StoreError};
use parcours_domain::appointment::{AppointmentData, Participation};
use parcours_domain::audit::AuditAction;
use parcours_domain::catalogue::ActionFormat;
use parcours_domain::referral::ReferralStatus;
use parcours_domain::schedule::hhmm;
use parcours_domain::Invalid;
use serde::Serialize;
use time::Date;
use uuid::Uuid;

/// One appointment, with the participant's mark when recorded.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Appointment {
    pub id: Uuid,
    pub action_id: Uuid,
    pub referral_id: Uuid,
    pub on_date: Date,
    /// HH:MM
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub cancelled: bool,
    pub note: Option<String>,
    /// present, absent, excused; none when not recorded yet.
    pub attendance: Option<String>,
}

/// The participant an appointment is for, with what bounds it: identity
/// only (never the diagnostic or the contract).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct AppointmentParticipant {
    pub referral_id: Uuid,
    pub action_id: Uuid,
    pub action_name: String,
    /// individual, collective
    pub action_format: String,
    pub structure_id: Uuid,
    pub status: ReferralStatus,
    pub entered_on: Option<Date>,
    pub exited_on: Option<Date>,
    pub action_ends_on: Option<Date>,
    pub person_id: Uuid,
    pub last_name: String,
    pub first_names: String,
}

impl AppointmentParticipant {
    /// Whether the structure may fix appointments with this participant: on
    /// an individual action, entered and not gone.
    pub fn takes_appointments(&self) -> bool {
        self.status == ReferralStatus::Entered
            && self.entered_on.is_some()
            && self.action_format == ActionFormat::Individual.code()
    }
}

const PARTICIPANT: &str = "SELECT r.id AS referral_id, a.id AS action_id, a.name AS action_name, a.format AS action_format,
        a.structure_id, r.status, r.entered_on, r.exited_on, a.ends_on AS action_ends_on, p.id AS person_id,
        p.last_name, p.first_names
     FROM referrals r JOIN actions a ON a.id = r.action_id JOIN persons p ON p.id = r.person_id
     WHERE r.id = $1";

const APPOINTMENTS: &str = "SELECT s.id, s.action_id, s.referral_id, s.on_date, s.starts_at, s.ends_at, s.cancelled, s.note,
        t.status AS attendance
     FROM action_sessions s LEFT JOIN attendances t ON t.session_id = s.id AND t.referral_id = s.referral_id";

impl Store {
    /// The participant behind a positioning (NotFound when there is none).
    pub async fn appointment_participant(
        &self,
        referral_id: Uuid,
    ) -> Result<AppointmentParticipant> {
        Ok(
            read!(self, pool => sqlx::query_as::<_, AppointmentParticipant>(PARTICIPANT)
            .bind(referral_id).fetch_one(pool).await)?,
        )
    }

    /// Fixes an appointment with a participant of an individual action.
    /// Refused (on `referral_id`) when the person is not entered on that
    /// action or the action is collective, and (on `on_date`) when the date
    /// falls before the entry, after the exit or after the action's end.
    pub async fn create_appointment(
        &self,
        actor: &Actor,
        action_id: Uuid,
        referral_id: Uuid,
        data: &AppointmentData,
    ) -> Result<Appointment> {
        let mut tx = self.begin().await?;
        // Lock the positioning: an exit recorded meanwhile waits for us.
        let found = on_tx!(&mut tx, conn => sqlx::query("UPDATE referrals SET version = version WHERE id = $1")
            .bind(referral_id).execute(conn).await.map(|d| d.rows_affected()))?;
        if found == 0 {
            return Err(StoreError::NotFound);
        }
        let who = on_tx!(&mut tx, conn => sqlx::query_as::<_, AppointmentParticipant>(PARTICIPANT)
            .bind(referral_id).fetch_one(conn).await)?;
        if who.action_id != action_id {
            return Err(Invalid::field(
                "referral_id",
                "Cette personne n'est pas positionnée sur cette action.",
            )
            .into());
        }
        let entered_on = match (who.status, who.entered_on) {
            (ReferralStatus::Entered, Some(entered)) => entered,
            _ => {
                return Err(Invalid::field(
                    "referral_id",
                    "Un rendez-vous se fixe avec une personne entrée sur l'action (pas en attente, ni sortie).",
                )
                .into())
            }
        };
        if who.action_format != ActionFormat::Individual.code() {
            return Err(Invalid::field(
                "referral_id",
                "Les rendez-vous individuels sont réservés aux actions individuelles : pour une action collective, ajoutez une séance.",
            )
            .into());
        }
        Participation {
            entered_on,
            exited_on: who.exited_on,
            action_ends_on: who.action_ends_on,
        }
        .check(data.on_date)?;
        let id = Uuid::now_v7();
        let (starts_at, ends_at) = (hhmm(data.starts_at), data.ends_at.map(hhmm));
        on_tx!(&mut tx, conn => sqlx::query(
            &APPOINTMENT_INSERT,
        ).bind(id).bind(action_id).bind(data.on_date).bind(&starts_at).bind(&ends_at).bind(true).bind(false).bind(&data.note)
        .bind(Moment(now())).bind(referral_id)
        .execute(conn).await.map(|d| d.rows_affected()))?;
        let detail = format!("rendez-vous fixé le {} à {starts_at}", data.on_date);
        record(
            &mut tx,
            actor,
            AuditAction::Create,
            "referral",
            Some(&referral_id.to_string()),
            Some(&detail),
        )
        .await?;
        tx.commit().await?;
        self.appointment(id).await
    }

    /// One appointment (NotFound for a group session).
    pub async fn appointment(&self, id: Uuid) -> Result<Appointment> {
        let sql = format!("{APPOINTMENTS} WHERE s.id = $1 AND s.referral_id IS NOT NULL");
        Ok(
            read!(self, pool => sqlx::query_as::<_, Appointment>(&sql).bind(id).fetch_one(pool).await)?,
        )
    }

    /// A participant's appointments, oldest first, cancelled ones included.
    pub async fn appointments_of(&self, referral_id: Uuid) -> Result<Vec<Appointment>> {
        let sql = format!(
            "{APPOINTMENTS} WHERE s.referral_id = $1 ORDER BY s.on_date, s.starts_at, s.id"
        );
        Ok(
            read!(self, pool => sqlx::query_as::<_, Appointment>(&sql).bind(referral_id).fetch_all(pool).await)?,
        )
    }
}

/// The columns of an individual appointment: a session of one positioning
/// (here and in `pathway_load`).
pub(crate) const APPOINTMENT_COLUMNS: &[&str] = crate::catalogue::SESSION_WRITE_COLUMNS;

static APPOINTMENT_INSERT: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| crate::bulk::insert_one("action_sessions", APPOINTMENT_COLUMNS));
