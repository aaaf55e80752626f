//! `epic-crm events list | show | create | update | assign | unassign`.

use crate::services::kinds;
use crate::services::kinds::Described as _;
use clap::{Args, Subcommand};

use super::Format;
use super::clients::Paging;
use super::output::{print_fitted, print_list_data, print_pages, print_record};
use crate::config::{DatabaseTarget, Settings};
use crate::error::Failure;
use crate::services::accounts::Accounts;
use crate::services::events::{self, EventEdit, EventForm, EventQuery};
use crate::services::paging::PageRequest;
use crate::services::rows::EventRow;

/// Event commands.
#[derive(Debug, Subcommand)]
pub enum EventsCommand {
    /// List events (by start, soonest first).
    List(ListArgs),
    /// Show one event.
    Show {
        /// The event's id.
        id: i64,
    },
    /// Create the event of a signed contract of one of your clients (SALES).
    Create(CreateArgs),
    /// Update an event (MANAGEMENT, or its support contact).
    Update(UpdateArgs),
    /// Assign an active SUPPORT employee to events, all or none (MANAGEMENT).
    Assign {
        /// The events' ids.
        #[arg(required = true)]
        ids: Vec<i64>,
        /// The SUPPORT employee's id.
        #[arg(long = "support", value_name = "EMPLOYEE_ID")]
        support: i64,
    },
    /// Remove the support contact of events, all or none (MANAGEMENT).
    Unassign {
        /// The events' ids.
        #[arg(required = true)]
        ids: Vec<i64>,
    },
}

/// `events list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// My events: assigned to me (SUPPORT) or of my clients (SALES).
    #[arg(long)]
    pub mine: bool,
    /// Only events nobody supports yet.
    #[arg(long)]
    pub without_support: bool,
    /// Only events from now on.
    #[arg(long)]
    pub upcoming: bool,
    /// Only this contract's events.
    #[arg(long = "contract", value_name = "CONTRACT_ID")]
    pub contract: Option<i64>,
    /// Only events this employee supports.
    #[arg(long = "support", value_name = "EMPLOYEE_ID")]
    pub support: Option<i64>,
    #[command(flatten)]
    pub paging: Paging,
}

/// `events create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The signed contract's id.
    #[arg(long = "contract", value_name = "CONTRACT_ID")]
    pub contract: i64,
    #[arg(long)]
    pub name: String,
    /// YYYY-MM-DD HH:MM (local time) or RFC 3339.
    #[arg(long)]
    pub start: String,
    /// YYYY-MM-DD HH:MM (local time) or RFC 3339.
    #[arg(long)]
    pub end: String,
    #[arg(long, default_value = "")]
    pub location: String,
    #[arg(long, default_value = "0")]
    pub attendees: String,
    #[arg(long, default_value = "")]
    pub notes: String,
}

/// `events update`.
#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// The event's id.
    pub id: i64,
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long)]
    pub start: Option<String>,
    #[arg(long)]
    pub end: Option<String>,
    /// Empty to remove it.
    #[arg(long)]
    pub location: Option<String>,
    #[arg(long)]
    pub attendees: Option<String>,
    /// Empty to remove them.
    #[arg(long)]
    pub notes: Option<String>,
    /// Fail with a conflict (exit 7) unless the event is still at this version.
    #[arg(long)]
    pub expect_version: Option<i64>,
}

/// Prints events already at hand (the result of assign/unassign).
fn print_events(format: Format, rows: &[EventRow]) {
    match format {
        Format::Table => {
            let table: Vec<Vec<String>> = rows.iter().map(|row| kinds::EVENT.cli_cells(row)).collect();
            print_fitted(&kinds::EVENT.cli_headers(), &table, &kinds::EVENT.cli_flexible());
        }
        _ => {
            let items: Vec<_> = rows.iter().map(|row| kinds::EVENT.json(row)).collect();
            print_list_data(format, kinds::EVENT.names(), &items, None);
        }
    }
}

pub(super) async fn run(
    command: EventsCommand,
    target: &DatabaseTarget,
    settings: &Settings,
    format: Format,
) -> Result<(), Failure> {
    let accounts = Accounts::open(target, settings).await?;
    let session = accounts.session().await?;
    let store = accounts.store();
    let print_event = |event: &EventRow| print_record(format, kinds::EVENT.names(), &kinds::EVENT.json(event));
    match command {
        EventsCommand::List(args) => {
            let query = EventQuery {
                mine: args.mine,
                without_support: args.without_support,
                upcoming: args.upcoming,
                contract_id: args.contract,
                support_id: args.support,
                search: args.paging.search.clone(),
            };
            let sort = args.paging.sort(kinds::EVENT.sorts)?;
            let first = args.paging.first_page();
            print_pages(format, &kinds::EVENT, first, args.paging.all, async |request: &PageRequest| {
                events::list(store, &session, &query, sort, request).await
            })
            .await?;
        }
        EventsCommand::Show { id } => print_event(&events::show(store, &session, id).await?),
        EventsCommand::Create(args) => {
            let form = EventForm {
                name: args.name,
                start: args.start,
                end: args.end,
                location: args.location,
                attendees: args.attendees,
                notes: args.notes,
            };
            print_event(&events::create(store, &session, args.contract, &form, &chrono::Local).await?);
        }
        EventsCommand::Update(args) => {
            let edit = EventEdit {
                name: args.name,
                start: args.start,
                end: args.end,
                location: args.location,
                attendees: args.attendees,
                notes: args.notes,
            };
            let updated = events::update(store, &session, args.id, &edit, args.expect_version, &chrono::Local).await?;
            print_event(&updated);
        }
        EventsCommand::Assign { ids, support } => {
            print_events(format, &events::assign(store, &session, &ids, support).await?);
        }
        EventsCommand::Unassign { ids } => print_events(format, &events::unassign(store, &session, &ids).await?),
    }
    accounts.close().await
}
