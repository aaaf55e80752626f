//! Contracts: list (unsigned, unpaid, mine, per client, search), count,
//! get, create, and update guarded by the version read.  Money is cents.

use entity::contract;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, FromQueryResult, QueryFilter};

use super::paging::{self, KeyKind, ListSpec, Page, PageRequest, Sort, SortColumn};
use super::sql::Sql;
use super::{ActingTx, StoreError, search};
use crate::domain::time::now_ms;

/// Record kind name used in messages.
pub const KIND: &str = "contract";

/// A contract as lists and detail views show it.
#[derive(Clone, Debug, PartialEq, Eq, FromQueryResult)]
pub struct ContractRow {
    pub id: i64,
    pub client_id: i64,
    /// The client's full name.
    pub client_name: String,
    pub sales_contact_id: Option<i64>,
    /// The sales contact's full name, if any.
    pub sales_contact_name: Option<String>,
    pub total_cents: i64,
    pub due_cents: i64,
    pub signed: bool,
    pub signed_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

/// The sortable columns of the contract list, each served by an index.
pub static SORTS: [SortColumn; 6] = [
    SortColumn { name: "id", expr: "k.id", kind: KeyKind::Int },
    SortColumn { name: "total_amount", expr: "k.total_cents", kind: KeyKind::Int },
    SortColumn { name: "amount_due", expr: "k.due_cents", kind: KeyKind::Int },
    SortColumn { name: "created_at", expr: "k.created_at", kind: KeyKind::Int },
    // Unsigned contracts sort before signed ones, newest first among them.
    SortColumn { name: "signed_at", expr: "coalesce(k.signed_at, -k.id)", kind: KeyKind::Int },
    // Unsigned (0) before signed (1); a boolean on PostgreSQL, 0/1 on SQLite.
    SortColumn { name: "signed", expr: "(CASE WHEN k.signed THEN 1 ELSE 0 END)", kind: KeyKind::Int },
];

const SPEC: ListSpec = ListSpec {
    columns: std::borrow::Cow::Borrowed(
        "k.id AS id, k.client_id AS client_id, c.first_name || ' ' || c.last_name AS client_name, \
              k.sales_contact_id AS sales_contact_id, e.first_name || ' ' || e.last_name AS sales_contact_name, \
              k.total_cents AS total_cents, k.due_cents AS due_cents, k.signed AS signed, k.signed_at AS signed_at, \
              k.created_at AS created_at, k.updated_at AS updated_at, k.version AS version",
    ),
    table: "contracts k",
    joins: "JOIN clients c ON c.id = k.client_id LEFT JOIN employees e ON e.id = k.sales_contact_id",
    id: "k.id",
};

/// Which contracts a list shows; every field narrows it further.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContractFilter {
    /// Only contracts not signed yet.
    pub unsigned: bool,
    /// Only contracts with an amount still due.
    pub unpaid: bool,
    /// Only contracts whose sales contact is this employee ("mine").
    pub sales_contact_id: Option<i64>,
    /// Only this client's contracts.
    pub client_id: Option<i64>,
    /// Free text over the client's names, email, phone and company.
    pub search: Option<String>,
}

async fn conditions(tx: &ActingTx, filter: &ContractFilter) -> Result<Vec<Sql>, StoreError> {
    let mut conditions = Vec::new();
    if filter.unsigned {
        conditions.push(Sql::new("NOT k.signed"));
    }
    if filter.unpaid {
        conditions.push(Sql::new("k.due_cents > 0"));
    }
    if let Some(id) = filter.sales_contact_id {
        conditions.push(Sql::with("k.sales_contact_id = ?", id));
    }
    if let Some(id) = filter.client_id {
        conditions.push(Sql::with("k.client_id = ?", id));
    }
    if let Some(text) = &filter.search
        && let Some(found) =
            search::condition(tx, &search::CLIENTS, search::Target::Through("k.client_id"), text).await?
    {
        conditions.push(found);
    }
    Ok(conditions)
}

/// One page of contracts.
pub async fn list(
    tx: &ActingTx,
    filter: &ContractFilter,
    sort: Sort,
    page: &PageRequest,
) -> Result<Page<ContractRow>, StoreError> {
    paging::fetch_page(tx, &SPEC, conditions(tx, filter).await?, sort, page).await
}

/// How many contracts match the filter.
pub async fn count(tx: &ActingTx, filter: &ContractFilter) -> Result<u64, StoreError> {
    paging::count(tx, &SPEC, conditions(tx, filter).await?).await
}

/// A cursor positioned just after the row with this id, in `sort` order.
pub async fn cursor_at(tx: &ActingTx, sort: Sort, id: i64) -> Result<Option<String>, StoreError> {
    paging::cursor_at(tx, &SPEC, sort, id).await
}

/// The contract with this id.
pub async fn get(tx: &ActingTx, id: i64) -> Result<ContractRow, StoreError> {
    paging::fetch_one(tx, &SPEC, KIND, id).await
}

/// A contract to create; its sales contact is the client's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewContract {
    pub client_id: i64,
    pub total_cents: i64,
    pub due_cents: i64,
}

