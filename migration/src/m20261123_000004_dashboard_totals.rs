//! Running totals for the home dashboard: contracts per sales contact, events per day, kept by triggers.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

use crate::run_script;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000004_dashboard_totals"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DatabaseBackend::Sqlite => run_script(manager, include_str!("sql/0004_dashboard_totals.sqlite.sql")).await,
            DatabaseBackend::Postgres => {
                run_script(manager, include_str!("sql/0004_dashboard_totals.postgres.sql")).await
            }
            other => Err(DbErr::Migration(format!("unsupported database backend {other:?}"))),
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DatabaseBackend::Sqlite => {
                run_script(manager, include_str!("sql/0004_dashboard_totals.sqlite.down.sql")).await
            }
            DatabaseBackend::Postgres => {
                run_script(manager, include_str!("sql/0004_dashboard_totals.postgres.down.sql")).await
            }
            other => Err(DbErr::Migration(format!("unsupported database backend {other:?}"))),
        }
    }
}
