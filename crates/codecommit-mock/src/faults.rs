//! Faults a scenario switches on and off while the mock runs.
//!
//! They act at the front door, before authentication, in this order: dropped connection, added
//! latency, 500, 429 (CodeCommit's "Rate Exceeded").

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use crate::config::FaultsConfig;

#[derive(Debug, Default)]
pub struct Faults {
    throttle: AtomicBool,
    server_error: AtomicBool,
    drop_connections: AtomicBool,
    latency_ms: AtomicU64,
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
        let f = Faults::default();
        f.apply(c);
        f
    }

    /// Every request gets 429 "Rate Exceeded".
    pub fn set_throttle(&self, on: bool) {
        self.throttle.store(on, Ordering::Relaxed);
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
        self.set_server_error(c.server_error);
        self.set_drop_connections(c.drop_connections);
        self.set_latency(Duration::from_millis(c.latency_ms));
    }

    /// The fault for the next request, if any (latency is separate: see [`Faults::latency`]).
    pub fn pick(&self) -> Option<Fault> {
        if self.drop_connections.load(Ordering::Relaxed) {
            Some(Fault::Drop)
        } else if self.server_error.load(Ordering::Relaxed) {
            Some(Fault::ServerError)
        } else if self.throttle.load(Ordering::Relaxed) {
            Some(Fault::Throttle)
        } else {
            None
        }
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
        f.clear();
        assert_eq!((f.pick(), f.latency()), (None, Duration::ZERO));
    }
}
