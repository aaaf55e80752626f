//! The event: what support staff organise for a signed contract.

use serde_json::json;

use super::{CliColumn, Column, Detail, Field, Kind, Sort, Type, col, field, local, maybe, time};
use crate::domain::Department::{Management, Support};
use crate::store::events::EventRow;

/// Events.
pub static EVENT: Kind<EventRow> =
    Kind::new("event", "Events", &FIELDS, &COLUMNS, &CLI, &DETAIL, &crate::store::events::SORTS);

static FIELDS: [Field<EventRow>; 15] = [
    field("id", "Event", Type::Id, false, &[], Sort::Key, |r| json!(r.id)),
    Field {
        searchable: true,
        ..field("name", "Name", Type::Text, true, &[Management, Support], Sort::Index("events_name_idx"), |r| {
            json!(r.name)
        })
    },
    field("contract_id", "Contract", Type::Id, true, &[], Sort::No, |r| json!(r.contract_id)),
    field("client_id", "Client", Type::Id, false, &[], Sort::No, |r| json!(r.client_id)),
    field("client_name", "Client", Type::Text, false, &[], Sort::No, |r| json!(r.client_name)),
    field("support_contact_id", "Support", Type::Id, false, &[Management], Sort::No, |r| json!(r.support_contact_id)),
    field("support_contact_name", "Support", Type::Text, false, &[], Sort::No, |r| json!(r.support_contact_name)),
    field("start_at", "Start", Type::Time, true, &[Management, Support], Sort::Index("events_start_at_idx"), |r| {
        time(r.start_at)
    }),
    field("end_at", "End", Type::Time, true, &[Management, Support], Sort::Index("events_end_at_idx"), |r| {
        time(r.end_at)
    }),
    Field {
        searchable: true,
        ..field(
            "location",
            "Location",
            Type::Text,
            false,
            &[Management, Support],
            Sort::Index("events_location_idx"),
            |r| json!(r.location),
        )
    },
    field(
        "attendees",
        "Attendees",
        Type::Count,
        true,
        &[Management, Support],
        Sort::Index("events_attendees_idx"),
        |r| json!(r.attendees),
    ),
    Field {
        searchable: true,
        ..field("notes", "Notes", Type::Text, false, &[Management, Support], Sort::No, |r| json!(r.notes))
    },
    field("created_at", "Created", Type::Time, false, &[], Sort::No, |r| time(r.created_at)),
    field("updated_at", "Updated", Type::Time, false, &[], Sort::No, |r| time(r.updated_at)),
    field("version", "Version", Type::Count, false, &[], Sort::No, |r| json!(r.version)),
];

/// The support contact, or a dash that says nobody.
fn support(row: &EventRow) -> String {
    row.support_contact_name.clone().unwrap_or_else(|| "— none —".to_owned())
}

static COLUMNS: [Column<EventRow>; 8] = [
    Column { view: col("Start", Some("start_at"), 16, 0, true), cell: |r| local(r.start_at) },
    Column { view: col("Event", Some("name"), 14, 3, true), cell: |r| r.name.clone() },
    Column { view: col("Client", None, 12, 2, false), cell: |r| r.client_name.clone() },
    Column { view: col("Location", Some("location"), 12, 2, false), cell: |r| maybe(&r.location) },
    Column { view: col("People", Some("attendees"), 6, 0, false), cell: |r| r.attendees.to_string() },
    Column { view: col("Support", None, 12, 2, true), cell: support },
    Column { view: col("End", Some("end_at"), 16, 0, false), cell: |r| local(r.end_at) },
    Column { view: col("ID", Some("id"), 7, 0, false), cell: |r| r.id.to_string() },
];

static CLI: [CliColumn<EventRow>; 6] = [
    CliColumn { header: "ID", flexible: false, cell: |r| r.id.to_string() },
    CliColumn { header: "START", flexible: false, cell: |r| local(r.start_at) },
    CliColumn { header: "NAME", flexible: true, cell: |r| r.name.clone() },
    CliColumn { header: "CLIENT", flexible: true, cell: |r| r.client_name.clone() },
    CliColumn {
        header: "SUPPORT",
        flexible: true,
        cell: |r| r.support_contact_name.clone().unwrap_or_else(|| "-".into()),
    },
    CliColumn { header: "GUESTS", flexible: false, cell: |r| r.attendees.to_string() },
];

static DETAIL: [Detail<EventRow>; 11] = [
    Detail { label: "Event", text: |r| format!("{} {}", r.id, r.name) },
    Detail { label: "Client", text: |r| format!("{} {}", r.client_id, r.client_name) },
    Detail { label: "Contract", text: |r| r.contract_id.to_string() },
    Detail { label: "Start", text: |r| local(r.start_at) },
    Detail { label: "End", text: |r| local(r.end_at) },
    Detail { label: "Location", text: |r| maybe(&r.location) },
    Detail { label: "Attendees", text: |r| r.attendees.to_string() },
    Detail { label: "Support", text: support },
    Detail { label: "Notes", text: |r| maybe(&r.notes) },
    Detail { label: "Updated", text: |r| local(r.updated_at) },
    Detail { label: "Version", text: |r| r.version.to_string() },
];
