//! `epic-crm clients list | show | create | update | reassign`.

use crate::services::kinds::{self, Described};
use clap::{Args, Subcommand};

use super::Format;
use super::fields::{FieldArgs, Flags};
use super::output::{print_pages, print_record};
use crate::config::{DatabaseTarget, Settings};
use crate::error::Failure;
use crate::services::accounts::Accounts;
use crate::services::client_import::{self, ClientImportOptions, ClientImportReport, OnDuplicate};
use crate::services::clients::{self, ClientQuery};
use crate::services::paging::{PageRequest, Sort};
use crate::services::rows::ClientRow;

/// Client commands.
#[derive(Debug, Subcommand)]
pub enum ClientsCommand {
    /// List clients.
    List(ListArgs),
    /// Show one client.
    Show {
        /// The client's id.
        id: i64,
    },
    /// Create a client; you become their sales contact (SALES).
    Create(CreateArgs),
    /// Update one of your clients (SALES).
    Update(UpdateArgs),
    /// Give a client, and its contracts, another sales contact (MANAGEMENT).
    Reassign {
        /// The client's id.
        id: i64,
        /// The new sales contact: an active SALES employee's id.
        #[arg(long = "sales", value_name = "EMPLOYEE_ID")]
        sales: i64,
        /// Fail with a conflict (exit 7) unless the client is still at this version.
        #[arg(long)]
        expect_version: Option<i64>,
    },
    /// Import a spreadsheet of clients (CSV with a header row naming the
    /// fields of `clients create`, e.g. first_name,last_name,email), all or
    /// nothing.
    Import(ImportArgs),
}

/// `clients import FILE.csv`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The CSV file (UTF-8, `,` or `;`, a header row naming the columns).
    pub file: std::path::PathBuf,
    /// Check every line and report what would happen; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The new clients' sales contact (MANAGEMENT; SALES import their own).
    #[arg(long = "sales", value_name = "EMPLOYEE_ID")]
    pub sales: Option<i64>,
    /// Lines whose email a client already has: fail (exit 7), skip them, or
    /// update those clients.
    #[arg(long, value_enum, default_value_t = DuplicateArg::Fail)]
    pub on_duplicate: DuplicateArg,
}

/// `--on-duplicate` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DuplicateArg {
    /// Refuse the import, listing every duplicate.
    Fail,
    /// Leave existing clients as they are.
    Skip,
    /// Update existing clients (your own) with the line's non-empty cells.
    Update,
}

/// Paging and sorting, shared by every list.
#[derive(Debug, Args, Clone)]
pub struct Paging {
    /// Free text: names, email, phone, company… (accents and case ignored).
    #[arg(long)]
    pub search: Option<String>,
    /// FIELD or FIELD:desc.
    #[arg(long)]
    pub sort: Option<String>,
    /// Rows per page (1 to 500).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..=500))]
    pub limit: u64,
    /// Continue after this cursor (the `next` of a previous page).
    #[arg(long)]
    pub after: Option<String>,
    /// Every row, page after page.
    #[arg(long, conflicts_with = "after")]
    pub all: bool,
}

impl Paging {
    /// The sort asked for, checked against the list's sortable fields.
    pub fn sort(&self, columns: &'static [crate::services::paging::SortColumn]) -> Result<Sort, Failure> {
        match &self.sort {
            Some(text) => Sort::parse(text, columns).map_err(|err| Failure::usage(format!("--sort: {err}."))),
            None => Ok(Sort::default_for(columns)),
        }
    }

    /// The first page to fetch.
    pub fn first_page(&self) -> PageRequest {
        match &self.after {
            Some(cursor) => PageRequest::after(if self.all { 500 } else { self.limit }, cursor.clone()),
            None => PageRequest::first(if self.all { 500 } else { self.limit }),
        }
    }
}

/// `clients list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only my clients.
    #[arg(long)]
    pub mine: bool,
    /// Only clients whose sales contact is missing or deactivated.
    #[arg(long)]
    pub without_sales: bool,
    #[command(flatten)]
    pub paging: Paging,
}

/// `clients create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    #[command(flatten)]
    pub fields: FieldArgs<NewClient>,
}

/// `clients create`'s flags: the fields a new client is typed with.
pub struct NewClient;

