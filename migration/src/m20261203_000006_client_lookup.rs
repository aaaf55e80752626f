//! PostgreSQL: client lookups by email that can use the lower(email) index
//! for the application's role (imports' duplicate checks).  Nothing
//! changes on SQLite.

use sea_orm_migration::prelude::*;

use crate::{postgres_down_script, postgres_grants_script};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000006_client_lookup"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        postgres_grants_script(manager, include_str!("sql/0006_client_lookup.postgres.sql")).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        postgres_down_script(manager, include_str!("sql/0006_client_lookup.postgres.down.sql")).await
    }
}
