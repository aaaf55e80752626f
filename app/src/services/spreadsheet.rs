//! Reading the spreadsheets a company already keeps: CSV with a header row
//! naming PRODUCT.md's fields (any case; spaces, dashes and underscores
//! alike), UTF-8 with or without a BOM, `,` or `;` detected, quoted fields
//! with separators and line breaks inside.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::Failure;

/// The largest spreadsheet read (a CSV of a million clients is ~100 MB;
/// that is a bundle's job, not a spreadsheet's).
const MAX_BYTES: u64 = 64 * 1024 * 1024;

/// The columns a kind of spreadsheet may have.
pub struct Columns {
    /// What one line is, for messages ("client").
    pub record: &'static str,
    /// Every known column, in PRODUCT.md's names.
    pub known: Vec<&'static str>,
    /// Those that must be present.
    pub required: Vec<&'static str>,
    /// Other spellings people use for a column, mapped to its name.
    pub aliases: Vec<(&'static str, &'static str)>,
}

/// One line of the spreadsheet: its number in the file (the header is
/// line 1; a quoted line break makes a line count twice) and its cells by
/// column name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub number: u64,
    pub cells: BTreeMap<&'static str, String>,
}

impl Line {
    /// The cell of `column`, trimmed; empty when the column is absent.
    pub fn get(&self, column: &str) -> &str {
        self.cells.get(column).map(|value| value.trim()).unwrap_or("")
    }

    /// Whether the spreadsheet has `column` at all.
    pub fn has(&self, column: &str) -> bool {
        self.cells.contains_key(column)
    }
}

/// A column name as people write it, folded: `First Name`, `first-name`
/// and `FIRST_NAME` are all `first_name`.
fn fold(name: &str) -> String {
    name.trim()
        .chars()
        .map(|ch| if ch == ' ' || ch == '-' { '_' } else { ch.to_ascii_lowercase() })
        .collect::<String>()
        .split('_')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("_")
}

/// Reads every line of `path`; refuses the file as a whole when its shape
/// is wrong (empty, no lines, unknown or missing columns, not UTF-8, not
/// CSV), naming the file and, where there is one, the line.
pub fn read(path: &Path, columns: &Columns) -> Result<Vec<Line>, Failure> {
    let name = path.display();
    let metadata = std::fs::metadata(path).map_err(|err| {
        Failure::invalid(if err.kind() == std::io::ErrorKind::NotFound {
            format!("There is no file {name}.")
        } else {
            format!("Cannot read {name}: {err}.")
        })
    })?;
    if metadata.is_dir() {
        return Err(Failure::invalid(format!("{name} is a folder: give the CSV file itself.")));
    }
    if metadata.len() > MAX_BYTES {
        return Err(Failure::invalid(format!(
            "{name} is {} MB, more than a spreadsheet import takes ({} MB): split it, or move whole databases with `epic-crm export`/`import`.",
            metadata.len() / 1_000_000,
            MAX_BYTES / 1_000_000
        )));
    }
    let bytes = std::fs::read(path).map_err(|err| Failure::invalid(format!("Cannot read {name}: {err}.")))?;
    parse(&name.to_string(), &bytes, columns)
}

/// [`read`] on bytes already in memory; `name` is the file's for messages.
pub fn parse(name: &str, bytes: &[u8], columns: &Columns) -> Result<Vec<Line>, Failure> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let expected = || format!("a header row naming the {} columns ({})", columns.record, columns.known.join(", "));
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Failure::invalid(format!(
            "{name} is empty: expected {}, then one line per {}.",
            expected(),
            columns.record
        )));
    }
    let separator = detect_separator(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(separator)
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::None)
        .from_reader(bytes);
    let header = reader
        .byte_headers()
        .map_err(|err| Failure::invalid(format!("{name}, line 1: the header cannot be read as CSV ({err}).")))?
        .clone();
    let mut positions: Vec<Option<&'static str>> = Vec::new();
    let mut seen: Vec<&'static str> = Vec::new();
    for raw in header.iter() {
        let text = std::str::from_utf8(raw).map_err(|_| {
            Failure::invalid(format!("{name}, line 1: the header is not UTF-8 text: save the file as UTF-8 CSV."))
        })?;
        let folded = fold(text);
        if folded.is_empty() {
            // A trailing separator leaves an empty header cell: ignore it.
            positions.push(None);
            continue;
        }
        let canonical = columns
            .known
            .iter()
            .find(|known| **known == folded)
            .copied()
            .or_else(|| columns.aliases.iter().find(|(alias, _)| *alias == folded).map(|(_, known)| *known));
        let Some(canonical) = canonical else {
            return Err(Failure::invalid(format!(
                "{name}, line 1: unknown column \"{}\": the {} columns are {} (any case; spaces, dashes and underscores alike).",
                text.trim(),
                columns.record,
                columns.known.join(", ")
            )));
        };
        if seen.contains(&canonical) {
            return Err(Failure::invalid(format!("{name}, line 1: the column {canonical} appears twice.")));
        }
        seen.push(canonical);
        positions.push(Some(canonical));
    }
    let missing: Vec<&str> = columns.required.iter().copied().filter(|column| !seen.contains(column)).collect();
    if !missing.is_empty() {
        return Err(Failure::invalid(format!(
            "{name}, line 1: the header lacks the required column{} {}: expected {}.",
            if missing.len() > 1 { "s" } else { "" },
            missing.join(", "),
            expected()
        )));
    }
    let mut lines = Vec::new();
    let mut record = csv::ByteRecord::new();
    let mut lines_before = LineCounter::default();
    loop {
        let more = reader.read_byte_record(&mut record).map_err(|err| {
            let line = err.position().map_or(0, |p| p.line());
            Failure::invalid(format!("{name}, line {line}: not valid CSV ({err})."))
        })?;
        if !more {
            break;
        }
        let number = lines_before.line_at(bytes, record.position().map_or(0, |p| p.byte()));
        if record.iter().all(|cell| cell.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        let mut cells = BTreeMap::new();
        for (index, raw) in record.iter().enumerate() {
            let Some(Some(column)) = positions.get(index) else {
                if raw.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                return Err(Failure::invalid(format!(
                    "{name}, line {number}: more cells than the header has columns ({}): quote cells that contain \"{}\".",
                    positions.iter().flatten().count(),
                    separator as char
                )));
            };
            let text = std::str::from_utf8(raw).map_err(|_| {
                Failure::invalid(format!(
                    "{name}, line {number}: the {column} cell is not UTF-8 text: save the file as UTF-8 CSV. Nothing was imported."
                ))
            })?;
            cells.insert(*column, text.to_owned());
        }
        for column in &seen {
            cells.entry(*column).or_default();
        }
        lines.push(Line { number, cells });
    }
    if lines.is_empty() {
        return Err(Failure::invalid(format!(
            "{name} has a header but no {}s: add one line per {} below it.",
            columns.record, columns.record
        )));
    }
    Ok(lines)
}

