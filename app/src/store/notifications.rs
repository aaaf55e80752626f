//! Notifications: rows for the employee a change concerns (an event
//! assigned to them, their event changed, their contract signed).

use super::sql::Sql;
use super::{ActingTx, StoreError};

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
