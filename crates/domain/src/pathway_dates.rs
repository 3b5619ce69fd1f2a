//! The dates of a pathway tell one coherent story: a diagnostic revision
//! and a positioning carry the day they happened (today by default,
//! earlier to catch up paper files, never in the future); an entry on an
//! action comes on or after its positioning, an exit on or after the entry;
//! attendance is for a session that has started and for those who were on
//! the action that day; the situation 4 weeks after an exit is observed
//! between the exit and 4 weeks later, whenever it is typed.

use crate::clock;
use crate::clock::fr_date;
use crate::person::parse_date;
use crate::validation::Invalid;
use time::{Date, Duration, OffsetDateTime, Time};

/// How long after an exit its situation is observed (an FSE+ result indicator).
pub const FOLLOW_UP: Duration = Duration::weeks(4);

/// The day something happened, as typed: today when left empty, never
/// after today.
pub fn past_date(field: &str, label: &str, raw: &str, today: Date) -> Result<Date, Invalid> {
    if raw.trim().is_empty() {
        return Ok(today);
    }
    let Some(date) = parse_date(raw) else {
        return Err(Invalid::field(
            field,
            format!("Le champ « {label} » n'est pas une date valide (JJ/MM/AAAA)."),
        ));
    };
    if date > today {
        return Err(Invalid::field(
            field,
            format!(
                "Le champ « {label} » ne peut pas être dans le futur (aujourd'hui : {}).",
                fr_date(today)
            ),
        ));
    }
    Ok(date)
}

/// The date of a diagnostic revision: not in the future, and not before
/// the revision it follows (`previous`), so revisions read in order.
pub fn revision_date(raw: &str, today: Date, previous: Option<Date>) -> Result<Date, Invalid> {
    let date = past_date("revised_on", "Date du diagnostic", raw, today)?;
    check_revision_date(date, previous)?;
    Ok(date)
}

/// A revision's date against the previous revision's.
pub fn check_revision_date(date: Date, previous: Option<Date>) -> Result<(), Invalid> {
    match previous {
        Some(previous) if date < previous => Err(Invalid::field(
            "revised_on",
            format!(
                "La date du diagnostic ne peut pas précéder celle de la révision précédente ({}).",
                fr_date(previous)
            ),
        )),
        _ => Ok(()),
    }
}

/// The date of a positioning: today when empty, never in the future.
pub fn positioning_date(raw: &str, today: Date) -> Result<Date, Invalid> {
    past_date("positioned_on", "Date du positionnement", raw, today)
}

/// An entry on an action comes on or after the positioning.
pub fn check_entry(positioned_on: Date, entered_on: Date) -> Result<(), Invalid> {
    if entered_on < positioned_on {
        return Err(Invalid::field(
            "entered_on",
            format!(
                "La date d'entrée ne peut pas précéder le positionnement ({}).",
                fr_date(positioned_on)
            ),
        ));
    }
    Ok(())
}

/// An exit comes on or after the entry, and not after today.
pub fn check_exit(entered_on: Date, exited_on: Date, today: Date) -> Result<(), Invalid> {
    if exited_on < entered_on {
        return Err(Invalid::field(
            "exited_on",
            format!(
                "La date de sortie ne peut pas précéder l'entrée ({}).",
                fr_date(entered_on)
            ),
        ));
    }
    if exited_on > today {
        return Err(Invalid::field(
            "exited_on",
            "La date de sortie ne peut pas être dans le futur.",
        ));
    }
    Ok(())
}

/// An exit may not come before a session the person was marked at.
pub fn check_exit_after_attendance(
    exited_on: Date,
    last_marked: Option<Date>,
) -> Result<(), Invalid> {
    match last_marked {
        Some(last) if last > exited_on => Err(Invalid::field(
            "exited_on",
            format!(
                "Une présence est enregistrée le {} : la sortie ne peut pas la précéder.",
                fr_date(last)
            ),
        )),
        _ => Ok(()),
    }
}

/// The days within which the situation after an exit is observed: from the
/// exit to 4 weeks after it.
pub fn follow_up_window(exited_on: Date) -> (Date, Date) {
    (exited_on, exited_on + FOLLOW_UP)
}

