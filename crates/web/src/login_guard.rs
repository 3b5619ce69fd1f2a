//! The login's guard per client address: failed logins are counted per
//! address (beside the per-account lock, which one address trying many
//! accounts never reaches), and past the limit the address waits (429 with
//! `Retry-After`). The client's address is the connection's peer, or —
//! behind a reverse proxy named in `trusted_proxies` — the last address
//! the proxies wrote in `X-Forwarded-For`: trusting the header from anyone
//! would let an attacker pick a fresh address for every try.
//!
//! The counts live in the server's memory: one server process serves a
//! département, and a restart forgetting them only gives back one window.

use crate::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use parcours_domain::account::AddressThrottle;
use std::collections::HashMap;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use time::{Duration, OffsetDateTime};

/// Past this many addresses remembered, the expired ones are forgotten.
const PRUNE_ABOVE: usize = 10_000;

/// The reverse proxies to trust, and the failed logins per address.
#[derive(Clone, Default)]
pub struct LoginGuard {
    trusted_proxies: Arc<Vec<IpAddr>>,
    failures: Arc<Mutex<HashMap<IpAddr, AddressThrottle>>>,
}

impl LoginGuard {
    pub fn new(trusted_proxies: Vec<IpAddr>) -> LoginGuard {
        LoginGuard {
            trusted_proxies: Arc::new(trusted_proxies),
            failures: Arc::default(),
        }
    }

    /// How long `address` must still wait before trying again, if it must.
    pub fn wait(&self, address: IpAddr, now: OffsetDateTime) -> Option<Duration> {
        let failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.get(&address).and_then(|t| t.wait(now))
    }

    /// Counts a failed login from `address`.
    pub fn failed(&self, address: IpAddr, now: OffsetDateTime) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if failures.len() > PRUNE_ABOVE {
            failures.retain(|_, t| !t.expired(now));
        }
        let known = failures.get(&address).copied();
        failures.insert(address, AddressThrottle::after_failure(known, now));
    }
}

/// The client's address as far as it can be told (none without a peer,
/// as in tests driving the router directly).
pub struct ClientAddress(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip());
        let forwarded: Vec<&str> = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        Ok(ClientAddress(peer.map(|peer| {
            client_address(
                peer,
                &forwarded.join(","),
                &state.login_guard.trusted_proxies,
            )
        })))
    }
}

/// The peer, unless it is a trusted proxy: then, walking `X-Forwarded-For`
/// from its end (each proxy appends the address it received from), the
/// first address that is not a trusted proxy. A header that cannot be read
/// leaves the last trusted address: never one the client chose.
pub fn client_address(peer: IpAddr, forwarded_for: &str, trusted: &[IpAddr]) -> IpAddr {
    let mut client = peer;
    if !trusted.contains(&peer) {
        return client;
    }
    for hop in forwarded_for.rsplit(',') {
        let Ok(address) = hop.trim().parse::<IpAddr>() else {
            return client;
        };
        client = address;
        if !trusted.contains(&address) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn the_forwarded_address_counts_only_behind_a_trusted_proxy() {
        let proxy = ip("10.0.0.2");
        let trusted = [proxy, ip("10.0.0.3")];
        // Straight from a client: its header is its own say, not believed.
        assert_eq!(
            client_address(ip("198.51.100.9"), "203.0.113.7", &trusted),
            ip("198.51.100.9")
        );
        assert_eq!(
            client_address(proxy, "203.0.113.7", &trusted),
            ip("203.0.113.7")
        );
        // The client wrote an address first; the proxies appended the real one.
        assert_eq!(
            client_address(proxy, "1.2.3.4, 203.0.113.7, 10.0.0.3", &trusted),
            ip("203.0.113.7")
        );
        assert_eq!(client_address(proxy, "", &trusted), proxy);
        assert_eq!(client_address(proxy, "n'importe quoi", &trusted), proxy);
        assert_eq!(
            client_address(proxy, "2001:db8::1", &trusted),
            ip("2001:db8::1")
        );
    }

    #[test]
    fn an_address_past_the_limit_waits_and_another_does_not() {
        let guard = LoginGuard::default();
        let now = OffsetDateTime::UNIX_EPOCH;
        let (noisy, quiet) = (ip("203.0.113.7"), ip("203.0.113.8"));
        for _ in 0..parcours_domain::account::ADDRESS_FAILED_LOGINS {
            assert_eq!(guard.wait(noisy, now), None);
            guard.failed(noisy, now);
        }
        assert!(guard.wait(noisy, now).is_some());
        assert_eq!(guard.wait(quiet, now), None);
    }
}
