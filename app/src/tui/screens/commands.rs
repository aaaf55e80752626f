//! The record commands of a list (new, edit, sign, assign, deactivate…):
//! which each list offers and the permission each needs, checked against
//! the policy before anything opens, and what each opens — a form, a
//! picker, a confirmation or a change to run.

use crate::domain::Department;
use crate::domain::policy::{self, Action as Permission, Owners, Who};
use crate::services::records::money;
use crate::text::sanitize;
use crate::tui::effect::{Effect, Save};
use crate::tui::keymap::Command;
use crate::tui::lists::{DisplayRow, ListKind, Record, Scope};
use crate::tui::popups::{Confirmed, Pick, Picker, Popup};
use crate::tui::screens::forms::{RecordForm, Target};
use crate::tui::screens::list::{ListView, Loading};
use crate::tui::shared::Shared;
use crate::tui::widgets::status::Tone;

/// The record commands each list offers, with the permission each needs
/// (`None`: none beyond seeing the list).  Export and copy work in every
/// list.
pub fn commands(kind: ListKind) -> &'static [(Command, Option<Permission>)] {
    use Command::*;
    match kind {
        ListKind::Clients => &[
            (New, Some(Permission::CreateClient)),
            (Edit, Some(Permission::UpdateClient)),
            (Reassign, Some(Permission::ReassignClient)),
        ],
        ListKind::Contracts => &[
            (New, Some(Permission::CreateContract)),
            (Edit, Some(Permission::UpdateContract)),
            (Pay, Some(Permission::UpdateContract)),
            (Sign, Some(Permission::SignContract)),
            (Delete, Some(Permission::DeleteContract)),
            (NewEvent, Some(Permission::CreateEvent)),
        ],
        ListKind::Events => &[
            (Edit, Some(Permission::UpdateEvent)),
            (Assign, Some(Permission::AssignSupport)),
            (Unassign, Some(Permission::AssignSupport)),
            (Mark, Some(Permission::AssignSupport)),
        ],
        ListKind::Employees => &[
            (New, Some(Permission::CreateEmployee)),
            (Edit, Some(Permission::UpdateEmployee)),
            (Delete, Some(Permission::DeactivateEmployee)),
            (ToggleActive, Some(Permission::ReactivateEmployee)),
        ],
        ListKind::Audit => &[],
        ListKind::Notifications => &[(MarkRead, None), (Mark, None)],
    }
}

/// Which permission `command` needs in a list of `kind` (`Some(None)`:
/// none); `None` when the command means nothing there.
pub fn permission(kind: ListKind, command: Command, department: Department) -> Option<Option<Permission>> {
    if matches!(command, Command::Export | Command::Yank) {
        // Whatever a list shows may be exported or copied.
        return Some(None);
    }
    let (_, needed) = commands(kind).iter().find(|(offered, _)| *offered == command)?;
    // A manager's "edit" on a client is giving it to another salesperson.
    if kind == ListKind::Clients && command == Command::Edit && department == Department::Management {
        return Some(Some(Permission::ReassignClient));
    }
    Some(*needed)
}

/// Whether `who` may run `command` on some record of a `kind` list (for
/// the help and the hints).
pub fn offered(kind: ListKind, command: Command, who: Who) -> bool {
    match permission(kind, command, who.department) {
        Some(Some(action)) => policy::decide_for_any(who, action).is_ok(),
        Some(None) => true,
        None => false,
    }
}

/// What a record command came to, for the screen that holds the list.
#[derive(Debug)]
pub enum Then {
    /// Nothing more (refused, said, or a popup opened).
    Nothing,
    /// Open this form over the list.
    Form(Box<RecordForm>),
    /// Mark or unmark the selected row.
    Mark,
    /// Run this change.
    Save(Save),
}

/// Runs a record command on `view` for `who`, after checking it is offered
/// there and the policy allows it on the selected record.
pub fn run(view: &ListView, who: Who, command: Command, sh: &mut Shared) -> Then {
    if command != Command::New && matches!(view.loading, Loading::Waiting(_)) {
        // The selection belongs to the page on its way.
        sh.say("Loading… try again in a moment.", Tone::Info);
        return Then::Nothing;
    }
    let kind = view.kind;
    let row = view.selected_row();
    let needed = match permission(kind, command, who.department) {
        Some(needed) => needed,
        None => {
            sh.say(format!("\"{}\" is not available in {}.", command.describe(), kind.title()), Tone::Error);
            return Then::Nothing;
        }
    };
    // Creating needs no record; everything else acts on the selected one.
    let creates = command == Command::New;
    if !creates && row.is_none() {
        sh.say(format!("No {} selected.", kind.noun()), Tone::Error);
        return Then::Nothing;
    }
    if let Some(action) = needed {
        let owners = if creates { Owners::default() } else { row.map(DisplayRow::owners).unwrap_or_default() };
        if let Err(denied) = policy::decide(who, action, owners) {
            sh.say(denied.reason, Tone::Error);
            return Then::Nothing;
        }
    }
    let then = match kind {
        ListKind::Clients => clients(command, row, who, sh),
        ListKind::Contracts => contracts(command, row, view.scope.as_ref(), sh),
        ListKind::Events => events(command, row, view.chosen(), sh),
        ListKind::Employees => employees(command, row, who, sh),
        ListKind::Notifications => match command {
            Command::MarkRead => Some(Then::Save(Save::MarkRead { ids: view.chosen() })),
            Command::Mark => Some(Then::Mark),
            _ => None,
        },
        ListKind::Audit => None,
    };
    then.unwrap_or_else(|| {
        // Offered in this list but not on this row: a bug, said plainly.
        sh.say(format!("\"{}\" is not available here.", command.describe()), Tone::Error);
        Then::Nothing
    })
}

