//! Bulk loading for demo data and benchmarks: multi-row INSERTs in one
//! system transaction, with explicit ids so rows can reference each other.
//!
//! On SQLite the secondary indexes and search triggers of the loaded tables
//! are set aside during the load and rebuilt once at the end, which is much
//! faster than maintaining them row by row; their definitions are read back
//! from the schema itself, so the migrations stay the only place they live.
//! The free-text indexes are built meanwhile on the other core, in a scratch
//! file holding the same FTS5 tables, and their shadow tables are copied in
//! at the end.

use std::path::{Path, PathBuf};

use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, Statement, TransactionTrait, Value};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::connect::{self, Mode};
use super::sql::Sql;
use super::{Backend, StoreError};
use crate::config::DatabaseTarget;

/// SQLite allows 32,766 bound values per statement, PostgreSQL 65,535.
const MAX_VALUES_PER_STATEMENT: usize = 30_000;
/// The schema name the scratch search file is attached under.
const SCRATCH_SCHEMA: &str = "search_build";
/// The tables FTS5 keeps an external-content index in (no `docsize`: the
/// search tables are declared with `columnsize = 0`).
const FTS5_SHADOW_TABLES: [&str; 3] = ["data", "idx", "config"];

/// A free-text index fed from a loaded table.
#[derive(Clone, Debug)]
struct SearchIndex {
    /// The FTS5 table.
    name: String,
    /// The table whose rows it indexes.
    content: String,
    /// The indexed columns, named as in the content table.
    columns: Vec<String>,
}

/// Rows for one free-text index: the INSERT statement and its JSON rows.
type SearchBatch = (String, String);

/// The parallel build of the free-text indexes.
struct SearchBuild {
    path: PathBuf,
    indexes: Vec<SearchIndex>,
    // Unbounded: the rows queue here until they are all written; what
    // queues is JSON text of the searchable columns, a fraction of the data.
    sender: Option<mpsc::UnboundedSender<SearchBatch>>,
    /// Tells the build to begin, once the rows are written.
    start: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), StoreError>>>,
}

/// A transaction that loads many rows at once, acting for no employee.
pub struct BulkLoad {
    db: DatabaseConnection,
    backend: Backend,
    tables: Vec<String>,
    deferred: Vec<String>,
    search: Option<SearchBuild>,
    /// Free-text indexes rebuilt from their tables at commit (instead of
    /// the parallel build).
    rebuild_search: Vec<String>,
    /// Statements to the writer task, which owns the transaction so that
    /// generating the next rows overlaps with writing these.
    rows: Option<mpsc::Sender<Statement>>,
    writer: JoinHandle<Result<DatabaseTransaction, StoreError>>,
}

impl BulkLoad {
    /// Opens an exclusive connection for a load into `tables` and begins its
    /// transaction.  On SQLite no other connection may be open.
    pub async fn begin(target: &DatabaseTarget, tables: &[&str]) -> Result<BulkLoad, StoreError> {
        BulkLoad::begin_in(target, tables, Mode::Bulk).await
    }

    /// The same, for data people keep (imports, restores): on SQLite the
    /// rollback journal is on disk and synced, so a crash during the load
    /// leaves the database as it was before.
    pub async fn begin_durable(target: &DatabaseTarget, tables: &[&str]) -> Result<BulkLoad, StoreError> {
        BulkLoad::begin_in(target, tables, Mode::Durable).await
    }

