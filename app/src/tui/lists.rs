//! The record lists the TUI shows: columns, quick filters and sort fields of
//! each, and the display rows (plain, sanitised text) built from service
//! results.

use std::collections::BTreeSet;

use crate::domain::Department;
use crate::domain::policy::Owners;
use crate::services::records::money;
use crate::store::audit::AuditRow;
use crate::store::clients::ClientRow;
use crate::store::contracts::ContractRow;
use crate::store::employees::EmployeeRow;
use crate::store::events::EventRow;
use crate::store::notifications::NotificationRow;
use crate::store::paging::{PageRequest, SortColumn};
use crate::text::{local_time, sanitize};

/// A kind of record list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ListKind {
    Clients,
    Contracts,
    Events,
    Employees,
    Audit,
    Notifications,
}

/// A quick filter a list offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Filter {
    /// My clients, contracts, or events.
    Mine,
    /// Clients whose sales contact is missing or deactivated.
    WithoutSales,
    /// Unsigned contracts.
    Unsigned,
    /// Contracts with an amount still due.
    Unpaid,
    /// Events nobody supports.
    WithoutSupport,
    /// Events still to come.
    Upcoming,
    /// Deactivated employees.
    Inactive,
    /// Unread notifications.
    Unread,
}

impl Filter {
    /// Every filter.
    pub const ALL: [Filter; 8] = [
        Filter::Mine,
        Filter::WithoutSales,
        Filter::Unsigned,
        Filter::Unpaid,
        Filter::WithoutSupport,
        Filter::Upcoming,
        Filter::Inactive,
        Filter::Unread,
    ];

    /// Its name in the config file.
    pub fn name(self) -> &'static str {
        match self {
            Filter::Mine => "mine",
            Filter::WithoutSales => "without-sales",
            Filter::Unsigned => "unsigned",
            Filter::Unpaid => "unpaid",
            Filter::WithoutSupport => "without-support",
            Filter::Upcoming => "upcoming",
            Filter::Inactive => "inactive",
            Filter::Unread => "unread",
        }
    }

    /// As the title and help show it.
    pub fn label(self) -> &'static str {
        match self {
            Filter::Mine => "mine",
            Filter::WithoutSales => "without active sales contact",
            Filter::Unsigned => "unsigned",
            Filter::Unpaid => "not fully paid",
            Filter::WithoutSupport => "without support",
            Filter::Upcoming => "upcoming",
            Filter::Inactive => "deactivated",
            Filter::Unread => "unread",
        }
    }

    /// Its default key.
    pub fn key(self) -> char {
        match self {
            Filter::Mine => 'm',
            Filter::WithoutSales => 'l',
            Filter::Unsigned => 'u',
            Filter::Unpaid => 'p',
            Filter::WithoutSupport => 'w',
            Filter::Upcoming => 'c',
            Filter::Inactive => 'i',
            Filter::Unread => 'U',
        }
    }
}

/// A column of a list table.
#[derive(Debug)]
pub struct Column {
    /// Header text.
    pub title: &'static str,
    /// The sort field it is sorted by, when the list can sort by it.
    pub sort: Option<&'static str>,
    /// Narrowest useful width.
    pub min: u16,
    /// Share of the spare width.
    pub grow: u16,
    /// Kept on narrow terminals (the others go first).
    pub key: bool,
}

const fn col(title: &'static str, sort: Option<&'static str>, min: u16, grow: u16, key: bool) -> Column {
    Column { title, sort, min, grow, key }
}

static CLIENT_COLUMNS: [Column; 8] = [
    col("ID", Some("id"), 7, 0, true),
    col("Name", Some("last_name"), 14, 3, true),
    col("Company", Some("company_name"), 12, 3, true),
    col("Email", Some("email"), 16, 3, true),
    col("Phone", Some("phone"), 14, 0, false),
    col("Sales contact", None, 14, 2, false),
    col("Last contact", Some("last_contact_at"), 16, 0, false),
    col("Created", Some("created_at"), 16, 0, false),
];
static CONTRACT_COLUMNS: [Column; 8] = [
    col("ID", Some("id"), 7, 0, true),
    col("Client", None, 14, 3, true),
    col("Total", Some("total_amount"), 11, 0, true),
    col("Due", Some("amount_due"), 11, 0, true),
    col("State", Some("signed"), 8, 0, true),
    col("Signed", Some("signed_at"), 16, 0, false),
    col("Sales contact", None, 14, 2, false),
    col("Created", Some("created_at"), 16, 0, false),
];
static EVENT_COLUMNS: [Column; 8] = [
    col("Start", Some("start_at"), 16, 0, true),
    col("Event", Some("name"), 14, 3, true),
    col("Client", None, 12, 2, false),
    col("Location", Some("location"), 12, 2, false),
    col("People", Some("attendees"), 6, 0, false),
    col("Support", None, 12, 2, true),
    col("End", Some("end_at"), 16, 0, false),
    col("ID", Some("id"), 7, 0, false),
];
static EMPLOYEE_COLUMNS: [Column; 7] = [
    col("ID", Some("id"), 5, 0, true),
    col("Name", Some("last_name"), 14, 3, true),
    col("Email", Some("email"), 16, 3, true),
    col("Department", Some("department"), 10, 0, true),
    col("Phone", Some("phone"), 14, 0, false),
    col("Status", Some("active"), 11, 0, false),
    col("Since", Some("created_at"), 16, 0, false),
];
static AUDIT_COLUMNS: [Column; 5] = [
    col("At", Some("at"), 16, 0, true),
    col("Who", Some("actor_name"), 12, 2, true),
    col("Action", Some("action"), 16, 0, true),
    col("Record", Some("record_kind"), 12, 0, true),
    col("Changes", None, 10, 4, false),
];
static NOTIFICATION_COLUMNS: [Column; 4] = [
    col("At", Some("id"), 16, 0, true),
    col("", Some("read"), 1, 0, true),
    col("Record", Some("record_kind"), 12, 0, false),
    col("Message", None, 20, 4, true),
];

