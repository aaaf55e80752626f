//! Employees: list (department, inactive, search), count, get, create with
//! a password verifier, and update guarded by the version read.  Password
//! data never leaves this module except to the authentication code.

use entity::{credential, employee};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, FromQueryResult, QueryFilter};

use super::paging::{self, KeyKind, ListSpec, Page, PageRequest, Sort, SortColumn};
use super::sql::{Sql, scalar};
use super::{ActingTx, Store, StoreError, search};
use crate::domain::Department;
use crate::domain::time::now_ms;

/// Record kind name used in messages.
pub const KIND: &str = "employee";

/// An employee as lists and detail views show it (never password data).
#[derive(Clone, Debug, PartialEq, Eq, FromQueryResult)]
pub struct EmployeeRow {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub department_id: i32,
    pub active: bool,
    pub deactivated_at: Option<i64>,
    pub must_change_password: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

impl EmployeeRow {
    /// The employee's department.
    pub fn department(&self) -> Option<Department> {
        Department::from_id(self.department_id)
    }
}

/// The sortable columns of the employee list, each served by an index.
pub static SORTS: [SortColumn; 9] = [
    SortColumn { name: "id", expr: "m.id", kind: KeyKind::Int },
    SortColumn { name: "last_name", expr: "m.last_name", kind: KeyKind::Text },
    SortColumn { name: "first_name", expr: "m.first_name", kind: KeyKind::Text },
    SortColumn { name: "email", expr: "lower(m.email)", kind: KeyKind::Text },
    SortColumn { name: "department", expr: "m.department_id", kind: KeyKind::Int },
    SortColumn { name: "created_at", expr: "m.created_at", kind: KeyKind::Int },
    SortColumn { name: "updated_at", expr: "m.updated_at", kind: KeyKind::Int },
    // The employee table stays small (one per 200 clients): no index needed.
    SortColumn { name: "phone", expr: "coalesce(m.phone, '')", kind: KeyKind::Text },
    SortColumn { name: "active", expr: "(CASE WHEN m.active THEN 1 ELSE 0 END)", kind: KeyKind::Int },
];

const SPEC: ListSpec = ListSpec {
    columns: std::borrow::Cow::Borrowed(
        "m.id AS id, m.first_name AS first_name, m.last_name AS last_name, m.email AS email, m.phone AS phone, \
              m.department_id AS department_id, m.active AS active, m.deactivated_at AS deactivated_at, \
              m.must_change_password AS must_change_password, m.created_at AS created_at, \
              m.updated_at AS updated_at, m.version AS version",
    ),
    table: "employees m",
    joins: "",
    id: "m.id",
};

/// Which employees a list shows; every field narrows it further.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EmployeeFilter {
    /// Only this department.
    pub department: Option<Department>,
    /// Only deactivated employees.
    pub inactive: bool,
    /// Free text over names, email and phone.
    pub search: Option<String>,
}

async fn conditions(tx: &ActingTx, filter: &EmployeeFilter) -> Result<Vec<Sql>, StoreError> {
    let mut conditions = Vec::new();
    if let Some(department) = filter.department {
        conditions.push(Sql::with("m.department_id = ?", department.id()));
    }
    if filter.inactive {
        conditions.push(Sql::new("NOT m.active"));
    }
    if let Some(text) = &filter.search
        && let Some(found) = search::condition(tx, &search::EMPLOYEES, search::Target::Own("m"), text).await?
    {
        conditions.push(found);
    }
    Ok(conditions)
}

/// One page of employees.
pub async fn list(
    tx: &ActingTx,
    filter: &EmployeeFilter,
    sort: Sort,
    page: &PageRequest,
) -> Result<Page<EmployeeRow>, StoreError> {
    paging::fetch_page(tx, &SPEC, conditions(tx, filter).await?, sort, page).await
}

/// How many employees match the filter.
pub async fn count(tx: &ActingTx, filter: &EmployeeFilter) -> Result<u64, StoreError> {
    paging::count(tx, &SPEC, conditions(tx, filter).await?).await
}

/// A cursor positioned just after the row with this id, in `sort` order.
pub async fn cursor_at(tx: &ActingTx, sort: Sort, id: i64) -> Result<Option<String>, StoreError> {
    paging::cursor_at(tx, &SPEC, sort, id).await
}

