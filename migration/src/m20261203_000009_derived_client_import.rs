//! PostgreSQL: MANAGEMENT's client import takes every client column the
//! rows give, so a new client field needs no new version of it.  Nothing
//! changes on SQLite.

use sea_orm_migration::prelude::*;

use crate::postgres_script;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000009_derived_client_import"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Same signature: the app roles keep their EXECUTE grant.
        postgres_script(manager, include_str!("sql/0009_derived_client_import.postgres.sql")).await.map(|_| ())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        postgres_script(manager, include_str!("sql/0009_derived_client_import.postgres.down.sql")).await.map(|_| ())
    }
}
