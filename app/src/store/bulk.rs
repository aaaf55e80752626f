//! Bulk loading for demo data and benchmarks: multi-row INSERTs in one
//! system transaction, with explicit ids so rows can reference each other.

use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, TransactionTrait, Value};

use super::connect::{self, Mode};
use super::sql::Sql;
use super::{Backend, StoreError};
use crate::config::DatabaseTarget;

/// SQLite allows 32,766 bound values per statement, PostgreSQL 65,535.
const MAX_VALUES_PER_STATEMENT: usize = 30_000;

/// A transaction that loads many rows at once, acting for no employee.
///
/// On SQLite the secondary indexes and search triggers of the loaded tables
/// are set aside during the load and rebuilt once at the end, which is much
/// faster than maintaining them row by row; their definitions are read back
/// from the schema itself, so the migrations stay the only place they live.
pub struct BulkLoad {
    db: DatabaseConnection,
    tx: DatabaseTransaction,
    backend: Backend,
    deferred: Vec<String>,
    search_tables: Vec<String>,
}

impl BulkLoad {
    /// Opens an exclusive connection for the load and begins its
    /// transaction.  On SQLite no other connection may be open.
    pub async fn begin(target: &DatabaseTarget) -> Result<BulkLoad, StoreError> {
        let (db, backend) = connect::connect(target, Mode::Bulk).await?;
        let tx = db.begin().await?;
        if backend == Backend::Sqlite {
            // Keep the whole load in memory until commit instead of spilling
            // half-built index pages to the WAL over and over.
            tx.execute_unprepared("PRAGMA cache_size = -2097152").await?;
            // Let index builds sort on both cores.
            tx.execute_unprepared("PRAGMA threads = 2").await?;
        }
        Ok(BulkLoad { db, tx, backend, deferred: Vec::new(), search_tables: Vec::new() })
    }

    /// Sets aside the secondary indexes and search triggers of `tables`
    /// (SQLite only; a no-op on PostgreSQL) until [`BulkLoad::commit`].
    pub async fn defer_indexes(&mut self, tables: &[&str]) -> Result<(), StoreError> {
        if self.backend != Backend::Sqlite {
            return Ok(());
        }
        let mut list = Sql::new(
            "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND type IN ('index', 'trigger') AND tbl_name IN (",
        );
        for (n, table) in tables.iter().enumerate() {
            if n > 0 {
                list.push(", ");
            }
            list.bind(table.to_string());
        }
        list.push(") ORDER BY type, name");
        let rows = self.tx.query_all_raw(list.build(self.backend)).await?;
        for row in rows {
            let kind: String = row.try_get("", "type")?;
            let name: String = row.try_get("", "name")?;
            let sql: String = row.try_get("", "sql")?;
            // Unique indexes stay: they enforce rules during the load, and
            // one is the parent key of a composite foreign key.
            if sql.trim_start().to_ascii_uppercase().starts_with("CREATE UNIQUE") {
                continue;
            }
            self.tx
                .execute_unprepared(&format!("DROP {} \"{}\"", kind.to_uppercase(), name.replace('"', "\"\"")))
                .await?;
            self.deferred.push(sql);
        }
        let search = self
            .tx
            .query_all_raw(
                Sql::new(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%fts5%'",
                )
                .build(self.backend),
            )
            .await?;
        for row in search {
            self.search_tables.push(row.try_get("", "name")?);
        }
        Ok(())
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

    /// Rebuilds what was deferred and commits the load; on PostgreSQL moves
    /// each identity past the ids given explicitly, so later inserts do not
    /// collide.
    pub async fn commit(self, tables: &[&str]) -> Result<(), StoreError> {
        for sql in &self.deferred {
            self.tx.execute_unprepared(sql).await?;
            tracing::debug!(sql = sql.lines().next().unwrap_or_default(), "rebuilt");
        }
        tracing::info!(count = self.deferred.len(), "rebuilt deferred indexes and triggers");
        if !self.deferred.is_empty() {
            for table in &self.search_tables {
                self.tx.execute_unprepared(&format!("INSERT INTO {table} ({table}) VALUES ('rebuild')")).await?;
                tracing::info!(table, "rebuilt search index");
            }
        }
        if self.backend == Backend::Postgres {
            for table in tables {
                let sql = format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
                );
                self.tx.execute_unprepared(&sql).await?;
            }
        }
        self.tx.commit().await?;
        if self.backend == Backend::Sqlite {
            // Back to the everyday journal (WAL persists in the file).
            self.db.execute_unprepared("PRAGMA journal_mode = WAL").await?;
        }
        self.db.close().await?;
        Ok(())
    }
}
