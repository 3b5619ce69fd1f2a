//! FSE+ reporting per operation (issue 21): the operations, the actions
//! whose funding lines carry their number, and every participation in
//! them with the entry answers, the exit and the hours attended.
//! parcours_domain::fse_report counts the indicators.
//!
//! Every number written on a funding line has its operation: one is
//! created, titled by its number, when a line names a new one.

use crate::audit::{record, Actor};
use crate::{Result, Store, StoreError, Tx};
use parcours_domain::fse::{Answer, EducationLevel, EmploymentStatus, Gender, NationalityGroup};
use parcours_domain::fse_report::{EntryAnswers, OperationData, Participation};
use parcours_domain::referral::{Attendance, Situation};
use serde::Serialize;
use time::{Date, Month};
use uuid::Uuid;

/// An FSE+ operation.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct FseOperation {
    pub id: Uuid,
    pub number: String,
    pub title: String,
    pub starts_on: Date,
    pub ends_on: Date,
    pub beneficiary: Option<String>,
    pub version: i64,
}

/// An action covered by an operation, with the structure running it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct OperationAction {
    pub action_id: Uuid,
    pub action_name: String,
    pub structure_id: Uuid,
    pub structure_name: String,
    /// The amounts of the action's lines carrying the operation's number.
    pub amount_cents: i64,
}

/// A participation as stored: the positioning, the person's birth date
/// and the entry answers when recorded.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ParticipationRow {
    pub referral_id: Uuid,
    pub person_id: Uuid,
    pub action_id: Uuid,
    pub structure_id: Uuid,
    pub birth_date: Date,
    pub entered_on: Date,
    pub exited_on: Option<Date>,
    pub situation_4_weeks: Option<Situation>,
    pub gender: Option<String>,
    pub employment_status: Option<String>,
    pub education_level: Option<String>,
    pub nationality: Option<String>,
    pub disability: Option<String>,
    pub foreign_background: Option<String>,
    pub minority: Option<String>,
    pub homeless: Option<String>,
    pub rural: Option<bool>,
}

impl ParticipationRow {
    /// The recorded answers, read back through their codes.
    pub fn answers(&self) -> Option<EntryAnswers> {
        let answer = |raw: &Option<String>| raw.as_deref().and_then(Answer::from_code);
        Some(EntryAnswers {
            gender: Gender::from_code(self.gender.as_deref()?)?,
            employment_status: EmploymentStatus::from_code(self.employment_status.as_deref()?)?,
            education_level: EducationLevel::from_code(self.education_level.as_deref()?)?,
            nationality: NationalityGroup::from_code(self.nationality.as_deref()?)?,
            disability: answer(&self.disability)?,
            foreign_background: answer(&self.foreign_background),
            minority: answer(&self.minority),
            homeless: answer(&self.homeless)?,
            rural: self.rural?,
        })
    }

    pub fn participation(&self) -> Participation {
        Participation {
            person_id: self.person_id,
            referral_id: self.referral_id,
            structure_id: self.structure_id,
            birth_date: self.birth_date,
            entered_on: self.entered_on,
            exited_on: self.exited_on,
            situation_4_weeks: self.situation_4_weeks,
            entry: self.answers(),
        }
    }
}

/// A session a participant attended: its day and times (HH:MM).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttendedSession {
    pub referral_id: Uuid,
    pub session_id: Uuid,
    pub on_date: Date,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub status: Attendance,
}

impl AttendedSession {
    /// Minutes between its times, 0 when a time is missing.
    pub fn minutes(&self) -> i64 {
        parcours_domain::weekly_hours::session_minutes(
            self.starts_at.as_deref(),
            self.ends_at.as_deref(),
        )
    }
}

const OPERATION_COLUMNS: &str = "id, number, title, starts_on, ends_on, beneficiary, version";

/// The participations in the actions of operation `$1`: positionings
/// entered or since left, on an action with a line flagged FSE+ carrying
/// the number.
const PARTICIPATIONS: &str = "
SELECT r.id AS referral_id, r.person_id, r.action_id, a.structure_id, p.birth_date,
       r.entered_on, r.exited_on, r.situation_4_weeks,
       f.gender, f.employment_status, f.education_level, f.nationality, f.disability,
       f.foreign_background, f.minority, f.homeless, f.rural
