//! One declaration per record kind (client, contract, event, employee, and
//! the audit and notification lists): its fields with PRODUCT.md's names,
//! labels, types and rules, the table columns of the terminal application
//! and of the command line, and the detail lines.  JSON, CSV, the CLI's
//! tables and `--fields`, the TUI's columns, cells and details are all
//! derived from here; docs/adding-a-field.md says what else a new field
//! touches.

pub mod audit;
pub mod client;
pub mod contract;
pub mod employee;
pub mod event;
pub mod notification;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::{Map, Value};

use crate::domain::Department;
use crate::domain::validation::Invalid;
use crate::store::paging::SortColumn;
pub use crate::store::values::{Value as StoredValue, Values};

pub use self::audit::AUDIT;
pub use self::client::CLIENT;
pub use self::contract::CONTRACT;
pub use self::employee::EMPLOYEE;
pub use self::event::EVENT;
pub use self::notification::NOTIFICATION;

/// What a field holds, and so how it is written in JSON and CSV.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Type {
    /// A record's own id, or another record's (a number).
    Id,
    /// Free text (sanitised when shown).
    Text,
    /// An email address (unique, case-insensitive).
    Email,
    /// A phone number.
    Phone,
    /// An amount of money: a decimal string ("12000.50").
    Money,
    /// A time: RFC 3339 in UTC.
    Time,
    /// True or false.
    Flag,
    /// A whole number (attendees, the version).
    Count,
    /// A department code (MANAGEMENT, SALES, SUPPORT).
    Department,
    /// A JSON object (an audit entry's changes).
    Document,
}

/// How a field can be sorted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sort {
    /// It cannot.
    No,
    /// By the primary key.
    Key,
    /// By this index (checked to exist on both backends).
    Index(&'static str),
    /// Without an index of its own: the list is small, or filtered first.
    Scan,
}

/// One field of a record kind.
pub struct Field<R: 'static> {
    /// The name in PRODUCT.md: JSON, CSV, `--fields`, `--sort`.
    pub name: &'static str,
    /// As the detail lines and forms label it.
    pub label: &'static str,
    pub kind: Type,
    /// Whether a new record must have it.
    pub required: bool,
    /// The departments that may change it, besides its creator (empty:
    /// only the database or the application writes it).
    pub editable: &'static [Department],
    pub sort: Sort,
    /// Whether the list's search looks at it.
    pub searchable: bool,
    /// The value as JSON.
    pub json: fn(&R) -> Value,
    /// How people type it in, if they do (`None`: the application or the
    /// database sets it, or a command of its own does).
    pub input: Option<Input>,
}

/// How a field is typed in: a line of the form, a `--flag` of the
/// command line, a spreadsheet column.  The forms, the flags and the
/// checks of every way in are derived from it.
#[derive(Clone, Copy, Debug)]
pub struct Input {
    /// Asked for when a record is created.
    pub create: bool,
    /// Changeable afterwards (by the field's `editable` departments).
    pub update: bool,
    /// The command line's flag and the spreadsheet's other name for the
    /// column, when it is not the field's name (`company` for
    /// `company_name`).
    pub flag: Option<&'static str>,
    /// The flag's help.
    pub help: &'static str,
    /// What the form's empty line suggests.
    pub hint: &'static str,
    /// The rule: what was typed (empty for "none") to the stored value, or
    /// why it cannot be.  Every way in calls it, and only it.
    pub check: fn(&str) -> Result<StoredValue, Invalid>,
}

/// A field people type, as every way in sees it: what [`Input`] says,
/// with the field's name, label and whether it is required.
#[derive(Clone, Copy, Debug)]
pub struct Typed {
    /// The field's name (JSON, CSV, the column it is stored in).
    pub name: &'static str,
    pub label: &'static str,
    pub kind: Type,
    pub required: bool,
    pub input: Input,
}

impl Typed {
    /// The command-line flag, without the dashes (`first-name`).
    pub fn flag(&self) -> String {
        self.input.flag.map_or_else(|| self.name.replace('_', "-"), str::to_owned)
    }
}

/// What was typed, by field name: a form's lines, a command's flags, a
/// spreadsheet's cells.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Entry(BTreeMap<&'static str, String>);

impl Entry {
    /// Nothing typed.
    pub fn new() -> Entry {
        Entry::default()
    }

