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
/// and a leading `+`; 6 to 15 digits (the E.164 maximum).  Kept as typed,
/// trimmed.
pub fn phone(value: &str) -> Result<Option<String>, Invalid> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let allowed = value
        .char_indices()
        .all(|(at, ch)| ch.is_ascii_digit() || matches!(ch, ' ' | '.' | '-' | '(' | ')') || (ch == '+' && at == 0));
    let digits = value.chars().filter(char::is_ascii_digit).count();
    if !allowed || !(6..=15).contains(&digits) {
        return Err(invalid(
            "phone",
            format!(
                "\"{}\" is not a phone number: use 6 to 15 digits, optionally with a leading + and spaces, such as +33 6 12 34 56 78.",
                printable(value)
            ),
        ));
    }
    Ok(Some(value.to_owned()))
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
    fn phones_are_plausible() {
        assert_eq!(phone(""), Ok(None));
        assert_eq!(phone("+33 6 12 34 56 78"), Ok(Some("+33 6 12 34 56 78".into())));
        assert_eq!(phone("(555) 123-4567"), Ok(Some("(555) 123-4567".into())));
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

    proptest! {
        #[test]
        fn validation_never_panics(text in ".*") {
            let _ = person_name("first name", &text);
            let _ = email(&text);
            let _ = phone(&text);
        }
    }
}