impl ListKind {
    /// The tab title.
    pub fn title(self) -> &'static str {
        match self {
            ListKind::Clients => "Clients",
            ListKind::Contracts => "Contracts",
            ListKind::Events => "Events",
            ListKind::Employees => "Employees",
            ListKind::Audit => "Audit",
            ListKind::Notifications => "Notifications",
        }
    }

    /// A record of this list, in a sentence ("client 12").
    pub fn noun(self) -> &'static str {
        match self {
            ListKind::Clients => "client",
            ListKind::Contracts => "contract",
            ListKind::Events => "event",
            ListKind::Employees => "employee",
            ListKind::Audit => "audit entry",
            ListKind::Notifications => "notification",
        }
    }

    /// The table's columns.
    pub fn columns(self) -> &'static [Column] {
        match self {
            ListKind::Clients => &CLIENT_COLUMNS,
            ListKind::Contracts => &CONTRACT_COLUMNS,
            ListKind::Events => &EVENT_COLUMNS,
            ListKind::Employees => &EMPLOYEE_COLUMNS,
            ListKind::Audit => &AUDIT_COLUMNS,
            ListKind::Notifications => &NOTIFICATION_COLUMNS,
        }
    }

    /// The sort fields the store allows.
    pub fn sorts(self) -> &'static [SortColumn] {
        match self {
            ListKind::Clients => &crate::store::clients::SORTS,
            ListKind::Contracts => &crate::store::contracts::SORTS,
            ListKind::Events => &crate::store::events::SORTS,
            ListKind::Employees => &crate::store::employees::SORTS,
            ListKind::Audit => &crate::store::audit::SORTS,
            ListKind::Notifications => &crate::store::notifications::SORTS,
        }
    }

    /// The columns that can be sorted by, as indexes into `columns()`.
    pub fn sortable(self) -> Vec<usize> {
        let sorts = self.sorts();
        self.columns()
            .iter()
            .enumerate()
            .filter(|(_, column)| column.sort.is_some_and(|name| sorts.iter().any(|sort| sort.name == name)))
            .map(|(index, _)| index)
            .collect()
    }

    /// The default order: column index and whether it is descending.
    pub fn default_sort(self) -> (usize, bool) {
        match self {
            // Newest first where time matters most.
            ListKind::Audit | ListKind::Notifications => (0, true),
            ListKind::Events => (0, false),
            ListKind::Clients | ListKind::Contracts | ListKind::Employees => (0, false),
        }
    }

    /// The quick filters this list offers.
    pub fn filters(self) -> &'static [Filter] {
        match self {
            ListKind::Clients => &[Filter::Mine, Filter::WithoutSales],
            ListKind::Contracts => &[Filter::Unsigned, Filter::Unpaid, Filter::Mine],
            ListKind::Events => &[Filter::WithoutSupport, Filter::Mine, Filter::Upcoming],
            ListKind::Employees => &[Filter::Inactive],
            ListKind::Audit => &[],
            ListKind::Notifications => &[Filter::Unread],
        }
    }

    /// The filters a department starts with: each lands on their own work.
    pub fn starting_filters(self, department: Department) -> BTreeSet<Filter> {
        let filters: &[Filter] = match (self, department) {
            (ListKind::Events, Department::Support) => &[Filter::Mine, Filter::Upcoming],
            (ListKind::Events, _) => &[Filter::Upcoming],
            _ => &[],
        };
        filters.iter().copied().collect()
    }
}

/// What a list is narrowed to when drilled into from another record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The contracts of a client.
    Client { id: i64, name: String },
    /// The events of a contract.
    Contract { id: i64 },
}

