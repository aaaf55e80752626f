//! Printing records: tables for people that fit the terminal without
//! wrapping, JSON and CSV for machines, and text from the database made
//! harmless for the terminal.

use crate::services::kinds::Described as _;
use serde_json::Value;

use super::Format;
use crate::error::Failure;
use crate::services::kinds::Kind;
use crate::services::paging::{Page, PageRequest};
use crate::services::records::csv_value;
pub use crate::text::{columns, sanitize, truncate};

/// The width tables are fitted to: PRODUCT.md's 80 columns.
pub const TABLE_WIDTH: usize = 80;

/// Prints rows as aligned columns within [`TABLE_WIDTH`]: when they do not
/// fit, the widest of the `flexible` columns give way first, their cells
/// cut with an ellipsis; a row never wraps.
pub fn print_fitted(headers: &[&str], rows: &[Vec<String>], flexible: &[usize]) {
    let widths = fit(headers, rows, flexible);
    print_line(&widths, headers.iter().map(|h| h.to_string()).collect());
    for row in rows {
        print_line(&widths, row.clone());
    }
}

/// Column widths for `rows` within [`TABLE_WIDTH`].
fn fit(headers: &[&str], rows: &[Vec<String>], flexible: &[usize]) -> Vec<usize> {
    let mut widths: Vec<usize> = headers.iter().map(|h| columns(h)).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(columns(&sanitize(cell)));
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
    widths
}

fn print_line(widths: &[usize], cells: Vec<String>) {
    let padded: Vec<String> = cells
        .iter()
        .zip(widths)
        .map(|(cell, width)| {
            let shown = truncate(&sanitize(cell), *width);
            let pad = width.saturating_sub(columns(&shown));
            format!("{shown}{}", " ".repeat(pad))
        })
        .collect();
    out!("{}", padded.join("  ").trim_end());
}

/// Prints a list page by page as it arrives, never holding more than one
/// page: `--all` walks the whole list this way.  Tables keep the column
/// widths of the first page; JSON is one `{"items": […], "next": …}`.
pub async fn print_pages<T, F>(
    format: Format,
    kind: &Kind<T>,
    first: PageRequest,
    all: bool,
    mut fetch: F,
) -> Result<(), Failure>
where
    F: AsyncFnMut(&PageRequest) -> Result<Page<T>, Failure>,
{
    let mut request = first;
    let mut widths: Option<Vec<usize>> = None;
    let mut printed = 0usize;
    let mut started = false;
    let next = loop {
        let page = fetch(&request).await?;
        // Nothing is written before the first page arrived: a refusal
        // leaves stdout empty.
        if !started && format == Format::Json {
            write_raw("{\"items\":[");
        }
        started = true;
        match format {
            Format::Json => {
                for item in &page.items {
                    if printed > 0 {
                        write_raw(",");
                    }
                    write_raw(&kind.json(item).to_string());
                    printed += 1;
                }
            }
            Format::Csv => {
                if printed == 0 {
                    out!("{}", kind.names().join(","));
                }
                for item in &page.items {
                    let record = kind.json(item);
                    out!("{}", kind.names().iter().map(|f| csv_value(&record[*f])).collect::<Vec<_>>().join(","));
                    printed += 1;
                }
            }
            Format::Table => {
                let rows: Vec<Vec<String>> = page.items.iter().map(|item| kind.cli_cells(item)).collect();
                let widths = widths.get_or_insert_with(|| {
                    let widths = fit(&kind.cli_headers(), &rows, &kind.cli_flexible());
                    print_line(&widths, kind.cli_headers().iter().map(|h| h.to_string()).collect());
                    widths
                });
                for row in rows {
                    print_line(widths, row);
                    printed += 1;
                }
            }
        }
        match page.next {
            Some(next) if all => request = PageRequest::after(request.limit, next),
            next => break next,
        }
    };
    match format {
        Format::Json => out!("],\"next\":{}}}", serde_json::json!(next)),
        Format::Csv => {
            if printed == 0 {
                out!("{}", kind.names().join(","));
            }
        }
        Format::Table => {
            if widths.is_none() {
                print_fitted(&kind.cli_headers(), &[], &kind.cli_flexible());
            }
            if let Some(next) = &next {
                out!("More: --after {next}");
            }
        }
    }
    Ok(())
}

/// Writes text to stdout without a newline (a JSON list being streamed).
fn write_raw(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(err) = stdout.write_all(text.as_bytes()) {
        if err.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        std::process::exit(1);
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

/// Prints the outcome of an action for machines: one JSON object, or a
/// CSV header and row of its fields.
pub fn print_object(format: Format, object: &Value) {
    match format {
        Format::Csv => {
            let Some(map) = object.as_object() else { return };
            out!("{}", map.keys().cloned().collect::<Vec<_>>().join(","));
            out!("{}", map.values().map(csv_value).collect::<Vec<_>>().join(","));
        }
        _ => out!("{object}"),
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
        assert_eq!(truncate("李小龙李小龙", 6), "李小…", "wide characters take two columns");
        assert_eq!(columns("李小…"), 5);
    }
}
