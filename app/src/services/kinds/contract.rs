//! The contract: an amount agreed with a client, signed once, paid over
//! time.

use serde_json::json;

use super::{
    CliColumn, Column, Detail, Field, Kind, Sort, Type, col, field, local, maybe, maybe_local, maybe_time, time,
};
use crate::domain::Department::{Management, Sales};
use crate::services::records::money;
use crate::store::contracts::ContractRow;

/// Contracts.
pub static CONTRACT: Kind<ContractRow> =
    Kind::new("contract", "Contracts", &FIELDS, &COLUMNS, &CLI, &DETAIL, &crate::store::contracts::SORTS);

static FIELDS: [Field<ContractRow>; 12] = [
    field("id", "Contract", Type::Id, false, &[], Sort::Key, |r| json!(r.id)),
    field("client_id", "Client", Type::Id, true, &[], Sort::No, |r| json!(r.client_id)),
    // Contracts are searched through their client (name, email, company…).
    Field {
        searchable: true,
        ..field("client_name", "Client", Type::Text, false, &[], Sort::No, |r| json!(r.client_name))
    },
    field("sales_contact_id", "Sales contact", Type::Id, false, &[], Sort::No, |r| json!(r.sales_contact_id)),
    field("sales_contact_name", "Sales contact", Type::Text, false, &[], Sort::No, |r| json!(r.sales_contact_name)),
    field("total_amount", "Total", Type::Money, true, &[Management, Sales], Sort::Index("contracts_total_idx"), |r| {
        json!(money(r.total_cents))
    }),
    field("amount_due", "Still due", Type::Money, false, &[Management, Sales], Sort::Index("contracts_due_idx"), |r| {
        json!(money(r.due_cents))
    }),
    field("signed", "State", Type::Flag, false, &[Management, Sales], Sort::Index("contracts_state_idx"), |r| {
        json!(r.signed)
    }),
    field("signed_at", "Signed at", Type::Time, false, &[], Sort::Index("contracts_signed_at_idx"), |r| {
        maybe_time(r.signed_at)
    }),
    field("created_at", "Created", Type::Time, false, &[], Sort::Index("contracts_created_at_idx"), |r| {
        time(r.created_at)
    }),
    field("updated_at", "Updated", Type::Time, false, &[], Sort::No, |r| time(r.updated_at)),
    field("version", "Version", Type::Count, false, &[], Sort::No, |r| json!(r.version)),
];

fn state(row: &ContractRow) -> String {
    if row.signed { "signed" } else { "unsigned" }.to_owned()
}

static COLUMNS: [Column<ContractRow>; 8] = [
    Column { view: col("ID", Some("id"), 7, 0, true), cell: |r| r.id.to_string() },
    Column { view: col("Client", None, 14, 3, true), cell: |r| r.client_name.clone() },
    Column { view: col("Total", Some("total_amount"), 11, 0, true), cell: |r| money(r.total_cents) },
    Column { view: col("Due", Some("amount_due"), 11, 0, true), cell: |r| money(r.due_cents) },
    Column { view: col("State", Some("signed"), 8, 0, true), cell: state },
    Column { view: col("Signed", Some("signed_at"), 16, 0, false), cell: |r| maybe_local(r.signed_at) },
    Column { view: col("Sales contact", None, 14, 2, false), cell: |r| maybe(&r.sales_contact_name) },
    Column { view: col("Created", Some("created_at"), 16, 0, false), cell: |r| local(r.created_at) },
];

static CLI: [CliColumn<ContractRow>; 6] = [
    CliColumn { header: "ID", flexible: false, cell: |r| r.id.to_string() },
    CliColumn { header: "CLIENT", flexible: true, cell: |r| r.client_name.clone() },
    CliColumn { header: "SALES", flexible: true, cell: |r| r.sales_contact_name.clone().unwrap_or_else(|| "-".into()) },
    CliColumn { header: "TOTAL", flexible: false, cell: |r| money(r.total_cents) },
    CliColumn { header: "DUE", flexible: false, cell: |r| money(r.due_cents) },
    CliColumn { header: "STATE", flexible: false, cell: state },
];

static DETAIL: [Detail<ContractRow>; 10] = [
    Detail { label: "Contract", text: |r| r.id.to_string() },
    Detail { label: "Client", text: |r| format!("{} {}", r.client_id, r.client_name) },
    Detail { label: "Total", text: |r| money(r.total_cents) },
    Detail { label: "Still due", text: |r| money(r.due_cents) },
    Detail { label: "State", text: state },
    Detail { label: "Signed at", text: |r| maybe_local(r.signed_at) },
    Detail { label: "Sales contact", text: |r| maybe(&r.sales_contact_name) },
    Detail { label: "Created", text: |r| local(r.created_at) },
    Detail { label: "Updated", text: |r| local(r.updated_at) },
    Detail { label: "Version", text: |r| r.version.to_string() },
];