    async fn begin_in(target: &DatabaseTarget, tables: &[&str], mode: Mode) -> Result<BulkLoad, StoreError> {
        let (db, backend) = connect::connect(target, mode).await?;
        // Demo data builds the free-text indexes on the other core from rows
        // queued in memory (fast); data people keep rebuilds them from the
        // loaded tables at commit, so memory stays flat whatever the size.
        let (search, rebuild_search) = match (target, mode) {
            (DatabaseTarget::Sqlite { path }, Mode::Bulk | Mode::Normal) => {
                (Some(start_search_build(&db, path, tables).await?), Vec::new())
            }
            (DatabaseTarget::Sqlite { .. }, Mode::Durable) => {
                let names = search_definitions(&db, tables).await?.into_iter().map(|(name, _)| name).collect();
                (None, names)
            }
            (DatabaseTarget::Postgres { .. }, _) => (None, Vec::new()),
        };
        let tx = db.begin().await?;
        let mut deferred = Vec::new();
        if backend == Backend::Postgres {
            // Row triggers (the dashboard's running totals) would double a
            // large load's time; they are off inside this transaction only
            // (DDL is transactional: other sessions never see them off) and
            // the loader writes what they would have kept.  Needs the
            // tables' owner, as loading demo data is an administrator's job.
            for table in tables {
                tx.execute_unprepared(&format!("ALTER TABLE {} DISABLE TRIGGER USER", quote(table))).await?;
            }
            // Building the secondary indexes (trigram GIN above all) once at
            // the end is several times faster than keeping them row by row;
            // dropped inside this transaction, so nobody sees them missing.
            tx.execute_unprepared("SET LOCAL maintenance_work_mem = '256MB'").await?;
            deferred = defer_postgres_indexes(&tx, tables).await?;
        }
        if backend == Backend::Sqlite {
            if mode == Mode::Durable {
                // Bounded memory (an import's target is 200 MB at any size):
                // a 32 MB page cache, and sorts for the index rebuilds
                // spill to temporary files instead of memory.
                tx.execute_unprepared("PRAGMA cache_size = -32768").await?;
                tx.execute_unprepared("PRAGMA temp_store = FILE").await?;
            } else {
                // Keep the whole load in memory until commit instead of
                // spilling half-built index pages over and over.
                tx.execute_unprepared("PRAGMA cache_size = -2097152").await?;
            }
            deferred = defer_indexes(&tx, tables).await?;
        }
        let (rows, mut receiver) = mpsc::channel::<Statement>(2);
        let writer = tokio::spawn(async move {
            while let Some(statement) = receiver.recv().await {
                tx.execute_raw(statement).await?;
            }
            Ok(tx)
        });
        let tables = tables.iter().map(|table| table.to_string()).collect();
        Ok(BulkLoad { db, backend, tables, deferred, search, rebuild_search, rows: Some(rows), writer })
    }

    /// Whether the loaded tables' triggers are off during the load (SQLite:
    /// dropped and recreated at commit; PostgreSQL: disabled inside the
    /// load's transaction), so tables they maintain (`contract_totals`,
    /// `event_days`) must be filled by the loader.  Always true today; kept
    /// as a question so the loader's callers say why they write totals.
    pub fn defers_triggers(&self) -> bool {
        matches!(self.backend, Backend::Sqlite | Backend::Postgres)
    }

    /// The backend loaded into.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Inserts rows given as one flat list of values, `columns.len()` per
    /// row, split into statements of at most [`MAX_VALUES_PER_STATEMENT`].
    pub async fn insert(&mut self, table: &str, columns: &[&str], values: Vec<Value>) -> Result<(), StoreError> {
        let width = columns.len();
        if width == 0 || !values.len().is_multiple_of(width) {
            return Err(StoreError::Internal(format!("bulk insert into {table}: values do not fill whole rows")));
        }
        self.feed_search(table, columns, &values).await?;
        for statement in insert_statements(self.backend, table, columns, values)? {
            self.send(statement).await?;
        }
        Ok(())
    }

    /// Runs one statement inside the load's transaction, after the rows
    /// sent so far (deleting what a load replaces, rebuilding totals).
    pub async fn execute(&mut self, sql: &str) -> Result<(), StoreError> {
        self.send(Sql::new(sql).build(self.backend)).await
    }

    /// Hands a statement to the writer task.
    async fn send(&mut self, statement: Statement) -> Result<(), StoreError> {
        let sent = match &self.rows {
            Some(rows) => rows.send(statement).await.is_ok(),
            None => false,
        };
        if !sent {
            // The writer stopped on an error: report that error.
            self.rows = None;
            return Err(match (&mut self.writer).await {
                Ok(Err(err)) => err,
                Ok(Ok(_)) => StoreError::Internal("the bulk load stopped early".into()),
                Err(err) => StoreError::Internal(format!("the bulk load failed: {err}")),
            });
        }
        Ok(())
    }

    /// Sends the searchable columns of rows just loaded to the search build.
    async fn feed_search(&self, table: &str, columns: &[&str], values: &[Value]) -> Result<(), StoreError> {
        let Some(search) = &self.search else { return Ok(()) };
        let width = columns.len();
        for index in search.indexes.iter().filter(|index| index.content == table) {
            let mut positions = Vec::with_capacity(index.columns.len() + 1);
            for column in std::iter::once("id").chain(index.columns.iter().map(String::as_str)) {
                let position = columns.iter().position(|c| *c == column).ok_or_else(|| {
                    StoreError::Internal(format!(
                        "bulk insert into {table} lacks {column}, which {} indexes",
                        index.name
                    ))
                })?;
                positions.push(position);
            }
            let mut rows = Vec::with_capacity(values.len() / width * positions.len());
            for row in values.chunks(width) {
                rows.extend(positions.iter().map(|&p| row[p].clone()));
            }
            let mut names = vec!["rowid".to_owned()];
            names.extend(index.columns.iter().cloned());
            let (statement, document) = json_insert(&quote(&index.name), &names, &rows)?;
            if let Some(sender) = &search.sender
                && sender.send((statement, document)).is_err()
            {
                return Err(StoreError::Internal("the search index build stopped early".into()));
            }
        }
        Ok(())
    }

