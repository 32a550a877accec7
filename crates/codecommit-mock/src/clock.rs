//! The mock's clock: the system clock plus an offset a scenario can move at run time.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use time::OffsetDateTime;

/// Shared by every connection; cheap to read.
#[derive(Debug, Default)]
pub struct Clock {
    offset_secs: AtomicI64,
}

impl Clock {
    pub fn new(offset_secs: i64) -> Clock {
        Clock {
            offset_secs: AtomicI64::new(offset_secs),
        }
    }

    /// The mock's idea of now: the system time plus the offset.
    pub fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc().saturating_add(time::Duration::seconds(self.offset()))
    }

    /// Current offset in signed seconds.
    pub fn offset(&self) -> i64 {
        self.offset_secs.load(Ordering::Relaxed)
    }

    /// Sets the offset: `+1200` makes the mock live 20 minutes in the future.
    pub fn set_offset(&self, secs: i64) {
        self.offset_secs.store(secs, Ordering::Relaxed);
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let secs = i64::try_from(by.as_secs()).unwrap_or(i64::MAX);
        self.offset_secs
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |o| {
                Some(o.saturating_add(secs))
            })
            .ok();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_moves_now() {
        let clock = Clock::new(0);
        clock.set_offset(1200);
        clock.advance(Duration::from_secs(60));
        assert_eq!(clock.offset(), 1260);
        let drift = (clock.now() - OffsetDateTime::now_utc()).whole_seconds();
        assert!((1259..=1261).contains(&drift), "{drift}");
        clock.set_offset(-30);
        assert_eq!(clock.offset(), -30);
    }
}