/// Creates an unsigned contract for a client, taking the client's sales contact.
pub async fn create(tx: &ActingTx, new: NewContract) -> Result<ContractRow, StoreError> {
    let client = super::clients::get(tx, new.client_id).await?;
    let now = now_ms();
    let model = contract::ActiveModel {
        client_id: Set(new.client_id),
        sales_contact_id: Set(client.sales_contact_id),
        total_cents: Set(new.total_cents),
        due_cents: Set(new.due_cents),
        signed: Set(false),
        signed_at: Set(None),
        signed_by_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    };
    let inserted = contract::Entity::insert(model).exec(tx.conn()).await?;
    get(tx, inserted.last_insert_id).await
}

/// Changes to a contract; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContractChanges {
    pub total_cents: Option<i64>,
    pub due_cents: Option<i64>,
    /// Sign the contract now, by this employee (signing is final).
    pub signed_by: Option<i64>,
}

/// Updates a contract if it is still at `expected_version`.
pub async fn update(
    tx: &ActingTx,
    id: i64,
    expected_version: i64,
    changes: ContractChanges,
) -> Result<ContractRow, StoreError> {
    let now = now_ms();
    let mut model = contract::ActiveModel { updated_at: Set(now), ..Default::default() };
    if let Some(value) = changes.total_cents {
        model.total_cents = Set(value);
    }
    if let Some(value) = changes.due_cents {
        model.due_cents = Set(value);
    }
    if let Some(employee) = changes.signed_by {
        model.signed = Set(true);
        model.signed_at = Set(Some(now));
        model.signed_by_id = Set(Some(employee));
    }
    let result = contract::Entity::update_many()
        .set(model)
        .col_expr(contract::Column::Version, Expr::cust("version + 1"))
        .filter(contract::Column::Id.eq(id))
        .filter(contract::Column::Version.eq(expected_version))
        .exec(tx.conn())
        .await?;
    if result.rows_affected == 0 {
        let current = get(tx, id).await?;
        return Err(StoreError::stale_or_refused(KIND, id, expected_version, current.version));
    }
    get(tx, id).await
}

/// Deletes a contract if it is still at `expected_version`, unsigned and
/// without events; the caller checks those first to say which rule holds.
pub async fn delete(tx: &ActingTx, id: i64, expected_version: i64) -> Result<(), StoreError> {
    let mut sql = Sql::with("DELETE FROM contracts WHERE id = ?", id);
    sql.push(" AND version = ")
        .bind(expected_version)
        .push(" AND NOT signed AND NOT EXISTS (SELECT 1 FROM events v WHERE v.contract_id = ")
        .bind(id)
        .push(")");
    let result = sea_orm::ConnectionTrait::execute_raw(tx.conn(), sql.build(tx.backend())).await?;
    if result.rows_affected() == 0 {
        let current = get(tx, id).await?;
        return Err(StoreError::stale_or_refused(KIND, id, expected_version, current.version));
    }
    Ok(())
}

/// How many events a contract has.
pub async fn event_count(tx: &ActingTx, id: i64) -> Result<u64, StoreError> {
    #[derive(sea_orm::FromQueryResult)]
    struct Count {
        n: i64,
    }
    let sql = Sql::with("SELECT count(*) AS n FROM events WHERE contract_id = ?", id);
    let row = sea_orm::ConnectionTrait::query_one_raw(tx.conn(), sql.build(tx.backend())).await?;
    let count = match row {
        Some(row) => <Count as sea_orm::FromQueryResult>::from_query_result(&row, "")?.n,
        None => 0,
    };
    Ok(count.max(0) as u64)
}

/// The id and sales contact of each contract of a client.
pub async fn sales_contacts_of_client(tx: &ActingTx, client_id: i64) -> Result<Vec<(i64, Option<i64>)>, StoreError> {
    #[derive(sea_orm::FromQueryResult)]
    struct Owner {
        id: i64,
        sales_contact_id: Option<i64>,
    }
    let sql = Sql::with("SELECT id, sales_contact_id FROM contracts WHERE client_id = ? ORDER BY id", client_id);
    let rows = sea_orm::ConnectionTrait::query_all_raw(tx.conn(), sql.build(tx.backend())).await?;
    rows.iter()
        .map(|row| {
            let owner = <Owner as sea_orm::FromQueryResult>::from_query_result(row, "")?;
            Ok((owner.id, owner.sales_contact_id))
        })
        .collect()
}

/// Gives every contract of a client the client's (new) sales contact, as a
/// new version.  The foreign key's cascade already moved the contracts that
/// had the old contact, but not those that had none, and it bumps no
/// version.
pub async fn follow_client(tx: &ActingTx, client_id: i64, sales_contact_id: i64) -> Result<u64, StoreError> {
    let mut sql = Sql::with("UPDATE contracts SET sales_contact_id = ?", sales_contact_id);
    sql.push(", version = version + 1, updated_at = ").bind(now_ms()).push(" WHERE client_id = ").bind(client_id);
    let result = sea_orm::ConnectionTrait::execute_raw(tx.conn(), sql.build(tx.backend())).await?;
    Ok(result.rows_affected())
}
