//! Bulk loading for demo data and benchmarks: multi-row INSERTs in one
//! system transaction, with explicit ids so rows can reference each other.

use sea_orm::{ConnectionTrait, DatabaseTransaction, TransactionTrait, Value};

use super::sql::Sql;
use super::{Backend, Store, StoreError};

/// SQLite allows 32,766 bound values per statement, PostgreSQL 65,535.
const MAX_VALUES_PER_STATEMENT: usize = 30_000;

/// A transaction that loads many rows at once, acting for no employee.
pub struct BulkLoad {
    tx: DatabaseTransaction,
    backend: Backend,
}

impl BulkLoad {
    /// Opens the bulk transaction.
    pub async fn begin(store: &Store) -> Result<BulkLoad, StoreError> {
        let tx = store.system().begin().await?;
        Ok(BulkLoad { tx, backend: store.backend() })
    }

    /// Inserts rows given as one flat list of values, `columns.len()` per
    /// row, split into statements of at most [`MAX_VALUES_PER_STATEMENT`].
    pub async fn insert(&self, table: &str, columns: &[&str], values: Vec<Value>) -> Result<(), StoreError> {
        let width = columns.len();
        if width == 0 || !values.len().is_multiple_of(width) {
            return Err(StoreError::Invalid(format!("bulk insert into {table}: values do not fill whole rows")));
        }
        let rows_per_statement = (MAX_VALUES_PER_STATEMENT / width).max(1);
        let head = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
        let row_placeholders = format!("({})", vec!["?"; width].join(", "));
        let mut values = values.into_iter();
        loop {
            let chunk: Vec<Value> = values.by_ref().take(rows_per_statement * width).collect();
            if chunk.is_empty() {
                break;
            }
            let rows = chunk.len() / width;
            let mut text = String::with_capacity(head.len() + rows * (row_placeholders.len() + 1));
            text.push_str(&head);
            for row in 0..rows {
                if row > 0 {
                    text.push(',');
                }
                text.push_str(&row_placeholders);
            }
            let mut sql = Sql::new(text);
            sql.bind_all(chunk);
            self.tx.execute_raw(sql.build(self.backend)).await?;
        }
        Ok(())
    }

    /// Commits the load; on PostgreSQL moves each identity past the ids
    /// given explicitly, so later inserts do not collide.
    pub async fn commit(self, tables: &[&str]) -> Result<(), StoreError> {
        if self.backend == Backend::Postgres {
            for table in tables {
                let sql = format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
                );
                self.tx.execute_unprepared(&sql).await?;
            }
        }
        self.tx.commit().await?;
        Ok(())
    }
}
