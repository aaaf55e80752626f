//! Validation of what people type: each failure names the field and says
//! what is expected.  Never panics, whatever the input.

use std::fmt;

/// A value that breaks a rule: which field, and what is expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invalid {
    /// The field as the user knows it (`email`, `first name`).
    pub field: &'static str,
    /// What is wrong and what is expected, as one sentence.
    pub message: String,
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Invalid {}

/// A refusal as the sentence a form shows under the field.
impl From<Invalid> for String {
    fn from(invalid: Invalid) -> String {
        invalid.message
    }
}

fn invalid(field: &'static str, message: String) -> Invalid {
    Invalid { field, message }
}

/// Control characters and bidirectional overrides: stored text must never
/// be able to move the cursor or reorder what a terminal shows.
fn has_hidden_characters(text: &str) -> bool {
    text.chars().any(|ch| {
        ch.is_control() || matches!(ch, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    })
}

/// A person's first or last name: trimmed, 1 to 100 characters, no control
/// characters.
pub fn person_name(field: &'static str, value: &str) -> Result<String, Invalid> {
    let value = value.trim();
    let length = value.chars().count();
    if length == 0 {
        return Err(invalid(field, format!("The {field} is empty: type the {field}.")));
    }
    if length > 100 {
        return Err(invalid(field, format!("The {field} is too long ({length} characters): use at most 100.")));
    }
    if has_hidden_characters(value) {
        return Err(invalid(field, format!("The {field} contains control characters: type only visible text.")));
    }
    Ok(value.to_owned())
}

/// An email address: trimmed, at most 254 characters, a valid address as
/// RFC 5322 defines it, with a dot in the domain.  The case is kept as
/// typed; uniqueness ignores it.
pub fn email(value: &str) -> Result<String, Invalid> {
    let value = value.trim();
    let length = value.chars().count();
    if length == 0 {
        return Err(invalid("email", "The email is empty: type an address such as name@example.com.".into()));
    }
    if length > 254 {
        return Err(invalid("email", format!("The email is too long ({length} characters): use at most 254.")));
    }
    let parsed = email_address::EmailAddress::parse_with_options(
        value,
        email_address::Options::default().without_display_text().without_domain_literal(),
    );
    let domain_has_dot = value.rsplit_once('@').is_some_and(|(_, domain)| domain.contains('.'));
    if parsed.is_err() || !domain_has_dot || has_hidden_characters(value) {
        return Err(invalid(
            "email",
            format!("\"{}\" is not an email address: type one such as name@example.com.", printable(value)),
        ));
    }
    Ok(value.to_owned())
}

/// A phone number: optional; digits with spaces, dots, dashes, parentheses
/// and a leading `+` (or `00`); 6 to 15 digits (the E.164 maximum).  With
/// a country code (`+33 6 12 34 56 78`, `0033 6…`) it is normalised to
/// E.164 (`+33612345678`); without one the country cannot be inferred, so
/// it is kept as typed, trimmed.
pub fn phone(value: &str) -> Result<Option<String>, Invalid> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let allowed = value.chars().count() <= 40
        && value
            .char_indices()
            .all(|(at, ch)| ch.is_ascii_digit() || matches!(ch, ' ' | '.' | '-' | '(' | ')') || (ch == '+' && at == 0));
    let international = value.starts_with('+') || value.starts_with("00");
    // "+33 (0)6 …": the national trunk prefix in parentheses is not dialled
    // from abroad, so it is not part of the E.164 number.
    let dialled = if international { value.replace("(0)", "") } else { value.to_owned() };
    let digits: String = dialled.chars().filter(char::is_ascii_digit).collect();
    let international = value.starts_with('+') || (value.starts_with("00") && digits.len() > 8);
    let country_starts_with_zero = value.starts_with('+') && digits.starts_with('0');
    let significant = if value.starts_with('+') {
        digits.len()
    } else if international {
        digits.len() - 2
    } else {
        digits.len()
    };
    if !allowed || country_starts_with_zero || !(6..=15).contains(&significant) {
        return Err(invalid(
            "phone",
            format!(
                "\"{}\" is not a phone number: use 6 to 15 digits, optionally with a leading + and spaces, such as +33 6 12 34 56 78.",
                printable(value)
            ),
        ));
    }
    Ok(Some(match (value.starts_with('+'), international) {
        (true, _) => format!("+{digits}"),
        (false, true) => format!("+{}", &digits[2..]),
        (false, false) => value.to_owned(),
    }))
}

