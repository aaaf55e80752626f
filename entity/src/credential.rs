//! Entity for the `credentials` table: an employee's password verifier, kept apart so PostgreSQL can hide it.

use sea_orm::entity::prelude::*;

/// An employee's password verifier, kept apart so PostgreSQL can hide it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "credentials")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub employee_id: i64,
    /// argon2id PHC string.
    pub password_hash: String,
    /// UTC epoch milliseconds.
    pub updated_at: i64,
}

/// No relations are navigated through the ORM; queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
