//! `epic-crm db migrate | status | reset --yes`.

use clap::Subcommand;

use super::{Format, print_table};
use crate::config::DatabaseTarget;
use crate::error::Failure;
use crate::services::database;

/// Schema commands.
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Apply every pending migration.
    Migrate,
    /// Show which migrations are applied.
    Status,
    /// Delete every record and rebuild the schema (asks for --yes).
    Reset {
        /// Confirm that every record may be deleted.
        #[arg(long)]
        yes: bool,
    },
}

pub(super) async fn run(command: DbCommand, target: &DatabaseTarget, format: Format) -> Result<(), Failure> {
    match command {
        DbCommand::Migrate => {
            let applied = database::migrate(target).await?;
            match format {
                Format::Json => {
                    out!("{}", serde_json::json!({ "database": target.describe(), "applied": applied }))
                }
                _ if applied.is_empty() => out!("{} is up to date.", target.describe()),
                _ => {
                    for name in &applied {
                        out!("applied {name}");
                    }
                    out!("{} is up to date.", target.describe());
                }
            }
        }
        DbCommand::Status => {
            let states = database::status(target).await?;
            match format {
                Format::Json => {
                    let items: Vec<_> =
                        states.iter().map(|s| serde_json::json!({ "name": s.name, "applied": s.applied })).collect();
                    out!("{}", serde_json::json!({ "database": target.describe(), "migrations": items }));
                }
                Format::Csv => {
                    out!("name,applied");
                    for state in &states {
                        out!("{},{}", state.name, state.applied);
                    }
                }
                Format::Table => {
                    out!("Database: {}", target.describe());
                    let rows: Vec<Vec<String>> = states
                        .iter()
                        .map(|s| vec![s.name.clone(), if s.applied { "applied" } else { "pending" }.into()])
                        .collect();
                    print_table(&["MIGRATION", "STATE"], &rows);
                }
            }
        }
        DbCommand::Reset { yes } => {
            if !yes {
                return Err(Failure::usage(format!(
                    "db reset deletes every record of {}: repeat with --yes to confirm.",
                    target.describe()
                )));
            }
            database::reset(target).await?;
            match format {
                Format::Json => out!("{}", serde_json::json!({ "database": target.describe(), "reset": true })),
                _ => out!("{} was emptied and its schema rebuilt.", target.describe()),
            }
        }
    }
    Ok(())
}
