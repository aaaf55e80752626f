//! The record lists the TUI shows: columns, quick filters and sort fields of
//! each, and the display rows (plain, sanitised text) built from service
//! results.

use std::collections::BTreeSet;

use crate::domain::Department;
use crate::domain::policy::Owners;
use crate::services::kinds::{self, Described, Kind};
use crate::services::paging::{PageRequest, SortColumn};
use crate::services::rows::{AuditRow, ClientRow, ContractRow, EmployeeRow, EventRow, NotificationRow};
use crate::text::sanitize;

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

/// A column of a list table (declared with its record kind).
pub use crate::services::kinds::ColumnView as Column;

impl ListKind {
    /// The record kind it lists, as declared in `services::kinds`.
    pub fn described(self) -> &'static dyn Described {
        match self {
            ListKind::Clients => &kinds::CLIENT,
            ListKind::Contracts => &kinds::CONTRACT,
            ListKind::Events => &kinds::EVENT,
            ListKind::Employees => &kinds::EMPLOYEE,
            ListKind::Audit => &kinds::AUDIT,
            ListKind::Notifications => &kinds::NOTIFICATION,
        }
    }

    /// The tab title.
    pub fn title(self) -> &'static str {
        self.described().title()
    }

    /// A record of this list, in a sentence ("client 12").
    pub fn noun(self) -> &'static str {
        self.described().noun()
    }

    /// The table's columns.
    pub fn columns(self) -> &'static [Column] {
        self.described().column_views()
    }

    /// The sort fields the store allows.
    pub fn sorts(self) -> &'static [SortColumn] {
        self.described().sorts()
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

/// The CSV columns of a list: the CLI's field names of its record kind.
pub fn csv_fields(kind: ListKind) -> &'static [&'static str] {
    kind.described().names()
}

impl Record {
    /// The record as the CLI prints it in JSON (and so in CSV).
    pub fn json(&self) -> serde_json::Value {
        match self {
            Record::Client(row) => kinds::CLIENT.json(row),
            Record::Contract(row) => kinds::CONTRACT.json(row),
            Record::Event(row) => kinds::EVENT.json(row),
            Record::Employee(row) => kinds::EMPLOYEE.json(row),
            Record::Audit(row) => kinds::AUDIT.json(row),
            Record::Notification(row) => kinds::NOTIFICATION.json(row),
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

    /// A row of `kind` as shown: its cells and detail lines, sanitised.
    fn shown<R>(kind: &'static Kind<R>, id: i64, version: i64, row: R, record: fn(R) -> Record) -> DisplayRow {
        let cells = kind.cells(&row).iter().map(|cell| sanitize(cell)).collect();
        let detail = kind.details(&row).into_iter().map(|(label, text)| (label, sanitize(&text))).collect();
        DisplayRow { id, version, cells, detail, record: record(row) }
    }

    /// A client row.
    pub fn client(row: ClientRow) -> DisplayRow {
        Self::shown(&kinds::CLIENT, row.id, row.version, row, Record::Client)
    }

    /// A contract row.
    pub fn contract(row: ContractRow) -> DisplayRow {
        Self::shown(&kinds::CONTRACT, row.id, row.version, row, Record::Contract)
    }

    /// An event row.
    pub fn event(row: EventRow) -> DisplayRow {
        Self::shown(&kinds::EVENT, row.id, row.version, row, Record::Event)
    }

    /// An employee row (never password data).
    pub fn employee(row: EmployeeRow) -> DisplayRow {
        Self::shown(&kinds::EMPLOYEE, row.id, row.version, row, Record::Employee)
    }

    /// An audit entry.
    pub fn audit(row: AuditRow) -> DisplayRow {
        Self::shown(&kinds::AUDIT, row.id, 0, row, Record::Audit)
    }

    /// A notification.
    pub fn notification(row: NotificationRow) -> DisplayRow {
        Self::shown(&kinds::NOTIFICATION, row.id, 0, row, Record::Notification)
    }
}