/// The employee with this id.
pub async fn get(tx: &ActingTx, id: i64) -> Result<EmployeeRow, StoreError> {
    paging::fetch_one(tx, &SPEC, KIND, id).await
}

/// The employee with this id, locked against concurrent changes until the
/// transaction ends (PostgreSQL `FOR SHARE`; SQLite write transactions
/// already exclude each other): used when a rule depends on the employee
/// staying as read, such as "an active SUPPORT employee".
pub async fn get_locked(tx: &ActingTx, id: i64) -> Result<EmployeeRow, StoreError> {
    if tx.backend() == super::Backend::Postgres {
        let sql = Sql::with("SELECT id FROM employees WHERE id = ? FOR SHARE", id);
        sea_orm::ConnectionTrait::execute_raw(tx.conn(), sql.build(tx.backend())).await?;
    }
    get(tx, id).await
}

/// The active managers, locked on PostgreSQL (`FOR UPDATE`) so that two
/// managers demoting each other at once cannot both succeed.
pub async fn lock_active_managers(tx: &ActingTx) -> Result<i64, StoreError> {
    if tx.backend() == super::Backend::Postgres {
        let sql = Sql::with(
            "SELECT id FROM employees WHERE active AND department_id = ? FOR UPDATE",
            Department::Management.id(),
        );
        sea_orm::ConnectionTrait::execute_raw(tx.conn(), sql.build(tx.backend())).await?;
    }
    active_in(tx, Department::Management).await
}

/// An employee to create.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewEmployee {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub department: Department,
    pub must_change_password: bool,
}

/// Creates an employee and their password verifier (an argon2id PHC string).
pub async fn create(tx: &ActingTx, new: NewEmployee, password_hash: String) -> Result<EmployeeRow, StoreError> {
    let id = insert(tx.conn(), new, password_hash).await?;
    get(tx, id).await
}

/// Inserts an employee and their credential in `conn`'s transaction;
/// returns the new id.  Shared with the creation of the first manager, who
/// has nobody to act for them.
pub(crate) async fn insert(
    conn: &sea_orm::DatabaseTransaction,
    new: NewEmployee,
    password_hash: String,
) -> Result<i64, StoreError> {
    let now = now_ms();
    let model = employee::ActiveModel {
        first_name: Set(new.first_name),
        last_name: Set(new.last_name),
        email: Set(new.email),
        phone: Set(new.phone),
        department_id: Set(new.department.id()),
        active: Set(true),
        deactivated_at: Set(None),
        must_change_password: Set(new.must_change_password),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    };
    let inserted = employee::Entity::insert(model).exec(conn).await?;
    let id = inserted.last_insert_id;
    credential::Entity::insert(credential::ActiveModel {
        employee_id: Set(id),
        password_hash: Set(password_hash),
        updated_at: Set(now),
    })
    .exec(conn)
    .await?;
    Ok(id)
}

/// Changes to an employee; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EmployeeChanges {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<Option<String>>,
    pub department: Option<Department>,
    /// `Some(false)` deactivates now, `Some(true)` reactivates.
    pub active: Option<bool>,
    pub must_change_password: Option<bool>,
}

/// Updates an employee if it is still at `expected_version`.
pub async fn update(
    tx: &ActingTx,
    id: i64,
    expected_version: i64,
    changes: EmployeeChanges,
) -> Result<EmployeeRow, StoreError> {
    let now = now_ms();
    let mut model = employee::ActiveModel { updated_at: Set(now), ..Default::default() };
    if let Some(value) = changes.first_name {
        model.first_name = Set(value);
    }
    if let Some(value) = changes.last_name {
        model.last_name = Set(value);
    }
    if let Some(value) = changes.email {
        model.email = Set(value);
    }
    if let Some(value) = changes.phone {
        model.phone = Set(value);
    }
    if let Some(value) = changes.department {
        model.department_id = Set(value.id());
    }
    if let Some(active) = changes.active {
        model.active = Set(active);
        model.deactivated_at = Set((!active).then_some(now));
    }
    if let Some(value) = changes.must_change_password {
        model.must_change_password = Set(value);
    }
    let result = employee::Entity::update_many()
        .set(model)
        .col_expr(employee::Column::Version, Expr::cust("version + 1"))
        .filter(employee::Column::Id.eq(id))
        .filter(employee::Column::Version.eq(expected_version))
        .exec(tx.conn())
        .await?;
    if result.rows_affected == 0 {
        let current = get(tx, id).await?;
        return Err(StoreError::stale_or_refused(KIND, id, expected_version, current.version));
    }
    if changes.active == Some(false) && tx.backend() == super::Backend::Sqlite {
        // Deactivation ends every session at once, so a reactivation later
        // does not bring an old (perhaps stolen) session back.  (On
        // PostgreSQL a trigger does it: the app role cannot touch sessions.)
        let mut revoke = Sql::with("UPDATE sessions SET revoked_at = ? WHERE employee_id = ", now);
        revoke.bind(id).push(" AND revoked_at IS NULL");
        sea_orm::ConnectionTrait::execute_raw(tx.conn(), revoke.build(tx.backend())).await?;
    }
    get(tx, id).await
}

