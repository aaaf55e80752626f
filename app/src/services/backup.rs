//! Backups: timestamped export bundles in one folder per database, written
//! under a hidden `.partial` name and renamed when complete, the newest N
//! kept; restoring one is an import that replaces everything.

use std::fs;
use std::path::{Path, PathBuf};

use super::transfer::{self, ExportOptions, ExportReport, ImportOptions, ImportReport, Manifest, Progress};
use crate::config::DatabaseTarget;
use crate::error::Failure;

/// Backups kept when `--keep` is not given.
pub const DEFAULT_KEEP: usize = 7;
/// Every backup folder's name starts with this.
const PREFIX: &str = "epic-crm-";

/// A backup found in a backups folder.
#[derive(Clone, Debug)]
pub struct Backup {
    /// Its folder.
    pub path: PathBuf,
    /// Its manifest.
    pub manifest: Manifest,
    /// Bytes on disk.
    pub bytes: u64,
}

/// A backup written, and the old ones removed to keep `keep`.
#[derive(Clone, Debug)]
pub struct BackupReport {
    /// The new bundle.
    pub export: ExportReport,
    /// Older backups deleted.
    pub removed: Vec<PathBuf>,
}

/// The default folder of `target`'s backups:
/// `$XDG_DATA_HOME/epic-crm/backups/<database>/`.
pub fn default_folder(target: &DatabaseTarget) -> Result<PathBuf, Failure> {
    let dirs = crate::config::project_dirs()?;
    Ok(dirs.data_dir().join("backups").join(database_name(target)))
}

/// A folder name for a database: the SQLite file's name, or PostgreSQL's
/// host, database and schema.
fn database_name(target: &DatabaseTarget) -> String {
    let raw = match target {
        DatabaseTarget::Sqlite { path } => {
            path.file_stem().map(|stem| stem.to_string_lossy().into_owned()).unwrap_or_else(|| "sqlite".into())
        }
        DatabaseTarget::Postgres { url } => match url::Url::parse(url) {
            Ok(parsed) => {
                let host = parsed.host_str().unwrap_or("local").to_owned();
                let database = parsed.path().trim_start_matches('/').to_owned();
                let schema = target.schema().unwrap_or_default();
                format!("{host}-{database}-{schema}")
            }
            Err(_) => "postgres".into(),
        },
    };
    raw.chars().map(|ch| if ch.is_ascii_alphanumeric() || matches!(ch, '.' | '_' | '-') { ch } else { '_' }).collect()
}

/// Writes a new backup of `target` into `folder` (created 0700 when
/// missing) and removes all but the newest `keep`.
pub async fn backup(
    target: &DatabaseTarget,
    folder: &Path,
    keep: usize,
    options: ExportOptions,
    progress: &dyn Progress,
) -> Result<BackupReport, Failure> {
    if keep == 0 {
        return Err(Failure::invalid("--keep must be at least 1: a backup run keeps the backup it writes."));
    }
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(folder)
        .map_err(|err| Failure::invalid(format!("Cannot create the backups folder {}: {err}.", folder.display())))?;
    remove_abandoned(folder);
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    let mut path = folder.join(format!("{PREFIX}{stamp}"));
    let mut n = 2;
    while path.exists() {
        path = folder.join(format!("{PREFIX}{stamp}-{n}"));
        n += 1;
    }
    let export = transfer::export(target, &path, options, progress).await?;
    let mut removed = Vec::new();
    let backups = list_in(folder)?;
    for old in backups.into_iter().skip(keep) {
        match fs::remove_dir_all(&old.path) {
            Ok(()) => removed.push(old.path),
            Err(err) => tracing::warn!(error = %err, path = %old.path.display(), "cannot remove an old backup"),
        }
    }
    Ok(BackupReport { export, removed })
}

/// The backups in `folder`, newest first (a missing folder has none).
pub fn list_in(folder: &Path) -> Result<Vec<Backup>, Failure> {
    let entries = match fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => {
            return Err(Failure::invalid(format!("Cannot read the backups folder {}: {err}.", folder.display())));
        }
    };
    let mut backups = Vec::new();
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with(PREFIX) || !entry.path().is_dir() {
            continue;
        }
        // Folders that are not bundles (or are damaged) are not backups:
        // never counted, never deleted.
        let Ok(manifest) = transfer::read_manifest(&entry.path()) else { continue };
        backups.push(Backup { bytes: transfer::folder_size(&entry.path()), path: entry.path(), manifest });
    }
    backups.sort_by(|a, b| b.manifest.created_at.cmp(&a.manifest.created_at).then_with(|| b.path.cmp(&a.path)));
    Ok(backups)
}

/// Removes `.partial` folders left by backups that died (their process is
/// gone); a running one's is left alone.
fn remove_abandoned(folder: &Path) {
    let Ok(entries) = fs::read_dir(folder) else { return };
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name.strip_prefix('.').and_then(|rest| rest.rsplit_once(".partial-")).map(|(_, pid)| pid)
        else {
            continue;
        };
        let alive = pid.parse::<u32>().is_ok_and(|pid| Path::new(&format!("/proc/{pid}")).exists());
        if name.starts_with(&format!(".{PREFIX}")) && !alive {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// Replaces everything in `target` with the backup at `path`.
pub async fn restore(target: &DatabaseTarget, path: &Path, progress: &dyn Progress) -> Result<ImportReport, Failure> {
    transfer::import(target, path, ImportOptions { replace: true }, progress).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_names_are_plain_folder_names() {
        let sqlite = DatabaseTarget::Sqlite { path: PathBuf::from("/home/ana/.local/share/epic-crm/epic-crm.db") };
        assert_eq!(database_name(&sqlite), "epic-crm");
        let postgres = DatabaseTarget::Postgres { url: "postgres://app:secret@db.example:5432/crm?schema=crm".into() };
        let name = database_name(&postgres);
        assert!(name.starts_with("db.example-crm-"), "{name}");
        assert!(!name.contains("secret") && !name.contains('/'), "{name}");
    }
}