/// Optional free text (company, location, notes): trimmed, empty means
/// none, at most `max` characters, no control characters except line breaks
/// and tabs in multi-line text.
pub fn optional_text(
    field: &'static str,
    value: &str,
    max: usize,
    multi_line: bool,
) -> Result<Option<String>, Invalid> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let length = value.chars().count();
    if length > max {
        return Err(invalid(field, format!("The {field} is too long ({length} characters): use at most {max}.")));
    }
    let hidden = value.chars().any(|ch| {
        let allowed_break = multi_line && matches!(ch, '\n' | '\t');
        !allowed_break && has_hidden_characters(&ch.to_string())
    });
    if hidden {
        return Err(invalid(field, format!("The {field} contains control characters: type only visible text.")));
    }
    Ok(Some(value.to_owned()))
}

/// A number of attendees: a whole number from 0 to 1,000,000.
pub fn attendees(value: &str) -> Result<i64, Invalid> {
    let value = value.trim();
    match value.parse::<i64>() {
        Ok(n) if (0..=1_000_000).contains(&n) && !value.starts_with('+') => Ok(n),
        _ => Err(invalid(
            "attendees",
            format!("\"{}\" is not a number of attendees: use a whole number from 0 to 1000000.", printable(value)),
        )),
    }
}

/// A date and time: RFC 3339 (`2026-06-01T18:00:00+02:00`) or
/// `YYYY-MM-DD HH:MM` in the time zone `local`; returns UTC epoch ms.
pub fn date_time<Tz: chrono::TimeZone>(field: &'static str, value: &str, local: &Tz) -> Result<i64, Invalid> {
    let value = value.trim();
    if let Ok(at) = chrono::DateTime::parse_from_rfc3339(value) {
        return Ok(at.timestamp_millis());
    }
    let expected = || {
        invalid(
            field,
            format!(
                "\"{}\" is not a date and time: use YYYY-MM-DD HH:MM (local time) or RFC 3339 such as 2026-06-01T18:00:00+02:00.",
                printable(value)
            ),
        )
    };
    let naive = chrono::NaiveDateTime::parse_from_str(value, "%Y-%m-%d %H:%M")
        .or_else(|_| {
            chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").map(|date| date.and_time(chrono::NaiveTime::MIN))
        })
        .map_err(|_| expected())?;
    match local.from_local_datetime(&naive) {
        chrono::LocalResult::Single(at) => Ok(at.timestamp_millis()),
        // Clocks going back: the same wall time twice; take the first.
        chrono::LocalResult::Ambiguous(first, _) => Ok(first.timestamp_millis()),
        chrono::LocalResult::None => Err(invalid(
            field,
            format!("{} does not exist in your time zone (the clocks skip it): choose another time.", printable(value)),
        )),
    }
}

/// An event's period: the end may not be before the start.
pub fn period(start_ms: i64, end_ms: i64) -> Result<(), Invalid> {
    if end_ms < start_ms {
        return Err(invalid("end", "The end is before the start: choose an end at or after the start.".into()));
    }
    Ok(())
}

