//! The whole database in and out: one consistent snapshot read table by
//! table in id order, and a load that writes a bundle's rows in one
//! transaction (docs/decisions/0008-export-bundles.md).
//!
//! Rows travel in the bundle's own form ([`Employee`], [`Client`], …):
//! PRODUCT.md's field names, money as decimal strings, times as RFC 3339
//! UTC with milliseconds, credentials as portable verifiers.  Their serde
//! field order is the canonical key order, so the same data always gives
//! the same bytes on both backends.

use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseTransaction, FromQueryResult, IsolationLevel, QueryResult, TransactionTrait,
    Value,
};
use serde::{Deserialize, Serialize};

use std::sync::LazyLock;

use sea_orm::{Iterable, ModelTrait};

use super::bulk::BulkLoad;
use super::sql::Sql;
use super::values;
use super::{Backend, Store, StoreError};
use crate::auth::password::Verifier;
use crate::config::DatabaseTarget;
use crate::domain::Department;

/// A table of the bundle, in the order rows are written and read back
/// (every table after the ones it references).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Table {
    /// Employees, with their department's code.
    Employees,
    /// Password verifiers, so people keep their passwords.
    Credentials,
    /// Clients.
    Clients,
    /// Contracts.
    Contracts,
    /// Events.
    Events,
    /// The audit trail, as written.
    AuditEntries,
    /// Notifications, read or not.
    Notifications,
}

impl Table {
    /// Every table, in load order.
    pub const ALL: [Table; 7] = [
        Table::Employees,
        Table::Credentials,
        Table::Clients,
        Table::Contracts,
        Table::Events,
        Table::AuditEntries,
        Table::Notifications,
    ];

    /// The table's name in the manifest (and in the database).
    pub fn name(self) -> &'static str {
        match self {
            Table::Employees => "employees",
            Table::Credentials => "credentials",
            Table::Clients => "clients",
            Table::Contracts => "contracts",
            Table::Events => "events",
            Table::AuditEntries => "audit_entries",
            Table::Notifications => "notifications",
        }
    }

    /// The table called `name`, if the bundle format has one.
    pub fn from_name(name: &str) -> Option<Table> {
        Table::ALL.into_iter().find(|table| table.name() == name)
    }

    /// The column rows are ordered and paged by.
    fn key(self) -> &'static str {
        match self {
            Table::Credentials => "employee_id",
            _ => "id",
        }
    }
}

/// Times as RFC 3339 UTC with milliseconds, the precision they are stored in.
pub use entity::wire::time;

/// Money as a decimal string (`"12000.50"`), stored as cents.
pub mod money {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::domain::money::Money;

    pub fn serialize<S: Serializer>(cents: &i64, serializer: S) -> Result<S::Ok, S::Error> {
        match Money::from_cents(*cents) {
            Some(money) => serializer.serialize_str(&money.to_string()),
            None => Err(serde::ser::Error::custom(format!("{cents} cents is out of range"))),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse::<Money>().map(Money::cents).map_err(serde::de::Error::custom)
    }
}

/// An employee as exported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, FromQueryResult)]
#[serde(deny_unknown_fields)]
pub struct Employee {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: Option<String>,
    /// `MANAGEMENT`, `SALES` or `SUPPORT`.
    pub department: String,
    pub active: bool,
    #[serde(with = "time::optional")]
    pub deactivated_at: Option<i64>,
    pub must_change_password: bool,
    #[serde(with = "time")]
    pub created_at: i64,
    #[serde(with = "time")]
    pub updated_at: i64,
    pub version: i64,
}

/// An employee's password verifier in the portable form both backends
/// check (see [`Verifier`]); salt and verifier in standard base64.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credential {
    pub employee_id: i64,
    /// Always `argon2id-sha256`: SHA-256 of the argon2id key.
    pub algorithm: String,
    pub m_cost: u32,
    pub t_cost: u32,
    pub p_cost: u32,
    pub salt: String,
    pub verifier: String,
    #[serde(with = "time")]
    pub updated_at: i64,
}

