//! Store failures, with database messages translated: raw driver text (which
//! can echo personal data) never reaches the screen.

use sea_orm::{DbErr, RuntimeErr};

use crate::error::{Failure, FailureKind};

/// What went wrong in the data layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No record of this kind has this id.
    #[error("{kind} {id} does not exist")]
    NotFound {
        /// Record kind, e.g. `client`.
        kind: &'static str,
        /// The id asked for.
        id: i64,
    },
    /// The record changed since the caller read it.
    #[error(
        "{kind} {id} was changed by someone else since you read it (it is now at version {current}): show it again and redo your change"
    )]
    Conflict {
        /// Record kind, e.g. `client`.
        kind: &'static str,
        /// The record's id.
        id: i64,
        /// The version now stored.
        current: i64,
    },
    /// A unique rule was broken (e.g. the email is already used).
    #[error("{0}")]
    Duplicate(String),
    /// A rule of the database was broken (check or foreign key).
    #[error("{0}")]
    Rejected(String),
    /// The database itself refused: the acting employee may not do this
    /// (PostgreSQL's row-level security, column privileges, checked
    /// functions).
    #[error("{0}")]
    Forbidden(String),
    /// The database refused the session the statement was made with.
    #[error("{0}")]
    SessionRefused(String),
    /// The request itself is invalid (e.g. a cursor for another sort).
    #[error("{0}")]
    Invalid(String),
    /// The database cannot be reached or opened.
    #[error("{0}")]
    Unavailable(String),
    /// A failure inside the CRM itself (a task that stopped, a bug).
    #[error("{0}")]
    Internal(String),
    /// Anything else; the detail goes to the log only.
    #[error("the database reported an unexpected error")]
    Database(#[source] DbErr),
}

impl From<DbErr> for StoreError {
    fn from(err: DbErr) -> Self {
        translate(err)
    }
}

/// The error the database itself reported, if it is one.
fn database_error(err: &DbErr) -> Option<&dyn sqlx::error::DatabaseError> {
    match err {
        DbErr::Query(RuntimeErr::SqlxError(e)) | DbErr::Exec(RuntimeErr::SqlxError(e)) => e.as_database_error(),
        _ => None,
    }
}

/// Whether SQLite reported SQLITE_BUSY or SQLITE_LOCKED (any extended
/// code): another connection holds the write lock.
fn sqlite_busy(db: &dyn sqlx::error::DatabaseError) -> bool {
    db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some_and(|_| {
        db.code().and_then(|code| code.parse::<i32>().ok()).is_some_and(|code| matches!(code & 0xff, 5 | 6))
    })
}

impl StoreError {
    /// An update or delete that matched nothing at the version the caller
    /// read: a conflict when the record has moved on, otherwise the
    /// database's policies hid it from this employee (SECURITY.md: an
    /// UPDATE filtered by row-level security affects no row, silently).
    pub(crate) fn stale_or_refused(kind: &'static str, id: i64, expected: i64, current: i64) -> StoreError {
        if current == expected {
            StoreError::Forbidden(format!("The database does not let you change {kind} {id}"))
        } else {
            StoreError::Conflict { kind, id, current }
        }
    }
}

/// Turns a driver error into a store error with a message safe to show,
/// classified by what the driver says it is (SQLSTATE, sqlx's error kind,
/// SQLite's result code), never by the wording of its message.
fn translate(err: DbErr) -> StoreError {
    let is_connection = matches!(err, DbErr::Conn(_) | DbErr::ConnectionAcquire(_))
        || matches!(&err, DbErr::Query(RuntimeErr::SqlxError(e)) | DbErr::Exec(RuntimeErr::SqlxError(e))
            if matches!(e.as_ref(), sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed));
    if is_connection {
        return StoreError::Unavailable(
            "The database connection was lost or cannot be opened; check that the database is reachable and try again."
                .into(),
        );
    }
    let Some(db) = database_error(&err) else {
        tracing::error!(error = %err, "unexpected database error");
        return StoreError::Database(err);
    };
    let message = db.message().to_owned();
    // The message only names the rule (a column or constraint), never the
    // classification; its values are not echoed.
    let lower = format!("{} {}", message, db.constraint().unwrap_or_default()).to_ascii_lowercase();
    // PostgreSQL's own refusals, by SQLSTATE.  The CRM's checked functions
    // and triggers raise sentences of their own, which hold no data.
    match db.code().as_deref() {
        Some("28000") => {
            return StoreError::SessionRefused(
                "The database refused your session (it expired, was ended, or the account changed): log in again with `epic-crm login`".into(),
            );
        }
        Some("42501") if message.starts_with("permission denied") || message.contains("row-level security") => {
            return StoreError::Forbidden(
                "The database does not let your account do this: your department or ownership forbids it".into(),
            );
        }
        Some("42501") => return StoreError::Forbidden(format!("The database refused: {message}")),
        // A CHECK raised by the CRM's own functions (no constraint named).
        Some("23514") if db.constraint().is_none() && !message.contains("violates check constraint") => {
            return StoreError::Rejected(format!("The database refused the change: {message}"));
        }
        _ => {}
    }
    if sqlite_busy(db) {
        return StoreError::Unavailable(
            "The database is busy: another program has been writing to it for several seconds. Try again in a moment."
                .into(),
        );
    }
    match db.kind() {
        sqlx::error::ErrorKind::UniqueViolation => {
            let what = if lower.contains("email") {
                "That email address is already used by another record."
            } else {
                "That value is already used by another record."
            };
            StoreError::Duplicate(what.into())
        }
        sqlx::error::ErrorKind::ForeignKeyViolation => {
            StoreError::Rejected("A referenced record does not exist, or the record is still referenced.".into())
        }
        sqlx::error::ErrorKind::CheckViolation | sqlx::error::ErrorKind::NotNullViolation => StoreError::Rejected(
            format!("The database refused a value that breaks one of its rules ({}).", constraint_hint(&lower)),
        ),
        _ => {
            tracing::error!(error = %err, "unexpected database error");
            StoreError::Database(err)
        }
    }
}

/// Names the rule broken, from the constraint text, without echoing values.
fn constraint_hint(lower: &str) -> &'static str {
    if lower.contains("due_cents") {
        "the amount due must be between 0 and the total"
    } else if lower.contains("total_cents") {
        "the total must be between 0 and 999999999.99"
    } else if lower.contains("end_at") {
        "the end must not be before the start"
    } else if lower.contains("attendees") {
        "attendees must be between 0 and 1000000"
    } else {
        "a field is out of range or too long"
    }
}

impl From<StoreError> for Failure {
    fn from(err: StoreError) -> Failure {
        let kind = match &err {
            StoreError::NotFound { .. } => FailureKind::NotFound,
            StoreError::Conflict { .. } => FailureKind::Stale,
            StoreError::Duplicate(_) => FailureKind::Conflict,
            StoreError::Rejected(_) | StoreError::Invalid(_) => FailureKind::InvalidInput,
            StoreError::Forbidden(_) => FailureKind::PermissionDenied,
            StoreError::SessionRefused(_) => FailureKind::Unauthenticated,
            StoreError::Unavailable(_) => FailureKind::Unavailable,
            StoreError::Internal(_) | StoreError::Database(_) => FailureKind::Unexpected,
        };
        let mut message = err.to_string();
        if let Some(first) = message.get(0..1) {
            message = first.to_uppercase() + &message[1..];
        }
        if !message.ends_with('.') {
            message.push('.');
        }
        Failure::new(kind, message)
    }
}
