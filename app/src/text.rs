//! Text from the database made fit for a terminal: harmless (no control
//! characters, escape sequences or bidi overrides), cut to display columns,
//! and times shown in local time.  Shared by the command line and the TUI.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Text safe for a terminal: control characters, escape sequences and
/// bidirectional overrides become `�`, line breaks a space.
pub fn sanitize(text: &str) -> String {
    text.chars()
        .map(|ch| match ch {
            '\n' | '\r' | '\t' => ' ',
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => '\u{fffd}',
            ch if ch.is_control() => '\u{fffd}',
            ch => ch,
        })
        .collect()
}

/// `text` cut to `width` display columns, ending with `…` when cut (wide
/// characters such as CJK take two columns).
pub fn truncate(text: &str, width: usize) -> String {
    if columns(text) <= width {
        return text.to_owned();
    }
    if width == 0 {
        return String::new();
    }
    let mut cut = String::new();
    let mut used = 0;
    for ch in text.chars() {
        let w = UnicodeWidthChar::width(ch).unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        cut.push(ch);
        used += w;
    }
    cut.push('…');
    cut
}

/// How many terminal columns `text` takes.
pub fn columns(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// A time (UTC epoch ms) in local time as `YYYY-MM-DD HH:MM`.
pub fn local_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|at| at.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// One CSV cell: quoted when needed, and neutralised when a spreadsheet
/// would run it as a formula (SECURITY.md): cells starting with `=`, `@`,
/// tab or CR, or with `+`/`-` unless the cell is a plain number or phone
/// number, get a leading `'`.
pub fn csv_cell(value: &str) -> String {
    // After the sign: digits, spaces, dots and parentheses only.
    let plain_number = |text: &str| {
        let rest = text.get(1..).unwrap_or_default();
        rest.chars().all(|ch| ch.is_ascii_digit() || matches!(ch, ' ' | '.' | '(' | ')'))
            && rest.chars().any(|ch| ch.is_ascii_digit())
    };
    let risky = match value.chars().next() {
        Some('=' | '@' | '\t' | '\r') => true,
        Some('+' | '-') => !plain_number(value),
        _ => false,
    };
    let cell = if risky { format!("'{value}") } else { value.to_owned() };
    if cell.contains([',', '"', '\n', '\r']) { format!("\"{}\"", cell.replace('"', "\"\"")) } else { cell }
}

/// `n` and the noun for it: `1 client`, `2 clients` (regular plurals).
pub fn count(n: impl Into<u64>, noun: &str) -> String {
    let n = n.into();
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}

/// A count with its thousands grouped by commas, for figures a person
/// reads at a glance: `1,070,000`.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod grouped_tests {
    use super::grouped;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(grouped(1_070_000), "1,070,000");
        assert_eq!(grouped(u64::MAX), "18,446,744,073,709,551,615");
    }
}