/// The only verifier algorithm of format version 1.
pub const CREDENTIAL_ALGORITHM: &str = "argon2id-sha256";

impl Credential {
    fn from_verifier(employee_id: i64, verifier: &Verifier, updated_at: i64) -> Credential {
        let encode = |bytes: &[u8]| base64::Engine::encode(&base64::engine::general_purpose::STANDARD, bytes);
        Credential {
            employee_id,
            algorithm: CREDENTIAL_ALGORITHM.into(),
            m_cost: verifier.m_cost,
            t_cost: verifier.t_cost,
            p_cost: verifier.p_cost,
            salt: encode(&verifier.salt),
            verifier: encode(&verifier.digest),
            updated_at,
        }
    }

    /// The verifier this row describes, if it is well formed.
    pub fn verifier(&self) -> Result<Verifier, String> {
        if self.algorithm != CREDENTIAL_ALGORITHM {
            return Err(format!("unknown verifier algorithm \"{}\" (expected {CREDENTIAL_ALGORITHM})", self.algorithm));
        }
        let decode = |field: &str, text: &str| {
            base64::Engine::decode(&base64::engine::general_purpose::STANDARD, text)
                .map_err(|_| format!("{field} is not base64"))
        };
        let verifier = Verifier {
            salt: decode("salt", &self.salt)?,
            m_cost: self.m_cost,
            t_cost: self.t_cost,
            p_cost: self.p_cost,
            digest: decode("verifier", &self.verifier)?,
        };
        if !verifier.is_well_formed() {
            return Err("the salt, costs or verifier are outside what argon2id-sha256 allows".into());
        }
        Ok(verifier)
    }
}

/// A client as exported: the entity itself, whose serde form is the
/// bundle's (every column, in the entity's order; a new field travels
/// without a line here).
pub use entity::client::Model as Client;

/// A contract as exported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, FromQueryResult)]
#[serde(deny_unknown_fields)]
pub struct Contract {
    pub id: i64,
    pub client_id: i64,
    pub sales_contact_id: Option<i64>,
    #[serde(with = "money")]
    pub total_amount: i64,
    #[serde(with = "money")]
    pub amount_due: i64,
    pub signed: bool,
    #[serde(with = "time::optional")]
    pub signed_at: Option<i64>,
    pub signed_by_id: Option<i64>,
    #[serde(with = "time")]
    pub created_at: i64,
    #[serde(with = "time")]
    pub updated_at: i64,
    pub version: i64,
}

/// An event as exported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, FromQueryResult)]
#[serde(deny_unknown_fields)]
pub struct Event {
    pub id: i64,
    pub name: String,
    pub contract_id: i64,
    pub support_contact_id: Option<i64>,
    #[serde(with = "time")]
    pub start_at: i64,
    #[serde(with = "time")]
    pub end_at: i64,
    pub location: Option<String>,
    pub attendees: i32,
    pub notes: Option<String>,
    #[serde(with = "time")]
    pub created_at: i64,
    #[serde(with = "time")]
    pub updated_at: i64,
    pub version: i64,
}

/// An audit entry as written; `changes` is the JSON it recorded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditEntry {
    pub id: i64,
    #[serde(with = "time")]
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub action: String,
    pub record_kind: String,
    pub record_id: Option<i64>,
    pub changes: serde_json::Value,
}

/// A notification as exported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, FromQueryResult)]
#[serde(deny_unknown_fields)]
pub struct Notification {
    pub id: i64,
    pub recipient_id: i64,
    #[serde(with = "time")]
    pub at: i64,
    pub kind: String,
    pub record_kind: String,
    pub record_id: Option<i64>,
    pub message: String,
    #[serde(with = "time::optional")]
    pub read_at: Option<i64>,
}

/// One row of any table.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Row {
    Employee(Employee),
    Credential(Credential),
    Client(Client),
    Contract(Contract),
    Event(Event),
    AuditEntry(AuditEntry),
    Notification(Notification),
}

