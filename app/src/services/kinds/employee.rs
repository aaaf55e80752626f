//! The employee: someone of MANAGEMENT, SALES or SUPPORT (never password
//! data: credentials live apart).

use serde_json::json;

use super::{CliColumn, Column, Detail, Field, Kind, Sort, Type, col, field, local, maybe, maybe_local, person, time};
use crate::domain::Department::Management;
use crate::store::employees::EmployeeRow;

/// Employees.
pub static EMPLOYEE: Kind<EmployeeRow> =
    Kind::new("employee", "Employees", &FIELDS, &COLUMNS, &CLI, &DETAIL, &crate::store::employees::SORTS);

static FIELDS: [Field<EmployeeRow>; 11] = [
    field("id", "Employee", Type::Id, false, &[], Sort::Key, |r| json!(r.id)),
    Field {
        searchable: true,
        ..field(
            "first_name",
            "First name",
            Type::Text,
            true,
            &[Management],
            Sort::Index("employees_first_name_idx"),
            |r| json!(r.first_name),
        )
    },
    Field {
        searchable: true,
        ..field(
            "last_name",
            "Last name",
            Type::Text,
            true,
            &[Management],
            Sort::Index("employees_last_name_idx"),
            |r| json!(r.last_name),
        )
    },
    Field {
        searchable: true,
        ..field("email", "Email", Type::Email, true, &[Management], Sort::Index("employees_email_key"), |r| {
            json!(r.email)
        })
    },
    Field {
        searchable: true,
        ..field("phone", "Phone", Type::Phone, false, &[Management], Sort::Scan, |r| json!(r.phone))
    },
    field(
        "department",
        "Department",
        Type::Department,
        true,
        &[Management],
        Sort::Index("employees_department_idx"),
        |r| json!(r.department().map(|d| d.code())),
    ),
    field("active", "Status", Type::Flag, false, &[Management], Sort::Scan, |r| json!(r.active)),
    field("must_change_password", "New password", Type::Flag, false, &[], Sort::No, |r| json!(r.must_change_password)),
    field("created_at", "Since", Type::Time, false, &[], Sort::Index("employees_created_at_idx"), |r| {
        time(r.created_at)
    }),
    field("updated_at", "Updated", Type::Time, false, &[], Sort::Index("employees_updated_at_idx"), |r| {
        time(r.updated_at)
    }),
    field("version", "Version", Type::Count, false, &[], Sort::No, |r| json!(r.version)),
];

fn department(row: &EmployeeRow) -> String {
    row.department().map(|d| d.to_string()).unwrap_or_default()
}

fn status(row: &EmployeeRow) -> String {
    match (row.active, row.must_change_password) {
        (false, _) => "deactivated",
        (true, true) => "new password",
        (true, false) => "active",
    }
    .to_owned()
}

static COLUMNS: [Column<EmployeeRow>; 7] = [
    Column { view: col("ID", Some("id"), 5, 0, true), cell: |r| r.id.to_string() },
    Column { view: col("Name", Some("last_name"), 14, 3, true), cell: |r| person(&r.first_name, &r.last_name) },
    Column { view: col("Email", Some("email"), 16, 3, true), cell: |r| r.email.clone() },
    Column { view: col("Department", Some("department"), 10, 0, true), cell: department },
    Column { view: col("Phone", Some("phone"), 14, 0, false), cell: |r| maybe(&r.phone) },
    Column { view: col("Status", Some("active"), 11, 0, false), cell: status },
    Column { view: col("Since", Some("created_at"), 16, 0, false), cell: |r| local(r.created_at) },
];

static CLI: [CliColumn<EmployeeRow>; 5] = [
    CliColumn { header: "ID", flexible: false, cell: |r| r.id.to_string() },
    CliColumn { header: "NAME", flexible: true, cell: |r| person(&r.first_name, &r.last_name) },
    CliColumn { header: "EMAIL", flexible: true, cell: |r| r.email.clone() },
    CliColumn { header: "DEPARTMENT", flexible: false, cell: |r| r.department().map_or("?", |d| d.code()).to_owned() },
    CliColumn { header: "STATE", flexible: false, cell: |r| if r.active { "active" } else { "inactive" }.to_owned() },
];

static DETAIL: [Detail<EmployeeRow>; 9] = [
    Detail { label: "Employee", text: |r| format!("{} {}", r.id, person(&r.first_name, &r.last_name)) },
    Detail { label: "Email", text: |r| r.email.clone() },
    Detail { label: "Phone", text: |r| maybe(&r.phone) },
    Detail { label: "Department", text: department },
    Detail { label: "Status", text: status },
    Detail { label: "Deactivated", text: |r| maybe_local(r.deactivated_at) },
    Detail { label: "Since", text: |r| local(r.created_at) },
    Detail { label: "Updated", text: |r| local(r.updated_at) },
    Detail { label: "Version", text: |r| r.version.to_string() },
];