FROM referrals r
JOIN actions a ON a.id = r.action_id
JOIN persons p ON p.id = r.person_id
LEFT JOIN fse_entries f ON f.referral_id = r.id
WHERE r.status IN ('entered', 'exited') AND r.entered_on IS NOT NULL
  AND EXISTS (SELECT 1 FROM action_fundings af
              WHERE af.action_id = a.id AND af.fse_plus AND af.fse_operation = $1)";

impl Store {
    /// Every operation, by number.
    pub async fn fse_operations(&self) -> Result<Vec<FseOperation>> {
        let sql = format!("SELECT {OPERATION_COLUMNS} FROM fse_operations ORDER BY number");
        Ok(read!(self, pool => sqlx::query_as::<_, FseOperation>(&sql).fetch_all(pool).await)?)
    }

    /// The operation with that number, if any.
    pub async fn fse_operation(&self, number: &str) -> Result<Option<FseOperation>> {
        let sql = format!("SELECT {OPERATION_COLUMNS} FROM fse_operations WHERE number = $1");
        Ok(
            read!(self, pool => sqlx::query_as::<_, FseOperation>(&sql).bind(number).fetch_optional(pool).await)?,
        )
    }

    /// Creates an operation; a number already taken is refused on `number`.
    pub async fn create_fse_operation(
        &self,
        actor: &Actor,
        data: &OperationData,
    ) -> Result<FseOperation> {
        let mut tx = self.begin().await?;
        let id = Uuid::now_v7();
        on_tx!(&mut tx, conn => sqlx::query(
            "INSERT INTO fse_operations (id, number, title, starts_on, ends_on, beneficiary) VALUES ($1, $2, $3, $4, $5, $6)",
        ).bind(id).bind(&data.number).bind(&data.title).bind(data.starts_on).bind(data.ends_on).bind(&data.beneficiary)
        .execute(conn).await.map(|d| d.rows_affected()))
        .map_err(|e| StoreError::from(e).unique_as("number", "Une opération porte déjà ce numéro."))?;
        let detail = format!("opération FSE+ {} créée", data.number);
        record(
            &mut tx,
            actor,
            parcours_domain::audit::AuditAction::Create,
            "fse_operation",
            Some(&id.to_string()),
            Some(&detail),
        )
        .await?;
        tx.commit().await?;
        self.fse_operation(&data.number)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Changes an operation read at `version` ([`StoreError::Stale`] when
    /// changed since); a new number moves its funding lines with it.
    pub async fn update_fse_operation(
        &self,
        actor: &Actor,
        id: Uuid,
        version: i64,
        data: &OperationData,
    ) -> Result<FseOperation> {
        let mut tx = self.begin().await?;
        let before: Option<String> = on_tx!(&mut tx, conn => sqlx::query_scalar(
            "SELECT number FROM fse_operations WHERE id = $1",
        ).bind(id).fetch_optional(conn).await)?;
        let before = before.ok_or(StoreError::NotFound)?;
        let changed = on_tx!(&mut tx, conn => sqlx::query(
            "UPDATE fse_operations SET number = $1, title = $2, starts_on = $3, ends_on = $4, beneficiary = $5,
                    version = version + 1
             WHERE id = $6 AND version = $7",
        ).bind(&data.number).bind(&data.title).bind(data.starts_on).bind(data.ends_on).bind(&data.beneficiary)
        .bind(id).bind(version)
        .execute(conn).await.map(|d| d.rows_affected()))
        .map_err(|e| StoreError::from(e).unique_as("number", "Une opération porte déjà ce numéro."))?;
        if changed == 0 {
            return Err(StoreError::Stale);
        }
        if before != data.number {
            on_tx!(&mut tx, conn => sqlx::query(
                "UPDATE action_fundings SET fse_operation = $1 WHERE fse_operation = $2",
            ).bind(&data.number).bind(&before).execute(conn).await.map(|d| d.rows_affected()))?;
        }
        let detail = format!("opération FSE+ {} modifiée", data.number);
        record(
            &mut tx,
            actor,
            parcours_domain::audit::AuditAction::Update,
            "fse_operation",
            Some(&id.to_string()),
            Some(&detail),
        )
        .await?;
        tx.commit().await?;
        self.fse_operation(&data.number)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// The actions whose FSE+ lines carry the operation's number.
    pub async fn fse_operation_actions(&self, number: &str) -> Result<Vec<OperationAction>> {
        Ok(read!(self, pool => sqlx::query_as::<_, OperationAction>(
            "SELECT a.id AS action_id, a.name AS action_name, s.id AS structure_id, s.name AS structure_name,
                    CAST(SUM(af.amount_cents) AS BIGINT) AS amount_cents
             FROM action_fundings af JOIN actions a ON a.id = af.action_id
             JOIN organisations s ON s.id = a.structure_id
             WHERE af.fse_plus AND af.fse_operation = $1
             GROUP BY a.id, a.name, s.id, s.name ORDER BY s.name, a.name",
        ).bind(number).fetch_all(pool).await)?)
    }

    /// Every participation in the operation's actions (of one structure's
    /// actions only, when given).
    pub async fn fse_participations(
        &self,
        number: &str,
        structure_id: Option<Uuid>,
    ) -> Result<Vec<ParticipationRow>> {
        let sql = match structure_id {
            Some(_) => format!("{PARTICIPATIONS} AND a.structure_id = $2"),
            None => PARTICIPATIONS.to_owned(),
        };
        Ok(read!(self, pool => {
            let query = sqlx::query_as::<_, ParticipationRow>(&sql).bind(number);
            match structure_id {
                Some(structure) => query.bind(structure),
                None => query,
            }
            .fetch_all(pool).await
        })?)
    }

    /// The marks of the given positionings at the sessions of `from` to
    /// `to`, by day (cancelled sessions left out).
    pub async fn attended_sessions(
        &self,
        referral_ids: &[Uuid],
        from: Date,
        to: Date,
    ) -> Result<Vec<AttendedSession>> {
        let mut sessions = Vec::new();
        // In slices: a bound parameter per positioning.
        for ids in referral_ids.chunks(500) {
            let placeholders: Vec<String> = (0..ids.len()).map(|n| format!("${}", n + 3)).collect();
            let sql = format!(
                "SELECT t.referral_id, t.session_id, s.on_date, s.starts_at, s.ends_at, t.status
                 FROM attendances t JOIN action_sessions s ON s.id = t.session_id
                 WHERE NOT s.cancelled AND s.on_date >= $1 AND s.on_date <= $2
                   AND t.referral_id IN ({})
                 ORDER BY s.on_date, s.starts_at",
                placeholders.join(", ")
            );
            let rows: Vec<AttendedSession> = read!(self, pool => {
                let mut query = sqlx::query_as::<_, AttendedSession>(&sql).bind(from).bind(to);
                for id in ids {
                    query = query.bind(*id);
                }
                query.fetch_all(pool).await
            })?;
            sessions.extend(rows);
        }
        Ok(sessions)
    }
}

/// Creates, in the transaction, the operations of the numbers on FSE+
/// funding lines that have none yet, over the years of their lines.
pub(crate) async fn ensure_operations(tx: &mut Tx) -> Result<()> {
    let missing: Vec<(String, i64, i64)> = on_tx!(tx, conn => sqlx::query_as(
        "SELECT fse_operation, CAST(MIN(year) AS BIGINT), CAST(MAX(year) AS BIGINT) FROM action_fundings
         WHERE fse_plus AND fse_operation IS NOT NULL
           AND fse_operation NOT IN (SELECT number FROM fse_operations)
         GROUP BY fse_operation",
    ).fetch_all(conn).await)?;
    for (number, first, last) in missing {
        let day = |year: i64, month: Month, day: u8| {
            Date::from_calendar_date(year as i32, month, day).unwrap_or(Date::MIN)
        };
        on_tx!(tx, conn => sqlx::query(
            "INSERT INTO fse_operations (id, number, title, starts_on, ends_on) VALUES ($1, $2, $3, $4, $5)",
        ).bind(Uuid::now_v7()).bind(&number).bind(format!("Opération {number}"))
        .bind(day(first, Month::January, 1)).bind(day(last, Month::December, 31))
        .execute(conn).await.map(|d| d.rows_affected()))?;
    }
    Ok(())
}
