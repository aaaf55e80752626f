//! The failures a command can end with, each mapped to one exit code of
//! PRODUCT.md: 4 is about who you are, 5 about what you asked, 7 about what
//! someone else did.

use std::fmt;

/// What kind of failure happened; decides the exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureKind {
    /// Anything unexpected, including a database that cannot be reached (1).
    Unexpected,
    /// The database cannot be reached or is busy: worth retrying (exit 1,
    /// reported like any failure to reach it, but not a bug).
    Unavailable,
    /// Bad usage: unparseable value, malformed config file or database URL (2).
    Usage,
    /// Not logged in, session ended, wrong credentials, account locked (3).
    Unauthenticated,
    /// The employee's department or ownership forbids the action (4).
    PermissionDenied,
    /// A value breaks a rule, or the request is invalid in the current state (5).
    InvalidInput,
    /// The record does not exist (6).
    NotFound,
    /// A duplicate, or a file that exists already (7).
    Conflict,
    /// The record changed since it was read: its version moved on (7).
    Stale,
}

impl FailureKind {
    /// The process exit code for this kind of failure.
    pub fn exit_code(self) -> i32 {
        match self {
            FailureKind::Unexpected | FailureKind::Unavailable => 1,
            FailureKind::Usage => 2,
            FailureKind::Unauthenticated => 3,
            FailureKind::PermissionDenied => 4,
            FailureKind::InvalidInput => 5,
            FailureKind::NotFound => 6,
            FailureKind::Conflict | FailureKind::Stale => 7,
        }
    }

    /// The stable machine-readable code used in JSON error output.
    pub fn code(self) -> &'static str {
        match self {
            FailureKind::Unexpected | FailureKind::Unavailable => "unexpected",
            FailureKind::Usage => "usage",
            FailureKind::Unauthenticated => "unauthenticated",
            FailureKind::PermissionDenied => "permission_denied",
            FailureKind::InvalidInput => "invalid_input",
            FailureKind::NotFound => "not_found",
            // The JSON code predates the distinction: both stay "conflict".
            FailureKind::Conflict | FailureKind::Stale => "conflict",
        }
    }
}

/// A failure with one clear sentence for the person who ran the command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// What kind of failure this is.
    pub kind: FailureKind,
    /// One sentence naming the problem and, where there is one, the fix.
    pub message: String,
}

impl Failure {
    /// A failure of the given kind.
    pub fn new(kind: FailureKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into() }
    }

    /// Shorthand for [`FailureKind::Unexpected`].
    pub fn unexpected(message: impl Into<String>) -> Self {
        Self::new(FailureKind::Unexpected, message)
    }

    /// Shorthand for [`FailureKind::Usage`].
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(FailureKind::Usage, message)
    }

    /// Shorthand for [`FailureKind::InvalidInput`].
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(FailureKind::InvalidInput, message)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// A value that breaks a validation rule is invalid input (exit 5), with
/// the rule's own sentence naming the field.
impl From<crate::domain::validation::Invalid> for Failure {
    fn from(err: crate::domain::validation::Invalid) -> Failure {
        Failure::invalid(err.message)
    }
}
