//! Use cases: the only layer the command line and the terminal application
//! call.  Each opens the database it needs and returns plain results.

pub mod accounts;
pub mod audit;
pub mod backup;
pub mod bench;
pub mod client_import;
pub mod clients;
pub mod contracts;
pub mod dashboard;
pub mod database;
pub mod demo;
pub mod doctor;
pub mod employee_import;
pub mod employees;
pub mod events;
pub mod kinds;
pub mod policy_bench;
pub mod records;
pub mod spreadsheet;
pub mod transfer;

/// The records the services return, as the screens and the command line
/// read them.
pub mod rows {
    pub use crate::store::audit::AuditRow;
    pub use crate::store::clients::ClientRow;
    pub use crate::store::contracts::ContractRow;
    pub use crate::store::employees::EmployeeRow;
    pub use crate::store::events::EventRow;
    pub use crate::store::notifications::NotificationRow;
    /// A client as stored (what a [`ClientRow`] shows, with its sales contact's name).
    pub use entity::client::Model as ClientRecord;
}

/// Keyset pages and sort orders of lists.
pub mod paging {
    pub use crate::store::paging::{Page, PageRequest, Sort, SortColumn, SortDir};
}

use crate::auth::Session;
use crate::domain::policy::{self, Action, Owners, Who};
use crate::error::{Failure, FailureKind};
use crate::store::audit::NewAuditEntry;

/// Refuses, with the policy's reason, what the session's employee may not do.
pub(crate) fn permit(session: &Session, action: Action, owners: Owners) -> Result<(), Failure> {
    let who = Who { employee_id: session.employee_id, department: session.department };
    policy::decide(who, action, owners).map_err(|denied| Failure::new(FailureKind::PermissionDenied, denied.reason))
}

/// Refuses a department that may never do `action`, before the record is
/// even looked up (who you are comes before whether it exists).
pub(crate) fn permit_some(session: &Session, action: Action) -> Result<(), Failure> {
    let who = Who { employee_id: session.employee_id, department: session.department };
    policy::decide_for_any(who, action).map_err(|denied| Failure::new(FailureKind::PermissionDenied, denied.reason))
}

/// An audit entry for a change the session's employee made.
pub(crate) fn audit_entry(
    session: &Session,
    action: &'static str,
    record_kind: &'static str,
    record_id: i64,
    changes: serde_json::Value,
) -> NewAuditEntry {
    NewAuditEntry {
        actor_id: Some(session.employee_id),
        actor_name: session.full_name(),
        action,
        record_kind,
        record_id: Some(record_id),
        changes,
    }
}