    /// Rebuilds what was deferred and commits the load; on PostgreSQL moves
    /// each identity past the ids given explicitly, so later inserts do not
    /// collide.
    pub async fn commit(mut self) -> Result<(), StoreError> {
        self.rows = None;
        let tx = self.writer.await.map_err(|err| StoreError::Internal(format!("the bulk load failed: {err}")))??;
        tracing::info!("rows written");
        let mut search = self.search.take();
        if let Some(search) = &mut search {
            // Every row has been sent: the search build runs on the other
            // core while the indexes are rebuilt.
            search.sender = None;
            if let Some(start) = search.start.take() {
                let _ = start.send(());
            }
        }
        for sql in &self.deferred {
            tx.execute_unprepared(sql).await?;
        }
        tracing::info!(count = self.deferred.len(), "rebuilt deferred indexes and triggers");
        for name in &self.rebuild_search {
            let table = quote(name);
            tx.execute_unprepared(&format!("INSERT INTO {table} ({table}) VALUES ('rebuild')")).await?;
            tracing::info!(index = name, "rebuilt search index");
        }
        if let Some(search) = &mut search {
            if let Some(task) = search.task.take() {
                task.await.map_err(|err| StoreError::Internal(format!("the search index build failed: {err}")))??;
            }
            for index in &search.indexes {
                for shadow in FTS5_SHADOW_TABLES {
                    let table = quote(&format!("{}_{shadow}", index.name));
                    tx.execute_unprepared(&format!("DELETE FROM main.{table}")).await?;
                    tx.execute_unprepared(&format!("INSERT INTO main.{table} SELECT * FROM {SCRATCH_SCHEMA}.{table}"))
                        .await?;
                }
                tracing::info!(index = index.name, "copied search index");
            }
        }
        if self.backend == Backend::Postgres {
            for table in &self.tables {
                tx.execute_unprepared(&format!("ALTER TABLE {} ENABLE TRIGGER USER", quote(table))).await?;
            }
            // Tables keyed by an identity column (credentials is keyed by
            // its employee) move past the ids given explicitly.
            let mut identities = Sql::new(
                "SELECT table_name AS name FROM information_schema.columns WHERE table_schema = current_schema() \
                 AND column_name = 'id' AND is_identity = 'YES' AND table_name IN ",
            );
            identities.push_in_list(self.tables.iter().cloned());
            for row in tx.query_all_raw(identities.build(self.backend)).await? {
                let table: String = row.try_get("", "name")?;
                let sql = format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
                );
                tx.execute_unprepared(&sql).await?;
            }
        }
        tx.commit().await?;
        tracing::info!("committed");
        if self.backend == Backend::Sqlite {
            if search.is_some() {
                self.db.execute_unprepared(&format!("DETACH DATABASE {SCRATCH_SCHEMA}")).await?;
                drop(search);
            }
            // Back to the everyday journal (WAL persists in the file).
            self.db.execute_unprepared("PRAGMA journal_mode = WAL").await?;
            tracing::info!("back to WAL");
        }
        self.db.close().await?;
        tracing::info!("closed");
        Ok(())
    }
}

/// Drops the secondary indexes and the triggers of `tables` until commit;
/// returns their definitions.
async fn defer_indexes(tx: &DatabaseTransaction, tables: &[&str]) -> Result<Vec<String>, StoreError> {
    let mut deferred = Vec::new();
    let mut list = Sql::new(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND type IN ('index', 'trigger') AND tbl_name IN ",
    );
    list.push_in_list(tables.iter().map(|table| table.to_string())).push(" ORDER BY type, name");
    let rows = tx.query_all_raw(list.build(Backend::Sqlite)).await?;
    for row in rows {
        let kind: String = row.try_get("", "type")?;
        let name: String = row.try_get("", "name")?;
        let sql: String = row.try_get("", "sql")?;
        // Unique indexes on plain columns stay: a foreign key may need
        // one as its parent key.  Unique expression indexes (such as
        // lower(email)) cannot be parent keys and are checked again when
        // rebuilt.
        if sql.trim_start().to_ascii_uppercase().starts_with("CREATE UNIQUE") {
            let mut expressions = Sql::new("SELECT count(*) AS n FROM pragma_index_info(");
            expressions.bind(name.clone()).push(") WHERE name IS NULL");
            let row = tx.query_one_raw(expressions.build(Backend::Sqlite)).await?;
            let on_expressions = match row {
                Some(row) => row.try_get::<i64>("", "n")? > 0,
                None => false,
            };
            if !on_expressions {
                continue;
            }
        }
        tx.execute_unprepared(&format!("DROP {} {}", kind.to_uppercase(), quote(&name))).await?;
        deferred.push(sql);
    }
    Ok(deferred)
}

