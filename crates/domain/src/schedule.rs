//! When an action meets: a recurrence (weekly, fortnightly, monthly, or on
//! appointment) and a time of day. Sessions are generated from it; the
//! public page says it in French; data·inclusion gets it in the
//! OpenStreetMap opening-hours syntax.

use crate::person::{codes, optional};
use crate::validation::Invalid;
use serde::{Deserialize, Serialize};
use time::{Date, Duration, Time, Weekday};

codes!(
    Frequency {
        Weekly = "weekly", "Chaque semaine";
        Fortnightly = "fortnightly", "Toutes les deux semaines";
        Monthly = "monthly", "Une fois par mois";
        Appointment = "appointment", "Sur rendez-vous";
    }
);

/// Days as OpenStreetMap writes them, Monday first.
pub const WEEKDAYS: [(&str, &str, Weekday); 7] = [
    ("Mo", "lundi", Weekday::Monday),
    ("Tu", "mardi", Weekday::Tuesday),
    ("We", "mercredi", Weekday::Wednesday),
    ("Th", "jeudi", Weekday::Thursday),
    ("Fr", "vendredi", Weekday::Friday),
    ("Sa", "samedi", Weekday::Saturday),
    ("Su", "dimanche", Weekday::Sunday),
];

/// The schedule as typed in a form or sent to the API.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct ScheduleInput {
    /// weekly, fortnightly, monthly, appointment
    #[serde(default)]
    pub frequency: String,
    /// Mo, Tu, We, Th, Fr, Sa, Su (one for a monthly schedule).
    #[serde(default)]
    pub weekdays: Vec<String>,
    /// Monthly: 1 to 4, or 5 for the last week of the month.
    #[serde(default)]
    pub week_of_month: String,
    /// HH:MM
    #[serde(default)]
    pub starts_at: String,
    #[serde(default)]
    pub ends_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    pub frequency: Frequency,
    pub weekdays: Vec<Weekday>,
    pub week_of_month: Option<u8>,
    pub starts_at: Option<Time>,
    pub ends_at: Option<Time>,
}

impl Schedule {
    pub fn appointment() -> Schedule {
        Schedule {
            frequency: Frequency::Appointment,
            weekdays: Vec::new(),
            week_of_month: None,
            starts_at: None,
            ends_at: None,
        }
    }

    pub fn parse(input: &ScheduleInput, invalid: &mut Invalid) -> Schedule {
        let Some(frequency) = Frequency::from_code(input.frequency.trim()) else {
            invalid.add("schedule_frequency", "Choisissez la fréquence des séances.");
            return Schedule::appointment();
        };
        if frequency == Frequency::Appointment {
            return Schedule::appointment();
        }
        let mut weekdays = Vec::new();
        for code in &input.weekdays {
            match WEEKDAYS.iter().find(|(c, _, _)| *c == code.trim()) {
                Some((_, _, day)) if !weekdays.contains(day) => weekdays.push(*day),
                Some(_) => {}
                None => invalid.add("schedule_weekdays", format!("Jour inconnu : « {code} ».")),
            }
        }
        weekdays.sort_by_key(|d| d.number_from_monday());
        let mut week_of_month = None;
        if weekdays.is_empty() {
            invalid.add("schedule_weekdays", "Choisissez le jour des séances.");
        }
        if frequency == Frequency::Monthly {
            if weekdays.len() > 1 {
                invalid.add(
                    "schedule_weekdays",
                    "Une séance mensuelle a lieu un seul jour de la semaine.",
                );
            }
            week_of_month = input.week_of_month.trim().parse::<u8>().ok();
            if !week_of_month.is_some_and(|w| (1..=5).contains(&w)) {
                invalid.add(
                    "schedule_week_of_month",
                    "Choisissez la semaine du mois (1re à 4e, ou dernière).",
                );
            }
        }
        let starts_at = parse_time(
            invalid,
            "schedule_starts_at",
            "Heure de début",
            &input.starts_at,
        );
        let ends_at = parse_time(invalid, "schedule_ends_at", "Heure de fin", &input.ends_at);
        if let (Some(start), Some(end)) = (starts_at, ends_at) {
            if end <= start {
                invalid.add(
                    "schedule_ends_at",
                    "L'heure de fin doit suivre l'heure de début.",
                );
            }
        }
        Schedule {
            frequency,
            weekdays,
            week_of_month,
            starts_at,
            ends_at,
        }
    }

