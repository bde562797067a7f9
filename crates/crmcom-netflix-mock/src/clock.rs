//! The server's clock: the system clock, moved forward by `POST /_mock/clock/advance`, or a
//! frozen one that moves only when told.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// The server's clock, in epoch seconds (UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Clock {
    /// The system clock plus `offset_seconds`.
    Running {
        /// Seconds ahead of the system clock.
        offset_seconds: i64,
    },
    /// A clock that stands still at `at` until advanced.
    Frozen {
        /// The time it shows.
        at: i64,
    },
}

fn system_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock::Running { offset_seconds: 0 }
    }

    /// A clock that shows `at` now and runs on from there.
    pub fn starting_at(at: i64) -> Clock {
        Clock::Running {
            offset_seconds: at - system_now(),
        }
    }

    /// A clock that shows `at` until advanced.
    pub fn frozen_at(at: i64) -> Clock {
        Clock::Frozen { at }
    }

    /// The time it shows.
    pub fn now(&self) -> i64 {
        match self {
            Clock::Running { offset_seconds } => system_now().saturating_add(*offset_seconds),
            Clock::Frozen { at } => *at,
        }
    }

    /// Moves it forward (or back, for a negative number) by `seconds`.
    pub fn advance(&mut self, seconds: i64) {
        match self {
            Clock::Running { offset_seconds } => {
                *offset_seconds = offset_seconds.saturating_add(seconds)
            }
            Clock::Frozen { at } => *at = at.saturating_add(seconds),
        }
    }

    /// Seconds it is ahead of the system clock.
    pub fn ahead_seconds(&self) -> i64 {
        self.now() - system_now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frozen_clock_moves_only_when_advanced() {
        let mut c = Clock::frozen_at(1000);
        assert_eq!(c.now(), 1000);
        c.advance(86_400);
        assert_eq!(c.now(), 87_400);
    }

    #[test]
    fn a_running_clock_keeps_its_advance() {
        let mut c = Clock::starting_at(5_000_000_000);
        c.advance(60);
        assert!((5_000_000_060..5_000_000_070).contains(&c.now()));
    }
}
