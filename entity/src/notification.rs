//! Entity for the `notifications` table: something an employee should know about, with its read state.

use sea_orm::entity::prelude::*;

/// Something an employee should know about, with its read state.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = true)]
    pub id: i64,
    pub recipient_id: i64,
    pub at: i64,
    pub kind: String,
    pub record_kind: String,
    pub record_id: Option<i64>,
    pub message: String,
    pub read_at: Option<i64>,
}

/// No relations are navigated through the ORM; queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
