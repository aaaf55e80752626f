//! Schema drift is caught here, not by reviewers: the entities name exactly
//! the columns each table has, on both backends; on PostgreSQL every column
//! is covered by the app role's grants, by the audit document and (for
//! clients) by the guard that keeps MANAGEMENT to reassigning.  A field
//! added to a migration and forgotten in one of those places fails one of
//! these tests, naming the column.  The "adding a field" recipe in
//! docs/adding-a-field.md lists what to touch.

mod common;

use std::collections::BTreeSet;

use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, EntityTrait, IdenStatic, Iterable, Statement};

/// An entity's table and the columns it declares.
fn declared<E: EntityTrait>() -> (&'static str, BTreeSet<String>) {
    let table = E::default().table_name();
    (table, <E::Column as Iterable>::iter().map(|column| column.as_str().to_owned()).collect())
}

/// The columns `table` has in the live database.
async fn live_columns(raw: &DatabaseConnection, table: &str) -> BTreeSet<String> {
    let backend = raw.get_database_backend();
    let sql = match backend {
        DatabaseBackend::Sqlite => format!("SELECT name FROM pragma_table_info('{table}')"),
        _ => format!(
            "SELECT column_name::text AS name FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = '{table}'"
        ),
    };
    let rows = raw.query_all_raw(Statement::from_string(backend, sql)).await.expect("read the columns");
    rows.iter().map(|row| row.try_get::<String>("", "name").expect("a column name")).collect()
}

/// Every table the entities describe on `backend`, with its declared
/// columns (team mode keeps a verifier instead of a password hash).
fn entities(backend: DatabaseBackend) -> Vec<(&'static str, BTreeSet<String>)> {
    use entity::*;
    vec![
        declared::<audit_entry::Entity>(),
        declared::<client::Entity>(),
        declared::<contract::Entity>(),
        match backend {
            DatabaseBackend::Sqlite => declared::<credential::Entity>(),
            _ => declared::<team_credential::Entity>(),
        },
        declared::<department::Entity>(),
        declared::<employee::Entity>(),
        declared::<event::Entity>(),
        declared::<login_attempt::Entity>(),
        declared::<notification::Entity>(),
        declared::<session::Entity>(),
    ]
}

on_both_backends!(entity_columns_are_the_live_columns, async |db: &common::TestDb| {
    let raw = db.raw().await;
    for (table, columns) in entities(raw.get_database_backend()) {
        let live = live_columns(&raw, table).await;
        assert!(!live.is_empty(), "table {table} exists");
        let undeclared: Vec<_> = live.difference(&columns).collect();
        let missing: Vec<_> = columns.difference(&live).collect();
        assert!(
            undeclared.is_empty() && missing.is_empty(),
            "{table}: columns in the database but not in the entity: {undeclared:?}; in the entity but not in the database: {missing:?}"
        );
    }
});

on_both_backends!(an_export_bundle_carries_every_column, async |db: &common::TestDb| {
    use epic_crm::services::transfer::Table;
    let raw = db.raw().await;
    let backend = db.store().await.backend();
    for table in Table::ALL {
        let carried: BTreeSet<String> = table.columns(backend).iter().map(|column| (*column).to_owned()).collect();
        let live = live_columns(&raw, table.name()).await;
        let left_out: Vec<_> = live.difference(&carried).collect();
        let unknown: Vec<_> = carried.difference(&live).collect();
        assert!(
            left_out.is_empty() && unknown.is_empty(),
            "{}: a bundle leaves out {left_out:?} and names {unknown:?} (store/transfer.rs)",
            table.name()
        );
    }
});

/// The indexes the declared sort fields name (`Sort::Index`).
fn sort_indexes() -> Vec<(&'static str, &'static str, &'static str)> {
    use epic_crm::services::kinds::{self, Kind, Sort};
    fn of<R>(kind: &Kind<R>) -> Vec<(&'static str, &'static str, &'static str)> {
        kind.fields
            .iter()
            .filter_map(|field| match field.sort {
                Sort::Index(index) => Some((kind.title, field.name, index)),
                Sort::No | Sort::Key | Sort::Scan => None,
            })
            .collect()
    }
    [
        of(&kinds::CLIENT),
        of(&kinds::CONTRACT),
        of(&kinds::EVENT),
        of(&kinds::EMPLOYEE),
        of(&kinds::AUDIT),
        of(&kinds::NOTIFICATION),
    ]
    .concat()
}

on_both_backends!(every_declared_sort_index_exists, async |db: &common::TestDb| {
    let raw = db.raw().await;
    let backend = raw.get_database_backend();
    let sql = match backend {
        DatabaseBackend::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'index'".to_owned(),
        _ => "SELECT indexname::text AS name FROM pg_indexes WHERE schemaname = current_schema()".to_owned(),
    };
    let rows = raw.query_all_raw(Statement::from_string(backend, sql)).await.expect("read the indexes");
    let indexes: BTreeSet<String> = rows.iter().map(|row| row.try_get::<String>("", "name").expect("a name")).collect();
    for (kind, field, index) in sort_indexes() {
        assert!(indexes.contains(index), "{kind}: sorting by {field} is declared to use {index}, which does not exist");
    }
});

