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

mod bench;
mod db;
mod demo;

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
    /// Measure list, paging, search and count latency on the database.
    Bench(bench::BenchArgs),
}

/// Runs a parsed command line; returns the failure to report, if any.
pub fn run(cli: Cli) -> Result<(), Failure> {
    let settings = Settings::load(&Sources { config_file: cli.config.clone(), env: None })?;
    let _telemetry = crate::telemetry::init(&settings.log);
    let Some(command) = cli.command else {
        use clap::CommandFactory;
        Cli::command().print_help().map_err(|err| Failure::unexpected(format!("Cannot print the help: {err}.")))?;
        out!();
        return Ok(());
    };
    let target = DatabaseTarget::resolve(cli.database.as_deref(), &settings)?;
    tracing::info!(database = %target.describe(), command = ?command, "command started");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|err| Failure::unexpected(format!("Cannot start the async runtime: {err}.")))?;
    runtime.block_on(async {
        match command {
            Command::Db(command) => db::run(command, &target, cli.format).await,
            Command::Demo(command) => demo::run(command, &target, cli.format).await,
            Command::Bench(args) => bench::run(args, &target, cli.format).await,
        }
    })
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
