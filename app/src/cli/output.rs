//! Printing records: tables for people that fit the terminal without
//! wrapping, JSON and CSV for machines, and text from the database made
//! harmless for the terminal.

use serde_json::Value;

use super::{Format, csv_cell};

/// The width tables are fitted to: PRODUCT.md's 80 columns.
pub const TABLE_WIDTH: usize = 80;

/// Text safe for a terminal: control characters, escape sequences and
/// bidirectional overrides become `�`, line breaks a space.
pub fn sanitize(text: &str) -> String {
    text.chars()
        .map(|ch| match ch {
            '\n' | '\r' | '\t' => ' ',
            '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => '\u{fffd}',
            ch if ch.is_control() => '\u{fffd}',
            ch => ch,
        })
        .collect()
}

/// `text` cut to `width` characters, ending with `…` when cut.
pub fn truncate(text: &str, width: usize) -> String {
    let count = text.chars().count();
    if count <= width {
        return text.to_owned();
    }
    if width == 0 {
        return String::new();
    }
    let mut cut: String = text.chars().take(width - 1).collect();
    cut.push('…');
    cut
}

/// Prints rows as aligned columns within [`TABLE_WIDTH`]: when they do not
/// fit, the widest of the `flexible` columns give way first, their cells
/// cut with an ellipsis; a row never wraps.
pub fn print_fitted(headers: &[&str], rows: &[Vec<String>], flexible: &[usize]) {
    let rows: Vec<Vec<String>> = rows.iter().map(|row| row.iter().map(|cell| sanitize(cell)).collect()).collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let gaps = 2 * headers.len().saturating_sub(1);
    while widths.iter().sum::<usize>() + gaps > TABLE_WIDTH {
        let widest = flexible.iter().copied().filter(|&i| widths[i] > 6).max_by_key(|&i| widths[i]);
        match widest {
            Some(column) => widths[column] -= 1,
            None => break,
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{:<width$}", truncate(cell, *width), width = width))
            .collect();
        out!("{}", padded.join("  ").trim_end());
    };
    line(headers.to_vec());
    for row in &rows {
        line(row.iter().map(String::as_str).collect());
    }
}

/// A JSON value as a CSV cell.
fn csv_value(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => csv_cell(text),
        other => csv_cell(&other.to_string()),
    }
}

/// Prints one record: JSON object, CSV header + row, or `field: value`
/// lines for people.
pub fn print_record(format: Format, fields: &[&str], record: &Value) {
    match format {
        Format::Json => out!("{record}"),
        Format::Csv => {
            out!("{}", fields.join(","));
            out!("{}", fields.iter().map(|f| csv_value(&record[*f])).collect::<Vec<_>>().join(","));
        }
        Format::Table => {
            let width = fields.iter().map(|f| f.len()).max().unwrap_or(0) + 1;
            for field in fields {
                let value = match &record[*field] {
                    Value::Null => "-".to_owned(),
                    Value::String(text) => sanitize(text),
                    other => other.to_string(),
                };
                out!("{:<width$} {}", format!("{field}:"), value, width = width);
            }
        }
    }
}

/// Prints a list for machines: JSON `{"items": […], "next": …}` or CSV with
/// a header row of `fields`.
pub fn print_list_data(format: Format, fields: &[&str], items: &[Value], next: Option<&str>) {
    match format {
        Format::Json => out!("{}", serde_json::json!({ "items": items, "next": next })),
        _ => {
            out!("{}", fields.join(","));
            for item in items {
                out!("{}", fields.iter().map(|f| csv_value(&item[*f])).collect::<Vec<_>>().join(","));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_text_is_defused() {
        assert_eq!(sanitize("Evil\u{1b}[2J\u{7}"), "Evil\u{fffd}[2J\u{fffd}");
        assert_eq!(sanitize("abc\u{202e}def"), "abc\u{fffd}def");
        assert_eq!(sanitize("two\nlines"), "two lines");
        assert_eq!(sanitize("Zoë Ünal 李"), "Zoë Ünal 李");
    }

    #[test]
    fn long_text_is_cut_with_an_ellipsis() {
        assert_eq!(truncate("abcdef", 6), "abcdef");
        assert_eq!(truncate("abcdefg", 6), "abcde…");
        assert_eq!(truncate("éééééééé", 3), "éé…");
    }
}