    pub fn to_input(&self) -> ScheduleInput {
        ScheduleInput {
            frequency: self.frequency.code().to_owned(),
            weekdays: self
                .weekdays
                .iter()
                .map(|d| day_code(*d).to_owned())
                .collect(),
            week_of_month: self
                .week_of_month
                .map(|w| w.to_string())
                .unwrap_or_default(),
            starts_at: self.starts_at.map(hhmm).unwrap_or_default(),
            ends_at: self.ends_at.map(hhmm).unwrap_or_default(),
        }
    }

    /// Session dates from `from` to `to` included. A fortnightly schedule
    /// counts its weeks from `anchor` (the action's first day).
    pub fn occurrences(&self, anchor: Date, from: Date, to: Date) -> Vec<Date> {
        let mut dates = Vec::new();
        let mut day = from;
        while day <= to {
            if self.falls_on(anchor, day) {
                dates.push(day);
            }
            day += Duration::days(1);
        }
        dates
    }

    fn falls_on(&self, anchor: Date, day: Date) -> bool {
        if !self.weekdays.contains(&day.weekday()) {
            return false;
        }
        match self.frequency {
            Frequency::Weekly => true,
            Frequency::Fortnightly => {
                let anchor_monday =
                    anchor - Duration::days(i64::from(anchor.weekday().number_days_from_monday()));
                ((day - anchor_monday).whole_days().div_euclid(7)) % 2 == 0
            }
            Frequency::Monthly => match self.week_of_month {
                Some(5) => (day + Duration::days(7)).month() != day.month(),
                Some(n) => (day.day() - 1) / 7 + 1 == n,
                None => false,
            },
            Frequency::Appointment => false,
        }
    }

    /// "Chaque mardi, de 14 h à 17 h", "Le 2e jeudi du mois, de 9 h à 17 h".
    pub fn describe(&self) -> String {
        let days: Vec<&str> = self.weekdays.iter().map(|d| day_name(*d)).collect();
        let days = join_fr(&days);
        let when = match self.frequency {
            Frequency::Appointment => return "Sur rendez-vous".to_owned(),
            Frequency::Weekly => format!("Chaque {days}"),
            Frequency::Fortnightly => format!("Un {days} sur deux"),
            Frequency::Monthly => match self.week_of_month {
                Some(5) => format!("Le dernier {days} du mois"),
                Some(1) => format!("Le 1er {days} du mois"),
                Some(n) => format!("Le {n}e {days} du mois"),
                None => format!("Un {days} par mois"),
            },
        };
        match (self.starts_at, self.ends_at) {
            (Some(start), Some(end)) => format!("{when}, de {} à {}", fr_time(start), fr_time(end)),
            _ => when,
        }
    }

    /// The OpenStreetMap `opening_hours` form data·inclusion expects, when
    /// the schedule has one ("Tu 14:00-17:00", "Th[2] 09:00-17:00").
    pub fn opening_hours(&self, anchor: Date) -> Option<String> {
        let (start, end) = (self.starts_at?, self.ends_at?);
        let days: Vec<&str> = self.weekdays.iter().map(|d| day_code(*d)).collect();
        let days = days.join(",");
        let hours = format!("{}-{}", hhmm(start), hhmm(end));
        match self.frequency {
            Frequency::Appointment => None,
            Frequency::Weekly => Some(format!("{days} {hours}")),
            Frequency::Fortnightly => {
                let parity = if anchor.iso_week() % 2 == 1 {
                    "01-53/2"
                } else {
                    "02-52/2"
                };
                Some(format!("week {parity} {days} {hours}"))
            }
            Frequency::Monthly => {
                let nth = match self.week_of_month? {
                    5 => "-1".to_owned(),
                    n => n.to_string(),
                };
                Some(format!("{days}[{nth}] {hours}"))
            }
        }
    }
}

