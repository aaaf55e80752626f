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
                "The PostgreSQL database {} needs {pending} migration(s): run `epic-crm db migrate` first (in team mode with the migrator's URL; `epic-crm doctor` checks the setup).",
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

/// The roles of PostgreSQL team mode, as `db init-roles` names them.
pub use crate::store::roles::{RoleNames, RolesReport};

/// Creates or corrects the owner, migrator and app roles, the schema and
/// its privileges (run with an administrator's URL).
pub async fn init_roles(
    target: &DatabaseTarget,
    names: &RoleNames,
    reset_passwords: bool,
) -> Result<RolesReport, Failure> {
    if matches!(target, DatabaseTarget::Sqlite { .. }) {
        return Err(Failure::usage(
            "db init-roles sets up PostgreSQL for a team: give an administrator's URL with --database postgres://ADMIN@HOST/DB (the embedded SQLite file needs no roles).",
        ));
    }
    for (what, name) in [("--owner", &names.owner), ("--migrator", &names.migrator), ("--app", &names.app)] {
        if !crate::store::roles::valid_role(name) {
            return Err(Failure::usage(format!(
                "{what} \"{name}\" is not a plain role name: use lower-case letters, digits and _ (not starting with pg_)."
            )));
        }
    }
    if !crate::config::valid_schema(&names.schema) {
        return Err(Failure::usage(format!(
            "The schema \"{}\" is not a plain name: use lower-case letters, digits and _.",
            names.schema
        )));
    }
    if names.owner == names.migrator || names.owner == names.app || names.migrator == names.app {
        return Err(Failure::usage("The owner, migrator and app roles must be three different roles."));
    }
    let store = Store::open(target).await?;
    let report = crate::store::roles::init_roles(&store, names, reset_passwords).await;
    store.close().await.ok();
    Ok(report?)
}
