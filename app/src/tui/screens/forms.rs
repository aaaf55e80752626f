//! The record forms: which fields each create/edit form has, the inline
//! checks run before anything is saved (the same rules the services
//! apply), the change a valid form asks to save, the form's keys and its
//! drawing over the list.

use crate::domain::money::Money;
use crate::domain::validation;
use crate::services::accounts::EmployeeForm;
use crate::services::employees::EmployeeEdit;
use crate::services::events::{EventEdit, EventForm, LOCATION_MAX, NAME_MAX, NOTES_MAX};
use crate::services::kinds::{self, DATE_HINT, Described as _, Entry, Typed};
use crate::services::records::money;
use crate::text::local_time;
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;

use crate::error::Failure;
use crate::services::rows::{ContractRow, EmployeeRow, EventRow};
use crate::tui::effect::{Effect, Save};
use crate::tui::keymap::{Command, Context, Keymap};
use crate::tui::lists::{DisplayRow, ListKind, Record};
use crate::tui::popups::{self, Confirmed, Resolution};
use crate::tui::shared::Shared;
use crate::tui::theme::Theme;
use crate::tui::widgets::form::{self, Field, Fields, Form};
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
            Target::NewClient | Target::NewContract { .. } | Target::NewEvent { .. } | Target::NewEmployee => None,
        }
    }
}

/// A form open over a list: what it targets and the version it was read at.
#[derive(Clone, Debug)]
pub struct RecordForm {
    pub target: Target,
    pub form: Form<Inputs>,
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
            keys.keys_of(Context::Form, Command::Save, 1),
            keys.keys_of(Context::Form, Command::NextField, 2),
            keys.keys_of(Context::Form, Command::Cancel, 1)
        );
        form::render(frame, rect, &self.form, theme, &footer);
    }
}

/// A record's fields as its declaration gives them (`services::kinds`):
/// one line each, labelled and hinted as declared, checked by the field's
/// own rule — the rule the services apply — so a new field needs no line
/// here.
#[derive(Clone, Debug)]
pub struct DeclaredInputs {
    lines: Vec<(Typed, Field)>,
}

impl DeclaredInputs {
    /// Lines for `fields`, each filled with `current`'s text for it.
    fn new(fields: Vec<Typed>, current: impl Fn(&Typed) -> String) -> DeclaredInputs {
        let lines = fields
            .into_iter()
            .map(|typed| {
                let line = Field::text(typed.name, typed.label, typed.input.hint, &current(&typed));
                (typed, line)
            })
            .collect();
        DeclaredInputs { lines }
    }

    fn check(&mut self) {
        for (typed, line) in &mut self.lines {
            let text = line.value();
            line.check((typed.input.check)(&text));
        }
    }

    /// Everything typed (a new record).
    fn entry(&self) -> Entry {
        self.lines.iter().map(|(typed, line)| (typed.name, line.value())).collect()
    }

    /// Only the lines changed (an edit).
    fn edited(&self) -> Entry {
        self.lines.iter().filter_map(|(typed, line)| line.edited().map(|text| (typed.name, text))).collect()
    }
}

impl Fields for DeclaredInputs {
    fn list(&self) -> Vec<&Field> {
        self.lines.iter().map(|(_, line)| line).collect()
    }

    fn list_mut(&mut self) -> Vec<&mut Field> {
        self.lines.iter_mut().map(|(_, line)| line).collect()
    }
}

/// A new contract's fields.
#[derive(Clone, Debug)]
pub struct NewContractInputs {
    pub client: Field,
    pub total: Field,
    pub due: Field,
}
crate::form_fields!(NewContractInputs { client, total, due });

/// A contract's amounts.
#[derive(Clone, Debug)]
pub struct ContractInputs {
    pub total: Field,
    pub due: Field,
}
crate::form_fields!(ContractInputs { total, due });

/// A payment.
#[derive(Clone, Debug)]
pub struct PaymentInputs {
    pub amount: Field,
}
crate::form_fields!(PaymentInputs { amount });

/// An event's fields.
#[derive(Clone, Debug)]
pub struct EventInputs {
    pub name: Field,
    pub start: Field,
    pub end: Field,
    pub location: Field,
    pub attendees: Field,
    pub notes: Field,
}
crate::form_fields!(EventInputs { name, start, end, location, attendees, notes });

