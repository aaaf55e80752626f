//! SeaORM entities of Epic Events CRM: one module per table, no business logic.
//! Times are UTC epoch milliseconds; money is integer cents.  Models that
//! travel in export bundles derive serde in the bundle's form (`wire`).

pub mod audit_entry;
pub mod client;
pub mod contract;
pub mod credential;
pub mod department;
pub mod employee;
pub mod event;
pub mod login_attempt;
pub mod notification;
pub mod session;
pub mod team_credential;
pub mod wire;