/// The columns of `table` the role `app` lacks `privilege` on, of those not
/// in `except`.
async fn ungranted(raw: &DatabaseConnection, app: &str, table: &str, privilege: &str, except: &[&str]) -> Vec<String> {
    let mut missing = Vec::new();
    for column in live_columns(raw, table).await {
        if except.contains(&column.as_str()) {
            continue;
        }
        let sql = format!(
            "SELECT has_column_privilege('{app}', format('%I.%I', current_schema(), '{table}'), '{column}', '{privilege}') AS ok"
        );
        let row = raw
            .query_one_raw(Statement::from_string(DatabaseBackend::Postgres, sql))
            .await
            .expect("ask for the privilege")
            .expect("one row");
        if !row.try_get::<bool>("", "ok").expect("a boolean") {
            missing.push(column);
        }
    }
    missing
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_every_column_is_granted_audited_and_guarded() {
    let Some(team) = common::TeamDb::new("postgres_every_column_is_granted_audited_and_guarded", 3).await else {
        return;
    };
    let raw = team.raw_admin().await;
    let app = team.names.app.clone();

    // Grants: what the app role may read and write, column by column.  The
    // exceptions are the columns nobody writes directly (ids, creation
    // times and parents that never change, what functions write).
    let rules: [(&str, &str, &[&str]); 12] = [
        ("clients", "SELECT", &[]),
        ("clients", "INSERT", &["id"]),
        ("clients", "UPDATE", &["id", "created_at"]),
        ("contracts", "SELECT", &[]),
        ("contracts", "INSERT", &["id"]),
        ("contracts", "UPDATE", &["id", "client_id", "created_at"]),
        ("events", "SELECT", &[]),
        ("events", "INSERT", &["id"]),
        ("events", "UPDATE", &["id", "contract_id", "created_at"]),
        ("employees", "SELECT", &[]),
        // Employees are created and their passwords reset by functions.
        ("employees", "UPDATE", &["id", "created_at", "must_change_password"]),
        ("notifications", "INSERT", &["id", "read_at"]),
    ];
    for (table, privilege, except) in rules {
        let missing = ungranted(&raw, &app, table, privilege, except).await;
        assert!(missing.is_empty(), "the app role lacks {privilege} on {table}: {missing:?} (crm_grant_app)");
    }
    // Secrets stay out of reach, whatever columns they gain.
    for table in ["credentials", "sessions", "login_attempts", "auth_settings"] {
        let readable = live_columns(&raw, table).await.len() - ungranted(&raw, &app, table, "SELECT", &[]).await.len();
        assert_eq!(readable, 0, "the app role reads none of {table}");
    }

    // The audit document: every column of an audited record appears in it
    // (under the name the command line prints), except bookkeeping.
    let audited: [(&str, &str, &[&str]); 4] = [
        ("employee", "employees", &["updated_at", "version", "deactivated_at"]),
        ("client", "clients", &["updated_at", "version"]),
        ("contract", "contracts", &["updated_at", "version"]),
        ("event", "events", &["updated_at", "version"]),
    ];
    let printed = |column: &str| match column {
        "total_cents" => "total_amount".to_owned(),
        "due_cents" => "amount_due".to_owned(),
        "department_id" => "department".to_owned(),
        other => other.to_owned(),
    };
    for (kind, table, except) in audited {
        let sql = format!("SELECT crm_audit_doc('{kind}', to_jsonb(t))::text AS doc FROM {table} t LIMIT 1");
        let row = raw
            .query_one_raw(Statement::from_string(DatabaseBackend::Postgres, sql))
            .await
            .expect("build an audit document")
            .unwrap_or_else(|| panic!("a seeded row of {table}"));
        let doc: serde_json::Value =
            serde_json::from_str(&row.try_get::<String>("", "doc").expect("the document")).expect("JSON");
        let keys: BTreeSet<String> = doc.as_object().expect("an object").keys().cloned().collect();
        let expected: BTreeSet<String> = live_columns(&raw, table)
            .await
            .into_iter()
            .filter(|column| !except.contains(&column.as_str()))
            .map(|column| printed(&column))
            .collect();
        let unaudited: Vec<_> = expected.difference(&keys).collect();
        assert!(unaudited.is_empty(), "the audit of a {kind} leaves out {unaudited:?} (crm_audit_doc)");
    }

    // The client guard names every column MANAGEMENT may not change (all
    // but the sales contact and the bookkeeping).
    let row = raw
        .query_one_raw(Statement::from_string(
            DatabaseBackend::Postgres,
            "SELECT pg_get_functiondef('crm_guard_client'::regproc) AS body".to_owned(),
        ))
        .await
        .expect("read the guard")
        .expect("one row");
    let body = row.try_get::<String>("", "body").expect("its text");
    let unguarded: Vec<String> = live_columns(&raw, "clients")
        .await
        .into_iter()
        .filter(|column| !["id", "sales_contact_id", "updated_at", "version"].contains(&column.as_str()))
        .filter(|column| !body.contains(&format!("NEW.{column}")))
        .collect();
    assert!(unguarded.is_empty(), "MANAGEMENT could change a client's {unguarded:?} (crm_guard_client)");
    raw.close().await.ok();
    team.finish().await;
}
