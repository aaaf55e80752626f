//! Everything that can happen to the application: keys, paste, mouse,
//! resizes and ticks from the terminal, and the results of effects.

use ratatui::crossterm::event::{KeyEvent, MouseEvent};

use super::lists::{DisplayRow, ListPage};
use crate::auth::Session;
use crate::domain::Department;
use crate::error::Failure;
use crate::services::dashboard::Dashboard;
use crate::store::dashboard::Load;

/// An input or a result, handled by `App::update`.
#[derive(Debug)]
pub enum Action {
    /// A key was pressed.
    Key(KeyEvent),
    /// Text was pasted (bracketed paste).
    Paste(String),
    /// The mouse clicked or scrolled.
    Mouse(MouseEvent),
    /// The terminal has a new size (columns, rows).
    Resize(u16, u16),
    /// Time passed: spinner frames, polling, retries.
    Tick,
    /// The terminal can no longer be read (closed): the application ends.
    TerminalLost,
    /// The database was opened: who is logged in, whether it is empty.
    Started(Result<Startup, Failure>),
    /// A login, first-manager creation or password change finished.
    SignedIn(Result<SessionInfo, Failure>),
    /// The demo company was loaded into an empty database.
    DemoLoaded(Result<String, Failure>),
    /// The session was ended.
    LoggedOut(Result<(), Failure>),
    /// A list page arrived for request `request`.
    PageLoaded { request: u64, result: Result<ListPage, Failure> },
    /// The dashboard figures arrived.
    DashboardLoaded { request: u64, result: Result<Dashboard, Failure> },
    /// The employees to pick from arrived, with their load.
    LoadsLoaded { request: u64, result: Result<Vec<Load>, Failure> },
    /// A record was read again (after a conflict).
    RecordLoaded { request: u64, result: Result<DisplayRow, Failure> },
    /// A save or command finished.
    Saved { request: u64, result: Result<Outcome, Failure> },
    /// The unread notification count arrived.
    UnreadCounted(Result<u64, Failure>),
    /// An export of a view has written `rows` rows so far, of `total` when
    /// the count could be read.
    ExportProgress { request: u64, rows: u64, total: Option<u64> },
    /// An export of a view finished: the rows written and the file, or why
    /// not (nothing is left behind then).
    Exported { request: u64, result: Result<(u64, std::path::PathBuf), Failure> },
}

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