/// Drops the non-unique indexes of `tables` until commit (unique ones stay:
/// they back constraints and foreign keys); returns their definitions.
async fn defer_postgres_indexes(tx: &DatabaseTransaction, tables: &[&str]) -> Result<Vec<String>, StoreError> {
    let mut list = Sql::new(
        "SELECT c.relname::text AS name, pg_get_indexdef(i.indexrelid) AS sql FROM pg_index i \
         JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         WHERE n.nspname = current_schema() AND NOT i.indisunique AND NOT i.indisprimary AND t.relname IN ",
    );
    list.push_in_list(tables.iter().map(|table| table.to_string())).push(" ORDER BY c.relname");
    let mut deferred = Vec::new();
    for row in tx.query_all_raw(list.build(Backend::Postgres)).await? {
        let name: String = row.try_get("", "name")?;
        let sql: String = row.try_get("", "sql")?;
        tx.execute_unprepared(&format!("DROP INDEX {}", quote(&name))).await?;
        deferred.push(sql);
    }
    Ok(deferred)
}

impl Drop for SearchBuild {
    fn drop(&mut self) {
        remove_scratch(&self.path);
    }
}

fn remove_scratch(path: &Path) {
    let _ = std::fs::remove_file(path);
}

/// Double-quotes an SQL identifier.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The statements inserting `values`, `columns.len()` per row.
fn insert_statements(
    backend: Backend,
    table: &str,
    columns: &[&str],
    values: Vec<Value>,
) -> Result<Vec<Statement>, StoreError> {
    let width = columns.len();
    let mut statements = Vec::new();
    match backend {
        // SQLite: the rows travel as one JSON array of arrays bound to a
        // single parameter and unpacked by `jsonb_each`; binding hundreds of
        // thousands of separate values costs more than SQLite's own insert.
        Backend::Sqlite => {
            let columns: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
            for chunk in values.chunks(JSON_ROWS_PER_STATEMENT * width) {
                let (statement, document) = json_insert(table, &columns, chunk)?;
                statements.push(Sql::with(statement, document).build(backend));
            }
        }
        // PostgreSQL: multi-row `INSERT … VALUES` with bound values.
        Backend::Postgres => {
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
                statements.push(sql.build(backend));
            }
        }
    }
    Ok(statements)
}

/// Rows per statement when they travel as one JSON document.
const JSON_ROWS_PER_STATEMENT: usize = 20_000;

/// An SQLite `INSERT … SELECT … FROM json_each(?)` and its JSON document
/// (an array of row arrays) for flat `values`, `columns.len()` per row.
fn json_insert(table: &str, columns: &[String], values: &[Value]) -> Result<(String, String), StoreError> {
    let width = columns.len();
    let picks: Vec<String> = (0..width).map(|n| format!("j.value ->> {n}")).collect();
    let statement =
        format!("INSERT INTO {table} ({}) SELECT {} FROM jsonb_each(?) AS j", columns.join(", "), picks.join(", "));
    let mut document = String::with_capacity(values.len() * 16 + 2);
    document.push('[');
    for (n, row) in values.chunks(width).enumerate() {
        if n > 0 {
            document.push(',');
        }
        document.push('[');
        for (m, value) in row.iter().enumerate() {
            if m > 0 {
                document.push(',');
            }
            push_json(&mut document, value)?;
        }
        document.push(']');
    }
    document.push(']');
    Ok((statement, document))
}

/// Appends a value as JSON: numbers, booleans as 1/0, strings, null.
fn push_json(document: &mut String, value: &Value) -> Result<(), StoreError> {
    use std::fmt::Write;
    let written = match value {
        Value::BigInt(Some(n)) => write!(document, "{n}"),
        Value::Int(Some(n)) => write!(document, "{n}"),
        Value::Bool(Some(b)) => write!(document, "{}", u8::from(*b)),
        Value::String(Some(text)) => {
            let quoted = serde_json::to_string(text.as_str()).map_err(|err| StoreError::Internal(err.to_string()))?;
            document.push_str(&quoted);
            Ok(())
        }
        Value::BigInt(None) | Value::Int(None) | Value::Bool(None) | Value::String(None) => {
            document.push_str("null");
            Ok(())
        }
        other => return Err(StoreError::Internal(format!("bulk load cannot carry {other:?}"))),
    };
    written.map_err(|err| StoreError::Internal(err.to_string()))
}

