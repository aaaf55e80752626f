//! The one way to work on behalf of an employee: a transaction that carries
//! the acting employee.  On PostgreSQL it first hands the employee's access
//! token to the database with `set_config(.., true)` (transaction-local), so
//! the database can check every statement itself (SECURITY.md).  Record
//! queries take an [`ActingTx`], which only [`Store::begin_as`] can make, so
//! no code path can skip the wrapper.

use sea_orm::{DatabaseTransaction, SqliteTransactionMode, TransactionOptions, TransactionTrait};

use super::sql::Sql;
use super::{Backend, Store, StoreError};
use crate::domain::Department;

/// The employee on whose behalf work is done.
#[derive(Clone, PartialEq, Eq)]
pub struct Actor {
    /// The employee's id.
    pub employee_id: i64,
    /// The employee's department, for the application's policy.
    pub department: Department,
    /// The session's access token, verified by PostgreSQL in team mode.
    pub access_token: Option<String>,
}

/// Never shows the access token, so no log line can leak it.
impl std::fmt::Debug for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Actor")
            .field("employee_id", &self.employee_id)
            .field("department", &self.department)
            .field("access_token", &self.access_token.as_ref().map(|_| "…"))
            .finish()
    }
}

/// An open transaction on behalf of an employee.
pub struct ActingTx {
    tx: DatabaseTransaction,
    actor: Actor,
    backend: Backend,
}

impl ActingTx {
    /// The employee this transaction acts for.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The backend of the transaction.
    pub(crate) fn backend(&self) -> Backend {
        self.backend
    }

    /// The underlying connection, for the store's record modules.
    pub(crate) fn conn(&self) -> &DatabaseTransaction {
        &self.tx
    }

    /// Makes the transaction's writes permanent.
    pub async fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().await.map_err(StoreError::from)
    }

    /// Abandons the transaction's writes.
    pub async fn rollback(self) -> Result<(), StoreError> {
        self.tx.rollback().await.map_err(StoreError::from)
    }
}

impl Store {
    /// Opens a transaction on behalf of `actor` that will write.  On SQLite
    /// it takes the write lock at once (`BEGIN IMMEDIATE`): a transaction
    /// that reads first and writes later would otherwise fail outright,
    /// not wait, when another connection wrote in between.
    pub async fn begin_as(&self, actor: &Actor) -> Result<ActingTx, StoreError> {
        self.begin(actor, SqliteTransactionMode::Immediate).await
    }

    async fn begin(&self, actor: &Actor, mode: SqliteTransactionMode) -> Result<ActingTx, StoreError> {
        let options = TransactionOptions { sqlite_transaction_mode: Some(mode), ..TransactionOptions::default() };
        let tx = self.system().begin_with_options(options).await?;
        if self.backend() == Backend::Postgres {
            let mut sql = Sql::new("SELECT set_config('crm.access_token', ");
            sql.bind(actor.access_token.clone().unwrap_or_default()).push(", true)");
            sea_orm::ConnectionTrait::execute_raw(&tx, sql.build(self.backend())).await?;
        }
        Ok(ActingTx { tx, actor: actor.clone(), backend: self.backend() })
    }

    /// Runs `work` in a transaction on behalf of `actor`: committed when it
    /// succeeds, rolled back when it fails.  Meant for reading (on SQLite
    /// the transaction takes the write lock only if `work` writes).
    pub async fn as_employee<T>(
        &self,
        actor: &Actor,
        work: impl AsyncFnOnce(&ActingTx) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let tx = self.begin(actor, SqliteTransactionMode::Deferred).await?;
        match work(&tx).await {
            Ok(value) => {
                tx.commit().await?;
                Ok(value)
            }
            Err(err) => {
                // The work's error matters more than a failed rollback.
                let _ = tx.rollback().await;
                Err(err)
            }
        }
    }
}
