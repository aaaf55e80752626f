//! Pure rules of the CRM: departments, money, times, validation, and the
//! permission policy.  Depends on nothing
//! but std and small crates.

pub mod department;
pub mod email;
pub mod money;
pub mod policy;
pub mod time;
pub mod validation;

pub use department::Department;
pub use email::Email;
pub use money::Money;