/// Creates the scratch file with the same FTS5 tables as the database,
/// attaches it to the load's connection, and starts the task filling it.
/// The FTS5 tables indexing any of `tables`: their names and definitions.
async fn search_definitions(db: &DatabaseConnection, tables: &[&str]) -> Result<Vec<(String, String)>, StoreError> {
    let rows = db
        .query_all_raw(
            Sql::new(
                "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%fts5%'",
            )
            .build(Backend::Sqlite),
        )
        .await?;
    let mut found = Vec::new();
    for row in rows {
        let name: String = row.try_get("", "name")?;
        let sql: String = row.try_get("", "sql")?;
        if content_table(&sql).is_some_and(|content| tables.contains(&content.as_str())) {
            found.push((name, sql));
        }
    }
    Ok(found)
}

async fn start_search_build(db: &DatabaseConnection, path: &Path, tables: &[&str]) -> Result<SearchBuild, StoreError> {
    let mut indexes = Vec::new();
    let mut definitions = Vec::new();
    for (name, sql) in search_definitions(db, tables).await? {
        let Some(content) = content_table(&sql) else { continue };
        let info = db
            .query_all_raw(
                Sql::new(format!("SELECT name FROM pragma_table_info('{}')", name.replace('\'', "''")))
                    .build(Backend::Sqlite),
            )
            .await?;
        let columns = info.iter().map(|column| column.try_get::<String>("", "name")).collect::<Result<Vec<_>, _>>()?;
        indexes.push(SearchIndex { name, content, columns });
        definitions.push(sql);
    }
    let mut scratch_name = path.as_os_str().to_owned();
    scratch_name.push(".search-build");
    let scratch = PathBuf::from(scratch_name);
    remove_scratch(&scratch);
    let (builder, _) = connect::connect(&DatabaseTarget::Sqlite { path: scratch.clone() }, Mode::Bulk).await?;
    for sql in &definitions {
        builder.execute_unprepared(sql).await?;
    }
    let mut attach = Sql::new("ATTACH DATABASE ");
    attach.bind(scratch.to_string_lossy().into_owned()).push(&format!(" AS {SCRATCH_SCHEMA}"));
    db.execute_raw(attach.build(Backend::Sqlite)).await?;

    let (sender, mut receiver) = mpsc::unbounded_channel::<SearchBatch>();
    let (start, started) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        // Wait until every row is written: while rows are generated and
        // written both cores are busy, while the indexes are rebuilt one
        // is idle.  The queued rows wait in memory meanwhile.
        let _ = started.await;
        let tx = builder.begin().await?;
        tx.execute_unprepared("PRAGMA cache_size = -1048576").await?;
        while let Some((statement, document)) = receiver.recv().await {
            tx.execute_raw(Sql::with(statement, document).build(Backend::Sqlite)).await?;
        }
        tx.commit().await?;
        builder.close().await?;
        tracing::info!("search indexes built");
        Ok(())
    });
    Ok(SearchBuild { path: scratch, indexes, sender: Some(sender), start: Some(start), task: Some(task) })
}

/// The `content = '…'` table of an FTS5 definition.
fn content_table(definition: &str) -> Option<String> {
    let mut rest = definition;
    while let Some(at) = rest.find("content") {
        let after = rest[at + "content".len()..].trim_start();
        if let Some(value) = after.strip_prefix('=') {
            let value = value.trim_start();
            let quote = value.chars().next()?;
            if quote == '\'' || quote == '"' {
                let inner = &value[1..];
                return inner.find(quote).map(|end| inner[..end].to_owned());
            }
        }
        rest = &rest[at + "content".len()..];
    }
    None
}

#[cfg(test)]
mod tests {
    use super::content_table;

    #[test]
    fn finds_the_content_table() {
        let sql = "CREATE VIRTUAL TABLE clients_search USING fts5(\n first_name,\n content = 'clients', content_rowid = 'id',\n tokenize = 'trigram remove_diacritics 1'\n)";
        assert_eq!(content_table(sql).as_deref(), Some("clients"));
        assert_eq!(content_table("CREATE VIRTUAL TABLE t USING fts5(a)"), None);
    }
}
