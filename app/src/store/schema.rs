//! The database schema: apply migrations, report their state, rebuild.

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Statement, TransactionTrait};

use super::{Backend, Store, StoreError};

/// One migration and whether it is applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigrationState {
    /// The migration's name.
    pub name: String,
    /// Whether the database has it.
    pub applied: bool,
}

/// Applies every pending migration; returns the names applied.
pub async fn migrate(store: &Store) -> Result<Vec<String>, StoreError> {
    let pending: Vec<String> =
        Migrator::get_pending_migrations(store.system()).await?.iter().map(|m| m.name().to_owned()).collect();
    if !pending.is_empty() {
        match store.backend() {
            // SQLite migrations run without their own transactions: keep
            // every statement on one connection, all or nothing.
            Backend::Sqlite => {
                let tx = store.system().begin().await?;
                Migrator::up(&tx, None).await?;
                tx.commit().await?;
            }
            Backend::Postgres => Migrator::up(store.system(), None).await?,
        }
    }
    Ok(pending)
}

/// Every migration this program knows, with its state in the database.
pub async fn status(store: &Store) -> Result<Vec<MigrationState>, StoreError> {
    let migrations = Migrator::get_migration_with_status(store.system()).await?;
    Ok(migrations
        .iter()
        .map(|m| MigrationState {
            name: m.name().to_owned(),
            applied: matches!(m.status(), migration::MigrationStatus::Applied),
        })
        .collect())
}

/// Drops every table of the CRM and applies all migrations again.
pub async fn reset(store: &Store) -> Result<(), StoreError> {
    match store.backend() {
        // One connection for every statement: spread over the pool, a
        // connection could still see a dropped index as existing.
        Backend::Sqlite => {
            let tx = store.system().begin().await?;
            Migrator::refresh(&tx).await?;
            tx.commit().await?;
        }
        Backend::Postgres => Migrator::refresh(store.system()).await?,
    }
    Ok(())
}

/// Whether the database holds any employee or client.
pub async fn holds_records(store: &Store) -> Result<bool, StoreError> {
    let sql = "SELECT (SELECT count(*) FROM (SELECT 1 FROM employees LIMIT 1) e) + \
               (SELECT count(*) FROM (SELECT 1 FROM clients LIMIT 1) c) AS n";
    let row = store.system().query_one_raw(Statement::from_string(store.backend().sea(), sql)).await?;
    let n: i64 = match row {
        Some(row) => row.try_get("", "n")?,
        None => 0,
    };
    Ok(n > 0)
}

/// Refreshes the planner's statistics after large changes.
pub async fn analyze(store: &Store) -> Result<(), StoreError> {
    // A bounded sample is plenty for the planner and keeps this fast on
    // millions of rows.
    let sql = match store.backend() {
        Backend::Sqlite => "PRAGMA analysis_limit = 2000; ANALYZE",
        Backend::Postgres => "ANALYZE",
    };
    store.system().execute_unprepared(sql).await?;
    Ok(())
}