/// Line numbers of record starts.  The csv crate's own line count is one
/// short after CRLF line ends (the LF is read as the start of the next
/// record), so lines are counted from byte offsets instead.
#[derive(Default)]
struct LineCounter {
    offset: usize,
    newlines: u64,
}

impl LineCounter {
    /// The 1-based line of the record starting at byte `offset`.
    fn line_at(&mut self, bytes: &[u8], offset: u64) -> u64 {
        let mut start = usize::try_from(offset).unwrap_or(usize::MAX).min(bytes.len());
        while matches!(bytes.get(start), Some(b'\n' | b'\r')) {
            start += 1;
        }
        if start >= self.offset {
            self.newlines += bytes[self.offset..start].iter().filter(|b| **b == b'\n').count() as u64;
            self.offset = start;
        }
        self.newlines + 1
    }
}

/// `;` when the header line has more semicolons than commas (spreadsheets
/// in locales with a decimal comma save that way), else `,`.
fn detect_separator(bytes: &[u8]) -> u8 {
    let first = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let count = |wanted: u8| {
        let mut quoted = false;
        first
            .iter()
            .filter(|&&b| {
                if b == b'"' {
                    quoted = !quoted;
                }
                !quoted && b == wanted
            })
            .count()
    };
    if count(b';') > count(b',') { b';' } else { b',' }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &[u8]) -> Result<Vec<Line>, Failure> {
        let clients = Columns {
            record: "client",
            known: vec!["first_name", "last_name", "email", "phone", "company_name"],
            required: vec!["first_name", "last_name", "email"],
            aliases: vec![("company", "company_name")],
        };
        parse("clients.csv", text, &clients)
    }

    #[test]
    fn headers_fold_and_separators_are_detected() {
        let lines = parse_text(
            b"\xEF\xBB\xBFFirst Name;LAST-NAME;e_mail;Company\nAna;Lopez;ana@example.com;\"Lopez; Hijos\"\n",
        );
        let failure = lines.expect_err("e_mail is not a column");
        assert!(failure.message.contains("unknown column \"e_mail\""), "{}", failure.message);
        assert!(failure.message.contains("first_name, last_name, email, phone, company_name"));
        let lines =
            parse_text(b"\xEF\xBB\xBFFirst Name;LAST-NAME;Email;Company\nAna;Lopez;ana@example.com;\"Lopez; Hijos\"\n")
                .expect("parse");
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].number, 2);
        assert_eq!(lines[0].get("company_name"), "Lopez; Hijos");
        assert_eq!(lines[0].get("phone"), "");
        assert!(!lines[0].has("phone"));
    }

    #[test]
    fn quoted_line_breaks_stay_in_their_cell_and_lines_keep_their_numbers() {
        let text = b"first_name,last_name,email,company_name\r\nAna,Lopez,a@example.com,\"Two\r\nlines\"\r\n\r\nBen,Ng,b@example.com,\n";
        let lines = parse_text(text).expect("parse");
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].get("company_name"), "Two\r\nlines");
        assert_eq!(lines[0].number, 2);
        assert_eq!(lines[1].number, 5, "the quoted break counts as a line of the file");
        let crlf = b"a,b,email\r\nAna,L,x\r\nBen,N,y\r\nCid,R,\"Two\r\nlines\"\r\nDan,R,x\r\n";
        let columns = Columns { record: "r", known: vec!["a", "b", "email"], required: vec![], aliases: vec![] };
        let numbers: Vec<u64> = parse("f", crlf, &columns).expect("parse").iter().map(|l| l.number).collect();
        assert_eq!(numbers, [2, 3, 4, 6], "CRLF files number their lines like the editor does");
    }

    #[test]
    fn files_of_the_wrong_shape_are_refused_whole() {
        for (text, expected) in [
            (&b""[..], "is empty"),
            (b"  \n", "is empty"),
            (b"first_name,last_name,email\n", "has a header but no clients"),
            (b"first_name,last_name\nAna,Lopez\n", "lacks the required column email"),
            (b"first_name,last_name,email,email\n", "appears twice"),
            (b"first_name,last_name,email\nAna,Lopez,a@example.com,extra\n", "line 2: more cells"),
            (b"first_name,last_name,email\nAna,L\xffpez,a@example.com\n", "line 2: the last_name cell is not UTF-8"),
        ] {
            let failure = parse_text(text).expect_err(expected);
            assert!(failure.message.contains(expected), "{expected}: {}", failure.message);
        }
    }
}
