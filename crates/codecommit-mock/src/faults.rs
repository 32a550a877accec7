//! Faults a scenario switches on and off while the mock runs.
//!
//! They act at the front door, before authentication, in this order: added latency, then a
//! dropped connection, a 500 or a 429 (CodeCommit's "Rate Exceeded").
//!
//! One fault acts after the front door: the clock jump ([`Faults::advance_clock_after`]) moves
//! the mock's clock once request K's status is known, so the rest of a git command is judged
//! "later" with the password it got at the start.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use crate::clock::Clock;
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
    /// Count and size of an armed clock jump together, so a request never sees one without the
    /// other; held only to count one request.
    clock_jump: Mutex<Option<Armed>>,
}

/// An armed clock jump: `left` more requests, the last of which moves the clock by `by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Armed {
    left: u64,
    by: Duration,
}

/// Request K's duty to move the clock, handed out when it reaches the front door
/// ([`Faults::count_request`]). The jump happens when this is dropped: by
/// [`ClockJump::apply`] once the request's status is known, or when the request is abandoned
/// (its client hung up), so an armed jump is never lost.
#[must_use = "the clock moves when this is dropped"]
#[derive(Debug)]
pub struct ClockJump<'a> {
    clock: &'a Clock,
    by: Duration,
}

impl ClockJump<'_> {
    /// Moves the clock now.
    pub fn apply(self) {}
}

impl Drop for ClockJump<'_> {
    fn drop(&mut self) {
        tracing::info!(
            by_secs = self.by.as_secs(),
            "clock jump fault: clock moved forward"
        );
        self.clock.advance(self.by);
    }
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
            clock_jump: Mutex::new(None),
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
    /// Arms a one-shot clock jump: the `requests`-th request from now moves the mock's clock
    /// forward by `by` once its status is known, so the next request is judged that much later
    /// ("a long operation outlives the password"). Every request that reaches the front door
    /// counts, whatever its answer (401, 429, dropped). Then the jump disarms. `0` moves the
    /// clock at the next request's arrival, before it is judged. Arming again replaces the count.
    pub fn advance_clock_after(&self, requests: u64, by: Duration) {
        *self.armed() = Some(Armed { left: requests, by });
    }
    /// An armed clock jump: requests still to come (the last one moves the clock), and by how much.
    pub fn clock_jump_pending(&self) -> Option<(u64, Duration)> {
        self.armed().map(|a| (a.left, a.by))
    }
    /// Counts one request that reached the front door. The request that completes an armed
    /// clock jump's count gets the jump, to apply once its status is known; the jump disarms.
    pub fn count_request<'c>(&self, clock: &'c Clock) -> Option<ClockJump<'c>> {
        let mut armed = self.armed();
        let a = armed.as_mut()?;
        if a.left > 1 {
            a.left -= 1;
            return None;
        }
        let Armed { left, by } = *a;
        *armed = None;
        let jump = ClockJump { clock, by };
        if left == 0 {
            // Armed for "after no request": this request is already judged later.
            jump.apply();
            return None;
        }
        Some(jump)
    }
    fn armed(&self) -> std::sync::MutexGuard<'_, Option<Armed>> {
        // A poisoned lock only means another thread panicked holding it; the value is whole.
        self.clock_jump.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Switches every fault off (and disarms the clock jump; the clock itself stays where it is).
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
        *self.armed() = c.advance_clock_after.map(|j| Armed {
            left: j.requests,
            by: Duration::from_secs(j.seconds),
        });
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

    #[test]
    fn clock_jump_fires_once_on_the_kth_request() {
        let f = Faults::default();
        let clock = Clock::new(0);
        assert!(f.count_request(&clock).is_none());
        f.advance_clock_after(3, Duration::from_secs(960));
        assert!(f.count_request(&clock).is_none());
        assert!(f.count_request(&clock).is_none());
        assert_eq!(f.clock_jump_pending(), Some((1, Duration::from_secs(960))));
        let jump = f.count_request(&clock).expect("the third request jumps");
        assert_eq!(f.clock_jump_pending(), None);
        assert_eq!(clock.offset(), 0, "not before the request is done");
        jump.apply();
        assert_eq!(clock.offset(), 960);
        assert!(f.count_request(&clock).is_none());
        assert_eq!(clock.offset(), 960, "one shot");

        // Abandoned: the jump still happens.
        f.advance_clock_after(1, Duration::from_secs(40));
        drop(f.count_request(&clock));
        assert_eq!(clock.offset(), 1000);

        // After no request: the next one arrives to the moved clock.
        f.advance_clock_after(0, Duration::from_secs(5));
        assert!(f.count_request(&clock).is_none());
        assert_eq!(clock.offset(), 1005);

        f.advance_clock_after(1, Duration::from_secs(60));
        f.clear();
        assert!(f.count_request(&clock).is_none());
        assert_eq!((f.clock_jump_pending(), clock.offset()), (None, 1005));
    }

    #[test]
    fn clock_jump_counts_racing_requests_once_each() {
        let f = Faults::default();
        let clock = Clock::new(0);
        f.advance_clock_after(50, Duration::from_secs(1));
        let jumps: usize = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|_| {
                    s.spawn(|| {
                        (0..25)
                            .filter_map(|_| f.count_request(&clock))
                            .map(ClockJump::apply)
                            .count()
                    })
                })
                .collect();
            handles.into_iter().filter_map(|h| h.join().ok()).sum()
        });
        assert_eq!((jumps, clock.offset()), (1, 1));
    }
}
