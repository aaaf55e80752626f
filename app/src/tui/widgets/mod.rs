//! Reusable pieces of screens: forms, record details, the tab and status
//! bars.

pub mod detail;
pub mod form;
pub mod status;
