//! PostgreSQL: new clients, contracts and events audited once per statement
//! (one token verification for a whole import), changes still row by row.
//! Nothing changes on SQLite.

use sea_orm_migration::prelude::*;

use crate::{postgres_down_script, postgres_script};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000008_audit_by_statement"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Nothing for the app roles: the triggers run as the owner.
        postgres_script(manager, include_str!("sql/0008_audit_by_statement.postgres.sql")).await.map(|_| ())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        postgres_down_script(manager, include_str!("sql/0008_audit_by_statement.postgres.down.sql")).await
    }
}
