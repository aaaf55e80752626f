//! Records as JSON and CSV with PRODUCT.md's field names: ids as numbers,
//! money as decimal strings, times as RFC 3339 in UTC, absent values null
//! (each kind's fields are declared in `services::kinds`), and the changes
//! between two views of a record, as the audit trail records them.

use serde_json::{Map, Value, json};

use crate::domain::Money;

/// One CSV line of `record`'s `fields` (no line end): cells quoted when
/// needed and neutralised when a spreadsheet would run them (see
/// [`crate::text::csv_cell`]); absent values are empty.
pub fn csv_line(fields: &[&str], record: &Value) -> String {
    fields.iter().map(|field| csv_value(&record[*field])).collect::<Vec<_>>().join(",")
}

/// One CSV cell of a JSON value.
pub fn csv_value(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => crate::text::csv_cell(text),
        other => crate::text::csv_cell(&other.to_string()),
    }
}

/// A time (UTC epoch ms) as RFC 3339 in UTC.
pub fn rfc3339(ms: i64) -> Option<String> {
    chrono::DateTime::from_timestamp_millis(ms).map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

/// An amount in cents as a decimal string ("12000.50").
pub fn money(cents: i64) -> String {
    match Money::from_cents(cents) {
        Some(amount) => amount.to_string(),
        None => format!("{}.{:02}", cents / 100, (cents % 100).abs()),
    }
}

/// The fields that differ between two views of a record, as
/// `{"field": {"before": …, "after": …}}`; bookkeeping fields (version,
/// updated_at, names derived from ids) are left out.
pub fn changes(before: &Value, after: &Value) -> Value {
    const DERIVED: [&str; 5] = ["version", "updated_at", "sales_contact_name", "support_contact_name", "client_name"];
    let empty = Map::new();
    let before = before.as_object().unwrap_or(&empty);
    let after = after.as_object().unwrap_or(&empty);
    let mut changed = Map::new();
    for (field, new) in after {
        if DERIVED.contains(&field.as_str()) {
            continue;
        }
        let old = before.get(field).unwrap_or(&Value::Null);
        if old != new {
            changed.insert(field.clone(), json!({"before": old, "after": new}));
        }
    }
    Value::Object(changed)
}

/// A new record's fields as changes from nothing.
pub fn created(after: &Value) -> Value {
    changes(&Value::Null, after)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_list_only_what_moved() {
        let before = json!({"id": 1, "email": "a@x.test", "phone": null, "version": 1, "sales_contact_name": "A"});
        let after = json!({"id": 1, "email": "b@x.test", "phone": "+33 6", "version": 2, "sales_contact_name": "B"});
        assert_eq!(
            changes(&before, &after),
            json!({"email": {"before": "a@x.test", "after": "b@x.test"}, "phone": {"before": null, "after": "+33 6"}})
        );
        assert_eq!(created(&json!({"id": 3})), json!({"id": {"before": null, "after": 3}}));
    }

    #[test]
    fn money_and_times_are_shown_exactly() {
        assert_eq!(money(1_200_050), "12000.50");
        assert_eq!(money(0), "0.00");
        assert_eq!(rfc3339(1_780_336_800_000).as_deref(), Some("2026-06-01T18:00:00Z"));
    }
}
