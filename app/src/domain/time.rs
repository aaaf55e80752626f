//! Times: stored as UTC epoch milliseconds (see
//! docs/decisions/0001-storage-types.md).

use chrono::Utc;

/// Milliseconds in one day.
pub const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// The current time as UTC epoch milliseconds.
pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}
