//! The scriptable command line: clap commands → services → table, JSON or
//! CSV output, errors as one sentence on stderr with PRODUCT.md's exit codes.

/// Prints a line on stdout; a closed pipe (`epic-crm … | head`) ends the
/// program quietly instead of panicking.
macro_rules! out {
    () => {
        $crate::cli::write_line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::cli::write_line(format_args!($($arg)*))
    };
}

mod audit;
mod bench;
mod clients;
mod contracts;
mod db;
mod demo;
mod doctor;
mod employees;
mod events;
mod fields;
mod output;
mod progress;
mod session;
mod transfer;

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::config::{DatabaseTarget, Settings, Sources};
use crate::error::Failure;

/// Epic Events CRM: clients, contracts and events for every department.
#[derive(Debug, Parser)]
#[command(name = "epic-crm", version, about, long_about = None, arg_required_else_help = false)]
pub struct Cli {
    /// Database to use: a URL (sqlite://PATH, postgres://USER@HOST/DB) or a
    /// profile name from the configuration file.
    #[arg(long, global = true, value_name = "URL|PROFILE")]
    pub database: Option<String>,

    /// Configuration file (default: $XDG_CONFIG_HOME/epic-crm/config.toml).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Output format for people (table) or machines (json, csv).
    #[arg(long, global = true, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// What to do; without a command, this help is printed.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned text for people.
    Table,
    /// JSON for programs.
    Json,
    /// CSV for spreadsheets.
    Csv,
}

/// The commands of the CRM.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create, inspect or rebuild the database schema.
    #[command(subcommand)]
    Db(db::DbCommand),
    /// Fill the database with realistic demo data.
    #[command(subcommand)]
    Demo(demo::DemoCommand),
    /// Check the configuration, the connection and (on PostgreSQL) that the
    /// database enforces permissions itself; prints a fix for each problem.
    Doctor,
    /// Measure list, paging, search and count latency on the database.
    Bench(bench::BenchArgs),
    /// Log in to the database (the password is prompted, or read with --password-stdin).
    Login(session::LoginArgs),
    /// Show who is logged in to the database.
    Whoami,
    /// Log out of the database.
    Logout,
    /// Change your own password.
    Password(session::PasswordArgs),
    /// Employees: list, show, create, update, deactivate, reactivate, delete, reset passwords, unlock.
    #[command(subcommand)]
    Employees(employees::EmployeesCommand),
    /// List, show, create, update and reassign clients.
    #[command(subcommand)]
    Clients(clients::ClientsCommand),
    /// List, show, create, update, pay, sign and delete contracts.
    #[command(subcommand)]
    Contracts(contracts::ContractsCommand),
    /// List, show, create, update, assign and unassign events.
    #[command(subcommand)]
    Events(events::EventsCommand),
    /// Read the audit trail (MANAGEMENT).
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Your notifications: list them, mark them read.
    #[command(subcommand)]
    Notifications(audit::NotificationsCommand),
    /// Write the whole database to a bundle folder (manifest.json and one
    /// JSON Lines file per table); on PostgreSQL team mode, the migrator's.
    Export(transfer::ExportArgs),
    /// Read a bundle into an empty database (or replace everything with
    /// --replace --yes): checked line by line first, written all or nothing.
    Import(transfer::ImportArgs),
    /// Write a timestamped backup bundle and keep the newest N; `backup
    /// list` shows them.
    Backup(transfer::BackupArgs),
    /// Replace everything in the database with a backup (needs --yes).
    Restore(transfer::RestoreArgs),
}

impl Command {
    /// The command's name, for the log.
    fn name(&self) -> &'static str {
        match self {
            Command::Db(_) => "db",
            Command::Doctor => "doctor",
            Command::Demo(_) => "demo",
            Command::Bench(_) => "bench",
            Command::Login(_) => "login",
            Command::Whoami => "whoami",
            Command::Logout => "logout",
            Command::Password(_) => "password",
            Command::Employees(_) => "employees",
            Command::Clients(_) => "clients",
            Command::Contracts(_) => "contracts",
            Command::Events(_) => "events",
            Command::Audit(_) => "audit",
            Command::Notifications(_) => "notifications",
            Command::Export(_) => "export",
            Command::Import(_) => "import",
            Command::Backup(_) => "backup",
            Command::Restore(_) => "restore",
        }
    }
}

