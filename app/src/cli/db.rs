//! `epic-crm db migrate | status | reset --yes | init-roles`.

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
    /// PostgreSQL for a team: create the owner, migrator and app roles, the
    /// schema and its privileges (run with an administrator's URL; safe to
    /// run again).
    InitRoles(InitRolesArgs),
}

/// The names `db init-roles` uses.
#[derive(Debug, clap::Args)]
pub struct InitRolesArgs {
    /// The role owning the schema and every object in it (NOLOGIN).
    #[arg(long, default_value = "crm_owner")]
    owner: String,
    /// The login that runs migrations and demo seeding as the owner.
    #[arg(long, default_value = "crm_migrator")]
    migrator: String,
    /// The login the CRM's users connect as.
    #[arg(long, default_value = "crm_app")]
    app: String,
    /// The schema (default: the URL's ?schema=NAME, else crm).
    #[arg(long)]
    schema: Option<String>,
    /// Give the migrator and app roles new passwords (printed once).
    #[arg(long)]
    reset_passwords: bool,
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
        DbCommand::InitRoles(args) => init_roles(args, target, format).await?,
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

async fn init_roles(args: InitRolesArgs, target: &DatabaseTarget, format: Format) -> Result<(), Failure> {
    let schema = args.schema.or_else(|| target.schema()).unwrap_or_else(|| crate::config::DEFAULT_SCHEMA.to_owned());
    let names = database::RoleNames { owner: args.owner, migrator: args.migrator, app: args.app, schema };
    let report = database::init_roles(target, &names, args.reset_passwords).await?;
    let url = |user: &str, password: Option<&String>| {
        target.as_role(user, password.map(String::as_str), &names.schema).unwrap_or_default()
    };
    let migrator_url = url(&names.migrator, report.migrator_password.as_ref());
    let app_url = url(&names.app, report.app_password.as_ref());
    match format {
        Format::Json => out!(
            "{}",
            serde_json::json!({
                "database": target.describe(),
                "schema": names.schema,
                "owner": names.owner,
                "migrator": names.migrator,
                "app": names.app,
                "steps": report.steps,
                "migrator_url": migrator_url,
                "app_url": app_url,
                "passwords_set": report.migrator_password.is_some() || report.app_password.is_some(),
            })
        ),
        _ => {
            for step in &report.steps {
                out!("- {step}");
            }
            out!();
            out!("Migrator URL (db migrate, demo seed):  {migrator_url}");
            out!("App URL (everyone's CRM, the TUI):     {app_url}");
            if report.migrator_password.is_some() || report.app_password.is_some() {
                out!("The new passwords are shown this once: keep them in your team's password manager.");
            } else {
                out!("Passwords were kept (--reset-passwords sets new ones).");
            }
        }
    }
    Ok(())
}
