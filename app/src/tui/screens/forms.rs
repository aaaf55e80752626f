//! The record forms: which fields each create/edit form has, the inline
//! checks run before anything is saved (the same rules the services
//! apply), the change a valid form asks to save, the form's keys and its
//! drawing over the list.

use crate::domain::money::Money;
use crate::domain::validation;
use crate::services::accounts::EmployeeForm;
use crate::services::clients::{ClientEdit, ClientForm};
use crate::services::employees::EmployeeEdit;
use crate::services::events::{EventEdit, EventForm, LOCATION_MAX, NAME_MAX, NOTES_MAX};
use crate::services::records::money;
use crate::text::local_time;
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;

use crate::error::Failure;
use crate::tui::effect::{Effect, Save};
use crate::tui::keymap::{Command, Context, Keymap};
use crate::tui::lists::{DisplayRow, ListKind, Record};
use crate::tui::popups::{self, Confirmed, Resolution};
use crate::tui::shared::Shared;
use crate::tui::theme::Theme;
use crate::tui::widgets::form::{self, Field, Form};
use crate::tui::widgets::status::Tone;

/// What a key in a form came to, for the screen under it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormKey {
    /// The form stays open.
    Stay,
    /// The form closes.
    Close,
    /// The help is asked for.
    Help,
}

/// The departments, as the employee form offers them.
pub const DEPARTMENTS: [&str; 3] = ["SALES", "SUPPORT", "MANAGEMENT"];

/// What a record form creates or changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    NewClient,
    EditClient { id: i64 },
    NewContract { client_id: Option<i64> },
    EditContract { id: i64 },
    Pay { id: i64 },
    NewEvent { contract_id: i64 },
    EditEvent { id: i64 },
    NewEmployee,
    EditEmployee { id: i64 },
}

impl Target {
    /// The list whose records it changes.
    pub fn kind(&self) -> ListKind {
        match self {
            Target::NewClient | Target::EditClient { .. } => ListKind::Clients,
            Target::NewContract { .. } | Target::EditContract { .. } | Target::Pay { .. } => ListKind::Contracts,
            Target::NewEvent { .. } | Target::EditEvent { .. } => ListKind::Events,
            Target::NewEmployee | Target::EditEmployee { .. } => ListKind::Employees,
        }
    }

    /// The record's id, for edits.
    pub fn id(&self) -> Option<i64> {
        match self {
            Target::EditClient { id }
            | Target::EditContract { id }
            | Target::Pay { id }
            | Target::EditEvent { id }
            | Target::EditEmployee { id } => Some(*id),
            _ => None,
        }
    }
}

/// A form open over a list: what it targets and the version it was read at.
#[derive(Clone, Debug)]
pub struct RecordForm {
    pub target: Target,
    pub form: Form,
    pub version: Option<i64>,
    /// The save on its way (request id and what).
    pub saving: Option<(u64, Save)>,
}

impl RecordForm {
    /// Handles a key: save, cancel (asking when something was typed),
    /// move between fields, type.
    pub fn key(&mut self, key: &KeyEvent, sh: &mut Shared) -> FormKey {
        let command = sh.keymap.command(Context::Form, key);
        if self.saving.is_some() {
            if key.code == KeyCode::Esc {
                // Stop waiting; the form stays as typed.  The change may
                // still land: saving again then meets a version conflict.
                self.stop_waiting();
                self.form.message = Some(
                    "Stopped waiting for the database: your change may still be saved; check before saving again."
                        .into(),
                );
            }
            return FormKey::Stay;
        }
        match command {
            Some(Command::Help) => return FormKey::Help,
            Some(Command::Save) => return self.save(sh),
            Some(Command::Cancel) if self.form.dirty() => {
                sh.confirm("Discard your unsaved changes?".to_owned(), Confirmed::Discard);
            }
            Some(Command::Cancel) => return FormKey::Close,
            Some(Command::NextField) => self.form.next(),
            Some(Command::PrevField) => self.form.previous(),
            _ => {
                self.form.key(key);
            }
        }
        FormKey::Stay
    }

