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

/// The SQLSTATE and primary message of a database error, if it is one.
fn database_error(err: &DbErr) -> Option<(String, String)> {
    let sqlx = match err {
        DbErr::Query(RuntimeErr::SqlxError(e)) | DbErr::Exec(RuntimeErr::SqlxError(e)) => e.as_ref(),
        _ => return None,
    };
    let db = sqlx.as_database_error()?;
    Some((db.code()?.into_owned(), db.message().to_owned()))
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

/// Turns a driver error into a store error with a message safe to show.
fn translate(err: DbErr) -> StoreError {
    // PostgreSQL's own refusals, by SQLSTATE.  The CRM's checked functions
    // and triggers raise sentences of their own, which hold no data.
    if let Some((code, message)) = database_error(&err) {
        match code.as_str() {
            "28000" => {
                return StoreError::SessionRefused(
                    "The database refused your session (it expired, was ended, or the account changed): log in again with `epic-crm login`".into(),
                );
            }
            "42501" if message.starts_with("permission denied") || message.contains("row-level security") => {
                return StoreError::Forbidden(
                    "The database does not let your account do this: your department or ownership forbids it".into(),
                );
            }
            "42501" => return StoreError::Forbidden(format!("The database refused: {message}")),
            "23514" if !message.contains("violates check constraint") => {
                return StoreError::Rejected(format!("The database refused the change: {message}"));
            }
            _ => {}
        }
    }
    let text = err.to_string();
    let lower = text.to_ascii_lowercase();
    let is_connection = matches!(err, DbErr::Conn(_) | DbErr::ConnectionAcquire(_))
        || matches!(&err, DbErr::Query(RuntimeErr::SqlxError(e)) | DbErr::Exec(RuntimeErr::SqlxError(e))
            if matches!(e.as_ref(), sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed));
    if is_connection {
        return StoreError::Unavailable(
            "The database connection was lost or cannot be opened; check that the database is reachable and try again."
                .into(),
        );
    }
    if lower.contains("database is locked") || lower.contains("database is busy") {
        return StoreError::Unavailable(
            "The database is busy: another program has been writing to it for several seconds. Try again in a moment."
                .into(),
        );
    }
    if lower.contains("unique") || lower.contains("duplicate key") {
        let what = if lower.contains("email") {
            "That email address is already used by another record."
        } else {
            "That value is already used by another record."
        };
        return StoreError::Duplicate(what.into());
    }
    if lower.contains("foreign key") {
        return StoreError::Rejected("A referenced record does not exist, or the record is still referenced.".into());
    }
    if lower.contains("check constraint") || lower.contains("violates check") {
        return StoreError::Rejected(format!(
            "The database refused a value that breaks one of its rules ({}).",
            constraint_hint(&lower)
        ));
    }
    tracing::error!(error = %text, "unexpected database error");
    StoreError::Database(err)
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
