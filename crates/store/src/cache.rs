//! What nearly every page reads and almost never changes — the web session,
//! the signed-in account, the settings and reference lists — kept in memory
//! for a few seconds. A page then costs its own queries only: at 32
//! concurrent users on 2 cores, each statement saved is a round trip to a
//! database thread saved (docs/PERFORMANCE.md).
//!
//! Every write through this store forgets what it changes, so a process
//! always reads its own writes. Another process sharing the database (a
//! second server, the command line) sees a change after at most the entry's
//! time to live: [`SHORT`] for sessions and accounts (a disabled account or a
//! closed session elsewhere stops working within seconds), [`LONG`] for
//! settings and reference lists, which only the administration changes.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub(crate) const SHORT: Duration = Duration::from_secs(10);
pub(crate) const LONG: Duration = Duration::from_secs(60);

/// Entries beyond this are dropped all at once (sessions are the only
/// unbounded key set; a département has a few thousand users).
const CAPACITY: usize = 20_000;

/// A map whose entries expire `ttl` after they were read from the database.
pub(crate) struct Cached<K, V> {
    ttl: Duration,
    entries: Mutex<HashMap<K, (Instant, V)>>,
}

impl<K: Eq + Hash, V: Clone> Cached<K, V> {
    pub(crate) fn new(ttl: Duration) -> Self {
        Cached {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn get(&self, key: &K) -> Option<V> {
        let entries = self.entries.lock().expect("cache lock");
        entries
            .get(key)
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, value)| value.clone())
    }

    pub(crate) fn put(&self, key: K, value: V) {
        let mut entries = self.entries.lock().expect("cache lock");
        if entries.len() >= CAPACITY {
            entries.retain(|_, (at, _)| at.elapsed() < self.ttl);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(key, (Instant::now(), value));
    }

    pub(crate) fn forget(&self, key: &K) {
        self.entries.lock().expect("cache lock").remove(key);
    }

    pub(crate) fn clear(&self) {
        self.entries.lock().expect("cache lock").clear();
    }
}

/// The store's caches (one per kind of row).
pub(crate) struct Caches {
    /// Web sessions by id: their data and expiry.
    pub sessions: Cached<String, (String, time::OffsetDateTime)>,
    pub accounts: Cached<uuid::Uuid, crate::account::Account>,
    /// Single-valued entries (settings, reference lists), by name.
    pub deadline_settings: Cached<(), parcours_domain::deadline::DeadlineSettings>,
    pub organisations: Cached<(), std::sync::Arc<Vec<crate::organisation::Organisation>>>,
    pub communes: Cached<(), std::sync::Arc<Vec<Commune>>>,
    /// The communes where published actions take place.
    pub catalogue_communes: Cached<(), std::sync::Arc<Vec<(String, String)>>>,
}

/// A commune of the département's referential.
#[derive(Debug, Clone)]
pub(crate) struct Commune {
    pub insee_code: String,
    pub name: String,
    pub postcode: String,
}

impl Default for Caches {
    fn default() -> Self {
        Caches {
            sessions: Cached::new(SHORT),
            accounts: Cached::new(SHORT),
            deadline_settings: Cached::new(LONG),
            organisations: Cached::new(LONG),
            communes: Cached::new(LONG),
            catalogue_communes: Cached::new(SHORT),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_are_forgotten() {
        let cache = Cached::new(Duration::from_millis(30));
        cache.put(1, "un");
        assert_eq!(cache.get(&1), Some("un"));
        cache.forget(&1);
        assert_eq!(cache.get(&1), None);
        cache.put(2, "deux");
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(cache.get(&2), None, "past its time to live");
    }

    #[test]
    fn a_full_cache_drops_its_entries_instead_of_growing() {
        let cache = Cached::new(Duration::from_secs(60));
        for n in 0..CAPACITY + 10 {
            cache.put(n, n);
        }
        assert!(cache.entries.lock().unwrap().len() <= CAPACITY);
        assert_eq!(cache.get(&(CAPACITY + 9)), Some(CAPACITY + 9));
    }
}
