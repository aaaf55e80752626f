//! Effects: the IO `update` asks for, as plain data.  The runner
//! (`runner.rs`) performs each and answers with an action; nothing here
//! draws, holds screen state or calls a service.

use super::lists::{ListKind, ListQuery};
use crate::domain::Department;
use crate::services::accounts::EmployeeForm;
use crate::services::employees::EmployeeEdit;
use crate::services::events::{EventEdit, EventForm};
use crate::services::kinds::Entry;

/// A change to save or a command to run on records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Save {
    /// A new client: what was typed for each of its fields.
    NewClient(Entry),
    /// A client's edit: only the fields changed.
    EditClient {
        id: i64,
        edit: Entry,
        version: Option<i64>,
    },
    Reassign {
        id: i64,
        sales_contact_id: i64,
        version: Option<i64>,
    },
    NewContract {
        client_id: i64,
        total: String,
        due: String,
    },
    EditContract {
        id: i64,
        total: Option<String>,
        due: Option<String>,
        version: Option<i64>,
    },
    Pay {
        id: i64,
        amount: String,
        version: Option<i64>,
    },
    Sign {
        id: i64,
        version: Option<i64>,
    },
    DeleteContract {
        id: i64,
        version: Option<i64>,
    },
    NewEvent {
        contract_id: i64,
        form: EventForm,
    },
    EditEvent {
        id: i64,
        edit: EventEdit,
        version: Option<i64>,
    },
    Assign {
        ids: Vec<i64>,
        support_id: i64,
    },
    Unassign {
        ids: Vec<i64>,
    },
    NewEmployee(EmployeeForm),
    EditEmployee {
        id: i64,
        edit: EmployeeEdit,
        version: Option<i64>,
    },
    SetActive {
        id: i64,
        active: bool,
        version: Option<i64>,
    },
    DeleteEmployee {
        id: i64,
        version: Option<i64>,
    },
    MarkRead {
        ids: Vec<i64>,
    },
}

impl Save {
    /// The same change without its version check: "overwrite my fields"
    /// after a conflict applies them to the current version.
    pub fn without_version(&self) -> Save {
        let mut save = self.clone();
        match &mut save {
            Save::EditClient { version, .. }
            | Save::Reassign { version, .. }
            | Save::EditContract { version, .. }
            | Save::Pay { version, .. }
            | Save::Sign { version, .. }
            | Save::DeleteContract { version, .. }
            | Save::EditEvent { version, .. }
            | Save::EditEmployee { version, .. }
            | Save::SetActive { version, .. }
            | Save::DeleteEmployee { version, .. } => *version = None,
            // Creations and commands on many records have no version.
            Save::NewClient(_)
            | Save::NewContract { .. }
            | Save::NewEvent { .. }
            | Save::Assign { .. }
            | Save::Unassign { .. }
            | Save::NewEmployee(_)
            | Save::MarkRead { .. } => {}
        }
        save
    }
}

/// IO the update asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Open the database and look for a kept session.
    Start,
    /// Switch to the configured profile `name`, then start again.
    UseProfile { name: String },
    /// Log in.
    Login { email: String, password: String },
    /// Create the first manager (no login needed) and log them in.
    CreateFirstManager { form: EmployeeForm, password: String },
    /// Fill an empty database with the demo company.
    LoadDemo,
    /// Change the logged-in employee's password.
    ChangePassword { current: String, new: String },
    /// End the session.
    Logout,
    /// Load a page of a list.
    LoadPage { request: u64, query: ListQuery },
    /// Load the dashboard; weeks start at `from` (epoch ms).
    LoadDashboard { request: u64, from: i64 },
    /// Load a department's active employees with their load.
    LoadLoads { request: u64, department: Department },
    /// Read one record again.
    LoadRecord { request: u64, kind: ListKind, id: i64 },
    /// Save a change or run a command.
    Save { request: u64, save: Save },
    /// Count unread notifications.
    CountUnread,
    /// Write every page of a view to a CSV file (the CLI's `--format csv`),
    /// under a hidden partial name renamed when complete.
    /// A file already at `path` is replaced only with `overwrite` (else the
    /// export fails with a conflict, and the person is asked).
    Export { request: u64, query: ListQuery, path: std::path::PathBuf, overwrite: bool },
    /// Stop export `request` and remove its partial file.
    CancelExport { request: u64 },
    /// Put text on the clipboard of the terminal (OSC 52); written by the
    /// event loop, which owns the terminal, never by the runner.
    Clipboard { text: String },
}
