//! PostgreSQL team mode: logins and tokens inside the database, row-level
//! security on every table, audit entries written by triggers.  Nothing
//! changes on SQLite, where the application is the authority.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend, Statement};

use crate::{grant_app_roles, run_script};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000005_team_mode"
    }
}

/// The value of a one-column query, as text.
async fn text(manager: &SchemaManager<'_>, sql: &str) -> Result<Option<String>, DbErr> {
    let db = manager.get_connection();
    let row = db.query_one_raw(Statement::from_string(DatabaseBackend::Postgres, sql.to_owned())).await?;
    match row {
        Some(row) => row.try_get::<Option<String>>("", "value"),
        None => Ok(None),
    }
}

/// Fills the script's placeholders: the schema it runs in, the role that
/// will own everything (whoever runs the migration: the owner role in team
/// mode, see `epic-crm db init-roles`), and where pgcrypto lives.
async fn team_mode_script(manager: &SchemaManager<'_>, script: &str) -> Result<String, DbErr> {
    let db = manager.get_connection();
    db.execute_unprepared("CREATE EXTENSION IF NOT EXISTS pgcrypto").await?;
    let schema = text(manager, "SELECT quote_ident(current_schema()) AS value").await?;
    let owner = text(manager, "SELECT quote_ident(current_user) AS value").await?;
    let pgcrypto = text(
        manager,
        "SELECT quote_ident(n.nspname) AS value FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace \
         WHERE e.extname = 'pgcrypto'",
    )
    .await?;
    let (Some(schema), Some(owner), Some(pgcrypto)) = (schema, owner, pgcrypto) else {
        return Err(DbErr::Migration("cannot tell the schema, the owner or where pgcrypto is".into()));
    };
    // The owner also appears inside a quoted format string of a DO block.
    Ok(script
        .replace("{{schema}}", &schema)
        .replace("{{owner}}", &owner.replace('\'', "''"))
        .replace("{{pgcrypto}}", &pgcrypto))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DatabaseBackend::Sqlite => Ok(()),
            DatabaseBackend::Postgres => {
                let script = team_mode_script(manager, include_str!("sql/0005_team_mode.postgres.sql")).await?;
                run_script(manager, &script).await?;
                // The application's role is whoever `epic-crm db init-roles`
                // let into the schema.
                grant_app_roles(manager).await
            }
            other => Err(DbErr::Migration(format!("unsupported database backend {other:?}"))),
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DatabaseBackend::Sqlite => Ok(()),
            DatabaseBackend::Postgres => {
                run_script(manager, include_str!("sql/0005_team_mode.postgres.down.sql")).await
            }
            other => Err(DbErr::Migration(format!("unsupported database backend {other:?}"))),
        }
    }
}
