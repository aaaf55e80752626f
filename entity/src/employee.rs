//! Entity for the `employees` table: an employee of Epic Events.

use sea_orm::entity::prelude::*;

/// An employee of Epic Events.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "employees")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = true)]
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub department_id: i32,
    pub active: bool,
    /// UTC epoch milliseconds.
    pub deactivated_at: Option<i64>,
    pub must_change_password: bool,
    /// UTC epoch milliseconds.
    pub created_at: i64,
    /// UTC epoch milliseconds.
    pub updated_at: i64,
    /// Optimistic-concurrency version, bumped by every update.
    pub version: i64,
}

/// No relations are navigated through the ORM; queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