impl Row {
    /// Reads one line of `table`'s file.
    pub fn parse(table: Table, line: &[u8]) -> Result<Row, serde_json::Error> {
        Ok(match table {
            Table::Employees => Row::Employee(serde_json::from_slice(line)?),
            Table::Credentials => Row::Credential(serde_json::from_slice(line)?),
            Table::Clients => Row::Client(serde_json::from_slice(line)?),
            Table::Contracts => Row::Contract(serde_json::from_slice(line)?),
            Table::Events => Row::Event(serde_json::from_slice(line)?),
            Table::AuditEntries => Row::AuditEntry(serde_json::from_slice(line)?),
            Table::Notifications => Row::Notification(serde_json::from_slice(line)?),
        })
    }

    /// The row's key: its id (the employee's, for a credential).
    pub fn key(&self) -> i64 {
        match self {
            Row::Employee(row) => row.id,
            Row::Credential(row) => row.employee_id,
            Row::Client(row) => row.id,
            Row::Contract(row) => row.id,
            Row::Event(row) => row.id,
            Row::AuditEntry(row) => row.id,
            Row::Notification(row) => row.id,
        }
    }
}

/// Audit entries as stored: `changes` is JSON text.
#[derive(FromQueryResult)]
struct StoredAuditEntry {
    id: i64,
    at: i64,
    actor_id: Option<i64>,
    actor_name: String,
    action: String,
    record_kind: String,
    record_id: Option<i64>,
    changes: String,
}

/// SQLite credentials: a PHC string (or the portable form).
#[derive(FromQueryResult)]
struct SqliteCredential {
    employee_id: i64,
    password_hash: String,
    updated_at: i64,
}

/// PostgreSQL team-mode credentials: the portable form's parts.
#[derive(FromQueryResult)]
struct PostgresCredential {
    employee_id: i64,
    salt: Vec<u8>,
    m_cost: i32,
    t_cost: i32,
    p_cost: i32,
    verifier: Vec<u8>,
    updated_at: i64,
}

/// The SELECT list of `table` in the bundle's field names.
fn select_list(table: Table, backend: Backend) -> &'static str {
    match (table, backend) {
        (Table::Employees, _) => {
            "e.id AS id, e.first_name AS first_name, e.last_name AS last_name, e.email AS email, e.phone AS phone, \
             d.code AS department, e.active AS active, e.deactivated_at AS deactivated_at, \
             e.must_change_password AS must_change_password, e.created_at AS created_at, \
             e.updated_at AS updated_at, e.version AS version \
             FROM employees e JOIN departments d ON d.id = e.department_id"
        }
        (Table::Credentials, Backend::Sqlite) => {
            "e.employee_id AS employee_id, e.password_hash AS password_hash, e.updated_at AS updated_at FROM credentials e"
        }
        (Table::Credentials, Backend::Postgres) => {
            "e.employee_id AS employee_id, e.salt AS salt, e.m_cost AS m_cost, e.t_cost AS t_cost, e.p_cost AS p_cost, \
             e.verifier AS verifier, e.updated_at AS updated_at FROM credentials e"
        }
        (Table::Clients, _) => CLIENT_SELECT.as_str(),
        (Table::Contracts, _) => {
            "e.id AS id, e.client_id AS client_id, e.sales_contact_id AS sales_contact_id, \
             e.total_cents AS total_amount, e.due_cents AS amount_due, e.signed AS signed, e.signed_at AS signed_at, \
             e.signed_by_id AS signed_by_id, e.created_at AS created_at, e.updated_at AS updated_at, \
             e.version AS version FROM contracts e"
        }
        (Table::Events, _) => {
            "e.id AS id, e.name AS name, e.contract_id AS contract_id, e.support_contact_id AS support_contact_id, \
             e.start_at AS start_at, e.end_at AS end_at, e.location AS location, e.attendees AS attendees, \
             e.notes AS notes, e.created_at AS created_at, e.updated_at AS updated_at, e.version AS version \
             FROM events e"
        }
        (Table::AuditEntries, _) => {
            "e.id AS id, e.at AS at, e.actor_id AS actor_id, e.actor_name AS actor_name, e.action AS action, \
             e.record_kind AS record_kind, e.record_id AS record_id, e.changes AS changes FROM audit_entries e"
        }
        (Table::Notifications, _) => {
            "e.id AS id, e.recipient_id AS recipient_id, e.at AS at, e.kind AS kind, e.record_kind AS record_kind, \
             e.record_id AS record_id, e.message AS message, e.read_at AS read_at FROM notifications e"
        }
    }
}

