//! The one clock. The département lives in Europe/Paris: "today" (a
//! deadline's day, a contract's start, a date that may not be in the future)
//! is the date there, whatever the server's own zone, and an instant is
//! shown in Paris time. Instants are stored in UTC.

use std::sync::LazyLock;
use time::{Date, OffsetDateTime, Time, UtcOffset};

/// Europe/Paris, from the time zone database bundled in the binary (the
/// same rules on every machine, whatever its system files).
static PARIS: LazyLock<jiff::tz::TimeZone> = LazyLock::new(|| {
    jiff::tz::TimeZone::get("Europe/Paris").expect("Europe/Paris is in the bundled database")
});

/// A day as the French read it: 08/12/2026. The one formatter of dates:
/// the domain's messages and the pages (`web::view`) use it.
pub fn fr_date(date: Date) -> String {
    format!(
        "{:02}/{:02}/{}",
        date.day(),
        u8::from(date.month()),
        date.year()
    )
}

/// A month's name as the French write it in a date: « mars ».
pub fn fr_month(month: time::Month) -> &'static str {
    use time::Month::*;
    match month {
        January => "janvier",
        February => "février",
        March => "mars",
        April => "avril",
        May => "mai",
        June => "juin",
        July => "juillet",
        August => "août",
        September => "septembre",
        October => "octobre",
        November => "novembre",
        December => "décembre",
    }
}

/// A day written out: « mardi 3 mars 2026 ».
pub fn fr_long_date(date: Date) -> String {
    use time::Weekday::*;
    let weekday = match date.weekday() {
        Monday => "lundi",
        Tuesday => "mardi",
        Wednesday => "mercredi",
        Thursday => "jeudi",
        Friday => "vendredi",
        Saturday => "samedi",
        Sunday => "dimanche",
    };
    format!(
        "{weekday} {} {} {}",
        date.day(),
        fr_month(date.month()),
        date.year()
    )
}

/// A month typed as `AAAA-MM` (2026-03): its first and last days.
pub fn parse_month(raw: &str) -> Option<(Date, Date)> {
    let (year, month) = raw.trim().split_once('-')?;
    let month = time::Month::try_from(month.parse::<u8>().ok()?).ok()?;
    let first = Date::from_calendar_date(year.parse().ok()?, month, 1).ok()?;
    let last = Date::from_calendar_date(first.year(), month, month.length(first.year())).ok()?;
    Some((first, last))
}

/// The month of a day as the month field writes it: `2026-03`.
pub fn month_code(day: Date) -> String {
    format!("{}-{:02}", day.year(), u8::from(day.month()))
}

/// A week typed as the week field writes it, `AAAA-Www` (2026-W50), or
/// any day of it (AAAA-MM-JJ, JJ/MM/AAAA): its Monday.
pub fn parse_week(raw: &str) -> Option<Date> {
    let raw = raw.trim();
    if let Some((year, week)) = raw.split_once("-W") {
        let week = week.parse::<u8>().ok()?;
        return Date::from_iso_week_date(year.parse().ok()?, week, time::Weekday::Monday).ok();
    }
    crate::person::parse_date(raw).map(monday_of)
}

/// The Monday of the week of `day`.
pub fn monday_of(day: Date) -> Date {
    day - time::Duration::days(i64::from(day.weekday().number_days_from_monday()))
}

/// The week of a day as the week field writes it: `2026-W50`.
pub fn week_code(day: Date) -> String {
    let (year, week, _) = day.to_iso_week_date();
    format!("{year}-W{week:02}")
}

/// A number of days, the noun agreeing: "1 jour", "3 jours".
pub fn fr_days(days: i64) -> String {
    fr_count(days, "jour", "jours")
}

/// A count and what it counts, agreeing as French does (0 and 1 take the
/// singular): `fr_count(2, "orientation validée", "orientations validées")`.
pub fn fr_count(count: impl TryInto<i64>, one: &str, many: &str) -> String {
    let count: i64 = count.try_into().unwrap_or(i64::MAX);
    let words = if count.abs() <= 1 { one } else { many };
    format!("{count} {words}")
}

/// The present instant.
pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// Today's date in Paris.
pub fn today() -> Date {
    date_in_paris(now())
}

/// Paris's offset from UTC at an instant (+01:00 in winter, +02:00 in summer).
pub fn paris_offset(at: OffsetDateTime) -> UtcOffset {
    let timestamp =
        jiff::Timestamp::from_second(at.unix_timestamp()).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let seconds = PARIS.to_offset(timestamp).seconds();
    UtcOffset::from_whole_seconds(seconds).unwrap_or(UtcOffset::UTC)
}

/// The instant as the clocks of Paris show it.
pub fn in_paris(at: OffsetDateTime) -> OffsetDateTime {
    at.to_offset(paris_offset(at))
}

/// The date in Paris at an instant.
pub fn date_in_paris(at: OffsetDateTime) -> Date {
    in_paris(at).date()
}

