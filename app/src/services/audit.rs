//! The audit trail as MANAGEMENT reads it, and notifications as each
//! employee reads and clears their own.

use crate::auth::Session;
use crate::domain::Department;
use crate::error::{Failure, FailureKind};
use crate::store::Store;
pub use crate::store::audit::AuditFilter;
use crate::store::audit::{self, AuditRow};
use crate::store::notifications::{self, NotificationRow};
use crate::store::paging::{Page, PageRequest, Sort};

/// One page of audit entries; MANAGEMENT only.
pub async fn list(
    store: &Store,
    session: &Session,
    filter: &AuditFilter,
    sort: Sort,
    page: &PageRequest,
) -> Result<Page<AuditRow>, Failure> {
    may_read_the_trail(session)?;
    Ok(store.as_employee(&session.actor(), async |tx| audit::list(tx, filter, sort, page).await).await?)
}

/// How many audit entries match; MANAGEMENT only.
pub async fn count(store: &Store, session: &Session, filter: &AuditFilter) -> Result<u64, Failure> {
    may_read_the_trail(session)?;
    Ok(store.as_employee(&session.actor(), async |tx| audit::count(tx, filter).await).await?)
}

/// The audit trail is MANAGEMENT's.
fn may_read_the_trail(session: &Session) -> Result<(), Failure> {
    if session.department != Department::Management {
        return Err(Failure::new(
            FailureKind::PermissionDenied,
            format!("{} may not read the audit trail: it is for MANAGEMENT.", session.department),
        ));
    }
    Ok(())
}

/// Parses `KIND:ID` (such as `client:42`) for `--record`.
pub fn parse_record(text: &str) -> Result<(String, i64), Failure> {
    const KINDS: [&str; 5] = ["employee", "client", "contract", "event", "session"];
    let expected =
        || Failure::usage(format!("--record {text:?}: write KIND:ID, with KIND one of {}.", KINDS.join(", ")));
    let (kind, id) = text.trim().split_once(':').ok_or_else(expected)?;
    let kind = kind.trim().to_lowercase();
    if !KINDS.contains(&kind.as_str()) {
        return Err(expected());
    }
    Ok((kind, id.trim().parse().map_err(|_| expected())?))
}

/// One page of the session's own notifications.
pub async fn notifications(
    store: &Store,
    session: &Session,
    unread_only: bool,
    search: Option<&str>,
    sort: Sort,
    page: &PageRequest,
) -> Result<Page<NotificationRow>, Failure> {
    let me = session.employee_id;
    Ok(store
        .as_employee(&session.actor(), async |tx| notifications::list(tx, me, unread_only, search, sort, page).await)
        .await?)
}

/// How many of the session's employee's notifications the list holds.
pub async fn notifications_count(
    store: &Store,
    session: &Session,
    unread_only: bool,
    search: Option<&str>,
) -> Result<u64, Failure> {
    let me = session.employee_id;
    Ok(store.as_employee(&session.actor(), async |tx| notifications::count(tx, me, unread_only, search).await).await?)
}

/// How many unread notifications the session's employee has.
pub async fn unread(store: &Store, session: &Session) -> Result<u64, Failure> {
    let me = session.employee_id;
    Ok(store.as_employee(&session.actor(), async |tx| notifications::unread(tx, me).await).await?)
}

/// Marks the session's own notifications read (all when `ids` is empty);
/// returns how many changed.
pub async fn mark_read(store: &Store, session: &Session, ids: &[i64]) -> Result<u64, Failure> {
    let me = session.employee_id;
    let tx = store.begin_as(&session.actor()).await?;
    let changed = notifications::mark_read(&tx, me, ids, crate::domain::time::now_ms()).await?;
    tx.commit().await?;
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::parse_record;

    #[test]
    fn records_are_kind_and_id() {
        assert_eq!(parse_record("client:42").expect("parse"), ("client".into(), 42));
        assert_eq!(parse_record(" Contract : 7 ").expect("parse"), ("contract".into(), 7));
        for bad in ["client", "client:x", "planet:1", ":1", ""] {
            assert_eq!(parse_record(bad).expect_err(bad).kind.exit_code(), 2);
        }
    }
}