/// How many active employees a department has.
pub async fn active_in(tx: &ActingTx, department: Department) -> Result<i64, StoreError> {
    scalar(tx, Sql::with("SELECT count(*) AS n FROM employees WHERE active AND department_id = ?", department.id()))
        .await
}

/// How many records name this employee: clients and contracts they sell,
/// contracts they signed, events they support.
pub async fn references(tx: &ActingTx, id: i64) -> Result<i64, StoreError> {
    let mut sql = Sql::with("SELECT (SELECT count(*) FROM clients WHERE sales_contact_id = ?)", id);
    sql.push(" + (SELECT count(*) FROM contracts WHERE sales_contact_id = ")
        .bind(id)
        .push(" OR signed_by_id = ")
        .bind(id)
        .push(") + (SELECT count(*) FROM events WHERE support_contact_id = ")
        .bind(id)
        .push(") AS n");
    scalar(tx, sql).await
}

/// How many clients have this employee as sales contact, and how many
/// events as support contact.
pub async fn owned(tx: &ActingTx, id: i64) -> Result<(i64, i64), StoreError> {
    let clients = scalar(tx, Sql::with("SELECT count(*) AS n FROM clients WHERE sales_contact_id = ?", id)).await?;
    let events = scalar(tx, Sql::with("SELECT count(*) AS n FROM events WHERE support_contact_id = ?", id)).await?;
    Ok((clients, events))
}

/// Deletes an employee at `expected_version` (their credential, sessions
/// and notifications go with them; audit entries keep their name).
pub async fn delete(tx: &ActingTx, id: i64, expected_version: i64) -> Result<(), StoreError> {
    let mut sql = Sql::with("DELETE FROM employees WHERE id = ?", id);
    sql.push(" AND version = ").bind(expected_version);
    let result = sea_orm::ConnectionTrait::execute_raw(tx.conn(), sql.build(tx.backend())).await?;
    if result.rows_affected() == 0 {
        let current = get(tx, id).await?;
        return Err(StoreError::stale_or_refused(KIND, id, expected_version, current.version));
    }
    Ok(())
}

/// The employees whose email is one of `emails` (ignoring case), as the
/// acting employee sees them.
pub async fn by_emails(tx: &ActingTx, emails: &[String]) -> Result<Vec<EmployeeRow>, StoreError> {
    let mut found = Vec::new();
    for chunk in emails.chunks(500) {
        let mut sql = Sql::new(format!("SELECT {} FROM {}", SPEC.columns, SPEC.table));
        let mut condition = Sql::new("lower(m.email) IN ");
        condition.push_in_list(chunk.iter().map(|email| email.to_lowercase()));
        sql.push_where(vec![condition]);
        for row in sea_orm::ConnectionTrait::query_all_raw(tx.conn(), sql.build(tx.backend())).await? {
            found.push(EmployeeRow::from_query_result(&row, "")?);
        }
    }
    Ok(found)
}

impl Store {
    /// The employee with this email (case-insensitive), looked up by the
    /// system itself: used before anyone is logged in (login, demo logins).
    pub async fn employee_by_email(&self, email: &str) -> Result<Option<EmployeeRow>, StoreError> {
        let mut sql = Sql::new(format!("SELECT {} FROM {}", SPEC.columns, SPEC.table));
        sql.push_where(vec![Sql::with("lower(m.email) = lower(?)", email.to_owned())]);
        let row = sea_orm::ConnectionTrait::query_one_raw(self.system(), sql.build(self.backend())).await?;
        Ok(match row {
            Some(row) => Some(EmployeeRow::from_query_result(&row, "")?),
            None => None,
        })
    }
}
