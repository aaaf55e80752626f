//! Clients: list (filters, search, sort, keyset pages), count, get, create,
//! and update guarded by the version read.

use entity::client;
use sea_orm::sea_query::Expr;
use std::sync::LazyLock;

use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, FromQueryResult, QueryFilter, QueryResult};

use super::paging::{self, KeyKind, ListSpec, Page, PageRequest, Sort, SortColumn};
use super::sql::Sql;
use super::values::{self, Values};
use super::{ActingTx, Backend, StoreError, search};
use crate::domain::time::now_ms;

/// Record kind name used in messages.
pub const KIND: &str = "client";

/// A client as lists and detail views show it: the stored record (every
/// column of the entity, so a new field needs no line here) and the name
/// of its sales contact.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientRow {
    /// The client as stored.
    pub record: client::Model,
    /// The sales contact's full name, if any.
    pub sales_contact_name: Option<String>,
}

impl std::ops::Deref for ClientRow {
    type Target = client::Model;

    fn deref(&self) -> &client::Model {
        &self.record
    }
}

impl std::ops::DerefMut for ClientRow {
    fn deref_mut(&mut self) -> &mut client::Model {
        &mut self.record
    }
}

impl FromQueryResult for ClientRow {
    fn from_query_result(row: &QueryResult, pre: &str) -> Result<ClientRow, sea_orm::DbErr> {
        Ok(ClientRow {
            record: client::Model::from_query_result(row, pre)?,
            sales_contact_name: row.try_get(pre, "sales_contact_name")?,
        })
    }
}

/// The sortable columns of the client list, each served by an index.
pub static SORTS: [SortColumn; 7] = [
    SortColumn { name: "id", expr: "c.id", kind: KeyKind::Int },
    SortColumn { name: "last_name", expr: "c.last_name", kind: KeyKind::Text },
    SortColumn { name: "email", expr: "lower(c.email)", kind: KeyKind::Text },
    SortColumn { name: "company_name", expr: "coalesce(c.company_name, '')", kind: KeyKind::Text },
    SortColumn { name: "created_at", expr: "c.created_at", kind: KeyKind::Int },
    SortColumn { name: "last_contact_at", expr: "coalesce(c.last_contact_at, 0)", kind: KeyKind::Int },
    SortColumn { name: "phone", expr: "coalesce(c.phone, '')", kind: KeyKind::Text },
];

static SPEC: LazyLock<ListSpec> = LazyLock::new(|| ListSpec {
    columns: format!(
        "{}, e.first_name || ' ' || e.last_name AS sales_contact_name",
        values::select_list::<client::Entity>("c")
    )
    .into(),
    table: "clients c",
    joins: "LEFT JOIN employees e ON e.id = c.sales_contact_id",
    id: "c.id",
});

/// Which clients a list shows; every field narrows it further.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientFilter {
    /// Only clients whose sales contact is this employee ("mine").
    pub sales_contact_id: Option<i64>,
    /// Only clients whose sales contact is missing or deactivated.
    pub without_active_sales: bool,
    /// Free text over names, email, phone and company.
    pub search: Option<String>,
}

async fn conditions(tx: &ActingTx, filter: &ClientFilter) -> Result<Vec<Sql>, StoreError> {
    let mut conditions = Vec::new();
    if let Some(id) = filter.sales_contact_id {
        conditions.push(Sql::with("c.sales_contact_id = ?", id));
    }
    if filter.without_active_sales {
        // Unary plus keeps the planner from collecting every such client
        // through the sales-contact index and sorting them: scanning the
        // sort order and filtering finds a page sooner.
        conditions.push(Sql::new(
            "+c.sales_contact_id IS NULL OR +c.sales_contact_id IN (SELECT x.id FROM employees x WHERE NOT x.active)",
        ));
    }
    if let Some(text) = &filter.search
        && let Some(found) = search::condition(tx, &search::CLIENTS, search::Target::Own("c"), text).await?
    {
        conditions.push(found);
    }
    Ok(conditions)
}

/// One page of clients.
pub async fn list(
    tx: &ActingTx,
    filter: &ClientFilter,
    sort: Sort,
    page: &PageRequest,
) -> Result<Page<ClientRow>, StoreError> {
    paging::fetch_page(tx, &SPEC, conditions(tx, filter).await?, sort, page).await
}

/// How many clients match the filter.
pub async fn count(tx: &ActingTx, filter: &ClientFilter) -> Result<u64, StoreError> {
    paging::count(tx, &SPEC, conditions(tx, filter).await?).await
}