/// An employee's fields.
#[derive(Clone, Debug)]
pub struct EmployeeInputs {
    pub first_name: Field,
    pub last_name: Field,
    pub email: Field,
    pub phone: Field,
    pub department: Field,
}
crate::form_fields!(EmployeeInputs { first_name, last_name, email, phone, department });

/// The fields of whichever record form is open.
// One form is open at a time and it lives as long as the popup: its size
// does not matter, and boxing would only add noise to every match.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Inputs {
    Client(DeclaredInputs),
    NewContract(NewContractInputs),
    Contract(ContractInputs),
    Payment(PaymentInputs),
    Event(EventInputs),
    Employee(EmployeeInputs),
}

impl Fields for Inputs {
    fn list(&self) -> Vec<&Field> {
        match self {
            Inputs::Client(inputs) => inputs.list(),
            Inputs::NewContract(inputs) => inputs.list(),
            Inputs::Contract(inputs) => inputs.list(),
            Inputs::Payment(inputs) => inputs.list(),
            Inputs::Event(inputs) => inputs.list(),
            Inputs::Employee(inputs) => inputs.list(),
        }
    }

    fn list_mut(&mut self) -> Vec<&mut Field> {
        match self {
            Inputs::Client(inputs) => inputs.list_mut(),
            Inputs::NewContract(inputs) => inputs.list_mut(),
            Inputs::Contract(inputs) => inputs.list_mut(),
            Inputs::Payment(inputs) => inputs.list_mut(),
            Inputs::Event(inputs) => inputs.list_mut(),
            Inputs::Employee(inputs) => inputs.list_mut(),
        }
    }
}

/// The rules every person follows (clients, employees, the first
/// manager): first and last name, email, and an optional phone.
pub(super) fn check_person([first_name, last_name, email, phone]: [&mut Field; 4]) {
    first_name.check(validation::person_name("first name", &first_name.value()));
    last_name.check(validation::person_name("last name", &last_name.value()));
    email.check(validation::email(&email.value()));
    phone.check(validation::phone(&phone.value()));
}

/// An amount typed in a form, in cents.
fn amount(name: &str, field: &Field) -> Result<i64, String> {
    field.value().trim().parse::<Money>().map(Money::cents).map_err(|err| format!("The {name} {err}."))
}

/// A date and time typed in a form, in local time.
fn date(name: &'static str, field: &Field) -> Result<i64, String> {
    validation::date_time(name, &field.value(), &chrono::Local).map_err(String::from)
}

/// The amount due, checked against the total.
fn due_within(due: Result<i64, String>, total: Result<i64, String>) -> Result<i64, String> {
    match (due, total) {
        (Ok(due), Ok(total)) if due > total => Err("The amount due cannot be more than the total.".to_owned()),
        (due, _) => due,
    }
}

impl EventInputs {
    fn new(row: Option<&EventRow>) -> EventInputs {
        EventInputs {
            name: Field::text(
                "name",
                "Name",
                if row.is_some() { "" } else { "Spring gala" },
                row.map_or("", |v| &v.name),
            ),
            start: Field::text("start", "Start", DATE_HINT, &row.map(|v| local_time(v.start_at)).unwrap_or_default()),
            end: Field::text("end", "End", DATE_HINT, &row.map(|v| local_time(v.end_at)).unwrap_or_default()),
            location: Field::text(
                "location",
                "Location",
                "(optional)",
                row.and_then(|v| v.location.as_deref()).unwrap_or(""),
            ),
            attendees: Field::text(
                "attendees",
                "Attendees",
                "0",
                &row.map_or("0".to_owned(), |v| v.attendees.to_string()),
            ),
            notes: Field::text("notes", "Notes", "(optional)", row.and_then(|v| v.notes.as_deref()).unwrap_or("")),
        }
    }

