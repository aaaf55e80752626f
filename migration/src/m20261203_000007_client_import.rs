//! PostgreSQL: MANAGEMENT's import of clients for a salesperson, through an
//! owner-run function that checks the session (`clients import --sales`).
//! Nothing changes on SQLite.

use sea_orm_migration::prelude::*;

use crate::{postgres_down_script, postgres_grants_script};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000007_client_import"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        postgres_grants_script(manager, include_str!("sql/0007_client_import.postgres.sql")).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        postgres_down_script(manager, include_str!("sql/0007_client_import.postgres.down.sql")).await
    }
}
