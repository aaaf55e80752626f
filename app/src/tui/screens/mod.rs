//! The screens: the gates before the tabs (login, bootstrap, password
//! change), the main screen's tabs, the home dashboard, the record lists,
//! their commands and the record forms.  Each owns its state, its keys,
//! its results and its drawing.

pub mod commands;
pub mod forms;
pub mod home;
pub mod list;
pub mod login;
pub mod main;
pub mod starting;
