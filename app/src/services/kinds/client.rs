//! The client: a company contact followed by a salesperson.

use serde_json::json;

use super::{
    CliColumn, Column, Detail, Field, Kind, Sort, Type, col, local, maybe, maybe_local, maybe_time, person, time,
};
use crate::domain::Department::{Management, Sales};
use crate::store::clients::ClientRow;

/// Clients.
pub static CLIENT: Kind<ClientRow> =
    Kind::new("client", "Clients", &FIELDS, &COLUMNS, &CLI, &DETAIL, &crate::store::clients::SORTS);

static FIELDS: [Field<ClientRow>; 12] = [
    Field {
        name: "id",
        label: "ID",
        kind: Type::Id,
        required: false,
        editable: &[],
        sort: Sort::Key,
        searchable: false,
        json: |r| json!(r.id),
    },
    Field {
        name: "first_name",
        label: "First name",
        kind: Type::Text,
        required: true,
        editable: &[Sales],
        sort: Sort::No,
        searchable: true,
        json: |r| json!(r.first_name),
    },
    Field {
        name: "last_name",
        label: "Last name",
        kind: Type::Text,
        required: true,
        editable: &[Sales],
        sort: Sort::Index("clients_last_name_idx"),
        searchable: true,
        json: |r| json!(r.last_name),
    },
    Field {
        name: "email",
        label: "Email",
        kind: Type::Email,
        required: true,
        editable: &[Sales],
        sort: Sort::Index("clients_email_key"),
        searchable: true,
        json: |r| json!(r.email),
    },
    Field {
        name: "phone",
        label: "Phone",
        kind: Type::Phone,
        required: false,
        editable: &[Sales],
        sort: Sort::Index("clients_phone_idx"),
        searchable: true,
        json: |r| json!(r.phone),
    },
    Field {
        name: "company_name",
        label: "Company",
        kind: Type::Text,
        required: false,
        editable: &[Sales],
        sort: Sort::Index("clients_company_name_idx"),
        searchable: true,
        json: |r| json!(r.company_name),
    },
    Field {
        name: "sales_contact_id",
        label: "Sales contact",
        kind: Type::Id,
        required: false,
        editable: &[Management],
        sort: Sort::No,
        searchable: false,
        json: |r| json!(r.sales_contact_id),
    },
    Field {
        name: "sales_contact_name",
        label: "Sales contact",
        kind: Type::Text,
        required: false,
        editable: &[],
        sort: Sort::No,
        searchable: false,
        json: |r| json!(r.sales_contact_name),
    },
    Field {
        name: "created_at",
        label: "First contact",
        kind: Type::Time,
        required: false,
        editable: &[],
        sort: Sort::Index("clients_created_at_idx"),
        searchable: false,
        json: |r| time(r.created_at),
    },
    Field {
        name: "updated_at",
        label: "Updated",
        kind: Type::Time,
        required: false,
        editable: &[],
        sort: Sort::No,
        searchable: false,
        json: |r| time(r.updated_at),
    },
    Field {
        name: "last_contact_at",
        label: "Last contact",
        kind: Type::Time,
        required: false,
        editable: &[Sales],
        sort: Sort::Index("clients_last_contact_at_idx"),
        searchable: false,
        json: |r| maybe_time(r.last_contact_at),
    },
    Field {
        name: "version",
        label: "Version",
        kind: Type::Count,
        required: false,
        editable: &[],
        sort: Sort::No,
        searchable: false,
        json: |r| json!(r.version),
    },
];

static COLUMNS: [Column<ClientRow>; 8] = [
    Column { view: col("ID", Some("id"), 7, 0, true), cell: |r| r.id.to_string() },
    Column { view: col("Name", Some("last_name"), 14, 3, true), cell: |r| person(&r.first_name, &r.last_name) },
    Column { view: col("Company", Some("company_name"), 12, 3, true), cell: |r| maybe(&r.company_name) },
    Column { view: col("Email", Some("email"), 16, 3, true), cell: |r| r.email.clone() },
    Column { view: col("Phone", Some("phone"), 14, 0, false), cell: |r| maybe(&r.phone) },
    Column { view: col("Sales contact", None, 14, 2, false), cell: |r| maybe(&r.sales_contact_name) },
    Column {
        view: col("Last contact", Some("last_contact_at"), 16, 0, false),
        cell: |r| maybe_local(r.last_contact_at),
    },
    Column { view: col("Created", Some("created_at"), 16, 0, false), cell: |r| local(r.created_at) },
];

static CLI: [CliColumn<ClientRow>; 6] = [
    CliColumn { header: "ID", flexible: false, cell: |r| r.id.to_string() },
    CliColumn { header: "NAME", flexible: true, cell: |r| person(&r.first_name, &r.last_name) },
    CliColumn { header: "COMPANY", flexible: true, cell: |r| maybe(&r.company_name) },
    CliColumn { header: "EMAIL", flexible: true, cell: |r| r.email.clone() },
    CliColumn { header: "PHONE", flexible: false, cell: |r| maybe(&r.phone) },
    CliColumn { header: "SALES", flexible: true, cell: |r| r.sales_contact_name.clone().unwrap_or_else(|| "-".into()) },
];

static DETAIL: [Detail<ClientRow>; 9] = [
    Detail { label: "Client", text: |r| format!("{} {}", r.id, person(&r.first_name, &r.last_name)) },
    Detail { label: "Company", text: |r| maybe(&r.company_name) },
    Detail { label: "Email", text: |r| r.email.clone() },
    Detail { label: "Phone", text: |r| maybe(&r.phone) },
    Detail { label: "Sales contact", text: |r| maybe(&r.sales_contact_name) },
    Detail { label: "First contact", text: |r| local(r.created_at) },
    Detail { label: "Last contact", text: |r| maybe_local(r.last_contact_at) },
    Detail { label: "Updated", text: |r| local(r.updated_at) },
    Detail { label: "Version", text: |r| r.version.to_string() },
];
