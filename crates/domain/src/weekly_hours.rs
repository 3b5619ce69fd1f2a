//! The weekly hours of a contrat d'engagement (« les 15 heures »): week by
//! week, the hours planned for the person (the sessions of the actions
//! they are in, or the action's declared weekly hours when it has no
//! session that week; their appointments) against the hours done (the
//! sessions attended, the appointments honoured). Several weeks in a row
//! below the contract's hours raise an alert, unless the contract exempts
//! the person (0 hour, for health, disability or childcare).

use crate::clock::monday_of;
use serde::Serialize;
use time::{Date, Duration};
use uuid::Uuid;

/// How many weeks the person's page and the API show.
pub const WEEKS_SHOWN: i64 = 8;

/// One week, Monday to Sunday, in minutes.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WeekHours {
    pub monday: Date,
    pub planned_minutes: i64,
    pub done_minutes: i64,
}

impl WeekHours {
    /// Below the contract's weekly hours.
    pub fn short_of(&self, contract_hours: i64) -> bool {
        self.done_minutes < contract_hours * 60
    }
}

/// A person's weeks under their contrat d'engagement in force.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeeklyHours {
    pub person_id: Uuid,
    pub contract_id: Uuid,
    /// The contract's weekly hours (0: exempted).
    pub contract_hours: i64,
    /// The last weeks, the oldest first; the current one last, not over.
    pub weeks: Vec<WeekHours>,
    /// Completed weeks in a row below the contract's hours, up to last week.
    pub weeks_short: usize,
    /// As many as the département's setting: the référent is alerted.
    pub alert: bool,
}

impl WeeklyHours {
    /// The last completed week (none when the contract started this week).
    pub fn last_week(&self) -> Option<&WeekHours> {
        self.weeks.iter().rev().nth(1)
    }
}

/// Something that takes time in a week: its day, its minutes, and whether
/// it was done (attended, honoured).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Activity {
    pub on: Date,
    pub minutes: i64,
    pub done: bool,
}

/// An action the person is in over [from, to] (to: still in), with its
/// declared weekly hours, counted as planned in the weeks without any of
/// its sessions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Participation {
    pub action: Uuid,
    pub from: Date,
    pub to: Option<Date>,
    pub weekly_hours: Option<f64>,
}

/// The weeks from the one of `first` to the one of `last`, each with its
/// hours: `sessions` are the person's sessions (with the action each
/// belongs to), `meetings` their appointments not cancelled, `other` the
/// minutes a week of the other activities written in the contract
/// (planned; what was done of them is not recorded).
pub fn weeks(
    first: Date,
    last: Date,
    sessions: &[(Uuid, Activity)],
    meetings: &[Activity],
    participations: &[Participation],
    other: i64,
) -> Vec<WeekHours> {
    let mut weeks = Vec::new();
    let mut monday = monday_of(first);
    while monday <= last {
        let sunday = monday + Duration::days(6);
        let within = |a: &Activity| a.on >= monday && a.on <= sunday;
        let mut week = WeekHours {
            monday,
            planned_minutes: other,
            done_minutes: 0,
        };
        for activity in sessions
            .iter()
            .map(|(_, a)| a)
            .chain(meetings)
            .filter(|a| within(a))
        {
            week.planned_minutes += activity.minutes;
            if activity.done {
                week.done_minutes += activity.minutes;
            }
        }
        for p in participations {
            let inside = p.from <= sunday && p.to.is_none_or(|to| to >= monday);
            let has_session = sessions
                .iter()
                .any(|(action, a)| *action == p.action && within(a));
            if inside && !has_session {
                week.planned_minutes += p.weekly_hours.map_or(0, |h| (h * 60.0).round() as i64);
            }
        }
        weeks.push(week);
        monday += Duration::days(7);
    }
    weeks
}

/// The completed weeks in a row, ending with the last one before `today`'s,
/// in which the hours done fell short of the contract's.
pub fn weeks_short(weeks: &[WeekHours], contract_hours: i64, today: Date) -> usize {
    let current = monday_of(today);
    weeks
        .iter()
        .rev()
        .filter(|w| w.monday < current)
        .take_while(|w| w.short_of(contract_hours))
        .count()
}

/// Whether the référent is alerted: `alert_weeks` completed weeks in a row
/// short of the contract's hours, unless the contract exempts the person.
pub fn alert(weeks: &[WeekHours], contract_hours: i64, today: Date, alert_weeks: i64) -> bool {
    contract_hours > 0 && weeks_short(weeks, contract_hours, today) as i64 >= alert_weeks
}

