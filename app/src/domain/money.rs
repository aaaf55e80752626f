//! Exact money: stored as integer cents, shown and parsed as decimals with
//! at most two places (never floating point).

use std::fmt;
use std::str::FromStr;

/// The largest amount the CRM accepts: 999,999,999.99.
pub const MAX_CENTS: i64 = 99_999_999_999;

/// An amount of money in cents, between 0 and [`MAX_CENTS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(i64);

impl Money {
    /// The amount with this many cents, if within range.
    pub fn from_cents(cents: i64) -> Option<Money> {
        (0..=MAX_CENTS).contains(&cents).then_some(Money(cents))
    }

    /// The amount in cents, as stored.
    pub fn cents(self) -> i64 {
        self.0
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

impl FromStr for Money {
    type Err = String;

    /// Parses `1234`, `1234.5` or `1234.56`; refuses signs, exponents,
    /// separators, more than two decimal places and amounts out of range.
    fn from_str(text: &str) -> Result<Money, String> {
        let text = text.trim();
        let expected = "expected an amount like 12000.50 (digits, at most two decimal places)";
        if text.is_empty() {
            return Err(format!("is empty: {expected}"));
        }
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        let digits_only = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty()
            || !digits_only(whole)
            || !digits_only(fraction)
            || (text.contains('.') && fraction.is_empty())
        {
            return Err(format!("\"{text}\" is not an amount: {expected}"));
        }
        if fraction.len() > 2 {
            return Err(format!("\"{text}\" has more than two decimal places"));
        }
        let whole = whole.trim_start_matches('0');
        if whole.len() > 9 {
            return Err(format!("\"{text}\" is too large: at most 999999999.99"));
        }
        let whole: i64 =
            if whole.is_empty() { 0 } else { whole.parse().map_err(|_| format!("\"{text}\" is not an amount"))? };
        let mut fraction_cents: i64 = if fraction.is_empty() {
            0
        } else {
            fraction.parse().map_err(|_| format!("\"{text}\" is not an amount"))?
        };
        if fraction.len() == 1 {
            fraction_cents *= 10;
        }
        Money::from_cents(whole * 100 + fraction_cents).ok_or_else(|| format!("\"{text}\" is out of range"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_and_shows_exact_amounts() {
        for (text, cents, shown) in [
            ("0", 0, "0.00"),
            ("0.00", 0, "0.00"),
            ("0.5", 50, "0.50"),
            ("12000.50", 1_200_050, "12000.50"),
            ("999999999.99", MAX_CENTS, "999999999.99"),
            ("1000", 100_000, "1000.00"),
        ] {
            let money: Money = text.parse().expect(text);
            assert_eq!(money.cents(), cents, "{text}");
            assert_eq!(money.to_string(), shown);
        }
    }

    #[test]
    fn refuses_bad_amounts() {
        for text in [
            "",
            "-1",
            "-0.01",
            "abc",
            "1,234.56.7",
            "12.345",
            "1e309",
            "NaN",
            "Infinity",
            "99999999999999999999",
            "0x10",
            "1 000,50",
            "1.",
            ".5",
        ] {
            assert!(text.parse::<Money>().is_err(), "{text:?} should be refused");
        }
    }

    proptest! {
        #[test]
        fn never_panics(text in ".*") {
            let _ = text.parse::<Money>();
        }

        #[test]
        fn display_round_trips(cents in 0..=MAX_CENTS) {
            let money = Money::from_cents(cents).expect("in range");
            prop_assert_eq!(money.to_string().parse::<Money>(), Ok(money));
        }
    }
}
