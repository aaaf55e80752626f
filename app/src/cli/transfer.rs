//! `epic-crm export DIR`, `import DIR`, `backup [list]` and `restore PATH`:
//! the whole database in and out as bundles, with a progress bar on a
//! terminal and nothing on a pipe.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::Format;
use super::progress::Bar;
use crate::config::DatabaseTarget;
use crate::error::Failure;
use crate::services::backup::{self, DEFAULT_KEEP};
use crate::services::transfer::{self, ExportOptions, ImportOptions, Manifest};

/// `epic-crm export DIR`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The folder to write (must not exist, or be empty); created 0700.
    pub dir: PathBuf,
    /// Write plain `.jsonl` files instead of gzip-compressed `.jsonl.gz`.
    #[arg(long)]
    pub no_compress: bool,
}

/// `epic-crm import DIR`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// A bundle folder written by `epic-crm export` or `epic-crm backup`.
    pub dir: PathBuf,
    /// Replace every record of a database that already has some (needs --yes).
    #[arg(long)]
    pub replace: bool,
    /// Confirm --replace.
    #[arg(long)]
    pub yes: bool,
}

/// `epic-crm backup [--to DIR] [--keep N] | backup list`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BackupArgs {
    /// List the backups instead of writing one.
    #[command(subcommand)]
    pub command: Option<BackupCommand>,
    /// The backups folder (default: $XDG_DATA_HOME/epic-crm/backups/<database>/).
    #[arg(long, value_name = "DIR")]
    pub to: Option<PathBuf>,
    /// How many backups to keep in the folder, newest first.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_KEEP)]
    pub keep: usize,
}

/// Backup subcommands.
#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// List the backups of the database, newest first.
    List {
        /// The backups folder (default: $XDG_DATA_HOME/epic-crm/backups/<database>/).
        #[arg(long, value_name = "DIR")]
        to: Option<PathBuf>,
    },
}

/// `epic-crm restore PATH --yes`.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// A backup folder (see `epic-crm backup list`).
    pub path: PathBuf,
    /// Confirm: every record of the database is replaced by the backup's.
    #[arg(long)]
    pub yes: bool,
}

pub(super) async fn export(args: ExportArgs, target: &DatabaseTarget, format: Format) -> Result<(), Failure> {
    let bar = Bar::new();
    let report = transfer::export(target, &args.dir, ExportOptions { compress: !args.no_compress }, &bar).await?;
    bar.clear();
    print_bundle(("Exported", "to"), target, &report.path, &report.manifest, report.bytes, report.elapsed, format);
    Ok(())
}

pub(super) async fn import(args: ImportArgs, target: &DatabaseTarget, format: Format) -> Result<(), Failure> {
    if args.replace && !args.yes {
        return Err(Failure::usage(format!(
            "--replace deletes every record of {} before importing: add --yes to confirm.",
            target.describe()
        )));
    }
    let bar = Bar::new();
    let report = transfer::import(target, &args.dir, ImportOptions { replace: args.replace }, &bar).await?;
    bar.clear();
    let verb = if report.replaced { "Replaced everything in" } else { "Imported into" };
    print_bundle(
        (verb, "from"),
        target,
        &args.dir,
        &report.manifest,
        transfer::folder_size(&args.dir),
        report.elapsed,
        format,
    );
    Ok(())
}

pub(super) async fn backup(args: BackupArgs, target: &DatabaseTarget, format: Format) -> Result<(), Failure> {
    if let Some(BackupCommand::List { to }) = args.command {
        let folder = match to {
            Some(folder) => folder,
            None => backup::default_folder(target)?,
        };
        return list(&folder, format);
    }
    let folder = match args.to {
        Some(folder) => folder,
        None => backup::default_folder(target)?,
    };
    let bar = Bar::new();
    let report = backup::backup(target, &folder, args.keep, ExportOptions { compress: true }, &bar).await?;
    bar.clear();
    let export = &report.export;
    if format == Format::Json {
        let mut value = bundle_json(target, &export.path, &export.manifest, export.bytes, export.elapsed);
        value["removed"] =
            serde_json::json!(report.removed.iter().map(|p| p.display().to_string()).collect::<Vec<_>>());
        out!("{value}");
        return Ok(());
    }
    print_bundle(("Backed up", "to"), target, &export.path, &export.manifest, export.bytes, export.elapsed, format);
    for old in &report.removed {
        out!("Removed the older backup {} (keeping the newest {}).", old.display(), args.keep);
    }
    Ok(())
}