    /// What was typed for these fields.
    pub fn of<const N: usize>(pairs: [(&'static str, &str); N]) -> Entry {
        pairs.into_iter().map(|(name, text)| (name, text.to_owned())).collect()
    }

    /// The same with `name` typed as `text`.
    pub fn with(mut self, name: &'static str, text: &str) -> Entry {
        self.set(name, text);
        self
    }

    /// Sets what was typed for `name`.
    pub fn set(&mut self, name: &'static str, text: impl Into<String>) -> &mut Entry {
        self.0.insert(name, text.into());
        self
    }

    /// What was typed for `name`, if anything.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// Forgets `name`.
    pub fn remove(&mut self, name: &str) {
        self.0.remove(name);
    }

    /// Whether nothing was typed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every field typed and its text.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.0.iter().map(|(name, text)| (*name, text.as_str()))
    }
}

impl FromIterator<(&'static str, String)> for Entry {
    fn from_iter<I: IntoIterator<Item = (&'static str, String)>>(iter: I) -> Entry {
        Entry(iter.into_iter().collect())
    }
}

/// A column of the terminal application's table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ColumnView {
    /// Header text.
    pub title: &'static str,
    /// The field it is sorted by, when the list can sort by it.
    pub sort: Option<&'static str>,
    /// Narrowest useful width.
    pub min: u16,
    /// Share of the spare width.
    pub grow: u16,
    /// Kept on narrow terminals (the others go first).
    pub key: bool,
}

/// A table column: how it looks and what its cell says (plain text; the
/// screens sanitise it).
pub struct Column<R: 'static> {
    pub view: ColumnView,
    pub cell: fn(&R) -> String,
}

/// A column of the command line's 80-column table.
pub struct CliColumn<R: 'static> {
    pub header: &'static str,
    /// Gives way (cut with an ellipsis) when the table is too wide.
    pub flexible: bool,
    pub cell: fn(&R) -> String,
}

/// A line of a record's details.
pub struct Detail<R: 'static> {
    pub label: &'static str,
    pub text: fn(&R) -> String,
}

/// A record kind: everything shown of it, declared once.
pub struct Kind<R: 'static> {
    /// A record in a sentence ("client 12").
    pub noun: &'static str,
    /// The list's title.
    pub title: &'static str,
    /// The fields, in JSON and CSV order.
    pub fields: &'static [Field<R>],
    /// The terminal application's table.
    pub columns: &'static [Column<R>],
    /// The command line's table.
    pub cli: &'static [CliColumn<R>],
    /// The details popup and side pane.
    pub detail: &'static [Detail<R>],
    /// The orders the store can list it in (`--sort`, the TUI's `o`).
    pub sorts: &'static [SortColumn],
    names: OnceLock<Vec<&'static str>>,
    views: OnceLock<Vec<ColumnView>>,
    typed: OnceLock<Vec<Typed>>,
}

/// What screens ask of a record kind whatever its row type: a list picks
/// its kind once ([`Described`] behind a reference) instead of matching on
/// it for every question.
pub trait Described: Sync {
    /// A record in a sentence ("client 12").
    fn noun(&self) -> &'static str;
    /// The list's title.
    fn title(&self) -> &'static str;
    /// The field names, in order: JSON keys, CSV header, `--fields`.
    fn names(&self) -> &[&'static str];
    /// The terminal application's columns, as they look.
    fn column_views(&self) -> &[ColumnView];
    /// The orders the store can list it in.
    fn sorts(&self) -> &'static [SortColumn];
    /// The fields people type, in order.
    fn typed(&self) -> &[Typed];

    /// The fields a new record is typed with.
    fn create_fields(&self) -> Vec<Typed> {
        self.typed().iter().filter(|field| field.input.create).copied().collect()
    }

    /// The fields an existing record's edit changes.
    fn update_fields(&self) -> Vec<Typed> {
        self.typed().iter().filter(|field| field.input.update).copied().collect()
    }

    /// A new record's values from what was typed: every field a new
    /// record is typed with, checked by its rule (a field not typed is
    /// empty, which a required field's rule refuses).
    fn new_values(&self, entry: &Entry) -> Result<Values, Invalid> {
        let mut values = Values::new();
        for field in self.create_fields() {
            values.set(field.name, (field.input.check)(entry.get(field.name).unwrap_or(""))?);
        }
        Ok(values)
    }

    /// Changes from what was typed: only the fields typed, each one an
    /// edit may change, checked by its rule.
    fn changed_values(&self, entry: &Entry) -> Result<Values, Invalid> {
        let mut values = Values::new();
        for (name, text) in entry.iter() {
            let field =
                self.typed().iter().find(|field| field.name == name && field.input.update).ok_or_else(|| Invalid {
                    field: name,
                    message: format!("The {} of a {} cannot be changed here.", name.replace('_', " "), self.noun()),
                })?;
            values.set(field.name, (field.input.check)(text)?);
        }
        Ok(values)
    }
}

impl<R: 'static> Described for Kind<R> {
    fn noun(&self) -> &'static str {
        self.noun
    }

    fn title(&self) -> &'static str {
        self.title
    }

    fn names(&self) -> &[&'static str] {
        self.names.get_or_init(|| self.fields.iter().map(|field| field.name).collect())
    }

    fn column_views(&self) -> &[ColumnView] {
        self.views.get_or_init(|| self.columns.iter().map(|column| column.view).collect())
    }

    fn sorts(&self) -> &'static [SortColumn] {
        self.sorts
    }

    fn typed(&self) -> &[Typed] {
        self.typed.get_or_init(|| {
            self.fields
                .iter()
                .filter_map(|field| {
                    field.input.map(|input| Typed {
                        name: field.name,
                        label: field.label,
                        kind: field.kind,
                        required: field.required,
                        input,
                    })
                })
                .collect()
        })
    }
}

