//! Attendance at sessions: the sheet of a session (the participants in the
//! action on that day and their mark), marks for a whole group in one
//! transaction, a participant's history and their run of absences.

use crate::audit::{record, Actor};
use crate::bulk::Rows;
use crate::catalogue::Session;
use crate::{Result, Store};
use parcours_domain::audit::AuditAction;
use parcours_domain::notification::NotificationKind;
use parcours_domain::pathway_dates;
use parcours_domain::referral::{absences_in_a_row, Attendance, ABSENCES_ALERT};
use parcours_domain::Invalid;
use serde::Serialize;
use time::{Date, OffsetDateTime, Time};
use uuid::Uuid;

/// One participant on a session's sheet.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct SheetLine {
    pub referral_id: Uuid,
    pub person_id: Uuid,
    pub last_name: String,
    pub first_names: String,
    /// present, absent, excused; none when not recorded yet.
    pub status: Option<Attendance>,
}

/// One session in a participant's history.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct AttendanceLine {
    pub session_id: Uuid,
    pub on_date: Date,
    pub status: Attendance,
}

/// The columns of an attendance mark, in the order its rows are written
/// (here and by the generator).
pub(crate) const ATTENDANCE_COLUMNS: &[&str] = &[
    "session_id",
    "referral_id",
    "status",
    "recorded_by",
    "recorded_at",
];

impl Store {
    /// The participants in the session's action on the session's day (entered
    /// by then, not gone before: `pathway_dates::on_action`), with their
    /// mark if recorded. An individual
    /// appointment's sheet has its one participant only.
    pub async fn attendance_sheet(&self, session_id: Uuid) -> Result<Vec<SheetLine>> {
        Ok(read!(self, pool => sqlx::query_as::<_, SheetLine>(
            "SELECT r.id AS referral_id, p.id AS person_id, p.last_name, p.first_names, t.status
             FROM action_sessions s
             JOIN referrals r ON r.action_id = s.action_id
             JOIN persons p ON p.id = r.person_id
             LEFT JOIN attendances t ON t.session_id = s.id AND t.referral_id = r.id
             WHERE s.id = $1 AND (s.referral_id IS NULL OR s.referral_id = r.id)
               AND r.entered_on IS NOT NULL AND r.entered_on <= s.on_date
               AND (r.exited_on IS NULL OR r.exited_on >= s.on_date)
             ORDER BY p.last_name, p.first_names",
        ).bind(session_id).fetch_all(pool).await)?)
    }

    /// Records the marks of a group in one go, at `at`: every line or none.
    /// A session that has not started yet, or a mark for someone not on
    /// this session's sheet (another action, another structure, not yet
    /// entered or gone before that day) refuses the whole sheet.
    pub async fn record_attendance(
        &self,
        actor: &Actor,
        session_id: Uuid,
        marks: &[(Uuid, Attendance)],
        at: OffsetDateTime,
    ) -> Result<usize> {
        let session = self.session(session_id).await?;
        session.check_started(at)?;
        let sheet = self.attendance_sheet(session_id).await?;
        if marks
            .iter()
            .any(|(referral, _)| !sheet.iter().any(|l| l.referral_id == *referral))
        {
            return Err(Invalid::field(
                "attendance",
                format!(
                    "Une des personnes n'est pas sur l'action le {} (pas encore entrée, ou déjà sortie) : rien n'a été enregistré.",
                    parcours_domain::clock::fr_date(session.on_date)
                ),
            )
            .into());
        }
        let mut rows = Rows::new("attendances", ATTENDANCE_COLUMNS);
        // A person marked twice keeps the last mark (one statement may not
        // write the same row twice).
        let mut last: Vec<(Uuid, Attendance)> = Vec::with_capacity(marks.len());
        for &(referral, mark) in marks {
            last.retain(|(r, _)| *r != referral);
            last.push((referral, mark));
        }
        for (referral, mark) in &last {
            rows.push(attendance_row(
                session_id,
                *referral,
                *mark,
                &actor.label,
                at,
            ));
        }
        let mut tx = self.begin().await?;
        // The event first: from the statement below to the commit, the
        // group's rows are locked while other opérateurs wait on them.
        let detail = format!("présences : {} personne(s)", last.len());
        record(
            &mut tx,
            actor,
            AuditAction::Update,
            "session",
            Some(&session_id.to_string()),
            Some(&detail),
        )
        .await?;
        // One statement for the group: one round trip, not one per person.
        rows.upsert(
            &mut tx,
            "ON CONFLICT (session_id, referral_id) DO UPDATE SET status = excluded.status,
                 recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at",
        )
        .await?;
        tx.commit().await?;
        self.notify_repeated_absences(session_id, &last).await?;
        Ok(last.len())
    }

    /// Tells the référent of each participant whose unexcused absences in
    /// a row reach [`ABSENCES_ALERT`] with this session (once per session).
    async fn notify_repeated_absences(
        &self,
        session_id: Uuid,
        marks: &[(Uuid, Attendance)],
    ) -> Result<()> {
        for (referral, _) in marks.iter().filter(|(_, mark)| *mark == Attendance::Absent) {
            if self.absences_in_a_row(*referral).await? != ABSENCES_ALERT {
                continue;
            }
            let mut tx = self.begin().await?;
            let key = format!("absences:{referral}:{session_id}");
            crate::notification::notify_of_referral(
                &mut tx,
                *referral,
                NotificationKind::RepeatedAbsences,
                Some(&key),
                |action| format!("{ABSENCES_ALERT} absences non excusées de suite en {action}"),
            )
            .await?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// A participant's marks, oldest first.
    pub async fn attendance_history(&self, referral_id: Uuid) -> Result<Vec<AttendanceLine>> {
        Ok(read!(self, pool => sqlx::query_as::<_, AttendanceLine>(
            "SELECT t.session_id, s.on_date, t.status FROM attendances t JOIN action_sessions s ON s.id = t.session_id
             WHERE t.referral_id = $1 ORDER BY s.on_date, s.starts_at",
        ).bind(referral_id).fetch_all(pool).await)?)
    }

    /// Unexcused absences in a row at the end of the participant's history.
    pub async fn absences_in_a_row(&self, referral_id: Uuid) -> Result<usize> {
        let marks: Vec<Attendance> = self
            .attendance_history(referral_id)
            .await?
            .iter()
            .map(|l| l.status)
            .collect();
        Ok(absences_in_a_row(&marks))
    }
}

impl Session {
    /// Attendance is recorded once the session has started (its date and
    /// time in Paris).
    pub fn check_started(&self, now: OffsetDateTime) -> std::result::Result<(), Invalid> {
        let starts_at = self.starts_at.as_deref().and_then(hh_mm);
        pathway_dates::check_session_started(self.on_date, starts_at, now)
    }
}

/// A session's time as stored ("14:00").
pub(crate) fn hh_mm(text: &str) -> Option<Time> {
    let (hour, minute) = text.trim().split_once(':')?;
    let minute = minute.get(..2).unwrap_or(minute);
    Time::from_hms(hour.parse().ok()?, minute.parse().ok()?, 0).ok()
}

/// A mark's row, in the order of [`ATTENDANCE_COLUMNS`].
pub(crate) fn attendance_row(
    session_id: Uuid,
    referral_id: Uuid,
    mark: Attendance,
    recorded_by: &str,
    recorded_at: time::OffsetDateTime,
) -> Vec<crate::bulk::Value> {
    vec![
        session_id.into(),
        referral_id.into(),
        mark.code().into(),
        recorded_by.into(),
        recorded_at.into(),
    ]
}