impl Flags for NewClient {
    fn kind() -> &'static dyn Described {
        &kinds::CLIENT
    }
    const CREATE: bool = true;
}

/// `clients update`.
#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// The client's id.
    pub id: i64,
    #[command(flatten)]
    pub fields: FieldArgs<ClientChanges>,
    /// Fail with a conflict (exit 7) unless the client is still at this version.
    #[arg(long)]
    pub expect_version: Option<i64>,
}

/// `clients update`'s flags: the fields a client's edit changes.
pub struct ClientChanges;

impl Flags for ClientChanges {
    fn kind() -> &'static dyn Described {
        &kinds::CLIENT
    }
    const CREATE: bool = false;
}

fn print_client(format: Format, client: &ClientRow) {
    print_record(format, kinds::CLIENT.names(), &kinds::CLIENT.json(client));
}

pub(super) async fn run(
    command: ClientsCommand,
    target: &DatabaseTarget,
    settings: &Settings,
    format: Format,
) -> Result<(), Failure> {
    let accounts = Accounts::open(target, settings).await?;
    let session = accounts.session().await?;
    let store = accounts.store();
    match command {
        ClientsCommand::List(args) => {
            let query =
                ClientQuery { mine: args.mine, without_sales: args.without_sales, search: args.paging.search.clone() };
            let sort = args.paging.sort(kinds::CLIENT.sorts)?;
            let first = args.paging.first_page();
            print_pages(format, &kinds::CLIENT, first, args.paging.all, async |request: &PageRequest| {
                clients::list(store, &session, &query, sort, request).await
            })
            .await?;
        }
        ClientsCommand::Show { id } => print_client(format, &clients::show(store, &session, id).await?),
        ClientsCommand::Create(args) => {
            print_client(format, &clients::create(store, &session, &args.fields.entry).await?);
        }
        ClientsCommand::Update(args) => {
            let updated = clients::update(store, &session, args.id, &args.fields.entry, args.expect_version).await?;
            print_client(format, &updated);
        }
        ClientsCommand::Reassign { id, sales, expect_version } => {
            print_client(format, &clients::reassign(store, &session, id, sales, expect_version).await?);
        }
        ClientsCommand::Import(args) => {
            let options = ClientImportOptions {
                dry_run: args.dry_run,
                sales: args.sales,
                on_duplicate: match args.on_duplicate {
                    DuplicateArg::Fail => OnDuplicate::Fail,
                    DuplicateArg::Skip => OnDuplicate::Skip,
                    DuplicateArg::Update => OnDuplicate::Update,
                },
            };
            let bar = super::progress::Bar::new();
            let report = client_import::import(store, &session, &args.file, &options, &bar).await;
            bar.clear();
            let report = report?;
            print_import(format, &args.file, &report);
        }
    }
    accounts.close().await
}

fn print_import(format: Format, file: &std::path::Path, report: &ClientImportReport) {
    let skipped: Vec<_> =
        report.skipped.iter().map(|(line, email)| serde_json::json!({ "line": line, "email": email })).collect();
    match format {
        Format::Json => out!(
            "{}",
            serde_json::json!({
                "file": file.display().to_string(),
                "dry_run": report.dry_run,
                "lines": report.lines,
                "created": report.created,
                "updated": report.updated,
                "skipped": skipped,
                "sales_contact_id": report.sales_contact_id,
            })
        ),
        Format::Csv => {
            out!("file,dry_run,lines,created,updated,skipped,sales_contact_id");
            out!(
                "{},{},{},{},{},{},{}",
                super::csv_cell(&file.display().to_string()),
                report.dry_run,
                report.lines,
                report.created,
                report.updated,
                report.skipped.len(),
                report.sales_contact_id
            );
        }
        Format::Table => {
            let verb = if report.dry_run { "Would import" } else { "Imported" };
            out!(
                "{verb} {}: {}, {} created, {} updated, {} skipped (sales contact: employee {}).",
                file.display(),
                crate::text::count(report.lines as u64, "line"),
                crate::text::count(report.created as u64, "client"),
                report.updated,
                report.skipped.len(),
                report.sales_contact_id
            );
            for (line, email) in &report.skipped {
                out!("  line {line}: {email} skipped (a client already has it)");
            }
            if report.dry_run {
                out!("Nothing was written (--dry-run).");
            }
        }
    }
}