/// Turns one stored row of `table` into the bundle's form.
fn from_stored(table: Table, backend: Backend, row: &QueryResult) -> Result<Row, StoreError> {
    Ok(match table {
        Table::Employees => Row::Employee(Employee::from_query_result(row, "")?),
        Table::Credentials => {
            let (employee_id, verifier, updated_at) = match backend {
                Backend::Sqlite => {
                    let stored = SqliteCredential::from_query_result(row, "")?;
                    let verifier = Verifier::from_stored(&stored.password_hash).ok_or_else(|| {
                        StoreError::Invalid(format!(
                            "Employee {}'s password verifier is in a form this version cannot export: a manager resets their password (`epic-crm employees reset-password {}`), then export again.",
                            stored.employee_id, stored.employee_id
                        ))
                    })?;
                    (stored.employee_id, verifier, stored.updated_at)
                }
                Backend::Postgres => {
                    let stored = PostgresCredential::from_query_result(row, "")?;
                    let cost = |value: i32| u32::try_from(value).unwrap_or(0);
                    let verifier = Verifier {
                        salt: stored.salt,
                        m_cost: cost(stored.m_cost),
                        t_cost: cost(stored.t_cost),
                        p_cost: cost(stored.p_cost),
                        digest: stored.verifier,
                    };
                    (stored.employee_id, verifier, stored.updated_at)
                }
            };
            Row::Credential(Credential::from_verifier(employee_id, &verifier, updated_at))
        }
        Table::Clients => Row::Client(Client::from_query_result(row, "")?),
        Table::Contracts => Row::Contract(Contract::from_query_result(row, "")?),
        Table::Events => Row::Event(Event::from_query_result(row, "")?),
        Table::AuditEntries => {
            let stored = StoredAuditEntry::from_query_result(row, "")?;
            // Text that is not JSON (never written by the CRM) travels as a
            // JSON string, so nothing is lost.
            let changes =
                serde_json::from_str(&stored.changes).unwrap_or(serde_json::Value::String(stored.changes.clone()));
            Row::AuditEntry(AuditEntry {
                id: stored.id,
                at: stored.at,
                actor_id: stored.actor_id,
                actor_name: stored.actor_name,
                action: stored.action,
                record_kind: stored.record_kind,
                record_id: stored.record_id,
                changes,
            })
        }
        Table::Notifications => Row::Notification(Notification::from_query_result(row, "")?),
    })
}

/// One consistent view of the whole database for an export: a read
/// transaction on SQLite (WAL keeps its snapshot while others write),
/// `REPEATABLE READ READ ONLY` on PostgreSQL.
pub struct Snapshot {
    tx: DatabaseTransaction,
    backend: Backend,
    schema_version: Option<String>,
}

impl Snapshot {
    /// Begins the snapshot and pins it with a first read.
    pub async fn begin(store: &Store) -> Result<Snapshot, StoreError> {
        let tx = match store.backend() {
            Backend::Sqlite => store.system().begin().await?,
            Backend::Postgres => {
                store
                    .system()
                    .begin_with_config(Some(IsolationLevel::RepeatableRead), Some(AccessMode::ReadOnly))
                    .await?
            }
        };
        // SQLite takes its snapshot at the first read, PostgreSQL at the
        // first statement: the schema's version is read now, before
        // anything else can commit, and kept.
        let sql = Sql::new("SELECT max(version) AS version FROM seaql_migrations");
        let schema_version = match tx.query_one_raw(sql.build(store.backend())).await? {
            Some(row) => row.try_get::<Option<String>>("", "version")?,
            None => None,
        };
        Ok(Snapshot { tx, backend: store.backend(), schema_version })
    }

