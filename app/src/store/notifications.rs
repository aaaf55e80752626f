//! Notifications: rows for the employee a change concerns (an event
//! assigned to them, their event changed, their contract signed).

use sea_orm::FromQueryResult;

use super::paging::{self, KeyKind, ListSpec, Page, PageRequest, Sort, SortColumn};
use super::sql::{Sql, like_words};
use super::{ActingTx, StoreError};

/// A notification as its recipient sees it.
#[derive(Clone, Debug, PartialEq, Eq, FromQueryResult)]
pub struct NotificationRow {
    pub id: i64,
    pub recipient_id: i64,
    pub at: i64,
    pub kind: String,
    pub record_kind: String,
    pub record_id: Option<i64>,
    pub message: String,
    pub read_at: Option<i64>,
}

/// Notifications sort by id (the order they were sent).
pub static SORTS: [SortColumn; 3] = [
    SortColumn { name: "id", expr: "n.id", kind: KeyKind::Int },
    // One employee's notifications: few enough to sort without an index.
    SortColumn { name: "read", expr: "(CASE WHEN n.read_at IS NULL THEN 0 ELSE 1 END)", kind: KeyKind::Int },
    SortColumn { name: "record_kind", expr: "n.record_kind", kind: KeyKind::Text },
];

const SPEC: ListSpec = ListSpec {
    columns: std::borrow::Cow::Borrowed(
        "n.id AS id, n.recipient_id AS recipient_id, n.at AS at, n.kind AS kind, n.record_kind AS record_kind, \
              n.record_id AS record_id, n.message AS message, n.read_at AS read_at",
    ),
    table: "notifications n",
    joins: "",
    id: "n.id",
};

/// One page of an employee's notifications, all or only unread.
pub async fn list(
    tx: &ActingTx,
    recipient_id: i64,
    unread_only: bool,
    search: Option<&str>,
    sort: Sort,
    page: &PageRequest,
) -> Result<Page<NotificationRow>, StoreError> {
    paging::fetch_page(tx, &SPEC, conditions(recipient_id, unread_only, search), sort, page).await
}

/// How many of an employee's notifications the list holds, every page.
pub async fn count(
    tx: &ActingTx,
    recipient_id: i64,
    unread_only: bool,
    search: Option<&str>,
) -> Result<u64, StoreError> {
    paging::count(tx, &SPEC, conditions(recipient_id, unread_only, search)).await
}

/// The list's filter as SQL conditions.
fn conditions(recipient_id: i64, unread_only: bool, search: Option<&str>) -> Vec<Sql> {
    let mut conditions = vec![Sql::with("n.recipient_id = ?", recipient_id)];
    if unread_only {
        conditions.push(Sql::new("n.read_at IS NULL"));
    }
    if let Some(found) = search.and_then(|text| like_words(&["n.message"], text)) {
        conditions.push(found);
    }
    conditions
}

/// How many unread notifications an employee has.
pub async fn unread(tx: &ActingTx, recipient_id: i64) -> Result<u64, StoreError> {
    let conditions = vec![Sql::with("n.recipient_id = ?", recipient_id), Sql::new("n.read_at IS NULL")];
    paging::count(tx, &SPEC, conditions).await
}

/// Marks an employee's notifications read: the given ones, or all when
/// `ids` is empty; returns how many changed.  Only the recipient's own.
pub async fn mark_read(tx: &ActingTx, recipient_id: i64, ids: &[i64], at: i64) -> Result<u64, StoreError> {
    let mut sql = Sql::with("UPDATE notifications SET read_at = ?", at);
    sql.push(" WHERE recipient_id = ").bind(recipient_id).push(" AND read_at IS NULL");
    if !ids.is_empty() {
        sql.push(" AND id IN ").push_in_list(ids.iter().copied());
    }
    let result = sea_orm::ConnectionTrait::execute_raw(tx.conn(), sql.build(tx.backend())).await?;
    Ok(result.rows_affected())
}

/// A notification to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewNotification {
    /// Who it is for.
    pub recipient_id: i64,
    /// What happened, such as `event.assigned`.
    pub kind: &'static str,
    /// The kind of record it is about.
    pub record_kind: &'static str,
    /// The record it is about.
    pub record_id: i64,
    /// One sentence for the recipient.
    pub message: String,
}

/// Writes a notification at `at` (UTC epoch ms) in the caller's transaction.
pub async fn send(tx: &ActingTx, at: i64, notification: NewNotification) -> Result<(), StoreError> {
    let mut sql =
        Sql::new("INSERT INTO notifications (recipient_id, at, kind, record_kind, record_id, message) VALUES (");
    sql.bind(notification.recipient_id)
        .push(", ")
        .bind(at)
        .push(", ")
        .bind(notification.kind)
        .push(", ")
        .bind(notification.record_kind)
        .push(", ")
        .bind(notification.record_id)
        .push(", ")
        .bind(notification.message)
        .push(")");
    sea_orm::ConnectionTrait::execute_raw(tx.conn(), sql.build(tx.backend())).await?;
    Ok(())
}
