//! The audit trail: one place writes audit entries, so that a later change
//! can move the writing into database triggers on PostgreSQL.

use sea_orm::{ConnectionTrait, DatabaseTransaction};

use super::sql::Sql;
use super::{ActingTx, Backend, StoreError};

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
        "INSERT INTO audit_entries (at, actor_id, actor_name, action, record_kind, record_id, changes) VALUES (",
    );
    sql.bind(at)
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
    conn.execute_raw(sql.build(backend)).await?;
    Ok(())
}

impl ActingTx {
    /// Records an entry in this transaction, so it lands with the change.
    pub async fn audit(&self, at: i64, entry: NewAuditEntry) -> Result<(), StoreError> {
        write(self.conn(), self.backend(), at, entry).await
    }
}
