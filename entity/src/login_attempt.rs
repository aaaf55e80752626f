//! Entity for the `login_attempts` table: consecutive failed logins per email address.

use sea_orm::entity::prelude::*;

/// Consecutive failed logins for one email address, known or not.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "login_attempts")]
pub struct Model {
    /// SHA-256 (hex) of the lower-cased email address.
    #[sea_orm(primary_key, auto_increment = false)]
    pub email_key: String,
    /// Failures since the last successful login.
    pub failures: i32,
    /// UTC epoch milliseconds.
    pub last_failure_at: i64,
    /// Until when logins are refused (UTC epoch milliseconds), if locked.
    pub locked_until: Option<i64>,
}

/// No relations are navigated through the ORM; queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
