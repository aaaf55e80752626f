//! PostgreSQL: client lookups by email that can use the lower(email) index
//! for the application's role (imports' duplicate checks).  Nothing
//! changes on SQLite.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend, Statement};

use crate::run_script;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000006_client_lookup"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        let schema = db
            .query_one_raw(Statement::from_string(
                DatabaseBackend::Postgres,
                "SELECT quote_ident(current_schema()) AS value",
            ))
            .await?
            .map(|row| row.try_get::<String>("", "value"))
            .transpose()?
            .ok_or_else(|| DbErr::Migration("cannot tell the current schema".into()))?;
        let script = include_str!("sql/0006_client_lookup.postgres.sql").replace("{{schema}}", &schema);
        run_script(manager, &script).await?;
        // App roles let in before this migration get the new grant now.
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

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                run_script(manager, include_str!("sql/0006_client_lookup.postgres.down.sql")).await
            }
            _ => Ok(()),
        }
    }
}
