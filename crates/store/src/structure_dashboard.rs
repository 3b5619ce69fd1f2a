//! A partner structure's dashboard: for each of its current actions
//! (published or draft), capacity and places taken, the waiting list, the
//! positionings to answer and the participants; the sessions and
//! appointments of the coming days. Counted by the database (one indexed
//! count per action and status group), never by loading the positionings.

use crate::json::JsonText;
use crate::referral::WAITING_ON_ACTION;
use crate::{Result, Store};
use parcours_domain::catalogue::{ActionFormat, ActionStatus, CapacityPeriod};
use parcours_domain::eligibility::EligibilityRules;
use serde::Serialize;
use time::{Date, Duration};
use uuid::Uuid;

/// How many days ahead the dashboard lists sessions (today included).
pub const UPCOMING_DAYS: i64 = 14;

/// One action's line.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct DashboardAction {
    pub id: Uuid,
    pub name: String,
    /// individual, collective
    pub format: ActionFormat,
    /// draft, published
    pub status: ActionStatus,
    /// Places, when the action has a limit.
    pub capacity: Option<i64>,
    /// continuous, session, year: what the capacity counts.
    pub capacity_period: CapacityPeriod,
    pub places_taken: i64,
    /// Places kept for people outside the action's publics (its margin quota), if any.
    #[sqlx(skip)]
    pub margin_places: Option<i64>,
    /// Of the places taken, those outside the publics.
    pub margin_taken: i64,
    pub starts_on: Date,
    pub ends_on: Option<Date>,
    /// Waiting list: status waiting or offered.
    pub waiting: i64,
    /// Positionings to answer: status sent.
    pub to_answer: i64,
    /// People in the action: status entered.
    pub participants: i64,
}

impl DashboardAction {
    /// Places taken over capacity, in percent (rounded down); none without a limit.
    pub fn occupation_percent(&self) -> Option<i64> {
        occupation(self.places_taken, self.capacity)
    }
}

fn occupation(taken: i64, capacity: Option<i64>) -> Option<i64> {
    match capacity {
        Some(c) if c > 0 => Some(taken * 100 / c),
        Some(_) => Some(if taken > 0 { 100 } else { 0 }),
        None => None,
    }
}

/// A line as read: the margin quota is in the eligibility rules.
#[derive(sqlx::FromRow)]
struct ActionRow {
    #[sqlx(flatten)]
    action: DashboardAction,
    eligibility: JsonText<EligibilityRules>,
}

/// The structure's figures, all actions together.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DashboardTotals {
    pub actions: i64,
    /// Places of the actions that have a limit.
    pub places: i64,
    pub places_taken: i64,
    /// Places taken on the actions that have a limit, over `places`, in percent.
    pub occupation_percent: Option<i64>,
    pub waiting: i64,
    pub to_answer: i64,
    pub participants: i64,
}

/// A session (or an individual appointment) of the coming days.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct DashboardSession {
    pub id: Uuid,
    pub action_id: Uuid,
    pub action_name: String,
    pub on_date: Date,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub note: Option<String>,
    /// The participant of an individual appointment; none for a group session.
    pub referral_id: Option<Uuid>,
    pub person_id: Option<Uuid>,
    pub first_names: Option<String>,
    pub last_name: Option<String>,
    /// Attendance marks recorded so far.
    pub marks: i64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StructureDashboard {
    pub structure_id: Uuid,
    pub structure_name: String,
    /// The day the figures are for, and the last day of the sessions listed.
    pub on: Date,
    pub sessions_until: Date,
    pub totals: DashboardTotals,
    pub actions: Vec<DashboardAction>,
    pub sessions: Vec<DashboardSession>,
}

impl Store {
    /// The dashboard of a structure on `today` (NotFound when there is no such structure).
    pub async fn structure_dashboard(
        &self,
        structure_id: Uuid,
        today: Date,
    ) -> Result<StructureDashboard> {
        let structure_name: String = read_planned_once!(self, pool => sqlx::query_scalar(
            "SELECT o.name FROM structures s JOIN organisations o ON o.id = s.id WHERE s.id = $1",
        ).bind(structure_id).fetch_one(pool).await)?;
        // Each count is a range of the index referrals (action_id, status, …).
        let sql = format!(
            "SELECT a.id, a.name, a.format, a.status, a.capacity, a.capacity_period, a.places_taken, a.margin_taken,
                    a.eligibility, a.starts_on, a.ends_on,
                    {WAITING_ON_ACTION} AS waiting,
                    (SELECT COUNT(*) FROM referrals r WHERE r.action_id = a.id AND r.status = 'sent') AS to_answer,
                    (SELECT COUNT(*) FROM referrals r WHERE r.action_id = a.id AND r.status = 'entered') AS participants
             FROM actions a
             WHERE a.structure_id = $1 AND a.status IN ('published', 'draft')
             ORDER BY a.name, a.id"
        );
        let rows = read_planned_once!(self, pool => sqlx::query_as::<_, ActionRow>(&sql)
            .bind(structure_id).fetch_all(pool).await)?;
        let actions: Vec<DashboardAction> = rows
            .into_iter()
            .map(|row| DashboardAction {
                margin_places: row.eligibility.0.margin_places,
                ..row.action
            })
            .collect();
        let until = today + Duration::days(UPCOMING_DAYS - 1);
        let sessions = read_planned_once!(self, pool => sqlx::query_as::<_, DashboardSession>(
            "SELECT s.id, s.action_id, a.name AS action_name, s.on_date, s.starts_at, s.ends_at, s.note, s.referral_id,
                    p.id AS person_id, p.first_names, p.last_name,
                    (SELECT COUNT(*) FROM attendances t WHERE t.session_id = s.id) AS marks
             FROM actions a
             JOIN action_sessions s ON s.action_id = a.id
             LEFT JOIN referrals r ON r.id = s.referral_id
             LEFT JOIN persons p ON p.id = r.person_id
             WHERE a.structure_id = $1 AND a.status IN ('published', 'draft')
               AND s.on_date >= $2 AND s.on_date <= $3 AND s.cancelled = FALSE
             ORDER BY s.on_date, s.starts_at, a.name, s.id
             LIMIT 500",
        ).bind(structure_id).bind(today).bind(until).fetch_all(pool).await)?;
        let mut totals = DashboardTotals {
            actions: actions.len() as i64,
            ..Default::default()
        };
        let mut taken_of_limited = 0;
        for a in &actions {
            if let Some(capacity) = a.capacity {
                totals.places += capacity;
                taken_of_limited += a.places_taken;
            }
            totals.places_taken += a.places_taken;
            totals.waiting += a.waiting;
            totals.to_answer += a.to_answer;
            totals.participants += a.participants;
        }
        totals.occupation_percent = (totals.places > 0)
            .then(|| occupation(taken_of_limited, Some(totals.places)))
            .flatten();
        Ok(StructureDashboard {
            structure_id,
            structure_name,
            on: today,
            sessions_until: until,
            totals,
            actions,
            sessions,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::occupation;

    #[test]
    fn occupation_rounds_down_and_needs_a_limit() {
        assert_eq!(occupation(3, Some(12)), Some(25));
        assert_eq!(occupation(2, Some(3)), Some(66));
        assert_eq!(occupation(12, Some(12)), Some(100));
        assert_eq!(occupation(0, Some(0)), Some(0));
        assert_eq!(occupation(5, None), None);
    }
}
