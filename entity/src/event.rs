//! Entity for the `events` table: an event organised for a signed contract.

use sea_orm::entity::prelude::*;

/// An event organised for a signed contract.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = true)]
    pub id: i64,
    pub name: String,
    pub contract_id: i64,
    pub support_contact_id: Option<i64>,
    /// UTC epoch milliseconds.
    pub start_at: i64,
    /// UTC epoch milliseconds.
    pub end_at: i64,
    pub location: Option<String>,
    pub attendees: i32,
    pub notes: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// Optimistic-concurrency version.
    pub version: i64,
}

/// No relations are navigated through the ORM; queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
