//! Entity for the `credentials` table as PostgreSQL team mode shapes it
//! (migration 0005): the salt and argon2 costs the client derives its key
//! with, and the SHA-256 of that key.  Only the owner's checked functions
//! read or write it; the entity exists so the schema-drift test knows the
//! table's columns on that backend (SQLite keeps [`crate::credential`]).

use sea_orm::entity::prelude::*;

/// An employee's password verifier in team mode.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "credentials")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub employee_id: i64,
    /// The argon2id salt.
    pub salt: Vec<u8>,
    /// argon2id memory cost (KiB).
    pub m_cost: i32,
    /// argon2id iterations.
    pub t_cost: i32,
    /// argon2id parallelism.
    pub p_cost: i32,
    /// SHA-256 of the client-derived key.
    pub verifier: Vec<u8>,
    /// UTC epoch milliseconds.
    pub updated_at: i64,
}

/// No relations are navigated through the ORM; queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
