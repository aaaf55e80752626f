//! Everything that can happen to the application: keys, paste, mouse,
//! resizes and ticks from the terminal, and the results of effects.

use ratatui::crossterm::event::{KeyEvent, MouseEvent};

use super::lists::{DisplayRow, ListPage};
use super::model::{Outcome, SessionInfo, Startup};
use crate::error::Failure;
use crate::services::dashboard::Dashboard;
use crate::services::dashboard::Load;

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

impl Action {
    /// Whether this answers something the spinner waits for.
    pub fn settles(&self) -> bool {
        match self {
            Action::Started(_)
            | Action::SignedIn(_)
            | Action::DemoLoaded(_)
            | Action::LoggedOut(_)
            | Action::PageLoaded { .. }
            | Action::DashboardLoaded { .. }
            | Action::LoadsLoaded { .. }
            | Action::RecordLoaded { .. }
            | Action::Saved { .. }
            | Action::Exported { .. } => true,
            Action::Key(_)
            | Action::Paste(_)
            | Action::Mouse(_)
            | Action::Resize(..)
            | Action::Tick
            | Action::TerminalLost
            | Action::UnreadCounted(_)
            | Action::ExportProgress { .. } => false,
        }
    }
}