    /// The newest migration the database has (the schema's version).
    pub fn schema_version(&self) -> Option<&str> {
        self.schema_version.as_deref()
    }

    /// How many rows `table` holds.
    pub async fn count(&self, table: Table) -> Result<i64, StoreError> {
        let sql = Sql::new(format!("SELECT count(*) AS n FROM {}", table.name()));
        let row = self.tx.query_one_raw(sql.build(self.backend)).await?;
        Ok(match row {
            Some(row) => row.try_get::<i64>("", "n")?,
            None => 0,
        })
    }

    /// Up to `limit` rows of `table` with keys above `after`, in key order.
    pub async fn page(&self, table: Table, after: i64, limit: u64) -> Result<Vec<Row>, StoreError> {
        let key = table.key();
        let mut sql = Sql::new(format!("SELECT {} WHERE e.{key} > ", select_list(table, self.backend)));
        sql.bind(after).push(&format!(" ORDER BY e.{key} LIMIT ")).bind(limit as i64);
        let rows = self.tx.query_all_raw(sql.build(self.backend)).await?;
        rows.iter().map(|row| from_stored(table, self.backend, row)).collect()
    }

    /// Ends the snapshot (it wrote nothing).
    pub async fn finish(self) -> Result<(), StoreError> {
        self.tx.rollback().await.map_err(StoreError::from)
    }
}

/// The tables a load writes: the bundle's and the running totals rebuilt
/// from them.
const LOADED_TABLES: [&str; 9] = [
    "employees",
    "credentials",
    "clients",
    "contracts",
    "events",
    "audit_entries",
    "notifications",
    "contract_totals",
    "event_days",
];

/// Rebuilds the dashboard's running totals (migration 0004) from the rows.
const REBUILD_TOTALS: [&str; 4] = [
    "DELETE FROM contract_totals",
    "INSERT INTO contract_totals (sales_contact_id, contracts, unsigned, unpaid, signed_cents, unsigned_cents, outstanding_cents) \
     SELECT coalesce(sales_contact_id, 0), count(*), \
            sum(CASE WHEN signed THEN 0 ELSE 1 END), sum(CASE WHEN due_cents > 0 THEN 1 ELSE 0 END), \
            sum(CASE WHEN signed THEN total_cents ELSE 0 END), sum(CASE WHEN signed THEN 0 ELSE total_cents END), \
            sum(due_cents) \
     FROM contracts GROUP BY coalesce(sales_contact_id, 0)",
    "DELETE FROM event_days",
    "INSERT INTO event_days (day, events, without_support) \
     SELECT start_at / 86400000, count(*), sum(CASE WHEN support_contact_id IS NULL THEN 1 ELSE 0 END) \
     FROM events GROUP BY start_at / 86400000",
];

/// Writes a bundle's rows in one transaction: all of them or none.
pub struct Load {
    load: BulkLoad,
    backend: Backend,
}

impl Load {
    /// Opens the database to itself and begins the transaction; with
    /// `replace`, every record, session and login attempt is deleted first
    /// (inside the same transaction).
    pub async fn begin(target: &DatabaseTarget, replace: bool) -> Result<Load, StoreError> {
        let mut load = BulkLoad::begin_durable(target, &LOADED_TABLES).await?;
        let backend = load.backend();
        if replace {
            let statements: &[&str] = match backend {
                // Children first: foreign keys are checked row by row.
                Backend::Sqlite => &[
                    "DELETE FROM notifications",
                    "DELETE FROM audit_entries",
                    "DELETE FROM events",
                    "DELETE FROM contracts",
                    "DELETE FROM clients",
                    "DELETE FROM sessions",
                    "DELETE FROM login_attempts",
                    "DELETE FROM credentials",
                    "DELETE FROM employees",
                    "DELETE FROM sqlite_sequence WHERE name IN ('employees', 'clients', 'contracts', 'events', 'audit_entries', 'notifications', 'sessions')",
                ],
                Backend::Postgres => {
                    &["TRUNCATE notifications, audit_entries, events, contracts, clients, sessions, login_attempts, \
                     login_challenges, credentials, employees"]
                }
            };
            for sql in statements {
                load.execute(sql).await?;
            }
        }
        Ok(Load { load, backend })
    }

