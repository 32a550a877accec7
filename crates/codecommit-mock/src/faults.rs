//! Faults a scenario switches on and off while the mock runs.
//!
//! They act at the front door, before authentication, in this order: added latency, then a
//! dropped connection, a 500 or a 429 (CodeCommit's "Rate Exceeded").

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use crate::config::FaultsConfig;

#[derive(Debug)]
pub struct Faults {
    throttle: AtomicBool,
    /// Requests still to be throttled by [`Faults::set_throttle_first`].
    throttle_left: AtomicU64,
    retry_after_secs: AtomicU64,
    server_error: AtomicBool,
    drop_connections: AtomicBool,
    latency_ms: AtomicU64,
}

impl Default for Faults {
    /// No fault armed; a 429 would say `Retry-After: 1`.
    fn default() -> Self {
        Faults::from_config(&FaultsConfig::default())
    }
}

/// What the front door does with one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Close the connection without a response.
    Drop,
    /// Answer 500.
    ServerError,
    /// Answer 429.
    Throttle,
}

impl Faults {
    pub fn from_config(c: &FaultsConfig) -> Faults {
        let f = Faults {
            throttle: AtomicBool::new(false),
            throttle_left: AtomicU64::new(0),
            retry_after_secs: AtomicU64::new(0),
            server_error: AtomicBool::new(false),
            drop_connections: AtomicBool::new(false),
            latency_ms: AtomicU64::new(0),
        };
        f.apply(c);
        f
    }

    /// Every request gets 429 "Rate Exceeded".
    pub fn set_throttle(&self, on: bool) {
        self.throttle.store(on, Ordering::Relaxed);
    }
    /// The next `requests` requests get 429, then requests pass again (`0` stops it). Requests
    /// that another fault answers first (drop, 500, [`Faults::set_throttle`]) are not counted.
    /// A client that retries after a 429 gets through; one that does not fails.
    pub fn set_throttle_first(&self, requests: u64) {
        self.throttle_left.store(requests, Ordering::Relaxed);
    }
    /// The `Retry-After` header of every 429, in seconds (default 1, so replays stay fast).
    pub fn set_retry_after_secs(&self, secs: u64) {
        self.retry_after_secs.store(secs, Ordering::Relaxed);
    }
    pub fn retry_after_secs(&self) -> u64 {
        self.retry_after_secs.load(Ordering::Relaxed)
    }
    /// Every request gets 500.
    pub fn set_server_error(&self, on: bool) {
        self.server_error.store(on, Ordering::Relaxed);
    }
    /// Every request's connection is closed without a response.
    pub fn set_drop_connections(&self, on: bool) {
        self.drop_connections.store(on, Ordering::Relaxed);
    }
    /// Every request waits this long before it is handled.
    pub fn set_latency(&self, latency: Duration) {
        self.latency_ms.store(
            u64::try_from(latency.as_millis()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }
    pub fn latency(&self) -> Duration {
        Duration::from_millis(self.latency_ms.load(Ordering::Relaxed))
    }
    /// Switches every fault off.
    pub fn clear(&self) {
        self.apply(&FaultsConfig::default());
    }

    fn apply(&self, c: &FaultsConfig) {
        self.set_throttle(c.throttle);
        self.set_throttle_first(c.throttle_first);
        self.set_retry_after_secs(c.retry_after_secs);
        self.set_server_error(c.server_error);
        self.set_drop_connections(c.drop_connections);
        self.set_latency(Duration::from_millis(c.latency_ms));
    }

    /// The fault for the next request, if any (latency is separate: see [`Faults::latency`]).
    /// A request throttled by [`Faults::set_throttle_first`] is counted here.
    pub fn pick(&self) -> Option<Fault> {
        if self.drop_connections.load(Ordering::Relaxed) {
            Some(Fault::Drop)
        } else if self.server_error.load(Ordering::Relaxed) {
            Some(Fault::ServerError)
        } else if self.throttle.load(Ordering::Relaxed) || self.take_throttled() {
            Some(Fault::Throttle)
        } else {
            None
        }
    }

    /// One of the first K requests: counts it down (atomically, as connections race).
    fn take_throttled(&self) -> bool {
        self.throttle_left
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_and_clear() {
        let f = Faults::default();
        assert_eq!(f.pick(), None);
        f.set_throttle(true);
        assert_eq!(f.pick(), Some(Fault::Throttle));
        f.set_server_error(true);
        assert_eq!(f.pick(), Some(Fault::ServerError));
        f.set_drop_connections(true);
        f.set_latency(Duration::from_millis(5));
        assert_eq!(f.pick(), Some(Fault::Drop));
        f.set_retry_after_secs(7);
        f.clear();
        assert_eq!((f.pick(), f.latency()), (None, Duration::ZERO));
        assert_eq!(f.retry_after_secs(), 1);
    }

    #[test]
    fn throttle_first_lets_the_rest_through() {
        let f = Faults::default();
        f.set_throttle_first(2);
        assert_eq!(f.pick(), Some(Fault::Throttle));
        assert_eq!(f.pick(), Some(Fault::Throttle));
        assert_eq!(f.pick(), None);
        assert_eq!(f.pick(), None);
        // Another fault answering first leaves the count alone.
        f.set_throttle_first(1);
        f.set_server_error(true);
        assert_eq!(f.pick(), Some(Fault::ServerError));
        f.set_server_error(false);
        assert_eq!(f.pick(), Some(Fault::Throttle));
        assert_eq!(f.pick(), None);
        f.set_throttle_first(5);
        f.clear();
        assert_eq!(f.pick(), None);
    }
}
