//! Events: list (without support, assigned to someone, upcoming, of a
//! salesperson's clients, per contract, search), count, get, create, and
//! update guarded by the version read.

use entity::event;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, FromQueryResult, QueryFilter};

use super::paging::{self, KeyKind, ListSpec, Page, PageRequest, Sort, SortColumn};
use super::sql::Sql;
use super::{ActingTx, StoreError, search};
use crate::domain::time::now_ms;

/// Record kind name used in messages.
pub const KIND: &str = "event";

/// An event as lists and detail views show it.
#[derive(Clone, Debug, PartialEq, Eq, FromQueryResult)]
pub struct EventRow {
    pub id: i64,
    pub name: String,
    pub contract_id: i64,
    pub client_id: i64,
    /// The client's full name.
    pub client_name: String,
    pub support_contact_id: Option<i64>,
    /// The support contact's full name, if any.
    pub support_contact_name: Option<String>,
    pub start_at: i64,
    pub end_at: i64,
    pub location: Option<String>,
    pub attendees: i32,
    pub notes: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

/// The sortable columns of the event list, each served by an index.
pub static SORTS: [SortColumn; 6] = [
    SortColumn { name: "start_at", expr: "v.start_at", kind: KeyKind::Int },
    SortColumn { name: "id", expr: "v.id", kind: KeyKind::Int },
    SortColumn { name: "name", expr: "v.name", kind: KeyKind::Text },
    SortColumn { name: "location", expr: "coalesce(v.location, '')", kind: KeyKind::Text },
    SortColumn { name: "attendees", expr: "v.attendees", kind: KeyKind::Int },
    SortColumn { name: "end_at", expr: "v.end_at", kind: KeyKind::Int },
];

const SPEC: ListSpec = ListSpec {
    columns: std::borrow::Cow::Borrowed(
        "v.id AS id, v.name AS name, v.contract_id AS contract_id, k.client_id AS client_id, \
              c.first_name || ' ' || c.last_name AS client_name, v.support_contact_id AS support_contact_id, \
              s.first_name || ' ' || s.last_name AS support_contact_name, v.start_at AS start_at, v.end_at AS end_at, \
              v.location AS location, v.attendees AS attendees, v.notes AS notes, v.created_at AS created_at, \
              v.updated_at AS updated_at, v.version AS version",
    ),
    table: "events v",
    joins: "JOIN contracts k ON k.id = v.contract_id JOIN clients c ON c.id = k.client_id LEFT JOIN employees s ON s.id = v.support_contact_id",
    id: "v.id",
};

/// Which events a list shows; every field narrows it further.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventFilter {
    /// Only events nobody supports yet.
    pub without_support: bool,
    /// Only events this employee supports ("assigned to me").
    pub support_contact_id: Option<i64>,
    /// Only events of this salesperson's clients ("mine" for SALES).
    pub sales_contact_id: Option<i64>,
    /// Only events starting at or after this time (UTC ms): "upcoming".
    pub starting_from: Option<i64>,
    /// Only this contract's events.
    pub contract_id: Option<i64>,
    /// Free text over name, location and notes.
    pub search: Option<String>,
}

async fn conditions(tx: &ActingTx, filter: &EventFilter) -> Result<Vec<Sql>, StoreError> {
    let mut conditions = Vec::new();
    if filter.without_support {
        // Unary plus keeps SQLite from collecting every such event through
        // the support-contact index and sorting them all: walking the sort
        // order and skipping assigned events finds a page sooner.
        conditions.push(Sql::new("+v.support_contact_id IS NULL"));
    }
    if let Some(id) = filter.support_contact_id {
        conditions.push(Sql::with("v.support_contact_id = ?", id));
    }
    if let Some(id) = filter.sales_contact_id {
        conditions.push(Sql::with("v.contract_id IN (SELECT x.id FROM contracts x WHERE x.sales_contact_id = ?)", id));
    }
    if let Some(at) = filter.starting_from {
        conditions.push(Sql::with("v.start_at >= ?", at));
    }
    if let Some(id) = filter.contract_id {
        conditions.push(Sql::with("v.contract_id = ?", id));
    }
    if let Some(text) = &filter.search
        && let Some(found) = search::condition(tx, &search::EVENTS, search::Target::Own("v"), text).await?
    {
        conditions.push(found);
    }
    Ok(conditions)
}

