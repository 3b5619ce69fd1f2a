//! Deterministic randomness and ids for the generated dataset: the same
//! seed gives the same draws and the same ids, whatever the batch size.

use time::{Date, Duration, OffsetDateTime, Time};
use uuid::{Builder, Uuid};

/// SplitMix64: tiny, fast, good enough for test data, no dependency.
#[derive(Debug, Clone)]
pub struct Rng(u64);

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Rng {
    /// The draws of one thing (`stream`, e.g. people) numbered `index`.
    pub fn new(seed: u64, stream: u64, index: u64) -> Rng {
        Rng(mix(seed
            ^ mix(stream.wrapping_add(0x9e37_79b9_7f4a_7c15))
            ^ mix(!index)))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix(self.0)
    }

    /// In `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// In `lo..=hi`; `lo` when the range is empty.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo + 1) as usize) as i64
    }

    /// In `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// An index drawn with the given weights.
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut draw = self.below(total as usize) as u32;
        for (i, w) in weights.iter().enumerate() {
            if draw < *w {
                return i;
            }
            draw -= w;
        }
        weights.len() - 1
    }

    /// A day from `from` to `to` included (`from` when empty).
    pub fn day(&mut self, from: Date, to: Date) -> Date {
        from + Duration::days(self.range(0, (to - from).whole_days()))
    }

    /// A moment of that day in office hours (UTC, microsecond precision).
    pub fn during(&mut self, day: Date) -> OffsetDateTime {
        let time =
            Time::from_hms(8 + self.below(10) as u8, self.below(60) as u8, 0).expect("valid time");
        day.with_time(time).assume_utc()
    }
}

/// What an id identifies (one id space per kind).
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Household = 1,
    Person,
    Orientation,
    Assignment,
    Review,
    Diagnostic,
    Contract,
    Objective,
    Referral,
    Session,
    Structure,
    Action,
    Funding,
    Account,
    Revision,
    Appointment,
    Child,
}

/// Ids derived from the seed, the kind and a number: a UUID of version 8
/// (RFC 9562's custom layout), so generated rows are recognisable.
#[derive(Debug, Clone, Copy)]
pub struct Ids {
    tag: u64,
}

impl Ids {
    pub fn new(seed: u64) -> Ids {
        Ids {
            tag: mix(seed ^ 0x5041_5243_4f55_5253) & 0xffff_ffff_ffff,
        }
    }

    /// `index` below 2^56.
    pub fn id(&self, kind: Kind, index: u64) -> Uuid {
        debug_assert!(index < 1 << 56);
        let raw = Uuid::from_u64_pair((self.tag << 16) | kind as u64, index);
        Builder::from_custom_bytes(raw.into_bytes()).into_uuid()
    }

    /// The `k`-th row of a kind belonging to person (or action) `owner`.
    pub fn sub(&self, kind: Kind, owner: u64, k: u64) -> Uuid {
        debug_assert!(k < 1 << 14);
        self.id(kind, (owner << 14) | k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_distinct_and_of_version_8() {
        let ids = Ids::new(7);
        let a = ids.id(Kind::Person, 42);
        assert_eq!(a, Ids::new(7).id(Kind::Person, 42));
        assert_ne!(a, ids.id(Kind::Household, 42));
        assert_ne!(a, ids.id(Kind::Person, 43));
        assert_ne!(a, Ids::new(8).id(Kind::Person, 42));
        assert_eq!(a.get_version_num(), 8);
        assert_ne!(ids.sub(Kind::Referral, 1, 0), ids.sub(Kind::Referral, 0, 1));
    }

    #[test]
    fn draws_stay_in_their_ranges() {
        let mut rng = Rng::new(7, 1, 2);
        for _ in 0..1000 {
            assert!((3..=9).contains(&rng.range(3, 9)));
            assert!(rng.below(5) < 5);
            assert!(rng.weighted(&[1, 0, 3]) != 1);
        }
        assert_eq!(rng.range(4, 2), 4);
    }
}