/// A cursor positioned just after the row with this id, in `sort` order.
pub async fn cursor_at(tx: &ActingTx, sort: Sort, id: i64) -> Result<Option<String>, StoreError> {
    paging::cursor_at(tx, &SPEC, sort, id).await
}

/// The client with this id.
pub async fn get(tx: &ActingTx, id: i64) -> Result<ClientRow, StoreError> {
    paging::fetch_one(tx, &SPEC, KIND, id).await
}

/// Creates a client from checked values; its first contact is now.
pub async fn create(tx: &ActingTx, new: &Values) -> Result<ClientRow, StoreError> {
    let now = now_ms();
    let model = client::ActiveModel {
        created_at: Set(now),
        updated_at: Set(now),
        last_contact_at: Set(Some(now)),
        version: Set(1),
        ..Default::default()
    };
    let inserted = client::Entity::insert(values::active(model, new)?).exec(tx.conn()).await?;
    get(tx, inserted.last_insert_id).await
}

/// Updates a client's fields to `changes` if it is still at
/// `expected_version`.
pub async fn update(tx: &ActingTx, id: i64, expected_version: i64, changes: &Values) -> Result<ClientRow, StoreError> {
    let model = client::ActiveModel { updated_at: Set(now_ms()), ..Default::default() };
    let result = client::Entity::update_many()
        .set(values::active(model, changes)?)
        .col_expr(client::Column::Version, Expr::cust("version + 1"))
        .filter(client::Column::Id.eq(id))
        .filter(client::Column::Version.eq(expected_version))
        .exec(tx.conn())
        .await?;
    if result.rows_affected == 0 {
        let current = get(tx, id).await?;
        return Err(StoreError::stale_or_refused(KIND, id, expected_version, current.version));
    }
    get(tx, id).await
}

/// What the database sets on every new client, after the given values.
const SET_ON_CREATE: &str = "created_at, updated_at, last_contact_at, version";

/// Creates many clients in multi-row statements (a spreadsheet import);
/// their first contact is now.  Every row sets the same columns (those of
/// the first).  Returns them in the order given.
pub async fn create_many(tx: &ActingTx, new: &[Values]) -> Result<Vec<ClientRow>, StoreError> {
    let Some(first) = new.first() else { return Ok(Vec::new()) };
    let names: Vec<&'static str> = first.names().collect();
    let now = now_ms();
    let mut created = Vec::with_capacity(new.len());
    match tx.backend() {
        Backend::Sqlite => {
            // Well under SQLite's limit of 32,766 bound values a statement.
            let per_statement = (30_000 / (names.len() + 3)).clamp(1, 500);
            for chunk in new.chunks(per_statement) {
                let mut sql = Sql::new(format!("INSERT INTO clients ({}, {SET_ON_CREATE}) VALUES ", names.join(", ")));
                for (n, client) in chunk.iter().enumerate() {
                    sql.push(if n > 0 { ", (" } else { "(" });
                    for (at, name) in names.iter().enumerate() {
                        let value = client.get(name).cloned().unwrap_or_else(|| first_value(first, name));
                        sql.push(if at > 0 { ", " } else { "" }).bind(value);
                    }
                    sql.push(", ").bind(now).push(", ").bind(now).push(", ").bind(now).push(", 1)");
                }
                sql.push(" RETURNING id, lower(email) AS email_key");
                created.extend(returned(tx, sql, chunk).await?);
            }
        }
        // One statement and one bound document for the whole batch: a
        // statement's fixed costs (planning thousands of parameters, the
        // audit trigger's token check) are paid once, not per 500 rows.
        // The document's keys are read with their columns' types.
        Backend::Postgres => {
            let sources: Vec<String> = names.iter().map(|name| format!("r.{name}")).collect();
            let mut sql = Sql::new(format!(
                "INSERT INTO clients ({}, {SET_ON_CREATE}) SELECT {}, ",
                names.join(", "),
                sources.join(", ")
            ));
            sql.bind(now).push(", ").bind(now).push(", ").bind(now);
            sql.push(", 1 FROM jsonb_populate_recordset(NULL::clients, ");
            sql.bind(rows_document(new)?).push("::jsonb) WITH ORDINALITY AS r ORDER BY r.ordinality");
            sql.push(" RETURNING id, lower(email) AS email_key");
            created.extend(returned(tx, sql, new).await?);
        }
    }
    Ok(created)
}

/// The typed null of a column the first row set and a later one did not.
fn first_value(first: &Values, name: &str) -> sea_orm::Value {
    first.get(name).map(sea_orm::Value::as_null).unwrap_or(sea_orm::Value::String(None))
}

