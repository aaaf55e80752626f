//! Data access: connection, schema, the per-employee transaction wrapper,
//! and one module per record kind with filtered, sorted, keyset-paged lists.

pub mod accounts;
mod acting;
pub mod audit;
pub mod bulk;
pub mod clients;
mod connect;
pub mod contracts;
pub mod dashboard;
pub mod doctor;
pub mod employees;
mod error;
pub mod events;
pub mod notifications;
pub mod paging;
pub mod roles;
pub mod schema;
pub mod search;
mod sql;
pub mod team;
pub mod transfer;
pub mod values;

pub use crate::config::DatabaseTarget;
pub use acting::{ActingTx, Actor};
pub use error::StoreError;
pub use paging::{Page, PageRequest, SortDir};

use sea_orm::{DatabaseBackend, DatabaseConnection};

/// The backend a store runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// The embedded, single-machine default.
    Sqlite,
    /// The team database, which enforces permissions itself (SECURITY.md).
    Postgres,
}

impl Backend {
    /// The SeaORM backend for statements.
    pub(crate) fn sea(self) -> DatabaseBackend {
        match self {
            Backend::Sqlite => DatabaseBackend::Sqlite,
            Backend::Postgres => DatabaseBackend::Postgres,
        }
    }

    /// A short lower-case name for output.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// An open database: a pool of connections and what it runs on.
#[derive(Clone, Debug)]
pub struct Store {
    db: DatabaseConnection,
    backend: Backend,
    /// The PostgreSQL schema every connection's search path names.
    schema: Option<String>,
}

impl Store {
    /// Opens the database, creating an SQLite file (mode 0600) when needed.
    /// The schema is not touched; `services::database::open` migrates the
    /// embedded default on first use.
    pub async fn open(target: &DatabaseTarget) -> Result<Store, StoreError> {
        let (db, backend) = connect::connect(target, connect::Mode::Normal).await?;
        Ok(Store { db, backend, schema: target.schema() })
    }

    /// The backend this store runs on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The PostgreSQL schema the CRM lives in (`None` on SQLite).
    pub fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }

    /// The connection pool, for system work that acts for no employee
    /// (migrations, demo data, benchmarks' setup).
    pub(crate) fn system(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Asks the database for nothing, to see that it answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sea_orm::ConnectionTrait::execute_unprepared(&self.db, "SELECT 1").await?;
        Ok(())
    }

    /// Closes every pooled connection (SQLite then checkpoints its WAL).
    pub async fn close(self) -> Result<(), StoreError> {
        self.db.close().await.map_err(StoreError::from)
    }
}
