//! Employees: list and show for everyone (never password data); MANAGEMENT
//! updates, moves, deactivates, reactivates and deletes them.  There is
//! always an active manager, and nobody deactivates or deletes themselves.
//! (Creating employees and their passwords is the accounts service's.)

use crate::services::kinds;
use serde_json::json;

use crate::auth::Session;
use crate::domain::policy::{Action, Owners};
use crate::domain::{Department, validation};
use crate::error::{Failure, FailureKind};
use crate::store::employees::{self, EmployeeChanges, EmployeeFilter, EmployeeRow};
use crate::store::paging::{Page, PageRequest, Sort};
use crate::store::{ActingTx, Store, StoreError};

use super::{audit_entry, permit, records};

/// What an employee list shows.
#[derive(Clone, Debug, Default)]
pub struct EmployeeQuery {
    /// Only this department.
    pub department: Option<Department>,
    /// Only deactivated employees.
    pub inactive: bool,
    /// Free text over names, email and phone.
    pub search: Option<String>,
}

/// Changes as typed; `None` keeps a field, an empty phone removes it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EmployeeEdit {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub department: Option<String>,
}

fn translate(err: StoreError) -> Failure {
    match err {
        StoreError::Duplicate(_) => Failure::new(FailureKind::Conflict, "An employee with this email already exists."),
        other => Failure::from(other),
    }
}

/// One page of employees.
pub async fn list(
    store: &Store,
    session: &Session,
    query: &EmployeeQuery,
    sort: Sort,
    page: &PageRequest,
) -> Result<Page<EmployeeRow>, Failure> {
    let filter = filter(query);
    Ok(store.as_employee(&session.actor(), async |tx| employees::list(tx, &filter, sort, page).await).await?)
}

/// How many employees the list of `query` holds, every page.
pub async fn count(store: &Store, session: &Session, query: &EmployeeQuery) -> Result<u64, Failure> {
    let filter = filter(query);
    Ok(store.as_employee(&session.actor(), async |tx| employees::count(tx, &filter).await).await?)
}

/// The store's filter for a list query.
fn filter(query: &EmployeeQuery) -> EmployeeFilter {
    EmployeeFilter { department: query.department, inactive: query.inactive, search: query.search.clone() }
}

/// One employee.
pub async fn show(store: &Store, session: &Session, id: i64) -> Result<EmployeeRow, Failure> {
    store.as_employee(&session.actor(), async |tx| employees::get(tx, id).await).await.map_err(translate)
}

/// Refuses to leave MANAGEMENT without an active manager.
async fn keep_a_manager(tx: &ActingTx, employee: &EmployeeRow, what: &str) -> Result<(), Failure> {
    if employee.active
        && employee.department() == Some(Department::Management)
        && employees::lock_active_managers(tx).await? <= 1
    {
        return Err(Failure::invalid(format!(
            "{} {} is the last active manager: {what} would leave nobody to manage employees. Make someone else a manager first.",
            employee.first_name, employee.last_name
        )));
    }
    Ok(())
}

/// MANAGEMENT changes an employee's details or department.
pub async fn update(
    store: &Store,
    session: &Session,
    id: i64,
    edit: &EmployeeEdit,
    expect_version: Option<i64>,
) -> Result<EmployeeRow, Failure> {
    let action = if edit.department.is_some() { Action::ChangeDepartment } else { Action::UpdateEmployee };
    permit(session, action, Owners::default())?;
    let department = edit.department.as_deref().map(|text| text.parse::<Department>()).transpose().map_err(|err| {
        Failure::invalid(format!("The department is {}.", err.trim_start_matches("unknown department ")))
    })?;
    if *edit == EmployeeEdit::default() {
        return Err(Failure::invalid("Nothing to change: give at least one field to update."));
    }
    let tx = store.begin_as(&session.actor()).await?;
    let before = employees::get(&tx, id).await.map_err(translate)?;
    if let Some(department) = department.filter(|d| Some(*d) != before.department()) {
        if department != Department::Management {
            keep_a_manager(&tx, &before, "moving them out of MANAGEMENT").await?;
        }
        // A client's sales contact is a salesperson and an event's support
        // contact a support person: hand their records over first.
        let (clients, events) = employees::owned(&tx, id).await?;
        let name = format!("{} {}", before.first_name, before.last_name);
        if before.department() == Some(Department::Sales) && clients > 0 {
            return Err(Failure::invalid(format!(
                "{name} is the sales contact of {clients} client(s): reassign them before moving {name} out of SALES."
            )));
        }
        if before.department() == Some(Department::Support) && events > 0 {
            return Err(Failure::invalid(format!(
                "{name} supports {events} event(s): assign them to someone else before moving {name} out of SUPPORT."
            )));
        }
    }
    let changes = EmployeeChanges {
        first_name: edit.first_name.as_deref().map(|v| validation::person_name("first name", v)).transpose()?,
        last_name: edit.last_name.as_deref().map(|v| validation::person_name("last name", v)).transpose()?,
        email: edit.email.as_deref().map(validation::email).transpose()?,
        phone: edit.phone.as_deref().map(validation::phone).transpose()?,
        department,
        ..EmployeeChanges::default()
    };
    let after = write(&tx, session, &before, changes, expect_version, "employee.update").await?;
    tx.commit().await?;
    crate::telemetry::notable("employee.update", "employee", after.id, session.employee_id);
    Ok(after)
}