    /// Pasted text goes into the field with focus, unless a save is on
    /// its way.
    pub fn paste(&mut self, text: &str) {
        if self.saving.is_none() {
            self.form.paste(text);
        }
    }

    /// Nothing is awaited any more (the session ended, Esc while saving).
    pub fn stop_waiting(&mut self) {
        self.saving = None;
        self.form.saving = false;
    }

    /// Whether the save on its way is request `request`.
    pub fn saves(&self, request: u64) -> bool {
        self.saving.as_ref().is_some_and(|(id, _)| *id == request)
    }

    /// Checks the form and sends the change; closes it when an edit
    /// changed nothing.
    fn save(&mut self, sh: &mut Shared) -> FormKey {
        let editing = self.target.id().is_some() && !matches!(self.target, Target::Pay { .. });
        if editing && !self.form.dirty() {
            sh.say("Nothing changed.", Tone::Info);
            return FormKey::Close;
        }
        let Some(save) = self.check() else {
            self.form.message = Some("Nothing was saved: correct the fields marked ✗.".to_owned());
            return FormKey::Stay;
        };
        self.send(save, sh);
        FormKey::Stay
    }

    fn send(&mut self, save: Save, sh: &mut Shared) {
        let request = sh.request();
        self.saving = Some((request, save.clone()));
        self.form.saving = true;
        sh.run(Effect::Save { request, save });
    }

    /// A save was refused: a version conflict opens its dialog, anything
    /// else is said on the form, which stays as typed (nothing is lost).
    pub fn refused(&mut self, failure: &Failure, sh: &mut Shared) {
        let save = self.saving.take().map(|(_, save)| save);
        self.form.saving = false;
        match save {
            Some(save) if failure.kind == crate::error::FailureKind::Stale => {
                sh.popup = Some(popups::Popup::Conflict(popups::Conflict { save, message: failure.message.clone() }));
            }
            _ => self.form.message = Some(format!("Not saved: {}", failure.message)),
        }
    }

    /// The conflict dialog's answer: read their version, or save mine over
    /// it.
    pub fn resolve(&mut self, save: Save, resolution: Resolution, sh: &mut Shared) {
        match resolution {
            Resolution::Reload => {
                let Some(id) = self.target.id() else { return };
                let request = sh.request();
                self.saving = Some((request, save));
                self.form.saving = true;
                sh.run(Effect::LoadRecord { request, kind: self.target.kind(), id });
            }
            Resolution::Overwrite => self.send(save.without_version(), sh),
        }
    }

    /// The record read again after a conflict arrived (or not): `false`
    /// when the answer was for something else.
    pub fn reloaded(&mut self, request: u64, result: Result<DisplayRow, Failure>, sh: &mut Shared) -> bool {
        if !self.saves(request) {
            return false;
        }
        self.stop_waiting();
        match result {
            Ok(row) => self.reload(&row),
            Err(failure) => {
                self.form.message = Some(failure.message.clone());
                sh.failed(failure);
            }
        }
        true
    }

    /// Draws the form centred over `area` (the list under it).
    pub fn render(&self, frame: &mut Frame, area: Rect, theme: Theme, keys: &Keymap) {
        let height = self.form.height().min(area.height);
        let rect = popups::centered(area, 78, height);
        frame.render_widget(ratatui::widgets::Clear, rect);
        let footer = format!(
            "{}: save · {}: next field · {}: cancel",
            keys.named(Context::Form, Command::Save, 1),
            keys.named(Context::Form, Command::NextField, 2),
            keys.named(Context::Form, Command::Cancel, 1)
        );
        form::render(frame, rect, &self.form, theme, &footer);
    }
}

