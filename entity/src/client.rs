//! Entity for the `clients` table: a client company contact followed by a salesperson.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A client company contact followed by a salesperson.  Its serde form is
/// the export bundle's line (field order is the canonical key order); a
/// key the bundle does not know is refused.
#[derive(Clone, Debug, Default, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "clients")]
#[serde(deny_unknown_fields)]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = true)]
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub company_name: Option<String>,
    pub sales_contact_id: Option<i64>,
    /// First contact, UTC epoch milliseconds.
    #[serde(with = "crate::wire::time")]
    pub created_at: i64,
    /// UTC epoch milliseconds.
    #[serde(with = "crate::wire::time")]
    pub updated_at: i64,
    /// UTC epoch milliseconds.
    #[serde(with = "crate::wire::time::optional", default)]
    pub last_contact_at: Option<i64>,
    /// Optimistic-concurrency version.
    pub version: i64,
}

/// No relations are navigated through the ORM; queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
