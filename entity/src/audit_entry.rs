//! Entity for the `audit_entries` table: one write recorded in the audit trail; actor kept as written.

use sea_orm::entity::prelude::*;

/// One write recorded in the audit trail; actor kept as written.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = true)]
    pub id: i64,
    /// UTC epoch milliseconds.
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    /// For example `client.create`.
    pub action: String,
    pub record_kind: String,
    pub record_id: Option<i64>,
    /// JSON object of changed fields, before and after (never secrets).
    pub changes: String,
}

/// No relations are navigated through the ORM; queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
