//! Epic Events CRM: a keyboard-first terminal CRM for an event-organising
//! company.  Layers depend one way: `cli` → `services` → `domain`, `store`, `auth`.

pub mod auth;
pub mod cli;
pub mod config;
pub mod domain;
pub mod error;
pub mod services;
pub mod store;
pub mod telemetry;
pub mod text;
pub mod tui;