    /// Writes rows of one table (all of the same kind).
    pub async fn insert(&mut self, table: Table, rows: &[Row]) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        let columns = insert_columns(table, self.backend);
        let mut values = Vec::with_capacity(rows.len() * columns.len());
        for row in rows {
            push_values(row, self.backend, &mut values)?;
        }
        self.load.insert(table.name(), columns, values).await
    }

    /// Rebuilds the running totals and commits.
    pub async fn commit(mut self) -> Result<(), StoreError> {
        for sql in REBUILD_TOTALS {
            self.load.execute(sql).await?;
        }
        self.load.commit().await
    }
}

/// The columns a bulk load writes, in the order of its values (the
/// import and the demo seeder share them).
pub const EMPLOYEE_COLUMNS: [&str; 12] = [
    "id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "department_id",
    "active",
    "deactivated_at",
    "must_change_password",
    "created_at",
    "updated_at",
    "version",
];

/// The columns a client is exported from and loaded into: the entity's.
static CLIENT_COLUMNS: LazyLock<Vec<&'static str>> = LazyLock::new(values::columns::<entity::client::Entity>);

/// The SELECT list of clients in the bundle's field names.
static CLIENT_SELECT: LazyLock<String> =
    LazyLock::new(|| format!("{} FROM clients e", values::select_list::<entity::client::Entity>("e")));

/// The columns a bulk load writes, in the order of its values (the
/// import and the demo seeder share them).
pub const CONTRACT_COLUMNS: [&str; 11] = [
    "id",
    "client_id",
    "sales_contact_id",
    "total_cents",
    "due_cents",
    "signed",
    "signed_at",
    "signed_by_id",
    "created_at",
    "updated_at",
    "version",
];

/// The columns a bulk load writes, in the order of its values (the
/// import and the demo seeder share them).
pub const EVENT_COLUMNS: [&str; 12] = [
    "id",
    "name",
    "contract_id",
    "support_contact_id",
    "start_at",
    "end_at",
    "location",
    "attendees",
    "notes",
    "created_at",
    "updated_at",
    "version",
];

impl Table {
    /// The columns a row of this table is exported from and inserted into,
    /// in [`push_values`] order: every column of the table (a test holds
    /// them to the live schema, so a new column cannot be left out of the
    /// bundle).
    pub fn columns(self, backend: Backend) -> &'static [&'static str] {
        insert_columns(self, backend)
    }
}

/// The columns a row of `table` is inserted into, in [`push_values`] order.
fn insert_columns(table: Table, backend: Backend) -> &'static [&'static str] {
    match (table, backend) {
        (Table::Employees, _) => &EMPLOYEE_COLUMNS,
        (Table::Credentials, Backend::Sqlite) => &["employee_id", "password_hash", "updated_at"],
        (Table::Credentials, Backend::Postgres) => {
            &["employee_id", "salt", "m_cost", "t_cost", "p_cost", "verifier", "updated_at"]
        }
        (Table::Clients, _) => CLIENT_COLUMNS.as_slice(),
        (Table::Contracts, _) => &CONTRACT_COLUMNS,
        (Table::Events, _) => &EVENT_COLUMNS,
        (Table::AuditEntries, _) => {
            &["id", "at", "actor_id", "actor_name", "action", "record_kind", "record_id", "changes"]
        }
        (Table::Notifications, _) => {
            &["id", "recipient_id", "at", "kind", "record_kind", "record_id", "message", "read_at"]
        }
    }
}