/// The day the situation after an exit was observed, as typed (today when
/// empty): within the window after the exit and not in the future. It may
/// be typed any time later.
pub fn observation_date(raw: &str, exited_on: Date, today: Date) -> Result<Date, Invalid> {
    let date = past_date(
        OBSERVED_ON,
        "Date d'observation de la situation",
        raw,
        today,
    )?;
    check_observation(date, exited_on, today)?;
    Ok(date)
}

const OBSERVED_ON: &str = "situation_4_weeks_on";

/// An observation's date against the exit's window and today.
pub fn check_observation(date: Date, exited_on: Date, today: Date) -> Result<(), Invalid> {
    if date > today {
        return Err(Invalid::field(
            OBSERVED_ON,
            "La date d'observation de la situation ne peut pas être dans le futur.",
        ));
    }
    let (from, to) = follow_up_window(exited_on);
    if date < from || date > to {
        return Err(Invalid::field(
            OBSERVED_ON,
            format!(
                "La situation à 4 semaines s'observe entre la sortie et 4 semaines après : entre le {} et le {}.",
                fr_date(from),
                fr_date(to)
            ),
        ));
    }
    Ok(())
}

/// The day's date to offer in the form of an observation: today, or the
/// window's last day when it is over.
pub fn default_observation_date(exited_on: Date, today: Date) -> Date {
    today.min(follow_up_window(exited_on).1)
}

/// When a session starts: its date and time in Paris (the start of the
/// day when it has no time).
pub fn session_start(on_date: Date, starts_at: Option<Time>) -> OffsetDateTime {
    clock::paris_instant(on_date, starts_at.unwrap_or(Time::MIDNIGHT))
}

/// Attendance is recorded once the session has started.
pub fn check_session_started(
    on_date: Date,
    starts_at: Option<Time>,
    now: OffsetDateTime,
) -> Result<(), Invalid> {
    if session_start(on_date, starts_at) > now {
        let at = starts_at
            .map(|t| format!(" à {}", crate::schedule::fr_time(t)))
            .unwrap_or_default();
        return Err(Invalid::field(
            "attendance",
            format!(
                "La séance du {}{at} n'a pas encore commencé : les présences se saisissent une fois la séance commencée.",
                fr_date(on_date)
            ),
        ));
    }
    Ok(())
}

