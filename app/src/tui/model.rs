//! What the runner hands back to the screens: who is logged in, what the
//! database looked like at start, and what a save achieved.  Plain data,
//! imported by actions, effects, the runner and the screens alike.

use super::lists::DisplayRow;
use crate::auth::Session;
use crate::domain::Department;

/// Who is logged in, as the screens need it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionInfo {
    pub employee_id: i64,
    pub name: String,
    pub department: Department,
    pub must_change_password: bool,
}

impl SessionInfo {
    /// The screens' view of a session.
    pub(super) fn of(session: &Session) -> SessionInfo {
        SessionInfo {
            employee_id: session.employee_id,
            name: crate::text::sanitize(&format!("{} {}", session.first_name, session.last_name)),
            department: session.department,
            must_change_password: session.must_change_password,
        }
    }
}

/// What the application finds when it opens the database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Startup {
    /// The database, as messages name it (never a password).
    pub database: String,
    /// The session kept from an earlier login, when still valid.
    pub session: Option<SessionInfo>,
    /// Whether nobody has an account yet (first-run bootstrap).
    pub empty: bool,
    /// The configured profile in use, if the database came from one.
    pub profile: Option<String>,
    /// Every configured profile, for the login screen's picker.
    pub profiles: Vec<String>,
}

/// What a save or command achieved.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// One sentence for the status line.
    pub message: String,
    /// The record as saved, when there is one.
    pub record: Option<DisplayRow>,
    /// A one-time password to hand over (new employees).
    pub one_time_password: Option<String>,
}

impl Outcome {
    /// A message and nothing else.
    pub(super) fn said(message: impl Into<String>) -> Outcome {
        Outcome { message: message.into(), record: None, one_time_password: None }
    }

    /// A message and the record as saved.
    pub(super) fn saved(message: impl Into<String>, record: DisplayRow) -> Outcome {
        Outcome { message: message.into(), record: Some(record), one_time_password: None }
    }
}