pub(crate) fn parse_time(
    invalid: &mut Invalid,
    field: &str,
    label: &str,
    raw: &str,
) -> Option<Time> {
    let raw = optional(raw)?;
    let parsed = raw.replace('h', ":").split_once(':').and_then(|(h, m)| {
        let m = if m.is_empty() { "0" } else { m };
        Time::from_hms(h.trim().parse().ok()?, m.trim().parse().ok()?, 0).ok()
    });
    if parsed.is_none() {
        invalid.add(
            field,
            format!("Le champ « {label} » n'est pas une heure valide (HH:MM)."),
        );
    }
    parsed
}

pub fn hhmm(time: Time) -> String {
    format!("{:02}:{:02}", time.hour(), time.minute())
}

/// "14 h", "9 h 30".
pub fn fr_time(time: Time) -> String {
    match time.minute() {
        0 => format!("{} h", time.hour()),
        m => format!("{} h {m:02}", time.hour()),
    }
}

fn day_code(day: Weekday) -> &'static str {
    WEEKDAYS
        .iter()
        .find(|(_, _, d)| *d == day)
        .map_or("", |(c, _, _)| c)
}

pub fn day_name(day: Weekday) -> &'static str {
    WEEKDAYS
        .iter()
        .find(|(_, _, d)| *d == day)
        .map_or("", |(_, n, _)| n)
}