/// Creates clients for the salesperson `sales_contact_id` on a manager's
/// behalf (`clients import --sales`).  On PostgreSQL through the
/// database's `crm_import_clients`, which checks the session is
/// MANAGEMENT's and the salesperson active (migrations 0007 and 0009); on
/// SQLite, where the application is the authority, as [`create_many`].
pub async fn import_for(tx: &ActingTx, sales_contact_id: i64, new: &[Values]) -> Result<Vec<ClientRow>, StoreError> {
    if tx.backend() == Backend::Sqlite {
        return create_many(tx, new).await;
    }
    let now = now_ms();
    let mut sql = Sql::new("SELECT client_id AS id, email_key FROM crm_import_clients(");
    sql.bind(sales_contact_id).push(", ").bind(rows_document(new)?).push("::jsonb, ").bind(now).push(")");
    returned(tx, sql, new).await
}

/// New clients as one JSON array of objects (their values by column name),
/// for PostgreSQL's `jsonb_populate_recordset`.
fn rows_document(new: &[Values]) -> Result<String, StoreError> {
    let rows: Vec<serde_json::Value> = new
        .iter()
        .map(|client| {
            serde_json::Value::Object(
                client.iter().map(|(name, value)| (name.to_owned(), values::json(value))).collect(),
            )
        })
        .collect();
    serde_json::to_string(&rows).map_err(|err| StoreError::Internal(err.to_string()))
}

/// Runs an insert of `chunk` returning `id, email_key`, and reads the new
/// rows back as the database holds them, in the order of `chunk` (matched
/// by email, which is unique, not by the order rows return in).
async fn returned(tx: &ActingTx, sql: Sql, chunk: &[Values]) -> Result<Vec<ClientRow>, StoreError> {
    let rows = sea_orm::ConnectionTrait::query_all_raw(tx.conn(), sql.build(tx.backend())).await?;
    let mut ids = std::collections::HashMap::with_capacity(rows.len());
    for row in rows {
        ids.insert(row.try_get::<String>("", "email_key")?, row.try_get::<i64>("", "id")?);
    }
    let mut by_id: std::collections::HashMap<i64, ClientRow> =
        by_ids(tx, &ids.values().copied().collect::<Vec<_>>()).await?.into_iter().map(|row| (row.id, row)).collect();
    chunk
        .iter()
        .map(|client| {
            let email = client.text("email").unwrap_or_default();
            ids.get(&email.to_lowercase())
                .and_then(|id| by_id.remove(id))
                .ok_or_else(|| StoreError::Internal(format!("the new client {email} was not returned")))
        })
        .collect()
}

/// The clients with these ids (any order).
async fn by_ids(tx: &ActingTx, ids: &[i64]) -> Result<Vec<ClientRow>, StoreError> {
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let mut sql = Sql::new(format!("SELECT {} FROM {} {} WHERE c.id IN ", SPEC.columns, SPEC.table, SPEC.joins));
        sql.push_in_list(chunk.iter().copied());
        for row in sea_orm::ConnectionTrait::query_all_raw(tx.conn(), sql.build(tx.backend())).await? {
            found.push(ClientRow::from_query_result(&row, "")?);
        }
    }
    Ok(found)
}

/// The clients whose email is one of `emails` (ignoring case).
pub async fn by_emails(tx: &ActingTx, emails: &[String]) -> Result<Vec<ClientRow>, StoreError> {
    let mut found = Vec::new();
    for chunk in emails.chunks(500) {
        // No order and no limit: each address is one probe of the unique
        // lower(email) index (a page query would walk the id order).
        let mut sql = Sql::new(format!("SELECT {} FROM {} {} WHERE ", SPEC.columns, SPEC.table, SPEC.joins));
        match tx.backend() {
            Backend::Sqlite => {
                sql.push("lower(c.email) IN ").push_in_list(chunk.iter().map(|email| email.to_lowercase()));
            }
            // Under row-level security only the owner's lookup can use the
            // index (migration 0006).
            Backend::Postgres => {
                sql.push("c.id IN (SELECT crm_client_ids_by_email(ARRAY[");
                for (n, email) in chunk.iter().enumerate() {
                    if n > 0 {
                        sql.push(", ");
                    }
                    sql.bind(email.to_lowercase());
                }
                sql.push("]::text[]))");
            }
        }
        for row in sea_orm::ConnectionTrait::query_all_raw(tx.conn(), sql.build(tx.backend())).await? {
            found.push(ClientRow::from_query_result(&row, "")?);
        }
    }
    Ok(found)
}
