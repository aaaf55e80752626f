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
    ensure_schema(store).await?;
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

/// Creates the CRM's schema when it does not exist yet: a single-role
/// setup (the role owns the database).  In team mode `epic-crm db
/// init-roles` made it, owned by the owner role.
pub async fn ensure_schema(store: &Store) -> Result<(), StoreError> {
    let Some(schema) = store.schema() else { return Ok(()) };
    let Some((owner, me)) = owner_and_me(store, schema).await? else {
        // The name was checked when the URL was read: plain lower case.
        let created = store.system().execute_unprepared(&format!("CREATE SCHEMA \"{schema}\"")).await;
        if created.is_err() {
            return Err(StoreError::Unavailable(format!(
                "The schema {schema} does not exist and this role cannot create it: run `epic-crm db init-roles` with an administrator's URL first (README: PostgreSQL for a team)."
            )));
        }
        return Ok(());
    };
    // Whatever a migration creates belongs to whoever runs it: only the
    // schema's owner (the migrator, in team mode) may, or the objects would
    // escape the owner and its policies.
    if owner != me {
        return Err(StoreError::Forbidden(format!(
            "Schema {schema} belongs to {owner}, and only its owner changes it: run this with the migrator's URL (printed by `epic-crm db init-roles`), which acts as {owner}"
        )));
    }
    Ok(())
}

/// Every migration this program knows, oldest first: the schema versions
/// it can read.
pub fn known_versions() -> Vec<String> {
    Migrator::migrations().iter().map(|m| m.name().to_owned()).collect()
}

/// On PostgreSQL, the owner of the CRM's schema when the connected role is
/// not it (the app role); `None` for the owner itself, and on SQLite,
/// where whoever can open the file is trusted.
pub async fn other_owner(store: &Store) -> Result<Option<String>, StoreError> {
    let Some(schema) = store.schema() else { return Ok(None) };
    let Some((owner, me)) = owner_and_me(store, schema).await? else {
        return Err(StoreError::Invalid(format!(
            "The schema {schema} does not exist: set the database up first (README: PostgreSQL for a team)."
        )));
    };
    Ok((owner != me).then_some(owner))
}

/// The owner of `schema` and the connected role; `None` when the schema
/// does not exist.
async fn owner_and_me(store: &Store, schema: &str) -> Result<Option<(String, String)>, StoreError> {
    let row = store
        .system()
        .query_one_raw(Statement::from_sql_and_values(
            store.backend().sea(),
            "SELECT pg_get_userbyid(nspowner)::text AS owner, current_user::text AS me FROM pg_namespace \
             WHERE nspname = $1",
            [schema.into()],
        ))
        .await?;
    match row {
        Some(row) => Ok(Some((row.try_get("", "owner")?, row.try_get("", "me")?))),
        None => Ok(None),
    }
}

/// The names of the migrations a PostgreSQL database has, read without
/// writing: the application's role in team mode may not create the
/// migration table the way the migrator's own status query would.
pub async fn applied_postgres(store: &Store) -> Result<Vec<String>, StoreError> {
    let exists = store
        .system()
        .query_one_raw(Statement::from_string(
            store.backend().sea(),
            "SELECT to_regclass('seaql_migrations') IS NOT NULL AS value",
        ))
        .await?
        .map(|row| row.try_get::<bool>("", "value"))
        .transpose()?
        .unwrap_or(false);
    if !exists {
        return Ok(Vec::new());
    }
    let rows = store
        .system()
        .query_all_raw(Statement::from_string(
            store.backend().sea(),
            "SELECT version::text AS version FROM seaql_migrations",
        ))
        .await?;
    rows.iter().map(|row| row.try_get::<String>("", "version").map_err(StoreError::from)).collect()
}

/// Every migration this program knows, with its state in the database.
pub async fn status(store: &Store) -> Result<Vec<MigrationState>, StoreError> {
    if store.backend() == Backend::Postgres {
        let applied = applied_postgres(store).await?;
        return Ok(Migrator::migrations()
            .iter()
            .map(|m| MigrationState { name: m.name().to_owned(), applied: applied.iter().any(|a| a == m.name()) })
            .collect());
    }
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
        Backend::Postgres => {
            ensure_schema(store).await?;
            Migrator::refresh(store.system()).await?
        }
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
