//! Reusable pieces of screens: forms, popups, the tab and status bars.

pub mod form;
pub mod popup;
pub mod status;