/// A rule's verdict as a field message.
fn ok<T>(result: Result<T, validation::Invalid>) -> Result<(), String> {
    result.map(|_| ()).map_err(|err| err.message)
}

const DATE_HINT: &str = "YYYY-MM-DD HH:MM (local time)";

impl RecordForm {
    /// The form for `target`, filled from `row` for edits.
    pub fn open(target: Target, row: Option<&DisplayRow>) -> RecordForm {
        let record = row.map(|row| &row.record);
        let (title, fields) = match (&target, record) {
            (Target::EditClient { id }, Some(Record::Client(c))) => (
                format!("Edit client {id}"),
                vec![
                    Field::text("first name", "First name", "", &c.first_name),
                    Field::text("last name", "Last name", "", &c.last_name),
                    Field::text("email", "Email", "name@example.com", &c.email),
                    Field::text("phone", "Phone", "+33 6 12 34 56 78 (optional)", c.phone.as_deref().unwrap_or("")),
                    Field::text("company name", "Company", "(optional)", c.company_name.as_deref().unwrap_or("")),
                    Field::text(
                        "last contact",
                        "Last contact",
                        DATE_HINT,
                        &c.last_contact_at.map(local_time).unwrap_or_default(),
                    ),
                ],
            ),
            (Target::NewClient, _) | (Target::EditClient { .. }, _) => (
                "New client (yours)".to_owned(),
                vec![
                    Field::text("first name", "First name", "", ""),
                    Field::text("last name", "Last name", "", ""),
                    Field::text("email", "Email", "name@example.com", ""),
                    Field::text("phone", "Phone", "+33 6 12 34 56 78 (optional)", ""),
                    Field::text("company name", "Company", "(optional)", ""),
                ],
            ),
            (Target::NewContract { client_id }, _) => (
                "New contract".to_owned(),
                vec![
                    Field::text(
                        "client",
                        "Client id",
                        "the client's number",
                        &client_id.map(|id| id.to_string()).unwrap_or_default(),
                    ),
                    Field::text("total", "Total amount", "12000.50", ""),
                    Field::text("amount due", "Amount due", "(the total when empty)", ""),
                ],
            ),
            (Target::EditContract { id }, Some(Record::Contract(k))) => (
                format!("Edit contract {id}"),
                vec![
                    Field::text("total", "Total amount", "12000.50", &money(k.total_cents)),
                    Field::text("amount due", "Amount due", "0 to the total", &money(k.due_cents)),
                ],
            ),
            (Target::Pay { id }, Some(Record::Contract(k))) => (
                format!("Payment on contract {id} ({} due)", money(k.due_cents)),
                vec![Field::text("payment", "Amount paid", "500.00", "")],
            ),
            (Target::NewEvent { contract_id }, _) => (
                format!("New event for contract {contract_id}"),
                vec![
                    Field::text("name", "Name", "Spring gala", ""),
                    Field::text("start", "Start", DATE_HINT, ""),
                    Field::text("end", "End", DATE_HINT, ""),
                    Field::text("location", "Location", "(optional)", ""),
                    Field::text("attendees", "Attendees", "0", "0"),
                    Field::text("notes", "Notes", "(optional)", ""),
                ],
            ),
            (Target::EditEvent { id }, Some(Record::Event(v))) => (
                format!("Edit event {id}"),
                vec![
                    Field::text("name", "Name", "", &v.name),
                    Field::text("start", "Start", DATE_HINT, &local_time(v.start_at)),
                    Field::text("end", "End", DATE_HINT, &local_time(v.end_at)),
                    Field::text("location", "Location", "(optional)", v.location.as_deref().unwrap_or("")),
                    Field::text("attendees", "Attendees", "0", &v.attendees.to_string()),
                    Field::text("notes", "Notes", "(optional)", v.notes.as_deref().unwrap_or("")),
                ],
            ),
            (Target::EditEmployee { id }, Some(Record::Employee(m))) => (
                format!("Edit employee {id}"),
                vec![
                    Field::text("first name", "First name", "", &m.first_name),
                    Field::text("last name", "Last name", "", &m.last_name),
                    Field::text("email", "Email", "name@epic-events.test", &m.email),
                    Field::text("phone", "Phone", "(optional)", m.phone.as_deref().unwrap_or("")),
                    Field::choice(
                        "department",
                        "Department",
                        &DEPARTMENTS,
                        &m.department().map(|d| d.to_string()).unwrap_or_default(),
                    ),
                ],
            ),
            _ => (
                "New employee".to_owned(),
                vec![
                    Field::text("first name", "First name", "", ""),
                    Field::text("last name", "Last name", "", ""),
                    Field::text("email", "Email", "name@epic-events.test", ""),
                    Field::text("phone", "Phone", "(optional)", ""),
                    Field::choice("department", "Department", &DEPARTMENTS, "SALES"),
                ],
            ),
        };
        RecordForm { target, form: Form::new(title, fields), version: row.map(|row| row.version), saving: None }
    }