/// Appends a row's values in [`insert_columns`] order.
fn push_values(row: &Row, backend: Backend, values: &mut Vec<Value>) -> Result<(), StoreError> {
    match row {
        Row::Employee(e) => {
            let department: Department = e.department.parse().map_err(StoreError::Invalid)?;
            values.extend([
                Value::from(e.id),
                Value::from(e.first_name.clone()),
                Value::from(e.last_name.clone()),
                Value::from(e.email.clone()),
                Value::from(e.phone.clone()),
                Value::from(department.id()),
                Value::from(e.active),
                Value::from(e.deactivated_at),
                Value::from(e.must_change_password),
                Value::from(e.created_at),
                Value::from(e.updated_at),
                Value::from(e.version),
            ]);
        }
        Row::Credential(c) => {
            let verifier = c.verifier().map_err(StoreError::Invalid)?;
            match backend {
                Backend::Sqlite => values.extend([
                    Value::from(c.employee_id),
                    Value::from(verifier.to_portable_phc()),
                    Value::from(c.updated_at),
                ]),
                Backend::Postgres => {
                    let cost = |value: u32| i32::try_from(value).unwrap_or(i32::MAX);
                    values.extend([
                        Value::from(c.employee_id),
                        Value::from(verifier.salt),
                        Value::from(cost(verifier.m_cost)),
                        Value::from(cost(verifier.t_cost)),
                        Value::from(cost(verifier.p_cost)),
                        Value::from(verifier.digest),
                        Value::from(c.updated_at),
                    ])
                }
            }
        }
        Row::Client(c) => values.extend(entity::client::Column::iter().map(|column| c.get(column))),
        Row::Contract(c) => values.extend([
            Value::from(c.id),
            Value::from(c.client_id),
            Value::from(c.sales_contact_id),
            Value::from(c.total_amount),
            Value::from(c.amount_due),
            Value::from(c.signed),
            Value::from(c.signed_at),
            Value::from(c.signed_by_id),
            Value::from(c.created_at),
            Value::from(c.updated_at),
            Value::from(c.version),
        ]),
        Row::Event(e) => values.extend([
            Value::from(e.id),
            Value::from(e.name.clone()),
            Value::from(e.contract_id),
            Value::from(e.support_contact_id),
            Value::from(e.start_at),
            Value::from(e.end_at),
            Value::from(e.location.clone()),
            Value::from(e.attendees),
            Value::from(e.notes.clone()),
            Value::from(e.created_at),
            Value::from(e.updated_at),
            Value::from(e.version),
        ]),
        Row::AuditEntry(a) => {
            let changes = match &a.changes {
                serde_json::Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            values.extend([
                Value::from(a.id),
                Value::from(a.at),
                Value::from(a.actor_id),
                Value::from(a.actor_name.clone()),
                Value::from(a.action.clone()),
                Value::from(a.record_kind.clone()),
                Value::from(a.record_id),
                Value::from(changes),
            ])
        }
        Row::Notification(n) => values.extend([
            Value::from(n.id),
            Value::from(n.recipient_id),
            Value::from(n.at),
            Value::from(n.kind.clone()),
            Value::from(n.record_kind.clone()),
            Value::from(n.record_id),
            Value::from(n.message.clone()),
            Value::from(n.read_at),
        ]),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_keep_their_milliseconds_and_money_its_cents() {
        assert_eq!(time::text(1_764_758_912_123).as_deref(), Some("2025-12-03T10:48:32.123Z"));
        assert_eq!(time::parse("2025-12-03T10:48:32.123Z"), Ok(1_764_758_912_123));
        assert_eq!(time::parse("2025-12-03T11:48:32.123+01:00"), Ok(1_764_758_912_123));
        assert!(time::parse("yesterday").is_err());
        let line = br#"{"id":1,"client_id":2,"sales_contact_id":null,"total_amount":"12000.50","amount_due":"0.05","signed":false,"signed_at":null,"signed_by_id":null,"created_at":"2025-12-03T10:48:32.123Z","updated_at":"2025-12-03T10:48:32.123Z","version":1}"#;
        let Row::Contract(contract) = Row::parse(Table::Contracts, line).expect("parse") else { panic!("a contract") };
        assert_eq!((contract.total_amount, contract.amount_due), (1_200_050, 5));
        assert_eq!(serde_json::to_vec(&contract).expect("serialize"), line.to_vec(), "the same bytes come back");
        let unknown = br#"{"id":1,"client_id":2,"extra":1}"#;
        assert!(Row::parse(Table::Contracts, unknown).is_err());
    }
}