impl<R> Kind<R> {
    /// A kind (see the fields for what each part is).
    pub const fn new(
        noun: &'static str,
        title: &'static str,
        fields: &'static [Field<R>],
        columns: &'static [Column<R>],
        cli: &'static [CliColumn<R>],
        detail: &'static [Detail<R>],
        sorts: &'static [SortColumn],
    ) -> Kind<R> {
        Kind {
            noun,
            title,
            fields,
            columns,
            cli,
            detail,
            sorts,
            names: OnceLock::new(),
            views: OnceLock::new(),
            typed: OnceLock::new(),
        }
    }

    /// The field called `name`.
    pub fn field(&self, name: &str) -> Option<&Field<R>> {
        self.fields.iter().find(|field| field.name == name)
    }

    /// A record as PRODUCT.md's JSON object, its fields in order.
    pub fn json(&self, row: &R) -> Value {
        let mut object = Map::new();
        for field in self.fields {
            object.insert(field.name.to_owned(), (field.json)(row));
        }
        Value::Object(object)
    }

    /// What an edit form shows for `field` of `row` before anything is
    /// typed: its value as it would be typed (times in local time).
    pub fn as_typed(&self, field: &Typed, row: &R) -> String {
        let Some(declared) = self.field(field.name) else { return String::new() };
        match ((declared.json)(row), field.kind) {
            (Value::Null, _) => String::new(),
            (Value::String(text), Type::Time) => crate::store::transfer::time::parse(&text).map(local).unwrap_or(text),
            (Value::String(text), _) => text,
            (other, _) => other.to_string(),
        }
    }

    /// A record's cells in the terminal application's table.
    pub fn cells(&self, row: &R) -> Vec<String> {
        self.columns.iter().map(|column| (column.cell)(row)).collect()
    }

    /// A record's detail lines.
    pub fn details(&self, row: &R) -> Vec<(&'static str, String)> {
        self.detail.iter().map(|line| (line.label, (line.text)(row))).collect()
    }

    /// The command line's table headers.
    pub fn cli_headers(&self) -> Vec<&'static str> {
        self.cli.iter().map(|column| column.header).collect()
    }

    /// A record's cells in the command line's table.
    pub fn cli_cells(&self, row: &R) -> Vec<String> {
        self.cli.iter().map(|column| (column.cell)(row)).collect()
    }

    /// The command line's columns that give way when too wide.
    pub fn cli_flexible(&self) -> Vec<usize> {
        self.cli.iter().enumerate().filter(|(_, column)| column.flexible).map(|(at, _)| at).collect()
    }
}

// ----- helpers the declarations share -----

/// A field nobody searches by (most are); `Field { searchable: true, ..field(…) }`
/// for the others.
pub(crate) const fn field<R>(
    name: &'static str,
    label: &'static str,
    kind: Type,
    required: bool,
    editable: &'static [Department],
    sort: Sort,
    json: fn(&R) -> Value,
) -> Field<R> {
    Field { name, label, kind, required, editable, sort, searchable: false, json, input: None }
}

/// A column's look: title, sort field, narrowest width, share of the
/// spare width, kept on narrow terminals.
pub(crate) const fn col(title: &'static str, sort: Option<&'static str>, min: u16, grow: u16, key: bool) -> ColumnView {
    ColumnView { title, sort, min, grow, key }
}

