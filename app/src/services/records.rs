//! Records as JSON objects with PRODUCT.md's field names: ids as numbers,
//! money as decimal strings, times as RFC 3339 in UTC, absent values null.
//! The command line prints them; the audit trail records changes in them.

use serde_json::{Map, Value, json};

use crate::domain::Money;
use crate::store::audit::AuditRow;
use crate::store::clients::ClientRow;
use crate::store::contracts::ContractRow;
use crate::store::employees::EmployeeRow;
use crate::store::events::EventRow;
use crate::store::notifications::NotificationRow;

/// JSON and CSV field names of an employee, in order (the CLI and the
/// terminal application's CSV export share them).
pub const EMPLOYEE_FIELDS: [&str; 11] = [
    "id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "department",
    "active",
    "must_change_password",
    "created_at",
    "updated_at",
    "version",
];

/// JSON and CSV field names of a client, in order (the CLI and the
/// terminal application's CSV export share them).
pub const CLIENT_FIELDS: [&str; 12] = [
    "id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "company_name",
    "sales_contact_id",
    "sales_contact_name",
    "created_at",
    "updated_at",
    "last_contact_at",
    "version",
];

/// JSON and CSV field names of a contract, in order (the CLI and the
/// terminal application's CSV export share them).
pub const CONTRACT_FIELDS: [&str; 12] = [
    "id",
    "client_id",
    "client_name",
    "sales_contact_id",
    "sales_contact_name",
    "total_amount",
    "amount_due",
    "signed",
    "signed_at",
    "created_at",
    "updated_at",
    "version",
];

/// JSON and CSV field names of an event, in order (the CLI and the
/// terminal application's CSV export share them).
pub const EVENT_FIELDS: [&str; 15] = [
    "id",
    "name",
    "contract_id",
    "client_id",
    "client_name",
    "support_contact_id",
    "support_contact_name",
    "start_at",
    "end_at",
    "location",
    "attendees",
    "notes",
    "created_at",
    "updated_at",
    "version",
];

/// JSON and CSV field names of an audit entry, in order (the CLI and the
/// terminal application's CSV export share them).
pub const AUDIT_FIELDS: [&str; 8] =
    ["id", "at", "actor_id", "actor_name", "action", "record_kind", "record_id", "changes"];

/// JSON and CSV field names of a notification, in order (the CLI and the
/// terminal application's CSV export share them).
pub const NOTIFICATION_FIELDS: [&str; 7] = ["id", "at", "kind", "record_kind", "record_id", "message", "read_at"];

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

/// An employee (never password data).
pub fn employee(row: &EmployeeRow) -> Value {
    json!({
        "id": row.id,
        "first_name": row.first_name,
        "last_name": row.last_name,
        "email": row.email,
        "phone": row.phone,
        "department": row.department().map(|d| d.code()),
        "active": row.active,
        "must_change_password": row.must_change_password,
        "created_at": rfc3339(row.created_at),
        "updated_at": rfc3339(row.updated_at),
        "version": row.version,
    })
}

/// A client.
pub fn client(row: &ClientRow) -> Value {
    json!({
        "id": row.id,
        "first_name": row.first_name,
        "last_name": row.last_name,
        "email": row.email,
        "phone": row.phone,
        "company_name": row.company_name,
        "sales_contact_id": row.sales_contact_id,
        "sales_contact_name": row.sales_contact_name,
        "created_at": rfc3339(row.created_at),
        "updated_at": rfc3339(row.updated_at),
        "last_contact_at": row.last_contact_at.and_then(rfc3339),
        "version": row.version,
    })
}

/// A contract.
pub fn contract(row: &ContractRow) -> Value {
    json!({
        "id": row.id,
        "client_id": row.client_id,
        "client_name": row.client_name,
        "sales_contact_id": row.sales_contact_id,
        "sales_contact_name": row.sales_contact_name,
        "total_amount": money(row.total_cents),
        "amount_due": money(row.due_cents),
        "signed": row.signed,
        "signed_at": row.signed_at.and_then(rfc3339),
        "created_at": rfc3339(row.created_at),
        "updated_at": rfc3339(row.updated_at),
        "version": row.version,
    })
}

/// An event.
pub fn event(row: &EventRow) -> Value {
    json!({
        "id": row.id,
        "name": row.name,
        "contract_id": row.contract_id,
        "client_id": row.client_id,
        "client_name": row.client_name,
        "support_contact_id": row.support_contact_id,
        "support_contact_name": row.support_contact_name,
        "start_at": rfc3339(row.start_at),
        "end_at": rfc3339(row.end_at),
        "location": row.location,
        "attendees": row.attendees,
        "notes": row.notes,
        "created_at": rfc3339(row.created_at),
        "updated_at": rfc3339(row.updated_at),
        "version": row.version,
    })
}

/// An audit entry; its changes as the JSON object they were written as.
pub fn audit_entry(row: &AuditRow) -> Value {
    json!({
        "id": row.id,
        "at": rfc3339(row.at),
        "actor_id": row.actor_id,
        "actor_name": row.actor_name,
        "action": row.action,
        "record_kind": row.record_kind,
        "record_id": row.record_id,
        "changes": serde_json::from_str::<Value>(&row.changes).unwrap_or(Value::String(row.changes.clone())),
    })
}

/// A notification.
pub fn notification(row: &NotificationRow) -> Value {
    json!({
        "id": row.id,
        "at": rfc3339(row.at),
        "kind": row.kind,
        "record_kind": row.record_kind,
        "record_id": row.record_id,
        "message": row.message,
        "read_at": row.read_at.and_then(rfc3339),
    })
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
