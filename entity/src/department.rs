//! Entity for the `departments` table: a department employees belong to (MANAGEMENT, SALES, SUPPORT): data, not hard-coded strings.

use sea_orm::entity::prelude::*;

/// A department employees belong to (MANAGEMENT, SALES, SUPPORT): data, not hard-coded strings.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "departments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    pub code: String,
    pub name: String,
}

/// No relations are navigated through the ORM; queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