/// A time (UTC epoch ms) as JSON: RFC 3339 in UTC.
pub(crate) fn time(ms: i64) -> Value {
    super::records::rfc3339(ms).map_or(Value::Null, Value::String)
}

/// An optional time as JSON.
pub(crate) fn maybe_time(ms: Option<i64>) -> Value {
    ms.map_or(Value::Null, time)
}

/// A time as the screens show it, in local time ("2026-12-03 11:40").
pub(crate) fn local(ms: i64) -> String {
    crate::text::local_time(ms)
}

/// An optional time as the screens show it (empty when absent).
pub(crate) fn maybe_local(ms: Option<i64>) -> String {
    ms.map(local).unwrap_or_default()
}

/// Optional text as the screens show it (empty when absent).
pub(crate) fn maybe(text: &Option<String>) -> String {
    text.clone().unwrap_or_default()
}

/// The record an entry is about: its kind, and its id after `between`
/// when it has one ("client 12", "client:12").
pub(crate) fn record_label(kind: &str, id: Option<i64>, between: &str) -> String {
    match id {
        Some(id) => format!("{kind}{between}{id}"),
        None => kind.to_owned(),
    }
}

/// How a date and time is typed: in local time, or RFC 3339.
pub const DATE_HINT: &str = "YYYY-MM-DD HH:MM (local time)";

/// An optional date and time as typed (empty for none), in local time.
pub(crate) fn optional_time(field: &'static str, text: &str) -> Result<StoredValue, Invalid> {
    if text.trim().is_empty() {
        return Ok(StoredValue::BigInt(None));
    }
    crate::domain::validation::date_time(field, text, &chrono::Local).map(|at| StoredValue::BigInt(Some(at)))
}

/// A person's full name.
pub(crate) fn person(first: &str, last: &str) -> String {
    format!("{first} {last}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind's JSON keys are its field names, each once, and every
    /// column it sorts by is a field the store can sort by.
    fn consistent<R>(kind: &Kind<R>) {
        let store_sorts = kind.sorts;
        let names = kind.names();
        let unique: std::collections::BTreeSet<_> = names.iter().collect();
        assert_eq!(unique.len(), names.len(), "{}: a field twice", kind.title);
        for column in kind.columns {
            if let Some(sort) = column.view.sort {
                assert!(
                    store_sorts.iter().any(|known| known.name == sort),
                    "{}: column {} sorts by {sort}, which the store does not",
                    kind.title,
                    column.view.title
                );
            }
        }
        for field in kind.fields {
            let sortable = !matches!(field.sort, Sort::No);
            assert_eq!(
                sortable,
                store_sorts.iter().any(|known| known.name == field.name),
                "{}: field {} is declared {} but the store {}",
                kind.title,
                field.name,
                if sortable { "sortable" } else { "not sortable" },
                if sortable { "cannot sort by it" } else { "sorts by it" }
            );
        }
    }

    /// The fields a kind declares searchable are the columns its search
    /// index covers (where the search looks at the record's own table).
    fn searched<R>(kind: &Kind<R>, index: &crate::store::search::SearchIndex) {
        let declared: Vec<&str> = kind.fields.iter().filter(|field| field.searchable).map(|field| field.name).collect();
        assert_eq!(declared, index.columns, "{}: searchable fields against the search index", kind.title);
    }

    #[test]
    fn searchable_fields_are_what_the_search_indexes_cover() {
        searched(&CLIENT, &crate::store::search::CLIENTS);
        searched(&EVENT, &crate::store::search::EVENTS);
        searched(&EMPLOYEE, &crate::store::search::EMPLOYEES);
    }

    #[test]
    fn every_kind_is_consistent_with_the_store() {
        consistent(&CLIENT);
        consistent(&CONTRACT);
        consistent(&EVENT);
        consistent(&EMPLOYEE);
        consistent(&AUDIT);
        consistent(&NOTIFICATION);
    }

    #[test]
    fn every_typed_client_field_is_a_column_of_the_entity() {
        // A typo in a declaration (or a field whose migration and entity
        // were forgotten) would otherwise show up as a failed save.
        let columns = crate::store::values::columns::<entity::client::Entity>();
        for field in CLIENT.create_fields().iter().chain(CLIENT.update_fields().iter()) {
            assert!(columns.contains(&field.name), "client field {} is not a column of clients", field.name);
        }
        assert!(!CLIENT.create_fields().is_empty() && !CLIENT.update_fields().is_empty());
    }
}