impl Scope {
    /// As the title shows it.
    pub fn describe(&self) -> String {
        match self {
            Scope::Client { id, name } => format!("of client {id} {name}"),
            Scope::Contract { id } => format!("of contract {id}"),
        }
    }
}

/// One page to load.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListQuery {
    pub kind: ListKind,
    pub scope: Option<Scope>,
    pub filters: BTreeSet<Filter>,
    pub search: String,
    /// The sort field name.
    pub sort: &'static str,
    pub descending: bool,
    pub page: PageRequest,
}

/// A loaded page.
#[derive(Clone, Debug, PartialEq)]
pub struct ListPage {
    pub rows: Vec<DisplayRow>,
    pub next: Option<String>,
    pub prev: Option<String>,
}

/// The record behind a row, for forms and the policy.
#[derive(Clone, Debug, PartialEq)]
pub enum Record {
    Client(ClientRow),
    Contract(ContractRow),
    Event(EventRow),
    Employee(EmployeeRow),
    Audit(AuditRow),
    Notification(NotificationRow),
}

/// A row as shown: the table cells and the detail lines, all sanitised.
#[derive(Clone, Debug, PartialEq)]
pub struct DisplayRow {
    pub id: i64,
    pub version: i64,
    pub cells: Vec<String>,
    pub detail: Vec<(&'static str, String)>,
    pub record: Record,
}

fn text(value: &str) -> String {
    sanitize(value)
}

fn optional(value: Option<&str>) -> String {
    value.map(sanitize).unwrap_or_default()
}

fn when(ms: Option<i64>) -> String {
    ms.map(local_time).unwrap_or_default()
}

fn person(first: &str, last: &str) -> String {
    sanitize(&format!("{first} {last}"))
}

/// The CSV columns of a list: the CLI's field names of its record kind.
pub fn csv_fields(kind: ListKind) -> &'static [&'static str] {
    use crate::services::records;
    match kind {
        ListKind::Clients => &records::CLIENT_FIELDS,
        ListKind::Contracts => &records::CONTRACT_FIELDS,
        ListKind::Events => &records::EVENT_FIELDS,
        ListKind::Employees => &records::EMPLOYEE_FIELDS,
        ListKind::Audit => &records::AUDIT_FIELDS,
        ListKind::Notifications => &records::NOTIFICATION_FIELDS,
    }
}

impl Record {
    /// The record as the CLI prints it in JSON (and so in CSV).
    pub fn json(&self) -> serde_json::Value {
        use crate::services::records;
        match self {
            Record::Client(row) => records::client(row),
            Record::Contract(row) => records::contract(row),
            Record::Event(row) => records::event(row),
            Record::Employee(row) => records::employee(row),
            Record::Audit(row) => records::audit_entry(row),
            Record::Notification(row) => records::notification(row),
        }
    }
}

impl DisplayRow {
    /// The list this row belongs to.
    pub fn kind(&self) -> ListKind {
        match self.record {
            Record::Client(_) => ListKind::Clients,
            Record::Contract(_) => ListKind::Contracts,
            Record::Event(_) => ListKind::Events,
            Record::Employee(_) => ListKind::Employees,
            Record::Audit(_) => ListKind::Audit,
            Record::Notification(_) => ListKind::Notifications,
        }
    }

    /// The owners the permission policy looks at.
    pub fn owners(&self) -> Owners {
        match &self.record {
            Record::Client(row) => Owners { sales_contact_id: row.sales_contact_id, ..Owners::default() },
            Record::Contract(row) => Owners { sales_contact_id: row.sales_contact_id, ..Owners::default() },
            Record::Event(row) => Owners { support_contact_id: row.support_contact_id, ..Owners::default() },
            _ => Owners::default(),
        }
    }

    /// A client row.
    pub fn client(row: ClientRow) -> DisplayRow {
        let name = person(&row.first_name, &row.last_name);
        let cells = vec![
            row.id.to_string(),
            name.clone(),
            optional(row.company_name.as_deref()),
            text(&row.email),
            optional(row.phone.as_deref()),
            optional(row.sales_contact_name.as_deref()),
            when(row.last_contact_at),
            local_time(row.created_at),
        ];
        let detail = vec![
            ("Client", format!("{} {name}", row.id)),
            ("Company", optional(row.company_name.as_deref())),
            ("Email", text(&row.email)),
            ("Phone", optional(row.phone.as_deref())),
            ("Sales contact", optional(row.sales_contact_name.as_deref())),
            ("First contact", local_time(row.created_at)),
            ("Last contact", when(row.last_contact_at)),
            ("Updated", local_time(row.updated_at)),
            ("Version", row.version.to_string()),
        ];
        DisplayRow { id: row.id, version: row.version, cells, detail, record: Record::Client(row) }
    }