    fn check(&mut self) {
        let name = self.name.value();
        self.name.check(if name.trim().is_empty() {
            Err("The name is empty: give the event a name.".to_owned())
        } else {
            validation::optional_text("name", &name, NAME_MAX, false).map(|_| ()).map_err(String::from)
        });
        let start = date("start", &self.start);
        let end = date("end", &self.end);
        self.start.check(start.clone());
        self.end.check(match (start, end) {
            (Ok(start), Ok(end)) => validation::period(start, end).map_err(String::from),
            (_, end) => end.map(|_| ()),
        });
        let location = self.location.value();
        self.location.check(validation::optional_text("location", &location, LOCATION_MAX, false));
        let attendees = self.attendees.value();
        self.attendees.check(validation::attendees(&attendees));
        let notes = self.notes.value();
        self.notes.check(validation::optional_text("notes", &notes, NOTES_MAX, true));
    }
}

impl EmployeeInputs {
    fn new(row: Option<&EmployeeRow>) -> EmployeeInputs {
        let department = row.map_or("SALES".to_owned(), |m| m.department().map(|d| d.to_string()).unwrap_or_default());
        EmployeeInputs {
            first_name: Field::text("first name", "First name", "", row.map_or("", |m| &m.first_name)),
            last_name: Field::text("last name", "Last name", "", row.map_or("", |m| &m.last_name)),
            email: Field::text("email", "Email", "name@epic-events.test", row.map_or("", |m| &m.email)),
            phone: Field::text("phone", "Phone", "(optional)", row.and_then(|m| m.phone.as_deref()).unwrap_or("")),
            department: Field::choice("department", "Department", &DEPARTMENTS, &department),
        }
    }

    fn check(&mut self) {
        check_person([&mut self.first_name, &mut self.last_name, &mut self.email, &mut self.phone]);
    }
}

impl RecordForm {
    /// The form for `target`, filled from `row` for edits.
    pub fn open(target: Target, row: Option<&DisplayRow>) -> RecordForm {
        let record = row.map(|row| &row.record);
        let (title, inputs) = match (&target, record) {
            (Target::EditClient { id }, Some(Record::Client(c))) => {
                let inputs =
                    DeclaredInputs::new(kinds::CLIENT.update_fields(), |typed| kinds::CLIENT.as_typed(typed, c));
                (format!("Edit client {id}"), Inputs::Client(inputs))
            }
            (Target::NewClient | Target::EditClient { .. }, _) => {
                let inputs = DeclaredInputs::new(kinds::CLIENT.create_fields(), |_| String::new());
                ("New client (yours)".to_owned(), Inputs::Client(inputs))
            }
            (Target::NewContract { client_id }, _) => (
                "New contract".to_owned(),
                Inputs::NewContract(NewContractInputs {
                    client: Field::text(
                        "client",
                        "Client id",
                        "the client's number",
                        &client_id.map(|id| id.to_string()).unwrap_or_default(),
                    ),
                    total: Field::text("total", "Total amount", "12000.50", ""),
                    due: Field::text("amount due", "Amount due", "(the total when empty)", ""),
                }),
            ),
            (Target::EditContract { id } | Target::Pay { id }, contract) => {
                let contract = match contract {
                    Some(Record::Contract(k)) => Some(k),
                    _ => None,
                };
                let cents = |pick: fn(&ContractRow) -> i64| contract.map(|k| money(pick(k))).unwrap_or_default();
                if matches!(target, Target::Pay { .. }) {
                    (
                        format!("Payment on contract {id} ({} due)", cents(|k| k.due_cents)),
                        Inputs::Payment(PaymentInputs { amount: Field::text("payment", "Amount paid", "500.00", "") }),
                    )
                } else {
                    (
                        format!("Edit contract {id}"),
                        Inputs::Contract(ContractInputs {
                            total: Field::text("total", "Total amount", "12000.50", &cents(|k| k.total_cents)),
                            due: Field::text("amount due", "Amount due", "0 to the total", &cents(|k| k.due_cents)),
                        }),
                    )
                }
            }
            (Target::NewEvent { contract_id }, _) => {
                (format!("New event for contract {contract_id}"), Inputs::Event(EventInputs::new(None)))
            }
            (Target::EditEvent { id }, event) => {
                let event = match event {
                    Some(Record::Event(v)) => Some(v),
                    _ => None,
                };
                (format!("Edit event {id}"), Inputs::Event(EventInputs::new(event)))
            }
            (Target::EditEmployee { id }, Some(Record::Employee(m))) => {
                (format!("Edit employee {id}"), Inputs::Employee(EmployeeInputs::new(Some(m))))
            }
            (Target::NewEmployee | Target::EditEmployee { .. }, _) => {
                ("New employee".to_owned(), Inputs::Employee(EmployeeInputs::new(None)))
            }
        };
        RecordForm { target, form: Form::new(title, inputs), version: row.map(|row| row.version), saving: None }
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
        match &mut self.form.fields {
            Inputs::Client(inputs) => inputs.check(),
            Inputs::Employee(inputs) => inputs.check(),
            Inputs::Event(inputs) => inputs.check(),
            Inputs::NewContract(inputs) => {
                let client = inputs.client.value();
                inputs.client.check(
                    client
                        .trim()
                        .parse::<i64>()
                        .map_err(|_| "The client id is a number: the client's id from the Clients tab.".to_owned()),
                );
                let total = amount("total", &inputs.total);
                inputs.total.check(total.clone());
                if !inputs.due.value().trim().is_empty() {
                    let due = due_within(amount("amount due", &inputs.due), total);
                    inputs.due.check(due);
                }
            }
            Inputs::Contract(inputs) => {
                let total = amount("total", &inputs.total);
                inputs.total.check(total.clone());
                let due = due_within(amount("amount due", &inputs.due), total);
                inputs.due.check(due);
            }
            Inputs::Payment(inputs) => {
                let paid = amount("payment", &inputs.amount);
                inputs.amount.check(paid);
            }
        }
        if self.form.has_errors() {
            self.form.focus_first_error();
            return None;
        }
        self.change()
    }