fn list(folder: &Path, format: Format) -> Result<(), Failure> {
    let backups = backup::list_in(folder)?;
    match format {
        Format::Json => {
            let items: Vec<_> = backups
                .iter()
                .map(|b| {
                    serde_json::json!({
                        "path": b.path.display().to_string(),
                        "created_at": b.manifest.created_at,
                        "rows": b.manifest.total_rows(),
                        "bytes": b.bytes,
                        "source_backend": b.manifest.source_backend,
                    })
                })
                .collect();
            out!("{}", serde_json::json!({ "items": items }));
        }
        Format::Csv => {
            out!("path,created_at,rows,bytes,source_backend");
            for b in &backups {
                out!(
                    "{},{},{},{},{}",
                    super::csv_cell(&b.path.display().to_string()),
                    b.manifest.created_at,
                    b.manifest.total_rows(),
                    b.bytes,
                    b.manifest.source_backend
                );
            }
        }
        Format::Table => {
            if backups.is_empty() {
                out!("No backups in {} yet: `epic-crm backup` writes one.", folder.display());
                return Ok(());
            }
            let rows: Vec<Vec<String>> = backups
                .iter()
                .map(|b| {
                    vec![
                        b.path.display().to_string(),
                        b.manifest.created_at.clone(),
                        b.manifest.total_rows().to_string(),
                        size(b.bytes),
                    ]
                })
                .collect();
            super::print_table(&["Backup", "Taken at (UTC)", "Rows", "Size"], &rows);
        }
    }
    Ok(())
}

pub(super) async fn restore(args: RestoreArgs, target: &DatabaseTarget, format: Format) -> Result<(), Failure> {
    if !args.yes {
        return Err(Failure::usage(format!(
            "restore replaces every record of {} with the backup's: add --yes to confirm.",
            target.describe()
        )));
    }
    let bar = Bar::new();
    let report = backup::restore(target, &args.path, &bar).await?;
    bar.clear();
    print_bundle(
        ("Restored", "from"),
        target,
        &args.path,
        &report.manifest,
        transfer::folder_size(&args.path),
        report.elapsed,
        format,
    );
    Ok(())
}

fn bundle_json(
    target: &DatabaseTarget,
    path: &Path,
    manifest: &Manifest,
    bytes: u64,
    elapsed: std::time::Duration,
) -> serde_json::Value {
    let rows: serde_json::Map<String, serde_json::Value> =
        manifest.tables.iter().map(|(name, entry)| (name.clone(), serde_json::json!(entry.rows))).collect();
    serde_json::json!({
        "database": target.describe(),
        "path": path.display().to_string(),
        "created_at": manifest.created_at,
        "schema_version": manifest.schema_version,
        "rows": rows,
        "bytes": bytes,
        "seconds": elapsed.as_secs_f64(),
    })
}

/// `Exported … to DIR` / `Imported … from DIR`, with each table's rows.
fn print_bundle(
    (verb, direction): (&str, &str),
    target: &DatabaseTarget,
    path: &Path,
    manifest: &Manifest,
    bytes: u64,
    elapsed: std::time::Duration,
    format: Format,
) {
    if format == Format::Json {
        out!("{}", bundle_json(target, path, manifest, bytes, elapsed));
        return;
    }
    out!(
        "{verb} {} {direction} {} in {:.1} s ({}, {} rows):",
        target.describe(),
        path.display(),
        elapsed.as_secs_f64(),
        size(bytes),
        manifest.total_rows()
    );
    for table in crate::services::transfer::Table::ALL {
        if let Some(entry) = manifest.tables.get(table.name()) {
            out!("  {:<14} {:>10} rows", table.name(), entry.rows);
        }
    }
}

/// Bytes for people.
fn size(bytes: u64) -> String {
    match bytes {
        0..1_000 => format!("{bytes} B"),
        1_000..1_000_000 => format!("{:.1} kB", bytes as f64 / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1} MB", bytes as f64 / 1e6),
        _ => format!("{:.2} GB", bytes as f64 / 1e9),
    }
}
