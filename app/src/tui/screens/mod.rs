//! The screens: the gates before the tabs (login, bootstrap, password
//! change), the home dashboard, the record lists and the record forms.

pub mod forms;
pub mod home;
pub mod list;
pub mod login;
