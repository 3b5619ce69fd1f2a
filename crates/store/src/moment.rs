//! Points in time as the store writes them, so that SQLite compares them
//! right.
//!
//! SQLite keeps a time as text, and sqlx writes an `OffsetDateTime` there in
//! RFC 3339 with the fraction's trailing zeros dropped: `…:05Z`, `…:05.12Z`,
//! `…:05.123Z`. Compared as text (`ORDER BY`, `<`, indexes), `Z` comes after
//! every digit, so `…:05Z` sorts after `…:05.5Z` and `…:05.12Z` after
//! `…:05.123Z`: a list "newest first" could show two close events in the
//! wrong order, and a period ending at midnight took in the first second of
//! the next day. Written with all six digits of the microseconds that both
//! databases keep, text order is time order. PostgreSQL gets the value as is.

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo};
use sqlx::sqlite::{SqliteArgumentValue, SqliteTypeInfo};
use sqlx::{Encode, Postgres, Sqlite, Type};
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

/// A point in time to bind to a query (reads decode `OffsetDateTime`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Moment(pub OffsetDateTime);

impl Moment {
    /// The text SQLite stores: UTC, microseconds always written out.
    pub fn sqlite_text(self) -> String {
        let format = format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
        );
        self.0
            .to_offset(UtcOffset::UTC)
            .format(&format)
            .expect("a UTC time always formats")
    }
}

impl Type<Sqlite> for Moment {
    fn type_info() -> SqliteTypeInfo {
        <OffsetDateTime as Type<Sqlite>>::type_info()
    }
}

impl Encode<'_, Sqlite> for Moment {
    fn encode_by_ref(&self, buf: &mut Vec<SqliteArgumentValue<'_>>) -> Result<IsNull, BoxDynError> {
        Encode::<Sqlite>::encode(self.sqlite_text(), buf)
    }
}

impl Type<Postgres> for Moment {
    fn type_info() -> PgTypeInfo {
        <OffsetDateTime as Type<Postgres>>::type_info()
    }
}

impl Encode<'_, Postgres> for Moment {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        Encode::<Postgres>::encode_by_ref(&self.0, buf)
    }
}

#[cfg(test)]
mod tests {
    use super::Moment;
    use proptest::prelude::*;
    use time::OffsetDateTime;

    fn at(micros: i64) -> Moment {
        let nanos = i128::from(micros) * 1_000;
        Moment(OffsetDateTime::from_unix_timestamp_nanos(nanos).unwrap())
    }

    #[test]
    fn whole_seconds_and_trailing_zeros_are_written_out() {
        assert_eq!(
            at(1_700_000_000_000_000).sqlite_text(),
            "2023-11-14T22:13:20.000000Z"
        );
        assert_eq!(
            at(1_700_000_000_120_000).sqlite_text(),
            "2023-11-14T22:13:20.120000Z"
        );
    }

    proptest! {
        /// Text order is time order, over years 1970–2100.
        #[test]
        fn text_order_is_time_order(
            a in 0i64..4_102_444_800_000_000,
            b in 0i64..4_102_444_800_000_000,
        ) {
            let (a, b) = (at(a), at(b));
            prop_assert_eq!(a.sqlite_text().cmp(&b.sqlite_text()), a.cmp(&b));
        }

        /// Near values, where dropped zeros used to decide.
        #[test]
        fn close_times_keep_their_order(base in 0i64..4_102_444_800, gap in 0i64..1_000) {
            let (a, b) = (at(base * 1_000_000), at(base * 1_000_000 + gap * 10));
            prop_assert_eq!(a.sqlite_text().cmp(&b.sqlite_text()), a.cmp(&b));
        }
    }
}
