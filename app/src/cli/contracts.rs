//! `epic-crm contracts list | show | create | update | pay | sign | delete`.

use crate::services::kinds;
use crate::services::kinds::Described as _;
use clap::{Args, Subcommand};

use super::Format;
use super::clients::Paging;
use super::output::{print_object, print_pages, print_record};
use crate::config::{DatabaseTarget, Settings};
use crate::error::Failure;
use crate::services::accounts::Accounts;
use crate::services::contracts::{self, ContractQuery};
use crate::services::paging::PageRequest;
use crate::services::rows::ContractRow;

/// Contract commands.
#[derive(Debug, Subcommand)]
pub enum ContractsCommand {
    /// List contracts.
    List(ListArgs),
    /// Show one contract.
    Show {
        /// The contract's id.
        id: i64,
    },
    /// Create a contract for a client (MANAGEMENT); its sales contact is the client's.
    Create {
        /// The client's id.
        #[arg(long = "client", value_name = "CLIENT_ID")]
        client: i64,
        /// The total amount, such as 12000.50.
        #[arg(long)]
        total: String,
        /// The amount still due (defaults to the total).
        #[arg(long)]
        due: Option<String>,
    },
    /// Change the total and/or the amount due (MANAGEMENT, or the client's salesperson).
    Update {
        /// The contract's id.
        id: i64,
        #[arg(long)]
        total: Option<String>,
        #[arg(long)]
        due: Option<String>,
        /// Fail with a conflict (exit 7) unless the contract is still at this version.
        #[arg(long)]
        expect_version: Option<i64>,
    },
    /// Record a payment: the amount due goes down.
    Pay {
        /// The contract's id.
        id: i64,
        /// The amount paid, such as 500 or 499.99.
        #[arg(long)]
        amount: String,
        #[arg(long)]
        expect_version: Option<i64>,
    },
    /// Sign a contract (final).
    Sign {
        /// The contract's id.
        id: i64,
        #[arg(long)]
        expect_version: Option<i64>,
    },
    /// Delete an unsigned contract without events (MANAGEMENT); asks for --confirm ID.
    Delete {
        /// The contract's id.
        id: i64,
        /// The same id again, to confirm.
        #[arg(long, value_name = "ID")]
        confirm: Option<i64>,
        #[arg(long)]
        expect_version: Option<i64>,
    },
}

/// `contracts list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only contracts of my clients.
    #[arg(long)]
    pub mine: bool,
    /// Only unsigned contracts.
    #[arg(long)]
    pub unsigned: bool,
    /// Only contracts not fully paid.
    #[arg(long)]
    pub unpaid: bool,
    /// Only this client's contracts.
    #[arg(long = "client", value_name = "CLIENT_ID")]
    pub client: Option<i64>,
    #[command(flatten)]
    pub paging: Paging,
}

fn print_contract(format: Format, contract: &ContractRow) {
    print_record(format, kinds::CONTRACT.names(), &kinds::CONTRACT.json(contract));
}

pub(super) async fn run(
    command: ContractsCommand,
    target: &DatabaseTarget,
    settings: &Settings,
    format: Format,
) -> Result<(), Failure> {
    let accounts = Accounts::open(target, settings).await?;
    let session = accounts.session().await?;
    let store = accounts.store();
    match command {
        ContractsCommand::List(args) => {
            let query = ContractQuery {
                mine: args.mine,
                unsigned: args.unsigned,
                unpaid: args.unpaid,
                client_id: args.client,
                search: args.paging.search.clone(),
            };
            let sort = args.paging.sort(kinds::CONTRACT.sorts)?;
            let first = args.paging.first_page();
            print_pages(format, &kinds::CONTRACT, first, args.paging.all, async |request: &PageRequest| {
                contracts::list(store, &session, &query, sort, request).await
            })
            .await?;
        }
        ContractsCommand::Show { id } => print_contract(format, &contracts::show(store, &session, id).await?),
        ContractsCommand::Create { client, total, due } => {
            print_contract(format, &contracts::create(store, &session, client, &total, due.as_deref()).await?);
        }
        ContractsCommand::Update { id, total, due, expect_version } => {
            let updated =
                contracts::update(store, &session, id, total.as_deref(), due.as_deref(), expect_version).await?;
            print_contract(format, &updated);
        }
        ContractsCommand::Pay { id, amount, expect_version } => {
            print_contract(format, &contracts::pay(store, &session, id, &amount, expect_version).await?);
        }
        ContractsCommand::Sign { id, expect_version } => {
            print_contract(format, &contracts::sign(store, &session, id, expect_version).await?);
        }
        ContractsCommand::Delete { id, confirm, expect_version } => {
            if confirm != Some(id) {
                return Err(Failure::usage(format!(
                    "Deleting contract {id} cannot be undone: repeat its id with --confirm {id}."
                )));
            }
            contracts::delete(store, &session, id, expect_version).await?;
            match format {
                Format::Json | Format::Csv => print_object(format, &serde_json::json!({ "deleted": id })),
                _ => out!("Deleted contract {id}."),
            }
        }
    }
    accounts.close().await
}