/// The minutes between a session's times (HH:MM), 0 when one is missing.
pub fn session_minutes(starts_at: Option<&str>, ends_at: Option<&str>) -> i64 {
    let minutes = |raw: Option<&str>| {
        let (h, m) = raw?.split_once(':')?;
        Some(h.trim().parse::<i64>().ok()? * 60 + m.trim().parse::<i64>().ok()?)
    };
    match (minutes(starts_at), minutes(ends_at)) {
        (Some(start), Some(end)) if end > start => end - start,
        _ => 0,
    }
}

/// « 12 h 30 », « 0 h ».
pub fn fr_hours(minutes: i64) -> String {
    match (minutes / 60, minutes % 60) {
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m:02}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    const WORKSHOP: Uuid = Uuid::from_u128(1);
    const HIKE: Uuid = Uuid::from_u128(2);

    fn at(on: Date, hours: i64, done: bool) -> Activity {
        Activity {
            on,
            minutes: hours * 60,
            done,
        }
    }

    #[test]
    fn a_week_sums_sessions_meetings_and_actions_without_sessions() {
        // Monday 30 November 2026 to Sunday 13 December: two weeks.
        let sessions = [
            (WORKSHOP, at(date!(2026 - 12 - 01), 3, true)),
            (WORKSHOP, at(date!(2026 - 12 - 03), 3, false)),
            (WORKSHOP, at(date!(2026 - 12 - 08), 3, true)),
        ];
        let meetings = [Activity {
            on: date!(2026 - 12 - 02),
            minutes: 45,
            done: true,
        }];
        let hike = Participation {
            action: HIKE,
            from: date!(2026 - 12 - 07),
            to: None,
            weekly_hours: Some(4.5),
        };
        let workshop = Participation {
            action: WORKSHOP,
            from: date!(2026 - 11 - 01),
            to: None,
            weekly_hours: Some(6.0),
        };
        let weeks = weeks(
            date!(2026 - 12 - 02),
            date!(2026 - 12 - 13),
            &sessions,
            &meetings,
            &[hike, workshop],
            0,
        );
        assert_eq!(weeks.len(), 2);
        assert_eq!(weeks[0].monday, date!(2026 - 11 - 30));
        // 3 + 3 h of sessions and 45 min of appointment; the hike starts the week after.
        assert_eq!(
            (weeks[0].planned_minutes, weeks[0].done_minutes),
            (6 * 60 + 45, 3 * 60 + 45)
        );
        // 3 h of workshop (its session stands for its weekly hours) and 4 h 30 of hike, declared.
        assert_eq!(
            (weeks[1].planned_minutes, weeks[1].done_minutes),
            (7 * 60 + 30, 3 * 60)
        );
        assert_eq!(fr_hours(weeks[1].planned_minutes), "7 h 30");
        // Five hours a week of other activities written in the contract: planned every week.
        let with_other = super::weeks(
            date!(2026 - 12 - 02),
            date!(2026 - 12 - 13),
            &sessions,
            &meetings,
            &[hike, workshop],
            300,
        );
        assert_eq!(with_other[1].planned_minutes, 7 * 60 + 30 + 300);
        assert_eq!(
            with_other[1].done_minutes,
            3 * 60,
            "what was done of them is not recorded"
        );
    }

    #[test]
    fn the_alert_counts_completed_weeks_in_a_row_and_spares_exemptions() {
        let week = |monday: Date, done_hours: i64| WeekHours {
            monday,
            planned_minutes: 15 * 60,
            done_minutes: done_hours * 60,
        };
        let weeks = [
            week(date!(2026 - 11 - 09), 15),
            week(date!(2026 - 11 - 16), 10),
            week(date!(2026 - 11 - 23), 12),
            week(date!(2026 - 11 - 30), 3),
            // The current week is not over: it does not count.
            week(date!(2026 - 12 - 07), 0),
        ];
        let today = date!(2026 - 12 - 09);
        assert_eq!(weeks_short(&weeks, 15, today), 3);
        assert!(alert(&weeks, 15, today, 3));
        assert!(!alert(&weeks, 15, today, 4));
        assert_eq!(
            weeks_short(&weeks, 10, today),
            1,
            "12 h done meets a 10-hour contract"
        );
        assert!(
            !alert(&weeks, 0, today, 1),
            "an exempted contract is never alerted"
        );
    }

    proptest! {
        #[test]
        fn done_never_exceeds_planned(hours in proptest::collection::vec((0i64..14, 0i64..6, any::<bool>()), 0..30)) {
            let first = date!(2026 - 11 - 30);
            let activities: Vec<(Uuid, Activity)> = hours
                .iter()
                .map(|(day, h, done)| (WORKSHOP, at(first + Duration::days(*day), *h, *done)))
                .collect();
            for week in weeks(first, first + Duration::days(13), &activities, &[], &[], 0) {
                prop_assert!(week.done_minutes <= week.planned_minutes);
            }
        }
    }
}