/// Runs a parsed command line; returns the failure to report, if any.
pub fn run(cli: Cli) -> Result<(), Failure> {
    let settings = Settings::load(&Sources { config_file: cli.config.clone(), env: None })?;
    let _telemetry = crate::telemetry::init(&settings.log, &settings.sentry)?;
    let Some(command) = cli.command else {
        use std::io::IsTerminal;
        // Without arguments the terminal application opens; when there is
        // no terminal to draw on (a pipe, a script), the help is printed.
        if std::io::stdout().is_terminal() && std::io::stdin().is_terminal() {
            let target = DatabaseTarget::resolve(cli.database.as_deref(), &settings)?;
            tracing::info!(database = %target.describe(), command = "tui", "terminal application started");
            // Which configured profile this is, for the login screen's picker.
            let profile = match cli.database.as_deref() {
                Some(value) if !value.contains("://") => Some(value.to_owned()),
                Some(_) => None,
                None if settings.database_url.is_none() => settings.default_profile.clone(),
                None => None,
            };
            let result = crate::tui::run(settings, target, profile);
            if let Err(failure) = &result
                && failure.kind == crate::error::FailureKind::Unexpected
            {
                crate::telemetry::report_unexpected(failure);
            }
            return result;
        }
        use clap::CommandFactory;
        Cli::command().print_help().map_err(|err| Failure::unexpected(format!("Cannot print the help: {err}.")))?;
        out!();
        return Ok(());
    };
    let target = DatabaseTarget::resolve(cli.database.as_deref(), &settings)?;
    // Only the command's name: its arguments can hold email addresses.
    tracing::info!(database = %target.describe(), command = command.name(), "command started");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|err| Failure::unexpected(format!("Cannot start the async runtime: {err}.")))?;
    let result = runtime.block_on(async {
        match command {
            Command::Db(command) => db::run(command, &target, cli.format).await,
            Command::Doctor => doctor::run(&target, cli.config.as_deref(), cli.format).await,
            Command::Demo(command) => demo::run(command, &target, cli.format).await,
            Command::Bench(args) => bench::run(args, &target, cli.format).await,
            Command::Login(args) => session::login(args, &target, &settings, cli.format).await,
            Command::Whoami => session::whoami(&target, &settings, cli.format).await,
            Command::Logout => session::logout(&target, &settings, cli.format).await,
            Command::Password(args) => session::password(args, &target, &settings, cli.format).await,
            Command::Employees(command) => employees::run(command, &target, &settings, cli.format).await,
            Command::Clients(command) => clients::run(command, &target, &settings, cli.format).await,
            Command::Contracts(command) => contracts::run(command, &target, &settings, cli.format).await,
            Command::Events(command) => events::run(command, &target, &settings, cli.format).await,
            Command::Audit(command) => audit::run_audit(command, &target, &settings, cli.format).await,
            Command::Notifications(command) => audit::run_notifications(command, &target, &settings, cli.format).await,
            Command::Export(args) => transfer::export(args, &target, cli.format).await,
            Command::Import(args) => transfer::import(args, &target, cli.format).await,
            Command::Backup(args) => transfer::backup(args, &target, cli.format).await,
            Command::Restore(args) => transfer::restore(args, &target, cli.format).await,
        }
    });
    // While the telemetry guard is alive, so the report is sent.
    if let Err(failure) = &result
        && failure.kind == crate::error::FailureKind::Unexpected
    {
        crate::telemetry::report_unexpected(failure);
    }
    result
}

/// Writes one line to stdout, see [`out!`].
pub(crate) fn write_line(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(err) = stdout.write_fmt(args).and_then(|()| stdout.write_all(b"\n")) {
        if err.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        tracing::error!(error = %err, "cannot write to stdout");
        std::process::exit(1);
    }
}

/// Prints a failure as PRODUCT.md asks: one sentence on stderr, or a JSON
/// object with `--format json`.
pub fn report(failure: &Failure, format: Format) {
    if format == Format::Json {
        let body = serde_json::json!({ "error": { "code": failure.kind.code(), "message": failure.message } });
        eprintln!("{body}");
    } else {
        eprintln!("epic-crm: {}", failure.message);
    }
}

/// Writes rows as aligned columns.
pub(crate) fn print_table(headers: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells.iter().zip(&widths).map(|(cell, width)| format!("{cell:<width$}")).collect();
        out!("{}", padded.join("  ").trim_end());
    };
    line(headers.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}

/// One CSV cell (see [`crate::text::csv_cell`]).
pub(crate) use crate::text::csv_cell;

#[cfg(test)]
mod tests {
    use crate::text::csv_cell;

    #[test]
    fn csv_cells_are_quoted_and_neutralised() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=1+1"), "'=1+1");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("+33 6 12 34 56 78"), "+33 6 12 34 56 78");
        assert_eq!(csv_cell("-12.50"), "-12.50");
        assert_eq!(csv_cell("+cmd|' /C calc'!A0"), "'+cmd|' /C calc'!A0");
        assert_eq!(csv_cell("-2+3"), "'-2+3");
        assert_eq!(csv_cell("\tx"), "'\tx");
    }
}