    /// A contract row.
    pub fn contract(row: ContractRow) -> DisplayRow {
        let state = if row.signed { "signed" } else { "unsigned" };
        let cells = vec![
            row.id.to_string(),
            text(&row.client_name),
            money(row.total_cents),
            money(row.due_cents),
            state.to_owned(),
            when(row.signed_at),
            optional(row.sales_contact_name.as_deref()),
            local_time(row.created_at),
        ];
        let detail = vec![
            ("Contract", row.id.to_string()),
            ("Client", format!("{} {}", row.client_id, text(&row.client_name))),
            ("Total", money(row.total_cents)),
            ("Still due", money(row.due_cents)),
            ("State", state.to_owned()),
            ("Signed at", when(row.signed_at)),
            ("Sales contact", optional(row.sales_contact_name.as_deref())),
            ("Created", local_time(row.created_at)),
            ("Updated", local_time(row.updated_at)),
            ("Version", row.version.to_string()),
        ];
        DisplayRow { id: row.id, version: row.version, cells, detail, record: Record::Contract(row) }
    }

    /// An event row.
    pub fn event(row: EventRow) -> DisplayRow {
        let support = row.support_contact_name.as_deref().map(sanitize).unwrap_or_else(|| "— none —".to_owned());
        let cells = vec![
            local_time(row.start_at),
            text(&row.name),
            text(&row.client_name),
            optional(row.location.as_deref()),
            row.attendees.to_string(),
            support.clone(),
            local_time(row.end_at),
            row.id.to_string(),
        ];
        let detail = vec![
            ("Event", format!("{} {}", row.id, text(&row.name))),
            ("Client", format!("{} {}", row.client_id, text(&row.client_name))),
            ("Contract", row.contract_id.to_string()),
            ("Start", local_time(row.start_at)),
            ("End", local_time(row.end_at)),
            ("Location", optional(row.location.as_deref())),
            ("Attendees", row.attendees.to_string()),
            ("Support", support),
            ("Notes", optional(row.notes.as_deref())),
            ("Updated", local_time(row.updated_at)),
            ("Version", row.version.to_string()),
        ];
        DisplayRow { id: row.id, version: row.version, cells, detail, record: Record::Event(row) }
    }

    /// An employee row (never password data).
    pub fn employee(row: EmployeeRow) -> DisplayRow {
        let department = row.department().map(|d| d.to_string()).unwrap_or_default();
        let status = match (row.active, row.must_change_password) {
            (false, _) => "deactivated",
            (true, true) => "new password",
            (true, false) => "active",
        };
        let cells = vec![
            row.id.to_string(),
            person(&row.first_name, &row.last_name),
            text(&row.email),
            department.clone(),
            optional(row.phone.as_deref()),
            status.to_owned(),
            local_time(row.created_at),
        ];
        let detail = vec![
            ("Employee", format!("{} {}", row.id, person(&row.first_name, &row.last_name))),
            ("Email", text(&row.email)),
            ("Phone", optional(row.phone.as_deref())),
            ("Department", department),
            ("Status", status.to_owned()),
            ("Deactivated", when(row.deactivated_at)),
            ("Since", local_time(row.created_at)),
            ("Updated", local_time(row.updated_at)),
            ("Version", row.version.to_string()),
        ];
        DisplayRow { id: row.id, version: row.version, cells, detail, record: Record::Employee(row) }
    }

    /// An audit entry.
    pub fn audit(row: AuditRow) -> DisplayRow {
        let record = match row.record_id {
            Some(id) => format!("{} {id}", text(&row.record_kind)),
            None => text(&row.record_kind),
        };
        let cells =
            vec![local_time(row.at), text(&row.actor_name), text(&row.action), record.clone(), text(&row.changes)];
        let detail = vec![
            ("At", local_time(row.at)),
            ("Who", text(&row.actor_name)),
            ("Action", text(&row.action)),
            ("Record", record),
            ("Changes", text(&row.changes)),
        ];
        DisplayRow { id: row.id, version: 0, cells, detail, record: Record::Audit(row) }
    }

    /// A notification.
    pub fn notification(row: NotificationRow) -> DisplayRow {
        let record = match row.record_id {
            Some(id) => format!("{} {id}", text(&row.record_kind)),
            None => text(&row.record_kind),
        };
        let unread = if row.read_at.is_none() { "●" } else { " " };
        let cells = vec![local_time(row.at), unread.to_owned(), record.clone(), text(&row.message)];
        let detail = vec![
            ("At", local_time(row.at)),
            ("Record", record),
            ("Message", text(&row.message)),
            ("Read", when(row.read_at)),
        ];
        DisplayRow { id: row.id, version: 0, cells, detail, record: Record::Notification(row) }
    }
}
