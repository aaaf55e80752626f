//! A notification: something that happened to one of my records.

use serde_json::json;

use super::{CliColumn, Column, Detail, Field, Kind, Sort, Type, col, field, local, maybe_local, maybe_time, time};
use crate::store::notifications::NotificationRow;

/// Notifications.
pub static NOTIFICATION: Kind<NotificationRow> =
    Kind::new("notification", "Notifications", &FIELDS, &COLUMNS, &CLI, &DETAIL, &crate::store::notifications::SORTS);

static FIELDS: [Field<NotificationRow>; 7] = [
    field("id", "Notification", Type::Id, false, &[], Sort::Key, |r| json!(r.id)),
    field("at", "At", Type::Time, false, &[], Sort::No, |r| time(r.at)),
    field("kind", "Kind", Type::Text, false, &[], Sort::No, |r| json!(r.kind)),
    field("record_kind", "Record", Type::Text, false, &[], Sort::Scan, |r| json!(r.record_kind)),
    field("record_id", "Record", Type::Id, false, &[], Sort::No, |r| json!(r.record_id)),
    Field { searchable: true, ..field("message", "Message", Type::Text, false, &[], Sort::No, |r| json!(r.message)) },
    field("read_at", "Read", Type::Time, false, &[], Sort::No, |r| maybe_time(r.read_at)),
];

fn record(row: &NotificationRow) -> String {
    super::record_label(&row.record_kind, row.record_id, " ")
}

static COLUMNS: [Column<NotificationRow>; 4] = [
    Column { view: col("At", Some("id"), 16, 0, true), cell: |r| local(r.at) },
    Column {
        view: col("", Some("read"), 1, 0, true),
        cell: |r| if r.read_at.is_none() { "●" } else { " " }.to_owned(),
    },
    Column { view: col("Record", Some("record_kind"), 12, 0, false), cell: record },
    Column { view: col("Message", None, 20, 4, true), cell: |r| r.message.clone() },
];

static CLI: [CliColumn<NotificationRow>; 4] = [
    CliColumn { header: "ID", flexible: false, cell: |r| r.id.to_string() },
    CliColumn { header: "AT", flexible: false, cell: |r| local(r.at) },
    CliColumn { header: "", flexible: false, cell: |r| if r.read_at.is_some() { "" } else { "new" }.to_owned() },
    CliColumn { header: "MESSAGE", flexible: true, cell: |r| r.message.clone() },
];

static DETAIL: [Detail<NotificationRow>; 4] = [
    Detail { label: "At", text: |r| local(r.at) },
    Detail { label: "Record", text: record },
    Detail { label: "Message", text: |r| r.message.clone() },
    Detail { label: "Read", text: |r| maybe_local(r.read_at) },
];