    /// The change the (valid) form asks for: for edits, only changed
    /// fields; `None` when the target and the fields do not match (a bug).
    fn change(&self) -> Option<Save> {
        let version = self.version;
        let fields = &self.form.fields;
        let save = match &self.target {
            Target::NewClient => {
                let Inputs::Client(c) = fields else { return None };
                Save::NewClient(c.entry())
            }
            Target::EditClient { id } => {
                let Inputs::Client(c) = fields else { return None };
                Save::EditClient { id: *id, edit: c.edited(), version }
            }
            Target::NewContract { .. } => {
                let Inputs::NewContract(k) = fields else { return None };
                Save::NewContract {
                    client_id: k.client.value().trim().parse().unwrap_or_default(),
                    total: k.total.value(),
                    due: k.due.value(),
                }
            }
            Target::EditContract { id } => {
                let Inputs::Contract(k) = fields else { return None };
                Save::EditContract { id: *id, total: k.total.edited(), due: k.due.edited(), version }
            }
            Target::Pay { id } => {
                let Inputs::Payment(p) = fields else { return None };
                Save::Pay { id: *id, amount: p.amount.value(), version }
            }
            Target::NewEvent { contract_id } => {
                let Inputs::Event(v) = fields else { return None };
                let form = EventForm {
                    name: v.name.value(),
                    start: v.start.value(),
                    end: v.end.value(),
                    location: v.location.value(),
                    attendees: v.attendees.value(),
                    notes: v.notes.value(),
                };
                Save::NewEvent { contract_id: *contract_id, form }
            }
            Target::EditEvent { id } => {
                let Inputs::Event(v) = fields else { return None };
                let edit = EventEdit {
                    name: v.name.edited(),
                    start: v.start.edited(),
                    end: v.end.edited(),
                    location: v.location.edited(),
                    attendees: v.attendees.edited(),
                    notes: v.notes.edited(),
                };
                Save::EditEvent { id: *id, edit, version }
            }
            Target::NewEmployee => {
                let Inputs::Employee(m) = fields else { return None };
                Save::NewEmployee(EmployeeForm {
                    first_name: m.first_name.value(),
                    last_name: m.last_name.value(),
                    email: m.email.value(),
                    phone: m.phone.value(),
                    department: m.department.value(),
                })
            }
            Target::EditEmployee { id } => {
                let Inputs::Employee(m) = fields else { return None };
                let edit = EmployeeEdit {
                    first_name: m.first_name.edited(),
                    last_name: m.last_name.edited(),
                    email: m.email.edited(),
                    phone: m.phone.edited(),
                    department: m.department.edited(),
                };
                Save::EditEmployee { id: *id, edit, version }
            }
        };
        Some(save)
    }
}
