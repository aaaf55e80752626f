//! Opening a database: the SQLite file is created with mode 0600 before the
//! driver sees it, and every SQLite connection gets foreign keys, WAL and a
//! busy timeout (the terminal application and a command may run at once).

use std::fs::{DirBuilder, OpenOptions};
use std::io::ErrorKind;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sea_orm::{DatabaseConnection, SqlxPostgresConnector, SqlxSqliteConnector};
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::{Backend, StoreError};
use crate::config::DatabaseTarget;

/// Runs the token checks once with nothing to check, so that PostgreSQL
/// compiles them; any error (no such function yet) is ignored.
const WARM_UP: &str = "DO $$ BEGIN PERFORM crm_session(); PERFORM * FROM crm_verify('warm.up.call'); \
    EXCEPTION WHEN OTHERS THEN NULL; END $$";

/// How long to wait for a connection before calling the database unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How a connection will be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Mode {
    /// Everyday use: pooled, WAL, safe against crashes.
    Normal,
    /// One exclusive connection loading a large amount of data: on SQLite
    /// the rollback journal is kept in memory and nothing is synced until
    /// the end, so pages are written once instead of twice.
    Bulk,
    /// One exclusive connection loading data people need to keep (an
    /// import or a restore): a rollback journal on disk, synced at commit,
    /// so a crash half-way leaves the database as it was.  Into an empty
    /// database the journal stays small: it holds only pages that existed.
    Durable,
}

pub(super) async fn connect(target: &DatabaseTarget, mode: Mode) -> Result<(DatabaseConnection, Backend), StoreError> {
    match target {
        DatabaseTarget::Sqlite { path } => Ok((connect_sqlite(path, mode).await?, Backend::Sqlite)),
        DatabaseTarget::Postgres { .. } => Ok((connect_postgres(target).await?, Backend::Postgres)),
    }
}

async fn connect_sqlite(path: &Path, mode: Mode) -> Result<DatabaseConnection, StoreError> {
    create_private_file(path)?;
    let (journal, synchronous, connections) = match mode {
        Mode::Normal => (SqliteJournalMode::Wal, SqliteSynchronous::Normal, 4),
        Mode::Bulk => (SqliteJournalMode::Memory, SqliteSynchronous::Off, 1),
        Mode::Durable => (SqliteJournalMode::Delete, SqliteSynchronous::Full, 1),
    };
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false)
        .foreign_keys(true)
        .journal_mode(journal)
        .synchronous(synchronous)
        .busy_timeout(Duration::from_secs(5))
        .pragma("temp_store", "memory")
        .optimize_on_close(true, 400);
    let pool = SqlitePoolOptions::new()
        .max_connections(connections)
        .acquire_timeout(CONNECT_TIMEOUT)
        .connect_with(options)
        .await
        .map_err(|err| {
            tracing::error!(error = %err, "cannot open SQLite database");
            StoreError::Unavailable(format!(
                "Cannot open the SQLite database {} ({}): check that it is an Epic Events CRM database file, or choose another with --database sqlite://PATH.",
                path.display(),
                short_reason(&err)
            ))
        })?;
    Ok(SqlxSqliteConnector::from_sqlx_sqlite_pool(pool))
}

/// Creates the database file (and its folder) readable by its owner only;
/// the driver would follow the umask.  Whoever can read the file is trusted.
fn create_private_file(path: &Path) -> Result<(), StoreError> {
    let unwritable = |what: &str, at: &Path, err: std::io::Error| {
        StoreError::Unavailable(format!(
            "Cannot create the {what} {} ({}): make it writable, or choose another place with --database sqlite://PATH.",
            at.display(),
            io_reason(&err)
        ))
    };
    if let Some(parent) = path.parent().filter(|parent| !parent.as_os_str().is_empty())
        && !parent.exists()
    {
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(parent)
            .map_err(|err| unwritable("folder", parent, err))?;
    }
    match OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
        Ok(_) => Ok(()),
        Err(err) if err.kind() == ErrorKind::AlreadyExists => Ok(()),
        Err(err) => Err(unwritable("database file", path, err)),
    }
}

async fn connect_postgres(target: &DatabaseTarget) -> Result<DatabaseConnection, StoreError> {
    let options = postgres_options(target)?;
    let unreachable = |reason: String| {
        StoreError::Unavailable(format!(
            "Cannot connect to the PostgreSQL database {} ({reason}): check that the server is running and that the URL, user and password are right.",
            target.describe()
        ))
    };
    // One direct attempt first: the pool would retry a refused connection
    // until its timeout and then report only that it timed out.
    match tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(&options)).await {
        Ok(Ok(probe)) => {
            let _ = probe.close().await;
        }
        Ok(Err(err)) => {
            tracing::error!(error = %err, "cannot connect to PostgreSQL");
            return Err(unreachable(short_reason(&err)));
        }
        Err(_) => return Err(unreachable("no answer in time".into())),
    }
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(CONNECT_TIMEOUT)
        // The first call of a PL/pgSQL function on a connection compiles it:
        // pay for the token checks' functions when the connection opens,
        // not in the first statement someone waits for.  (Before team
        // mode's migration they do not exist: nothing to warm.)
        .after_connect(|connection, _| {
            Box::pin(async move { sqlx::Executor::execute(connection, WARM_UP).await.map(drop) })
        })
        .connect_lazy_with(options);
    Ok(SqlxPostgresConnector::from_sqlx_postgres_pool(pool))
}

/// The driver's options for a PostgreSQL target.  Every connection starts
/// with its `search_path` set to the CRM's schema alone, whatever the role's
/// own setting, so no object of another schema can stand in for one of the
/// CRM's.
pub(crate) fn postgres_options(target: &DatabaseTarget) -> Result<PgConnectOptions, StoreError> {
    let invalid = || {
        StoreError::Invalid(
            "The PostgreSQL URL cannot be used: write it as postgres://USER:PASSWORD@HOST:PORT/DATABASE.".into(),
        )
    };
    let url = target.driver_url().ok_or_else(invalid)?;
    let schema = target.schema().ok_or_else(invalid)?;
    Ok(PgConnectOptions::from_str(&url).map_err(|_| invalid())?.options([("search_path", schema)]))
}

/// A few words on why a connection failed, never the driver's full text.
fn short_reason(err: &sqlx::Error) -> String {
    match err {
        sqlx::Error::Io(io) => io_reason(io),
        sqlx::Error::PoolTimedOut => "no answer in time".into(),
        sqlx::Error::Tls(_) => "TLS failed".into(),
        sqlx::Error::Database(db) => match db.code().as_deref() {
            Some("28P01") | Some("28000") => "login refused".into(),
            Some("3D000") => "no such database".into(),
            Some("26") => "not a database file".into(),
            _ => "the server refused the connection".into(),
        },
        _ => "unknown reason".into(),
    }
}

fn io_reason(err: &std::io::Error) -> String {
    match err.kind() {
        ErrorKind::PermissionDenied => "permission denied".into(),
        ErrorKind::ConnectionRefused => "connection refused".into(),
        ErrorKind::NotFound => "not found".into(),
        ErrorKind::TimedOut => "timed out".into(),
        ErrorKind::ReadOnlyFilesystem => "read-only file system".into(),
        _ => "input/output error".into(),
    }
}
