//! Schema migrations of Epic Events CRM, one file per change, for SQLite and
//! PostgreSQL.  A migration is never edited once it has landed.

pub use sea_orm_migration::MigrationStatus;
pub use sea_orm_migration::prelude::*;

mod m20261123_000001_schema;
mod m20261123_000002_login_attempts;
mod m20261123_000003_sort_indexes;
mod m20261123_000004_dashboard_totals;
mod m20261202_000005_team_mode;
mod m20261203_000006_client_lookup;
mod m20261203_000007_client_import;
mod m20261203_000008_audit_by_statement;
mod m20261203_000009_derived_client_import;

/// The ordered list of every migration of the CRM.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_schema::Migration),
            Box::new(m20261123_000002_login_attempts::Migration),
            Box::new(m20261123_000003_sort_indexes::Migration),
            Box::new(m20261123_000004_dashboard_totals::Migration),
            Box::new(m20261202_000005_team_mode::Migration),
            Box::new(m20261203_000006_client_lookup::Migration),
            Box::new(m20261203_000007_client_import::Migration),
            Box::new(m20261203_000008_audit_by_statement::Migration),
            Box::new(m20261203_000009_derived_client_import::Migration),
        ]
    }
}

/// Runs a script of `;`-separated statements for the connected backend.
///
/// SQLite trigger bodies and PostgreSQL `$$`-quoted function bodies contain
/// `;` too, so statements are split only at a `;` that ends a line outside
/// a `… BEGIN` / `END;` block and outside `$$` quotes.
pub(crate) async fn run_script(manager: &SchemaManager<'_>, script: &str) -> Result<(), DbErr> {
    let db = manager.get_connection();
    for statement in split_statements(script) {
        db.execute_unprepared(&statement).await?;
    }
    Ok(())
}

/// The quoted name of the schema the migration runs in (PostgreSQL), for
/// the scripts' `{{schema}}` placeholder.
pub(crate) async fn current_schema(manager: &SchemaManager<'_>) -> Result<String, DbErr> {
    use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
    manager
        .get_connection()
        .query_one_raw(Statement::from_string(
            DatabaseBackend::Postgres,
            "SELECT quote_ident(current_schema()) AS value",
        ))
        .await?
        .map(|row| row.try_get::<String>("", "value"))
        .transpose()?
        .ok_or_else(|| DbErr::Migration("cannot tell the current schema".into()))
}

/// Grants (again) every application role what `crm_grant_app` gives, after
/// a migration that adds to it: the roles `epic-crm db init-roles` let into
/// the schema (USAGE, not owning it).  A single-role setup has none.
pub(crate) async fn grant_app_roles(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
    let db = manager.get_connection();
    let apps = db
        .query_all_raw(Statement::from_string(
            DatabaseBackend::Postgres,
            "SELECT r.rolname::text AS value FROM pg_namespace n CROSS JOIN aclexplode(n.nspacl) a \
             JOIN pg_roles r ON r.oid = a.grantee \
             WHERE n.nspname = current_schema() AND a.privilege_type = 'USAGE' AND a.grantee <> n.nspowner",
        ))
        .await?;
    for row in apps {
        let app: String = row.try_get("", "value")?;
        db.execute_raw(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT crm_grant_app($1::name)",
            [app.into()],
        ))
        .await?;
    }
    Ok(())
}

/// Runs a PostgreSQL-only script with its `{{schema}}` placeholder filled;
/// nothing happens on SQLite.  Whether it ran.
pub(crate) async fn postgres_script(manager: &SchemaManager<'_>, script: &str) -> Result<bool, DbErr> {
    if manager.get_database_backend() != sea_orm_migration::sea_orm::DatabaseBackend::Postgres {
        return Ok(false);
    }
    let schema = current_schema(manager).await?;
    run_script(manager, &script.replace("{{schema}}", &schema)).await?;
    Ok(true)
}

/// [`postgres_script`] for a script that adds to `crm_grant_app`: app roles
/// let in before the migration get the new grants at once.
pub(crate) async fn postgres_grants_script(manager: &SchemaManager<'_>, script: &str) -> Result<(), DbErr> {
    if postgres_script(manager, script).await? {
        grant_app_roles(manager).await?;
    }
    Ok(())
}

/// Undoes a PostgreSQL-only script; nothing happens on SQLite.
pub(crate) async fn postgres_down_script(manager: &SchemaManager<'_>, script: &str) -> Result<(), DbErr> {
    match manager.get_database_backend() {
        sea_orm_migration::sea_orm::DatabaseBackend::Postgres => run_script(manager, script).await,
        _ => Ok(()),
    }
}

fn split_statements(script: &str) -> Vec<String> {
    let mut statements = Vec::new();
    let mut current = String::new();
    let mut in_block = false;
    let mut in_dollars = false;
    for line in script.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("--") || trimmed.is_empty() {
            continue;
        }
        current.push_str(line);
        current.push('\n');
        if line.matches("$$").count() % 2 == 1 {
            in_dollars = !in_dollars;
            if in_dollars {
                continue;
            }
        }
        if in_dollars {
            continue;
        }
        let upper = trimmed.to_ascii_uppercase();
        // A SQLite trigger body opens with BEGIN at the end of a line (a
        // PostgreSQL CREATE TRIGGER has no body: it ends at its `;`).
        if upper.ends_with(" BEGIN") {
            in_block = true;
        }
        if in_block {
            if upper == "END;" {
                in_block = false;
                statements.push(std::mem::take(&mut current));
            }
        } else if trimmed.ends_with(';') {
            statements.push(std::mem::take(&mut current));
        }
    }
    if !current.trim().is_empty() {
        statements.push(current);
    }
    statements
}

#[cfg(test)]
mod tests {
    use super::split_statements;

    #[test]
    fn dollar_quoted_bodies_and_postgres_triggers_stay_whole() {
        let script = "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n    UPDATE t SET x = 1;\n    RETURN NULL;\nEND;\n$$;\nCREATE TRIGGER g AFTER INSERT ON a\n    FOR EACH ROW EXECUTE FUNCTION f();\nCREATE INDEX i ON a (x);\n";
        let statements = split_statements(script);
        assert_eq!(statements.len(), 3, "{statements:#?}");
        assert!(statements[0].trim_end().ends_with("$$;"));
        assert!(statements[1].contains("EXECUTE FUNCTION f();"));
    }

    #[test]
    fn trigger_bodies_stay_whole() {
        let script = "CREATE TABLE a (x INTEGER);\n-- note\nCREATE TRIGGER t AFTER INSERT ON a BEGIN\n    INSERT INTO b VALUES (1);\n    INSERT INTO b VALUES (2);\nEND;\nCREATE INDEX i ON a (x);\n";
        let statements = split_statements(script);
        assert_eq!(statements.len(), 3);
        assert!(statements[1].contains("VALUES (2)"));
        assert!(statements[1].trim_end().ends_with("END;"));
    }
}
