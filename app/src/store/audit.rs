//! The audit trail: one place writes audit entries (on SQLite; database
//! triggers write them on PostgreSQL); and the list
//! MANAGEMENT reads, newest first, filtered by record, actor or date.

use sea_orm::{ConnectionTrait, DatabaseTransaction, FromQueryResult};

use super::paging::{self, KeyKind, ListSpec, Page, PageRequest, Sort, SortColumn};
use super::sql::{Sql, like_words};
use super::{ActingTx, Backend, StoreError};

/// An audit entry as the list shows it.
#[derive(Clone, Debug, PartialEq, Eq, FromQueryResult)]
pub struct AuditRow {
    pub id: i64,
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub action: String,
    pub record_kind: String,
    pub record_id: Option<i64>,
    /// JSON text: changed fields before/after, or details.
    pub changes: String,
}

/// The audit list sorts by time (then id), served by `audit_entries_at_idx`.
pub static SORTS: [SortColumn; 4] = [
    SortColumn { name: "at", expr: "a.at", kind: KeyKind::Int },
    // Unindexed: the audit list is read by managers, filtered, rarely sorted
    // by these; an index each would tax every write.
    SortColumn { name: "actor_name", expr: "a.actor_name", kind: KeyKind::Text },
    SortColumn { name: "action", expr: "a.action", kind: KeyKind::Text },
    SortColumn { name: "record_kind", expr: "a.record_kind", kind: KeyKind::Text },
];

const SPEC: ListSpec = ListSpec {
    columns: std::borrow::Cow::Borrowed(
        "a.id AS id, a.at AS at, a.actor_id AS actor_id, a.actor_name AS actor_name, a.action AS action, \
              a.record_kind AS record_kind, a.record_id AS record_id, a.changes AS changes",
    ),
    table: "audit_entries a",
    joins: "",
    id: "a.id",
};

/// Which audit entries a list shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only entries about this record (kind and id).
    pub record: Option<(String, i64)>,
    /// Only entries by this employee.
    pub actor_id: Option<i64>,
    /// Only entries at or after this time (UTC ms).
    pub since: Option<i64>,
    /// Words to find in the actor's name, the action, the record kind or
    /// the changes.
    pub search: Option<String>,
}

/// One page of audit entries.
pub async fn list(
    tx: &ActingTx,
    filter: &AuditFilter,
    sort: Sort,
    page: &PageRequest,
) -> Result<Page<AuditRow>, StoreError> {
    paging::fetch_page(tx, &SPEC, conditions(filter), sort, page).await
}

/// How many audit entries match the filter.
pub async fn count(tx: &ActingTx, filter: &AuditFilter) -> Result<u64, StoreError> {
    paging::count(tx, &SPEC, conditions(filter)).await
}

/// The filter as SQL conditions.
fn conditions(filter: &AuditFilter) -> Vec<Sql> {
    let mut conditions = Vec::new();
    if let Some((kind, id)) = &filter.record {
        let mut condition = Sql::with("a.record_kind = ?", kind.clone());
        condition.push(" AND a.record_id = ").bind(*id);
        conditions.push(condition);
    }
    if let Some(actor) = filter.actor_id {
        conditions.push(Sql::with("a.actor_id = ?", actor));
    }
    if let Some(since) = filter.since {
        conditions.push(Sql::with("a.at >= ?", since));
    }
    if let Some(found) = filter
        .search
        .as_deref()
        .and_then(|text| like_words(&["a.actor_name", "a.action", "a.record_kind", "a.changes"], text))
    {
        conditions.push(found);
    }
    conditions
}

/// An audit entry to write: who did what to which record, and the changed
/// fields before and after (never secrets).
#[derive(Clone, Debug, PartialEq)]
pub struct NewAuditEntry {
    /// The employee who acted, when known.
    pub actor_id: Option<i64>,
    /// The actor's name as it was at the time.
    pub actor_name: String,
    /// What happened, such as `login.failure` or `employee.create`.
    pub action: &'static str,
    /// The kind of record acted on, such as `employee` or `session`.
    pub record_kind: &'static str,
    /// The record acted on, when there is one.
    pub record_id: Option<i64>,
    /// Changed fields (`{"field": {"before": …, "after": …}}`) or details.
    pub changes: serde_json::Value,
}

/// Writes an entry at `at` (UTC epoch ms) in the caller's transaction.
pub(crate) async fn write(
    conn: &DatabaseTransaction,
    backend: Backend,
    at: i64,
    entry: NewAuditEntry,
) -> Result<(), StoreError> {
    let mut sql = Sql::new(
        "INSERT INTO audit_entries (at, actor_id, actor_name, action, record_kind, record_id, changes) VALUES ",
    );
    push_row(&mut sql, at, entry);
    conn.execute_raw(sql.build(backend)).await?;
    Ok(())
}

/// Appends one entry's `(…)` of values.
fn push_row(sql: &mut Sql, at: i64, entry: NewAuditEntry) {
    sql.push("(")
        .bind(at)
        .push(", ")
        .bind(entry.actor_id)
        .push(", ")
        .bind(entry.actor_name)
        .push(", ")
        .bind(entry.action)
        .push(", ")
        .bind(entry.record_kind)
        .push(", ")
        .bind(entry.record_id)
        .push(", ")
        .bind(entry.changes.to_string())
        .push(")");
}

impl ActingTx {
    /// Records an entry in this transaction, so it lands with the change.
    /// On PostgreSQL the database's triggers write the entry of every change
    /// themselves (the app role may not write the audit table), from the
    /// rows before and after and the session's own employee.
    pub async fn audit(&self, at: i64, entry: NewAuditEntry) -> Result<(), StoreError> {
        match self.backend() {
            Backend::Sqlite => write(self.conn(), self.backend(), at, entry).await,
            Backend::Postgres => Ok(()),
        }
    }

    /// Records many entries in this transaction, a hundred rows a statement
    /// (an import's thousands of entries one statement each cost more than
    /// the records themselves on SQLite).  Nothing on PostgreSQL, as
    /// [`ActingTx::audit`].
    pub async fn audit_many(&self, entries: Vec<(i64, NewAuditEntry)>) -> Result<(), StoreError> {
        if self.backend() == Backend::Postgres {
            return Ok(());
        }
        let mut entries = entries.into_iter().peekable();
        while entries.peek().is_some() {
            let mut sql = Sql::new(
                "INSERT INTO audit_entries (at, actor_id, actor_name, action, record_kind, record_id, changes) VALUES ",
            );
            for (n, (at, entry)) in entries.by_ref().take(100).enumerate() {
                if n > 0 {
                    sql.push(", ");
                }
                push_row(&mut sql, at, entry);
            }
            self.conn().execute_raw(sql.build(self.backend())).await?;
        }
        Ok(())
    }
}
