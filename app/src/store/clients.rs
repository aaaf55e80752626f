//! Clients: list (filters, search, sort, keyset pages), count, get, create,
//! and update guarded by the version read.

use entity::client;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, FromQueryResult, QueryFilter};

use super::paging::{self, KeyKind, ListSpec, Page, PageRequest, Sort, SortColumn};
use super::sql::Sql;
use super::{ActingTx, Backend, StoreError, search};
use crate::domain::time::now_ms;

/// Record kind name used in messages.
pub const KIND: &str = "client";

/// A client as lists and detail views show it.
#[derive(Clone, Debug, PartialEq, Eq, FromQueryResult)]
pub struct ClientRow {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub company_name: Option<String>,
    pub sales_contact_id: Option<i64>,
    /// The sales contact's full name, if any.
    pub sales_contact_name: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_contact_at: Option<i64>,
    pub version: i64,
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

const SPEC: ListSpec = ListSpec {
    columns: "c.id AS id, c.first_name AS first_name, c.last_name AS last_name, c.email AS email, \
              c.phone AS phone, c.company_name AS company_name, c.sales_contact_id AS sales_contact_id, \
              e.first_name || ' ' || e.last_name AS sales_contact_name, c.created_at AS created_at, \
              c.updated_at AS updated_at, c.last_contact_at AS last_contact_at, c.version AS version",
    table: "clients c",
    joins: "LEFT JOIN employees e ON e.id = c.sales_contact_id",
    id: "c.id",
};

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

/// A client to create.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewClient {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub company_name: Option<String>,
    pub sales_contact_id: Option<i64>,
}

/// Creates a client; its first contact is now.
pub async fn create(tx: &ActingTx, new: NewClient) -> Result<ClientRow, StoreError> {
    let now = now_ms();
    let model = client::ActiveModel {
        first_name: Set(new.first_name),
        last_name: Set(new.last_name),
        email: Set(new.email),
        phone: Set(new.phone),
        company_name: Set(new.company_name),
        sales_contact_id: Set(new.sales_contact_id),
        created_at: Set(now),
        updated_at: Set(now),
        last_contact_at: Set(Some(now)),
        version: Set(1),
        ..Default::default()
    };
    let inserted = client::Entity::insert(model).exec(tx.conn()).await?;
    get(tx, inserted.last_insert_id).await
}

/// Changes to a client; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientChanges {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<Option<String>>,
    pub company_name: Option<Option<String>>,
    pub sales_contact_id: Option<Option<i64>>,
    pub last_contact_at: Option<Option<i64>>,
}