fn join_fr(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} et {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::{date, time};

    fn input(frequency: &str, days: &[&str], week: &str) -> ScheduleInput {
        ScheduleInput {
            frequency: frequency.into(),
            weekdays: days.iter().map(|d| d.to_string()).collect(),
            week_of_month: week.into(),
            starts_at: "14:00".into(),
            ends_at: "17h".into(),
        }
    }

    fn parse(input: &ScheduleInput) -> Result<Schedule, Invalid> {
        let mut invalid = Invalid::new();
        let schedule = Schedule::parse(input, &mut invalid);
        invalid.into_result(schedule)
    }

    #[test]
    fn weekly_half_day() {
        let s = parse(&input("weekly", &["Tu"], "")).unwrap();
        assert_eq!(s.describe(), "Chaque mardi, de 14 h à 17 h");
        assert_eq!(
            s.opening_hours(date!(2026 - 01 - 05)).unwrap(),
            "Tu 14:00-17:00"
        );
        let dates = s.occurrences(
            date!(2026 - 01 - 01),
            date!(2026 - 01 - 01),
            date!(2026 - 01 - 31),
        );
        assert_eq!(
            dates,
            vec![
                date!(2026 - 01 - 06),
                date!(2026 - 01 - 13),
                date!(2026 - 01 - 20),
                date!(2026 - 01 - 27)
            ]
        );
    }

    #[test]
    fn monthly_outing_on_the_second_thursday_and_the_last_friday() {
        let s = parse(&input("monthly", &["Th"], "2")).unwrap();
        assert_eq!(s.describe(), "Le 2e jeudi du mois, de 14 h à 17 h");
        assert_eq!(
            s.opening_hours(date!(2026 - 01 - 01)).unwrap(),
            "Th[2] 14:00-17:00"
        );
        let dates = s.occurrences(
            date!(2026 - 01 - 01),
            date!(2026 - 01 - 01),
            date!(2026 - 03 - 31),
        );
        assert_eq!(
            dates,
            vec![
                date!(2026 - 01 - 08),
                date!(2026 - 02 - 12),
                date!(2026 - 03 - 12)
            ]
        );
        let last = parse(&input("monthly", &["Fr"], "5")).unwrap();
        let dates = last.occurrences(
            date!(2026 - 01 - 01),
            date!(2026 - 01 - 01),
            date!(2026 - 02 - 28),
        );
        assert_eq!(dates, vec![date!(2026 - 01 - 30), date!(2026 - 02 - 27)]);
        assert_eq!(
            last.opening_hours(date!(2026 - 01 - 01)).unwrap(),
            "Fr[-1] 14:00-17:00"
        );
    }

    #[test]
    fn fortnightly_counts_from_the_first_week() {
        let s = parse(&input("fortnightly", &["Mo", "Th"], "")).unwrap();
        assert_eq!(s.describe(), "Un lundi et jeudi sur deux, de 14 h à 17 h");
        let dates = s.occurrences(
            date!(2026 - 01 - 07),
            date!(2026 - 01 - 07),
            date!(2026 - 01 - 31),
        );
        assert_eq!(
            dates,
            vec![
                date!(2026 - 01 - 08),
                date!(2026 - 01 - 19),
                date!(2026 - 01 - 22)
            ]
        );
    }

    #[test]
    fn bad_schedules_name_their_field() {
        let err = parse(&ScheduleInput {
            starts_at: "17:00".into(),
            ends_at: "9:00".into(),
            ..input("monthly", &["Mo", "Tu", "Xx"], "9")
        })
        .unwrap_err();
        for field in [
            "schedule_weekdays",
            "schedule_week_of_month",
            "schedule_ends_at",
        ] {
            assert!(err.message_for(field).is_some(), "{field}: {err}");
        }
        assert!(parse(&input("", &[], ""))
            .unwrap_err()
            .message_for("schedule_frequency")
            .is_some());
        assert!(parse(&ScheduleInput {
            starts_at: "25:00".into(),
            ..input("weekly", &["Mo"], "")
        })
        .unwrap_err()
        .message_for("schedule_starts_at")
        .is_some());
        let appointment = parse(&input("appointment", &[], "")).unwrap();
        assert_eq!(appointment.describe(), "Sur rendez-vous");
        assert!(appointment
            .occurrences(
                date!(2026 - 01 - 01),
                date!(2026 - 01 - 01),
                date!(2026 - 12 - 31)
            )
            .is_empty());
    }

    #[test]
    fn round_trips_through_its_input() {
        let s = parse(&input("monthly", &["We"], "5")).unwrap();
        assert_eq!(parse(&s.to_input()).unwrap(), s);
        assert_eq!(s.starts_at, Some(time!(14:00)));
    }

    proptest! {
        /// Every generated date is one of the schedule's days, within the
        /// range, and a weekly schedule meets exactly once a week per day.
        #[test]
        fn occurrences_keep_to_the_schedule(offset in 0i64..3000, span in 0i64..400, day in 0usize..7, week in 1u8..=5) {
            let from = date!(2020 - 01 - 01) + Duration::days(offset);
            let to = from + Duration::days(span);
            let code = WEEKDAYS[day].0;
            let weekly = parse(&input("weekly", &[code], "")).unwrap();
            let dates = weekly.occurrences(from, from, to);
            prop_assert!(dates.iter().all(|d| *d >= from && *d <= to && d.weekday() == WEEKDAYS[day].2));
            prop_assert!(dates.windows(2).all(|w| (w[1] - w[0]).whole_days() == 7));
            prop_assert!(((span + 1) / 7..=(span + 1) / 7 + 1).contains(&(dates.len() as i64)));
            let monthly = parse(&input("monthly", &[code], &week.to_string())).unwrap();
            let dates = monthly.occurrences(from, from, to);
            prop_assert!(dates.windows(2).all(|w| w[0].month() != w[1].month()));
            let fortnightly = parse(&input("fortnightly", &[code], "")).unwrap();
            let dates = fortnightly.occurrences(from, from, to);
            prop_assert!(dates.windows(2).all(|w| (w[1] - w[0]).whole_days() == 14));
        }
    }
}