/// The instant when the clocks of Paris show this date and time. A time
/// skipped when summer time starts is read as the hour after it.
pub fn paris_instant(date: Date, time: Time) -> OffsetDateTime {
    let civil = jiff::civil::DateTime::new(
        i16::try_from(date.year()).unwrap_or(i16::MAX),
        i8::try_from(u8::from(date.month())).unwrap_or(1),
        i8::try_from(date.day()).unwrap_or(1),
        i8::try_from(time.hour()).unwrap_or(0),
        i8::try_from(time.minute()).unwrap_or(0),
        i8::try_from(time.second()).unwrap_or(0),
        0,
    );
    let seconds = civil
        .and_then(|c| PARIS.to_timestamp(c))
        .map_or(0, |t| t.as_second());
    OffsetDateTime::from_unix_timestamp(seconds).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    #[test]
    fn a_week_reads_as_its_monday_whichever_way_it_is_typed() {
        use time::macros::date;
        let monday = date!(2026 - 12 - 07);
        assert_eq!(parse_week("2026-W50"), Some(monday));
        assert_eq!(parse_week("2026-12-10"), Some(monday));
        assert_eq!(parse_week("13/12/2026"), Some(monday));
        assert_eq!(week_code(date!(2026 - 12 - 13)), "2026-W50");
        // The ISO week of 1 January 2027 is the 53rd of 2026.
        assert_eq!(week_code(date!(2027 - 01 - 01)), "2026-W53");
        assert_eq!(parse_week("2026-W53"), Some(date!(2026 - 12 - 28)));
        for wrong in ["", "2026-W54", "semaine", "2026-W"] {
            assert_eq!(parse_week(wrong), None, "{wrong}");
        }
    }

    #[test]
    fn a_month_reads_as_its_first_and_last_days() {
        use time::macros::date;
        assert_eq!(
            parse_month("2028-02"),
            Some((date!(2028 - 02 - 01), date!(2028 - 02 - 29)))
        );
        assert_eq!(
            parse_month(" 2026-12 "),
            Some((date!(2026 - 12 - 01), date!(2026 - 12 - 31)))
        );
        for wrong in ["", "2026", "2026-13", "mars", "2026-00"] {
            assert_eq!(parse_month(wrong), None, "{wrong}");
        }
        assert_eq!(month_code(date!(2026 - 03 - 15)), "2026-03");
    }

    #[test]
    fn counts_agree_as_french_does() {
        assert_eq!(fr_days(1), "1 jour");
        assert_eq!(fr_days(0), "0 jour");
        assert_eq!(fr_days(2), "2 jours");
        assert_eq!(
            fr_count(3usize, "orientation validée", "orientations validées"),
            "3 orientations validées"
        );
        assert_eq!(
            fr_count(1u32, "personne suivie", "personnes suivies"),
            "1 personne suivie"
        );
    }

    #[test]
    fn the_date_is_the_date_in_paris() {
        // Late evening in UTC is already tomorrow in Paris, winter and summer.
        assert_eq!(
            date_in_paris(datetime!(2026-01-15 23:30 UTC)),
            time::macros::date!(2026 - 01 - 16)
        );
        assert_eq!(
            date_in_paris(datetime!(2026-07-15 22:30 UTC)),
            time::macros::date!(2026 - 07 - 16)
        );
        assert_eq!(
            date_in_paris(datetime!(2026-07-15 21:30 UTC)),
            time::macros::date!(2026 - 07 - 15)
        );
    }

    #[test]
    fn the_offset_follows_summer_time() {
        assert_eq!(
            paris_offset(datetime!(2026-01-15 12:00 UTC)).whole_hours(),
            1
        );
        assert_eq!(
            paris_offset(datetime!(2026-07-15 12:00 UTC)).whole_hours(),
            2
        );
        // 29 March 2026, 01:00 UTC: the clocks go from 2 h to 3 h.
        assert_eq!(
            paris_offset(datetime!(2026-03-29 00:59 UTC)).whole_hours(),
            1
        );
        assert_eq!(
            paris_offset(datetime!(2026-03-29 01:00 UTC)).whole_hours(),
            2
        );
    }

    #[test]
    fn a_paris_time_is_an_instant() {
        use time::macros::{date, time};
        assert_eq!(
            paris_instant(date!(2026 - 12 - 08), time!(14:00)),
            datetime!(2026-12-08 13:00 UTC)
        );
        assert_eq!(
            paris_instant(date!(2026 - 07 - 15), time!(00:30)),
            datetime!(2026-07-14 22:30 UTC)
        );
        // 02:30 does not exist on 29 March 2026: read as 03:30 summer time.
        assert_eq!(
            paris_instant(date!(2026 - 03 - 29), time!(02:30)),
            datetime!(2026-03-29 01:30 UTC)
        );
    }

    proptest! {
        #[test]
        fn paris_is_one_or_two_hours_ahead_of_utc(seconds in 315_532_800i64..4_102_444_800) {
            // From 1980 (when today's summer time rules apply) to 2100.
            let at = OffsetDateTime::from_unix_timestamp(seconds).unwrap();
            let seconds = i64::from(paris_offset(at).whole_seconds());
            prop_assert!(seconds == 3600 || seconds == 7200);
            prop_assert_eq!(in_paris(at), at);
            prop_assert_eq!(date_in_paris(at), (at + time::Duration::seconds(seconds)).date());
        }

        #[test]
        fn a_paris_time_reads_back(seconds in 315_532_800i64..4_102_444_800) {
            // Every instant, shown in Paris and read back, is itself (to the second).
            let at = OffsetDateTime::from_unix_timestamp(seconds).unwrap();
            let local = in_paris(at);
            let back = paris_instant(local.date(), local.time());
            // The hour repeated when summer time ends reads as its first pass.
            prop_assert!(back == at || back == at - time::Duration::hours(1));
        }
    }
}
