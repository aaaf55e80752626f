//! Entity for the `contracts` table: a contract with a client; money in integer cents.

use sea_orm::entity::prelude::*;

/// A contract with a client; money in integer cents.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contracts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = true)]
    pub id: i64,
    pub client_id: i64,
    /// Always the client's sales contact (enforced by a foreign key).
    pub sales_contact_id: Option<i64>,
    pub total_cents: i64,
    pub due_cents: i64,
    pub signed: bool,
    /// UTC epoch milliseconds.
    pub signed_at: Option<i64>,
    pub signed_by_id: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    /// Optimistic-concurrency version.
    pub version: i64,
}

/// No relations are navigated through the ORM; queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
