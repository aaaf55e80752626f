//! Times: stored as UTC epoch milliseconds, shown as RFC 3339 in UTC for
//! machines and in local time for people.

use chrono::{DateTime, Local, TimeZone, Utc};

/// Milliseconds in one day.
pub const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// The current time as UTC epoch milliseconds.
pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// RFC 3339 in UTC with second precision, as JSON and CSV show times.
pub fn to_rfc3339(ms: i64) -> String {
    match Utc.timestamp_millis_opt(ms).single() {
        Some(at) => at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        None => format!("@{ms}"),
    }
}

/// `YYYY-MM-DD HH:MM` in the local time zone, as people read times.
pub fn to_local_display(ms: i64) -> String {
    match Utc.timestamp_millis_opt(ms).single() {
        Some(at) => DateTime::<Local>::from(at).format("%Y-%m-%d %H:%M").to_string(),
        None => format!("@{ms}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_times() {
        assert_eq!(to_rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(to_rfc3339(1_811_509_200_000), "2027-05-28T13:00:00Z");
    }
}