/// Text safe to echo in a message: hidden characters shown as `�`, cut at
/// 60 characters.
fn printable(value: &str) -> String {
    let mut shown: String =
        value.chars().take(60).map(|ch| if has_hidden_characters(&ch.to_string()) { '\u{fffd}' } else { ch }).collect();
    if value.chars().count() > 60 {
        shown.push('…');
    }
    shown
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(person_name("first name", "  Zoë "), Ok("Zoë".into()));
        assert!(person_name("first name", "   ").expect_err("empty").message.contains("first name is empty"));
        assert!(person_name("last name", &"a".repeat(101)).is_err());
        assert!(person_name("last name", "Evil\u{1b}[2J").is_err());
        assert!(person_name("last name", "abc\u{202e}def").is_err());
        assert_eq!(person_name("last name", "Robert'); DROP TABLE employees;--").map(|_| ()), Ok(()));
    }

    #[test]
    fn emails_must_be_addresses() {
        assert_eq!(email(" Ada@Example.com "), Ok("Ada@Example.com".into()));
        for bad in ["", "ada", "ada@", "@example.com", "ada@localhost", "a b@example.com", "Ada <ada@example.com>"] {
            let err = email(bad).expect_err(bad);
            assert_eq!(err.field, "email");
        }
        assert!(email(&format!("{}@example.com", "a".repeat(250))).is_err());
    }

    #[test]
    fn phones_are_plausible_and_normalised_when_the_country_is_known() {
        assert_eq!(phone(""), Ok(None));
        assert_eq!(phone("+33 6 12 34 56 78"), Ok(Some("+33612345678".into())));
        assert_eq!(phone("0033 6.12.34.56.78"), Ok(Some("+33612345678".into())));
        assert_eq!(phone("+1 (202) 555-0143"), Ok(Some("+12025550143".into())));
        assert_eq!(phone("(555) 123-4567"), Ok(Some("(555) 123-4567".into())), "no country: kept as typed");
        assert_eq!(phone(" 06 12 34 56 78 "), Ok(Some("06 12 34 56 78".into())));
        assert_eq!(phone("+33 (0)6 12 34 56 78"), Ok(Some("+33612345678".into())), "trunk prefix dropped");
        assert!(phone("+0 12 34 56 78").is_err(), "no country code starts with 0");
        assert!(phone(&format!("+33 6{}12345678", " ".repeat(40))).is_err(), "at most 40 characters");
        for bad in ["12345", "+33 6 12 34 56 78 90 12 34", "call me", "06+12345678", "=1+1"] {
            assert!(phone(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bad_inputs_from_the_shared_list_are_refused_or_kept_harmless() {
        let text = include_str!("../../../tests/data/bad-inputs.json");
        let inputs: serde_json::Value = serde_json::from_str(text).expect("json");
        let mut strings = Vec::new();
        collect_strings(&inputs, &mut strings);
        assert!(!strings.is_empty());
        for input in strings {
            // Accepted values contain no hidden characters.
            for accepted in [person_name("first name", &input).ok(), email(&input).ok(), phone(&input).ok().flatten()]
                .into_iter()
                .flatten()
            {
                assert!(!has_hidden_characters(&accepted), "{accepted:?}");
            }
        }
    }

    fn collect_strings(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::String(text) => out.push(text.clone()),
            serde_json::Value::Array(items) => items.iter().for_each(|item| collect_strings(item, out)),
            serde_json::Value::Object(map) => map.values().for_each(|item| collect_strings(item, out)),
            _ => {}
        }
    }

    #[test]
    fn dates_accept_rfc3339_and_local_wall_time() {
        let paris = chrono::FixedOffset::east_opt(3600).expect("offset");
        let utc_six = 1_780_336_800_000; // 2026-06-01T18:00:00Z
        assert_eq!(date_time("start", "2026-06-01T18:00:00Z", &paris), Ok(utc_six));
        assert_eq!(date_time("start", "2026-06-01T20:00:00+02:00", &paris), Ok(utc_six));
        assert_eq!(date_time("start", "2026-06-01 19:00", &paris), Ok(utc_six));
        assert_eq!(date_time("start", "2026-06-01", &chrono::Utc), Ok(utc_six - 18 * 3_600_000));
        for bad in ["", "tomorrow", "2026-13-01 10:00", "2026-02-30 10:00", "01/06/2026", "2026-06-01 25:00"] {
            let err = date_time("start", bad, &paris).expect_err(bad);
            assert_eq!(err.field, "start");
            assert!(err.message.contains("YYYY-MM-DD HH:MM"), "{}", err.message);
        }
        assert!(period(utc_six, utc_six).is_ok());
        assert_eq!(period(utc_six, utc_six - 1).expect_err("before").field, "end");
    }

    #[test]
    fn attendees_and_free_text() {
        assert_eq!(attendees(" 120 "), Ok(120));
        assert_eq!(attendees("0"), Ok(0));
        for bad in ["-1", "1.5", "many", "", "+3", "99999999999999999999"] {
            assert!(attendees(bad).is_err(), "{bad}");
        }
        assert_eq!(optional_text("notes", "  ", 10, true), Ok(None));
        assert_eq!(optional_text("notes", "a\nb", 10, true), Ok(Some("a\nb".into())));
        assert!(optional_text("location", "a\nb", 10, false).is_err());
        assert!(optional_text("notes", "\u{1b}[31mred", 100, true).is_err());
        assert!(optional_text("notes", "abcdefghijk", 10, true).is_err());
    }

    proptest! {
        #[test]
        fn validation_never_panics(text in ".*") {
            let _ = person_name("first name", &text);
            let _ = email(&text);
            let _ = phone(&text);
            let _ = attendees(&text);
            let _ = optional_text("notes", &text, 2000, true);
            let _ = date_time("start", &text, &chrono::Utc);
            let _ = date_time("start", &text, &chrono::FixedOffset::east_opt(-5 * 3600).expect("offset"));
        }
    }
}
