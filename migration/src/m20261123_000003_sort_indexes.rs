//! Indexes for sorting by the remaining columns the lists show (phone, contract state, event end).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

use crate::run_script;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000003_sort_indexes"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DatabaseBackend::Sqlite => run_script(manager, include_str!("sql/0003_sort_indexes.sqlite.sql")).await,
            DatabaseBackend::Postgres => run_script(manager, include_str!("sql/0003_sort_indexes.postgres.sql")).await,
            other => Err(DbErr::Migration(format!("unsupported database backend {other:?}"))),
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DatabaseBackend::Sqlite => run_script(manager, include_str!("sql/0003_sort_indexes.sqlite.down.sql")).await,
            DatabaseBackend::Postgres => {
                run_script(manager, include_str!("sql/0003_sort_indexes.postgres.down.sql")).await
            }
            other => Err(DbErr::Migration(format!("unsupported database backend {other:?}"))),
        }
    }
}
