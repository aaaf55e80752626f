//! Use cases: the only layer the command line and the terminal application
//! call.  Each opens the database it needs and returns plain results.

pub mod accounts;
pub mod bench;
pub mod database;
pub mod demo;
