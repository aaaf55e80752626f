//! Database administration: open, migrate, report status, reset.

use crate::config::DatabaseTarget;
use crate::error::Failure;
use crate::store::Store;
use crate::store::schema::{self, MigrationState};

/// Opens the database, creating and migrating the embedded SQLite default
/// on first use.  PostgreSQL schemas are only changed by `db migrate`.
pub async fn open(target: &DatabaseTarget) -> Result<Store, Failure> {
    let store = Store::open(target).await?;
    if matches!(target, DatabaseTarget::Sqlite { .. }) {
        schema::migrate(&store).await?;
    } else {
        let pending = schema::status(&store).await?.iter().filter(|m| !m.applied).count();
        if pending > 0 {
            return Err(Failure::invalid(format!(
                "The PostgreSQL database {} needs {pending} migration(s): run `epic-crm db migrate` first.",
                target.describe()
            )));
        }
    }
    Ok(store)
}

/// Applies pending migrations; returns the names applied.
pub async fn migrate(target: &DatabaseTarget) -> Result<Vec<String>, Failure> {
    let store = Store::open(target).await?;
    Ok(schema::migrate(&store).await?)
}

/// Every migration with its state.
pub async fn status(target: &DatabaseTarget) -> Result<Vec<MigrationState>, Failure> {
    let store = Store::open(target).await?;
    Ok(schema::status(&store).await?)
}

/// Deletes every record and rebuilds the schema.
pub async fn reset(target: &DatabaseTarget) -> Result<(), Failure> {
    let store = Store::open(target).await?;
    Ok(schema::reset(&store).await?)
}
