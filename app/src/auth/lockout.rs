//! Lockout: after 5 consecutive failed logins for an address, logins are
//! refused for 1 minute, doubling with each further failure up to 15.

/// Failures tolerated before the first lock.
pub const FREE_FAILURES: i32 = 4;
/// The first lock, in milliseconds.
pub const FIRST_LOCK_MS: i64 = 60_000;
/// The longest lock, in milliseconds.
pub const MAX_LOCK_MS: i64 = 15 * 60_000;

/// How long to lock after `failures` consecutive failures; `None` while
/// under the threshold.
pub fn lock_after(failures: i32) -> Option<i64> {
    if failures <= FREE_FAILURES {
        return None;
    }
    let doublings = (failures - FREE_FAILURES - 1).min(10) as u32;
    Some((FIRST_LOCK_MS << doublings).min(MAX_LOCK_MS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_grow_from_one_minute_to_fifteen() {
        let minutes: Vec<Option<i64>> = (1..=11).map(|n| lock_after(n).map(|ms| ms / 60_000)).collect();
        assert_eq!(
            minutes,
            vec![None, None, None, None, Some(1), Some(2), Some(4), Some(8), Some(15), Some(15), Some(15)]
        );
        assert_eq!(lock_after(i32::MAX), Some(MAX_LOCK_MS));
    }
}