    /// Fills the form again from the record as it is now (after a
    /// conflict, "reload"), dropping what was typed.
    pub fn reload(&mut self, row: &DisplayRow) {
        let fresh = RecordForm::open(self.target.clone(), Some(row));
        self.form.fields = fresh.form.fields;
        self.form.message = Some("Reloaded: these are the current values.".to_owned());
        self.version = Some(row.version);
    }

    /// Checks every field, marking those that break a rule; the change to
    /// save when all hold.
    pub fn check(&mut self) -> Option<Save> {
        self.form.clear_errors();
        let local = chrono::Local;
        let form = &mut self.form;
        let mut errors: Vec<(&'static str, String)> = Vec::new();
        let mut check = |name: &'static str, result: Result<(), String>| {
            if let Err(message) = result {
                errors.push((name, message));
            }
        };
        let value = |name: &str| form.value(name);
        let amount = |name: &'static str, text: &str| -> Result<i64, String> {
            text.trim().parse::<Money>().map(Money::cents).map_err(|err| format!("The {name} {err}."))
        };
        let date =
            |name: &'static str, text: &str| validation::date_time(name, text, &local).map_err(|err| err.message);
        match &self.target {
            Target::NewClient | Target::EditClient { .. } | Target::NewEmployee | Target::EditEmployee { .. } => {
                check("first name", ok(validation::person_name("first name", &value("first name"))));
                check("last name", ok(validation::person_name("last name", &value("last name"))));
                check("email", ok(validation::email(&value("email"))));
                check("phone", ok(validation::phone(&value("phone"))));
                if matches!(self.target, Target::NewClient | Target::EditClient { .. }) {
                    check(
                        "company name",
                        ok(validation::optional_text("company name", &value("company name"), 200, false)),
                    );
                }
                if let Target::EditClient { .. } = self.target {
                    let text = value("last contact");
                    if !text.trim().is_empty() {
                        check("last contact", date("last contact", &text).map(|_| ()));
                    }
                }
            }
            Target::NewContract { .. } => {
                let client = value("client");
                check(
                    "client",
                    client
                        .trim()
                        .parse::<i64>()
                        .map(|_| ())
                        .map_err(|_| "The client id is a number: the client's id from the Clients tab.".to_owned()),
                );
                let total = amount("total", &value("total"));
                check("total", total.clone().map(|_| ()));
                let due = value("amount due");
                if !due.trim().is_empty() {
                    let due = amount("amount due", &due);
                    check(
                        "amount due",
                        match (due, total) {
                            (Ok(due), Ok(total)) if due > total => {
                                Err("The amount due cannot be more than the total.".to_owned())
                            }
                            (due, _) => due.map(|_| ()),
                        },
                    );
                }
            }
            Target::EditContract { .. } => {
                let total = amount("total", &value("total"));
                check("total", total.clone().map(|_| ()));
                let due = amount("amount due", &value("amount due"));
                check(
                    "amount due",
                    match (due, total) {
                        (Ok(due), Ok(total)) if due > total => {
                            Err("The amount due cannot be more than the total.".to_owned())
                        }
                        (due, _) => due.map(|_| ()),
                    },
                );
            }
            Target::Pay { .. } => check("payment", amount("payment", &value("payment")).map(|_| ())),
            Target::NewEvent { .. } | Target::EditEvent { .. } => {
                let name = value("name");
                check(
                    "name",
                    if name.trim().is_empty() {
                        Err("The name is empty: give the event a name.".to_owned())
                    } else {
                        ok(validation::optional_text("name", &name, NAME_MAX, false))
                    },
                );
                let start = date("start", &value("start"));
                let end = date("end", &value("end"));
                check("start", start.clone().map(|_| ()));
                check(
                    "end",
                    match (start, end) {
                        (Ok(start), Ok(end)) => ok(validation::period(start, end)),
                        (_, end) => end.map(|_| ()),
                    },
                );
                check("location", ok(validation::optional_text("location", &value("location"), LOCATION_MAX, false)));
                check("attendees", ok(validation::attendees(&value("attendees"))));
                check("notes", ok(validation::optional_text("notes", &value("notes"), NOTES_MAX, true)));
            }
        }
        for (name, message) in errors {
            if let Some(field) = form.field_mut(name) {
                field.error = Some(message);
            }
        }
        if form.has_errors() {
            form.focus_first_error();
            return None;
        }
        Some(self.change())
    }

    /// The change the (valid) form asks for: for edits, only changed fields.
    fn change(&self) -> Save {
        let form = &self.form;
        let value = |name: &str| form.value(name);
        let changed = |name: &str| form.changed(name);
        let version = self.version;
        match &self.target {
            Target::NewClient => Save::NewClient(ClientForm {
                first_name: value("first name"),
                last_name: value("last name"),
                email: value("email"),
                phone: value("phone"),
                company_name: value("company name"),
            }),
            Target::EditClient { id } => Save::EditClient {
                id: *id,
                edit: ClientEdit {
                    first_name: changed("first name"),
                    last_name: changed("last name"),
                    email: changed("email"),
                    phone: changed("phone"),
                    company_name: changed("company name"),
                    last_contact: changed("last contact"),
                },
                version,
            },
            Target::NewContract { .. } => Save::NewContract {
                client_id: value("client").trim().parse().unwrap_or_default(),
                total: value("total"),
                due: value("amount due"),
            },
            Target::EditContract { id } => {
                Save::EditContract { id: *id, total: changed("total"), due: changed("amount due"), version }
            }
            Target::Pay { id } => Save::Pay { id: *id, amount: value("payment"), version },
            Target::NewEvent { contract_id } => Save::NewEvent {
                contract_id: *contract_id,
                form: EventForm {
                    name: value("name"),
                    start: value("start"),
                    end: value("end"),
                    location: value("location"),
                    attendees: value("attendees"),
                    notes: value("notes"),
                },
            },
            Target::EditEvent { id } => Save::EditEvent {
                id: *id,
                edit: EventEdit {
                    name: changed("name"),
                    start: changed("start"),
                    end: changed("end"),
                    location: changed("location"),
                    attendees: changed("attendees"),
                    notes: changed("notes"),
                },
                version,
            },
            Target::NewEmployee => Save::NewEmployee(EmployeeForm {
                first_name: value("first name"),
                last_name: value("last name"),
                email: value("email"),
                phone: value("phone"),
                department: value("department"),
            }),
            Target::EditEmployee { id } => Save::EditEmployee {
                id: *id,
                edit: EmployeeEdit {
                    first_name: changed("first name"),
                    last_name: changed("last name"),
                    email: changed("email"),
                    phone: changed("phone"),
                    department: changed("department"),
                },
                version,
            },
        }
    }
}