/// Whether someone positioned on an action is on it on `day`: entered by
/// then and not gone before.
pub fn on_action(entered_on: Option<Date>, exited_on: Option<Date>, day: Date) -> bool {
    entered_on.is_some_and(|entered| entered <= day) && exited_on.is_none_or(|exited| exited >= day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::{date, datetime, time};

    const TODAY: Date = date!(2026 - 12 - 05);

    #[test]
    fn a_diagnostic_is_dated_today_or_earlier() {
        assert_eq!(revision_date("", TODAY, None), Ok(TODAY));
        assert_eq!(
            revision_date("2026-02-10", TODAY, None),
            Ok(date!(2026 - 02 - 10))
        );
        assert_eq!(
            revision_date("10/02/2026", TODAY, None),
            Ok(date!(2026 - 02 - 10))
        );
        let future = revision_date("2026-12-06", TODAY, None).unwrap_err();
        assert!(future.message_for("revised_on").unwrap().contains("futur"));
        assert!(revision_date("31/02/2026", TODAY, None)
            .unwrap_err()
            .message_for("revised_on")
            .is_some());
        let before = revision_date("2026-02-09", TODAY, Some(date!(2026 - 02 - 10))).unwrap_err();
        assert!(before
            .message_for("revised_on")
            .unwrap()
            .contains("10/02/2026"));
        assert!(revision_date("2026-02-10", TODAY, Some(date!(2026 - 02 - 10))).is_ok());
    }

    #[test]
    fn a_positioning_is_dated_today_or_earlier() {
        assert_eq!(positioning_date(" ", TODAY), Ok(TODAY));
        assert_eq!(
            positioning_date("2026-02-03", TODAY),
            Ok(date!(2026 - 02 - 03))
        );
        assert!(positioning_date("2027-01-01", TODAY)
            .unwrap_err()
            .message_for("positioned_on")
            .is_some());
    }

    #[test]
    fn entry_follows_positioning_and_exit_follows_entry() {
        let positioned = date!(2026 - 02 - 03);
        assert!(check_entry(positioned, positioned).is_ok());
        let early = check_entry(positioned, date!(2026 - 02 - 02)).unwrap_err();
        assert!(early
            .message_for("entered_on")
            .unwrap()
            .contains("03/02/2026"));
        let entered = date!(2026 - 02 - 10);
        assert!(check_exit(entered, entered, TODAY).is_ok());
        assert!(check_exit(entered, date!(2026 - 02 - 09), TODAY)
            .unwrap_err()
            .message_for("exited_on")
            .is_some());
        assert!(check_exit(entered, date!(2026 - 12 - 06), TODAY).is_err());
        assert!(check_exit_after_attendance(entered, Some(date!(2026 - 02 - 11))).is_err());
        assert!(check_exit_after_attendance(entered, Some(entered)).is_ok());
        assert!(check_exit_after_attendance(entered, None).is_ok());
    }

    #[test]
    fn the_situation_is_observed_within_4_weeks_of_the_exit() {
        let exit = date!(2026 - 10 - 01);
        assert_eq!(follow_up_window(exit).1, date!(2026 - 10 - 29));
        assert_eq!(
            observation_date("2026-10-29", exit, TODAY),
            Ok(date!(2026 - 10 - 29))
        );
        assert_eq!(observation_date("2026-10-01", exit, TODAY), Ok(exit));
        for outside in ["2026-09-30", "2026-10-30", ""] {
            let err = observation_date(outside, exit, TODAY).unwrap_err();
            assert!(
                err.message_for("situation_4_weeks_on")
                    .unwrap()
                    .contains("29/10/2026"),
                "{outside}: {err:?}"
            );
        }
        // The day after a recent exit: the window is open but not over.
        let recent = date!(2026 - 12 - 04);
        assert_eq!(observation_date("", recent, TODAY), Ok(TODAY));
        assert!(observation_date("2026-12-20", recent, TODAY).is_err());
        assert_eq!(default_observation_date(recent, TODAY), TODAY);
        assert_eq!(default_observation_date(exit, TODAY), date!(2026 - 10 - 29));
    }

    #[test]
    fn attendance_waits_for_the_session_to_start() {
        let day = date!(2026 - 12 - 08);
        let at = Some(time!(14:00));
        // 14:00 in Paris in December is 13:00 UTC.
        assert!(check_session_started(day, at, datetime!(2026-12-08 12:59 UTC)).is_err());
        assert!(check_session_started(day, at, datetime!(2026-12-08 13:00 UTC)).is_ok());
        assert!(check_session_started(day, None, datetime!(2026-12-07 23:00 UTC)).is_ok());
        let err = check_session_started(day, at, datetime!(2026-12-05 09:00 UTC)).unwrap_err();
        assert!(err
            .message_for("attendance")
            .unwrap()
            .contains("08/12/2026 à 14 h"));
    }

    #[test]
    fn who_is_on_an_action_that_day() {
        let (entered, exited) = (date!(2026 - 03 - 02), date!(2026 - 03 - 20));
        assert!(!on_action(None, None, entered));
        assert!(!on_action(Some(entered), None, date!(2026 - 03 - 01)));
        assert!(on_action(Some(entered), None, entered));
        assert!(on_action(Some(entered), Some(exited), exited));
        assert!(!on_action(
            Some(entered),
            Some(exited),
            date!(2026 - 03 - 21)
        ));
    }

    proptest! {
        #[test]
        fn an_accepted_observation_lies_in_the_window(exit_days in 0i64..400, typed_days in -30i64..60) {
            let exit = TODAY - Duration::days(exit_days);
            let typed = exit + Duration::days(typed_days);
            let raw = typed.to_string();
            if let Ok(date) = observation_date(&raw, exit, TODAY) {
                prop_assert!(date >= exit && date <= exit + FOLLOW_UP && date <= TODAY);
            } else {
                prop_assert!(typed < exit || typed > exit + FOLLOW_UP || typed > TODAY);
            }
        }
    }
}
