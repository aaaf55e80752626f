//! The audit trail: who changed what, when (MANAGEMENT reads it).

use serde_json::{Value, json};

use super::{CliColumn, Column, Detail, Field, Kind, Sort, Type, col, field, local, time};
use crate::store::audit::AuditRow;

/// Audit entries.
pub static AUDIT: Kind<AuditRow> =
    Kind::new("audit entry", "Audit", &FIELDS, &COLUMNS, &CLI, &DETAIL, &crate::store::audit::SORTS);

static FIELDS: [Field<AuditRow>; 8] = [
    field("id", "Entry", Type::Id, false, &[], Sort::No, |r| json!(r.id)),
    field("at", "At", Type::Time, false, &[], Sort::Index("audit_entries_at_idx"), |r| time(r.at)),
    field("actor_id", "Who", Type::Id, false, &[], Sort::No, |r| json!(r.actor_id)),
    Field {
        searchable: true,
        ..field("actor_name", "Who", Type::Text, false, &[], Sort::Scan, |r| json!(r.actor_name))
    },
    Field { searchable: true, ..field("action", "Action", Type::Text, false, &[], Sort::Scan, |r| json!(r.action)) },
    Field {
        searchable: true,
        ..field("record_kind", "Record", Type::Text, false, &[], Sort::Index("audit_entries_record_idx"), |r| {
            json!(r.record_kind)
        })
    },
    field("record_id", "Record", Type::Id, false, &[], Sort::No, |r| json!(r.record_id)),
    // The changes as the JSON object they were written as.
    Field {
        searchable: true,
        ..field("changes", "Changes", Type::Document, false, &[], Sort::No, |r| {
            serde_json::from_str::<Value>(&r.changes).unwrap_or(Value::String(r.changes.clone()))
        })
    },
];

fn record(row: &AuditRow) -> String {
    super::record_label(&row.record_kind, row.record_id, " ")
}

static COLUMNS: [Column<AuditRow>; 5] = [
    Column { view: col("At", Some("at"), 16, 0, true), cell: |r| local(r.at) },
    Column { view: col("Who", Some("actor_name"), 12, 2, true), cell: |r| r.actor_name.clone() },
    Column { view: col("Action", Some("action"), 16, 0, true), cell: |r| r.action.clone() },
    Column { view: col("Record", Some("record_kind"), 12, 0, true), cell: record },
    Column { view: col("Changes", None, 10, 4, false), cell: |r| r.changes.clone() },
];

static CLI: [CliColumn<AuditRow>; 5] = [
    CliColumn { header: "AT", flexible: false, cell: |r| local(r.at) },
    CliColumn { header: "WHO", flexible: true, cell: |r| r.actor_name.clone() },
    CliColumn { header: "ACTION", flexible: false, cell: |r| r.action.clone() },
    CliColumn { header: "RECORD", flexible: false, cell: |r| super::record_label(&r.record_kind, r.record_id, ":") },
    CliColumn { header: "CHANGES", flexible: true, cell: |r| r.changes.clone() },
];

static DETAIL: [Detail<AuditRow>; 5] = [
    Detail { label: "At", text: |r| local(r.at) },
    Detail { label: "Who", text: |r| r.actor_name.clone() },
    Detail { label: "Action", text: |r| r.action.clone() },
    Detail { label: "Record", text: record },
    Detail { label: "Changes", text: |r| r.changes.clone() },
];
