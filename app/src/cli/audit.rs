//! `epic-crm audit list` (MANAGEMENT) and `epic-crm notifications list | read`.

use crate::services::kinds;
use clap::{Args, Subcommand};

use super::Format;
use super::clients::Paging;
use super::output::{print_object, print_pages};
use crate::config::{DatabaseTarget, Settings};
use crate::error::Failure;
use crate::services::accounts::Accounts;
use crate::services::audit;
use crate::services::audit::AuditFilter;
use crate::services::paging::{PageRequest, SortDir};

/// Audit commands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// List audit entries, newest first (MANAGEMENT).
    List(AuditListArgs),
}

/// `audit list`.
#[derive(Debug, Args)]
pub struct AuditListArgs {
    /// Only entries about this record, as KIND:ID (client:42, contract:7, event:3, employee:5).
    #[arg(long)]
    pub record: Option<String>,
    /// Only entries by this employee.
    #[arg(long, value_name = "EMPLOYEE_ID")]
    pub actor: Option<i64>,
    /// Only entries from this date on: YYYY-MM-DD [HH:MM] (local time) or RFC 3339.
    #[arg(long)]
    pub since: Option<String>,
    #[command(flatten)]
    pub paging: Paging,
}

/// Notification commands.
#[derive(Debug, Subcommand)]
pub enum NotificationsCommand {
    /// List your notifications, newest first.
    List {
        /// Only the ones not read yet.
        #[arg(long)]
        unread: bool,
        #[command(flatten)]
        paging: Paging,
    },
    /// Mark notifications read: the ids given, or all of them.
    Read {
        /// Notification ids; none means all.
        ids: Vec<i64>,
    },
}

pub(super) async fn run_audit(
    command: AuditCommand,
    target: &DatabaseTarget,
    settings: &Settings,
    format: Format,
) -> Result<(), Failure> {
    let AuditCommand::List(args) = command;
    let accounts = Accounts::open(target, settings).await?;
    let session = accounts.session().await?;
    let since = args
        .since
        .as_deref()
        .map(|text| crate::domain::validation::date_time("since", text, &chrono::Local))
        .transpose()
        .map_err(|err| Failure::usage(format!("--since: {err}")))?;
    let filter = AuditFilter {
        record: args.record.as_deref().map(audit::parse_record).transpose()?,
        actor_id: args.actor,
        since,
        search: args.paging.search.clone(),
    };
    let mut sort = args.paging.sort(kinds::AUDIT.sorts)?;
    if args.paging.sort.is_none() {
        sort.dir = SortDir::Desc;
    }
    let first = args.paging.first_page();
    print_pages(format, &kinds::AUDIT, first, args.paging.all, async |request: &PageRequest| {
        audit::list(accounts.store(), &session, &filter, sort, request).await
    })
    .await?;
    accounts.close().await
}

pub(super) async fn run_notifications(
    command: NotificationsCommand,
    target: &DatabaseTarget,
    settings: &Settings,
    format: Format,
) -> Result<(), Failure> {
    let accounts = Accounts::open(target, settings).await?;
    let session = accounts.session().await?;
    match command {
        NotificationsCommand::List { unread, paging } => {
            let mut sort = paging.sort(kinds::NOTIFICATION.sorts)?;
            if paging.sort.is_none() {
                sort.dir = SortDir::Desc;
            }
            let first = paging.first_page();
            print_pages(format, &kinds::NOTIFICATION, first, paging.all, async |request: &PageRequest| {
                audit::notifications(accounts.store(), &session, unread, paging.search.as_deref(), sort, request).await
            })
            .await?;
        }
        NotificationsCommand::Read { ids } => {
            let changed = audit::mark_read(accounts.store(), &session, &ids).await?;
            match format {
                Format::Json | Format::Csv => print_object(format, &serde_json::json!({ "marked_read": changed })),
                _ => out!("Marked {changed} notification(s) read."),
            }
        }
    }
    accounts.close().await
}