/// Updates a client if it is still at `expected_version`.
pub async fn update(
    tx: &ActingTx,
    id: i64,
    expected_version: i64,
    changes: ClientChanges,
) -> Result<ClientRow, StoreError> {
    let mut model = client::ActiveModel { updated_at: Set(now_ms()), ..Default::default() };
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
    if let Some(value) = changes.company_name {
        model.company_name = Set(value);
    }
    if let Some(value) = changes.sales_contact_id {
        model.sales_contact_id = Set(value);
    }
    if let Some(value) = changes.last_contact_at {
        model.last_contact_at = Set(value);
    }
    let result = client::Entity::update_many()
        .set(model)
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

/// Creates many clients in multi-row statements (a spreadsheet import);
/// their first contact is now.  Returns them in the order given.
pub async fn create_many(tx: &ActingTx, new: &[NewClient]) -> Result<Vec<ClientRow>, StoreError> {
    let now = now_ms();
    let mut created = Vec::with_capacity(new.len());
    match tx.backend() {
        // 10 values a row, well under SQLite's limit of bound values.
        Backend::Sqlite => {
            for chunk in new.chunks(500) {
                let mut sql = Sql::new(
                    "INSERT INTO clients (first_name, last_name, email, phone, company_name, sales_contact_id, \
                     created_at, updated_at, last_contact_at, version) VALUES ",
                );
                for (n, client) in chunk.iter().enumerate() {
                    if n > 0 {
                        sql.push(", ");
                    }
                    sql.push("(")
                        .bind(client.first_name.clone())
                        .push(", ")
                        .bind(client.last_name.clone())
                        .push(", ")
                        .bind(client.email.clone())
                        .push(", ")
                        .bind(client.phone.clone())
                        .push(", ")
                        .bind(client.company_name.clone())
                        .push(", ")
                        .bind(client.sales_contact_id)
                        .push(", ")
                        .bind(now)
                        .push(", ")
                        .bind(now)
                        .push(", ")
                        .bind(now)
                        .push(", 1)");
                }
                sql.push(" RETURNING id, lower(email) AS email_key");
                created.extend(returned(tx, sql, chunk, now).await?);
            }
        }
        // One statement and one bound document for the whole batch: a
        // statement's fixed costs (planning thousands of parameters, the
        // audit trigger's token check) are paid once, not per 500 rows.
        Backend::Postgres => {
            let mut sql = Sql::new(
                "INSERT INTO clients (first_name, last_name, email, phone, company_name, sales_contact_id, \
                 created_at, updated_at, last_contact_at, version) \
                 SELECT r.doc->>'first_name', r.doc->>'last_name', r.doc->>'email', r.doc->>'phone', \
                 r.doc->>'company_name', (r.doc->>'sales_contact_id')::bigint, ",
            );
            sql.bind(now).push(", ").bind(now).push(", ").bind(now).push(", 1 FROM jsonb_array_elements(");
            sql.bind(rows_document(new)?).push("::jsonb) WITH ORDINALITY AS r(doc, n) ORDER BY r.n");
            sql.push(" RETURNING id, lower(email) AS email_key");
            created.extend(returned(tx, sql, new, now).await?);
        }
    }
    Ok(created)
}

/// Creates clients for the salesperson `sales_contact_id` on a manager's
/// behalf (`clients import --sales`).  On PostgreSQL through the
/// database's `crm_import_clients`, which checks the session is
/// MANAGEMENT's and the salesperson active (migration 0007); on SQLite, where
/// the application is the authority, as [`create_many`].
pub async fn import_for(tx: &ActingTx, sales_contact_id: i64, new: &[NewClient]) -> Result<Vec<ClientRow>, StoreError> {
    if tx.backend() == Backend::Sqlite {
        return create_many(tx, new).await;
    }
    let now = now_ms();
    let mut sql = Sql::new("SELECT client_id AS id, email_key FROM crm_import_clients(");
    sql.bind(sales_contact_id).push(", ").bind(rows_document(new)?).push("::jsonb, ").bind(now).push(")");
    returned(tx, sql, new, now).await
}

/// New clients as one JSON array of objects, for PostgreSQL's
/// `jsonb_array_elements`.
fn rows_document(new: &[NewClient]) -> Result<String, StoreError> {
    let rows: Vec<serde_json::Value> = new
        .iter()
        .map(|client| {
            serde_json::json!({
                "first_name": client.first_name,
                "last_name": client.last_name,
                "email": client.email,
                "phone": client.phone,
                "company_name": client.company_name,
                "sales_contact_id": client.sales_contact_id,
            })
        })
        .collect();
    serde_json::to_string(&rows).map_err(|err| StoreError::Internal(err.to_string()))
}

/// Runs an insert of `chunk` returning `id, email_key`, and gives the new
/// rows, matched back by email (unique), not by the order rows return in.
async fn returned(tx: &ActingTx, sql: Sql, chunk: &[NewClient], now: i64) -> Result<Vec<ClientRow>, StoreError> {
    let rows = sea_orm::ConnectionTrait::query_all_raw(tx.conn(), sql.build(tx.backend())).await?;
    let mut ids = std::collections::HashMap::with_capacity(rows.len());
    for row in rows {
        ids.insert(row.try_get::<String>("", "email_key")?, row.try_get::<i64>("", "id")?);
    }
    chunk
        .iter()
        .map(|client| {
            let id = ids
                .get(&client.email.to_lowercase())
                .copied()
                .ok_or_else(|| StoreError::Internal(format!("the new client {} was not returned", client.email)))?;
            Ok(ClientRow {
                id,
                first_name: client.first_name.clone(),
                last_name: client.last_name.clone(),
                email: client.email.clone(),
                phone: client.phone.clone(),
                company_name: client.company_name.clone(),
                sales_contact_id: client.sales_contact_id,
                sales_contact_name: None,
                created_at: now,
                updated_at: now,
                last_contact_at: Some(now),
                version: 1,
            })
        })
        .collect()
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