/// One page of events.
pub async fn list(
    tx: &ActingTx,
    filter: &EventFilter,
    sort: Sort,
    page: &PageRequest,
) -> Result<Page<EventRow>, StoreError> {
    paging::fetch_page(tx, &SPEC, conditions(tx, filter).await?, sort, page).await
}

/// How many events match the filter.
pub async fn count(tx: &ActingTx, filter: &EventFilter) -> Result<u64, StoreError> {
    paging::count(tx, &SPEC, conditions(tx, filter).await?).await
}

/// A cursor positioned just after the row with this id, in `sort` order.
pub async fn cursor_at(tx: &ActingTx, sort: Sort, id: i64) -> Result<Option<String>, StoreError> {
    paging::cursor_at(tx, &SPEC, sort, id).await
}

/// The event with this id.
pub async fn get(tx: &ActingTx, id: i64) -> Result<EventRow, StoreError> {
    paging::fetch_one(tx, &SPEC, KIND, id).await
}

/// An event to create.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewEvent {
    pub name: String,
    pub contract_id: i64,
    pub start_at: i64,
    pub end_at: i64,
    pub location: Option<String>,
    pub attendees: i32,
    pub notes: Option<String>,
}

/// Creates an event without a support contact.
pub async fn create(tx: &ActingTx, new: NewEvent) -> Result<EventRow, StoreError> {
    let now = now_ms();
    let model = event::ActiveModel {
        name: Set(new.name),
        contract_id: Set(new.contract_id),
        support_contact_id: Set(None),
        start_at: Set(new.start_at),
        end_at: Set(new.end_at),
        location: Set(new.location),
        attendees: Set(new.attendees),
        notes: Set(new.notes),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    };
    let inserted = event::Entity::insert(model).exec(tx.conn()).await?;
    get(tx, inserted.last_insert_id).await
}

/// Changes to an event; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventChanges {
    pub name: Option<String>,
    pub support_contact_id: Option<Option<i64>>,
    pub start_at: Option<i64>,
    pub end_at: Option<i64>,
    pub location: Option<Option<String>>,
    pub attendees: Option<i32>,
    pub notes: Option<Option<String>>,
}

/// Updates an event if it is still at `expected_version`.
pub async fn update(
    tx: &ActingTx,
    id: i64,
    expected_version: i64,
    changes: EventChanges,
) -> Result<EventRow, StoreError> {
    let mut model = event::ActiveModel { updated_at: Set(now_ms()), ..Default::default() };
    if let Some(value) = changes.name {
        model.name = Set(value);
    }
    if let Some(value) = changes.support_contact_id {
        model.support_contact_id = Set(value);
    }
    if let Some(value) = changes.start_at {
        model.start_at = Set(value);
    }
    if let Some(value) = changes.end_at {
        model.end_at = Set(value);
    }
    if let Some(value) = changes.location {
        model.location = Set(value);
    }
    if let Some(value) = changes.attendees {
        model.attendees = Set(value);
    }
    if let Some(value) = changes.notes {
        model.notes = Set(value);
    }
    let result = event::Entity::update_many()
        .set(model)
        .col_expr(event::Column::Version, Expr::cust("version + 1"))
        .filter(event::Column::Id.eq(id))
        .filter(event::Column::Version.eq(expected_version))
        .exec(tx.conn())
        .await?;
    if result.rows_affected == 0 {
        let current = get(tx, id).await?;
        return Err(StoreError::stale_or_refused(KIND, id, expected_version, current.version));
    }
    get(tx, id).await
}