fn form(target: Target, row: Option<&DisplayRow>) -> Option<Then> {
    Some(Then::Form(Box::new(RecordForm::open(target, row))))
}

fn pick(title: &str, purpose: Pick, department: Department, sh: &mut Shared) -> Option<Then> {
    let request = sh.request();
    sh.popup = Some(Popup::Picker(Picker::new(title, purpose, request)));
    sh.run(Effect::LoadLoads { request, department });
    Some(Then::Nothing)
}

fn confirm(question: String, save: Save, sh: &mut Shared) -> Option<Then> {
    sh.confirm(question, Confirmed::Save(save));
    Some(Then::Nothing)
}

fn said(text: String, tone: Tone, sh: &mut Shared) -> Option<Then> {
    sh.say(text, tone);
    Some(Then::Nothing)
}

fn clients(command: Command, row: Option<&DisplayRow>, who: Who, sh: &mut Shared) -> Option<Then> {
    let client = match row.map(|row| &row.record) {
        Some(Record::Client(client)) => Some(client),
        _ => None,
    };
    match (command, client) {
        (Command::New, _) => form(Target::NewClient, None),
        (Command::Edit, Some(client)) if who.department != Department::Management => {
            form(Target::EditClient { id: client.id }, row)
        }
        (Command::Edit | Command::Reassign, Some(client)) => {
            let purpose = Pick::Reassign { client_id: client.id, version: client.version };
            pick("Give the client to (clients each has)", purpose, Department::Sales, sh)
        }
        _ => None,
    }
}

fn contracts(command: Command, row: Option<&DisplayRow>, scope: Option<&Scope>, sh: &mut Shared) -> Option<Then> {
    if command == Command::New {
        let client_id = match scope {
            Some(Scope::Client { id, .. }) => Some(*id),
            _ => None,
        };
        return form(Target::NewContract { client_id }, None);
    }
    let Some(Record::Contract(contract)) = row.map(|row| &row.record) else { return None };
    let id = contract.id;
    match command {
        Command::Edit => form(Target::EditContract { id }, row),
        Command::Pay if contract.due_cents == 0 => said(format!("Contract {id} is fully paid."), Tone::Info, sh),
        Command::Pay => form(Target::Pay { id }, row),
        Command::Sign if contract.signed => said(format!("Contract {id} is signed already."), Tone::Info, sh),
        Command::Sign => confirm(
            format!(
                "Sign contract {id} with {} for {}? Signing is final.",
                sanitize(&contract.client_name),
                money(contract.total_cents)
            ),
            Save::Sign { id, version: Some(contract.version) },
            sh,
        ),
        Command::Delete if contract.signed => {
            said(format!("Contract {id} is signed: signed contracts are kept."), Tone::Error, sh)
        }
        Command::Delete => confirm(
            format!("Delete unsigned contract {id}? This cannot be undone."),
            Save::DeleteContract { id, version: Some(contract.version) },
            sh,
        ),
        Command::NewEvent if contract.signed => form(Target::NewEvent { contract_id: id }, None),
        Command::NewEvent => said(
            format!("Contract {id} is not signed yet: events are created for signed contracts only."),
            Tone::Error,
            sh,
        ),
        _ => None,
    }
}

fn events(command: Command, row: Option<&DisplayRow>, chosen: Vec<i64>, sh: &mut Shared) -> Option<Then> {
    let events = |count: usize| if count == 1 { "event" } else { "events" };
    match command {
        Command::Mark => Some(Then::Mark),
        Command::Edit => match row.map(|row| &row.record) {
            Some(Record::Event(event)) => form(Target::EditEvent { id: event.id }, row),
            _ => None,
        },
        Command::Assign => {
            let title = format!("Support for {} {}", chosen.len(), events(chosen.len()));
            pick(&title, Pick::Assign { ids: chosen }, Department::Support, sh)
        }
        Command::Unassign => confirm(
            format!("Remove the support contact of {} {}?", chosen.len(), events(chosen.len())),
            Save::Unassign { ids: chosen },
            sh,
        ),
        _ => None,
    }
}

fn employees(command: Command, row: Option<&DisplayRow>, who: Who, sh: &mut Shared) -> Option<Then> {
    if command == Command::New {
        return form(Target::NewEmployee, None);
    }
    let Some(Record::Employee(employee)) = row.map(|row| &row.record) else { return None };
    let (id, version) = (employee.id, Some(employee.version));
    let name = sanitize(&format!("{} {}", employee.first_name, employee.last_name));
    match command {
        Command::Edit => form(Target::EditEmployee { id }, row),
        Command::Delete if id == who.employee_id => {
            said("You cannot deactivate or delete yourself: ask another manager.".to_owned(), Tone::Error, sh)
        }
        Command::Delete if employee.active => confirm(
            format!("Deactivate {name}? Their sessions end at once; they can be reactivated (r)."),
            Save::SetActive { id, active: false, version },
            sh,
        ),
        Command::Delete => confirm(
            format!("Delete {name} for good? Only possible when no record names them."),
            Save::DeleteEmployee { id, version },
            sh,
        ),
        Command::ToggleActive if employee.active => {
            said("This employee is active: d deactivates.".to_owned(), Tone::Info, sh)
        }
        Command::ToggleActive => confirm(
            format!("Reactivate {name}? They can log in again."),
            Save::SetActive { id, active: true, version },
            sh,
        ),
        _ => None,
    }
}
