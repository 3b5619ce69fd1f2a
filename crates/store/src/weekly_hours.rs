//! What the weekly hours of a contrat d'engagement are counted from, for
//! one person or a whole caseload in three statements: the sessions of
//! the actions they were in (with their attendance), their appointments,
//! and their participations with the actions' declared weekly hours.

use crate::sql::Sql;
use crate::{Result, Store};
use parcours_domain::meeting::MeetingOutcome;
use parcours_domain::referral::Attendance;
use parcours_domain::weekly_hours::{session_minutes, Activity, Participation};
use std::collections::HashMap;
use time::{Date, Duration, OffsetDateTime, Time};
use uuid::Uuid;

/// One person's facts over a period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HoursFacts {
    /// Each session with the action it belongs to.
    pub sessions: Vec<(Uuid, Activity)>,
    /// Their appointments not cancelled.
    pub meetings: Vec<Activity>,
    pub participations: Vec<Participation>,
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    person_id: Uuid,
    action_id: Uuid,
    on_date: Date,
    starts_at: Option<String>,
    ends_at: Option<String>,
    status: Option<Attendance>,
}

#[derive(sqlx::FromRow)]
struct MeetingRow {
    person_id: Uuid,
    starts_at: OffsetDateTime,
    duration_minutes: i64,
    outcome: Option<MeetingOutcome>,
}

#[derive(sqlx::FromRow)]
struct ParticipationRow {
    person_id: Uuid,
    action_id: Uuid,
    entered_on: Date,
    exited_on: Option<Date>,
    weekly_hours: Option<f64>,
}

/// People per statement (bound parameters stay well under the backends' limits).
const CHUNK: usize = 500;

impl Store {
    /// The facts of each of `people` between `from` and `to` (both included).
    pub async fn hours_facts(
        &self,
        people: &[Uuid],
        from: Date,
        to: Date,
    ) -> Result<HashMap<Uuid, HoursFacts>> {
        let mut facts: HashMap<Uuid, HoursFacts> = HashMap::new();
        for chunk in people.chunks(CHUNK) {
            // The sessions of the actions they were in, while they were in
            // them (a session of one positioning only for that one).
            let mut sql = Sql::new(
                "SELECT r.person_id, s.action_id, s.on_date, s.starts_at, s.ends_at, t.status
                 FROM referrals r
                 JOIN action_sessions s ON s.action_id = r.action_id AND (s.referral_id IS NULL OR s.referral_id = r.id)
                 LEFT JOIN attendances t ON t.session_id = s.id AND t.referral_id = r.id
                 WHERE r.entered_on IS NOT NULL AND NOT s.cancelled
                   AND s.on_date >= r.entered_on AND (r.exited_on IS NULL OR s.on_date <= r.exited_on)",
            );
            sql.bind(" AND s.on_date >= ", from)
                .bind(" AND s.on_date <= ", to);
            among(&mut sql, "r.person_id", chunk);
            let rows: Vec<SessionRow> = read!(self, pool => bind_all!(sqlx::query_as::<_, SessionRow>(&sql.text), sql).fetch_all(pool).await)?;
            for row in rows {
                let activity = Activity {
                    on: row.on_date,
                    minutes: session_minutes(row.starts_at.as_deref(), row.ends_at.as_deref()),
                    done: row.status == Some(Attendance::Present),
                };
                facts
                    .entry(row.person_id)
                    .or_default()
                    .sessions
                    .push((row.action_id, activity));
            }

            let mut sql = Sql::new(
                "SELECT person_id, starts_at, duration_minutes, outcome FROM meetings WHERE 1 = 1",
            );
            // A day in Paris is within a day of UTC: a margin each side, then the exact day below.
            sql.bind(" AND starts_at >= ", utc(from - Duration::days(1)))
                .bind(" AND starts_at < ", utc(to + Duration::days(2)));
            among(&mut sql, "person_id", chunk);
            let rows: Vec<MeetingRow> = read!(self, pool => bind_all!(sqlx::query_as::<_, MeetingRow>(&sql.text), sql).fetch_all(pool).await)?;
            for row in rows
                .into_iter()
                .filter(|m| !m.outcome.is_some_and(MeetingOutcome::is_cancellation))
            {
                let on = parcours_domain::clock::date_in_paris(row.starts_at);
                if on < from || on > to {
                    continue;
                }
                facts
                    .entry(row.person_id)
                    .or_default()
                    .meetings
                    .push(Activity {
                        on,
                        minutes: row.duration_minutes,
                        done: row.outcome == Some(MeetingOutcome::Attended),
                    });
            }

            let mut sql = Sql::new(
                "SELECT r.person_id, r.action_id, r.entered_on, r.exited_on, a.weekly_hours
                 FROM referrals r JOIN actions a ON a.id = r.action_id WHERE r.entered_on IS NOT NULL",
            );
            sql.bind(" AND r.entered_on <= ", to)
                .bind(" AND (r.exited_on IS NULL OR r.exited_on >= ", from)
                .push(")");
            among(&mut sql, "r.person_id", chunk);
            let rows: Vec<ParticipationRow> = read!(self, pool => bind_all!(sqlx::query_as::<_, ParticipationRow>(&sql.text), sql).fetch_all(pool).await)?;
            for row in rows {
                facts
                    .entry(row.person_id)
                    .or_default()
                    .participations
                    .push(Participation {
                        action: row.action_id,
                        from: row.entered_on,
                        to: row.exited_on,
                        weekly_hours: row.weekly_hours,
                    });
            }
        }
        Ok(facts)
    }
}

/// ` AND column IN (…)` over these ids.
fn among(sql: &mut Sql, column: &str, ids: &[Uuid]) {
    sql.push(&format!(" AND {column} IN ("));
    for (i, id) in ids.iter().enumerate() {
        sql.bind(if i == 0 { "" } else { ", " }, *id);
    }
    sql.push(")");
}

fn utc(day: Date) -> OffsetDateTime {
    day.with_time(Time::MIDNIGHT).assume_utc()
}

/// A contrat d'engagement in force on a day: its start and weekly hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct Engagement {
    pub person_id: Uuid,
    pub contract_id: Uuid,
    pub starts_on: Date,
    pub weekly_hours: Option<i64>,
    /// The other activities written in the contract, hours a week.
    pub other_weekly_hours: Option<i64>,
}

impl Store {
    /// The contrat d'engagement each of `people` has in force on `day`
    /// (signed, started, not over), if any.
    pub async fn engagements_in_force(
        &self,
        people: &[Uuid],
        day: Date,
    ) -> Result<Vec<Engagement>> {
        let mut found = Vec::new();
        for chunk in people.chunks(CHUNK) {
            let mut sql = Sql::new(
                "SELECT person_id, id AS contract_id, starts_on, weekly_hours, other_weekly_hours
                 FROM contracts WHERE kind = 'engagement'",
            );
            sql.bind(" AND signed_on <= ", day)
                .bind(" AND starts_on <= ", day)
                .bind(" AND ends_on >= ", day)
                .bind(" AND (ended_on IS NULL OR ended_on >= ", day)
                .push(")");
            among(&mut sql, "person_id", chunk);
            sql.push(" ORDER BY person_id, starts_on DESC");
            let rows: Vec<Engagement> = read!(self, pool => bind_all!(sqlx::query_as::<_, Engagement>(&sql.text), sql).fetch_all(pool).await)?;
            // The latest one when two overlap (a renewal's first day).
            for row in rows {
                if found
                    .last()
                    .is_none_or(|last: &Engagement| last.person_id != row.person_id)
                {
                    found.push(row);
                }
            }
        }
        Ok(found)
    }
}
