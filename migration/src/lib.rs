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