/// MANAGEMENT deactivates (their sessions end at once) or reactivates an
/// employee.
pub async fn set_active(
    store: &Store,
    session: &Session,
    id: i64,
    active: bool,
    expect_version: Option<i64>,
) -> Result<EmployeeRow, Failure> {
    let action = if active { Action::ReactivateEmployee } else { Action::DeactivateEmployee };
    permit(session, action, Owners::default())?;
    if !active && id == session.employee_id {
        return Err(Failure::invalid("You cannot deactivate yourself: ask another manager."));
    }
    let tx = store.begin_as(&session.actor()).await?;
    let before = employees::get(&tx, id).await.map_err(translate)?;
    if before.active == active {
        let state = if active { "active" } else { "deactivated" };
        return Err(Failure::invalid(format!("{} {} is already {state}.", before.first_name, before.last_name)));
    }
    if !active {
        keep_a_manager(&tx, &before, "deactivating them").await?;
    }
    let changes = EmployeeChanges { active: Some(active), ..EmployeeChanges::default() };
    let name = if active { "employee.reactivate" } else { "employee.deactivate" };
    let after = write(&tx, session, &before, changes, expect_version, name).await?;
    tx.commit().await?;
    crate::telemetry::notable(name, "employee", after.id, session.employee_id);
    Ok(after)
}

/// MANAGEMENT deletes an employee nothing references.
pub async fn delete(store: &Store, session: &Session, id: i64, expect_version: Option<i64>) -> Result<(), Failure> {
    permit(session, Action::DeleteEmployee, Owners::default())?;
    if id == session.employee_id {
        return Err(Failure::invalid("You cannot delete yourself: ask another manager."));
    }
    let tx = store.begin_as(&session.actor()).await?;
    let before = employees::get(&tx, id).await.map_err(translate)?;
    keep_a_manager(&tx, &before, "deleting them").await?;
    let references = employees::references(&tx, id).await?;
    if references > 0 {
        return Err(Failure::invalid(format!(
            "{} {} is named on {references} client(s), contract(s) or event(s): reassign those first, or deactivate the employee instead.",
            before.first_name, before.last_name
        )));
    }
    employees::delete(&tx, id, expect_version.unwrap_or(before.version)).await.map_err(translate)?;
    let changes = json!({"deleted": kinds::EMPLOYEE.json(&before)});
    tx.audit(crate::domain::time::now_ms(), audit_entry(session, "employee.delete", "employee", id, changes)).await?;
    tx.commit().await?;
    crate::telemetry::notable("employee.delete", "employee", id, session.employee_id);
    Ok(())
}

/// Applies changes at the expected version and records them.
async fn write(
    tx: &ActingTx,
    session: &Session,
    before: &EmployeeRow,
    changes: EmployeeChanges,
    expect_version: Option<i64>,
    action: &'static str,
) -> Result<EmployeeRow, Failure> {
    let version = expect_version.unwrap_or(before.version);
    let after = employees::update(tx, before.id, version, changes).await.map_err(translate)?;
    let diff = records::changes(&kinds::EMPLOYEE.json(before), &kinds::EMPLOYEE.json(&after));
    tx.audit(after.updated_at, audit_entry(session, action, "employee", after.id, diff)).await?;
    Ok(after)
}
