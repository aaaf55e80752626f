//! The version-conflict dialog: someone saved the record since the form
//! opened; reload their version, overwrite with mine, or go back to the
//! form.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{Popup, Reply};
use crate::tui::effect::Save;
use crate::tui::keymap::{Command, Context, Keymap};
use crate::tui::theme::Theme;

/// How a conflict is resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// Read their version into the form.
    Reload,
    /// Save my fields over the current version.
    Overwrite,
}

/// A save refused because the record changed, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conflict {
    pub save: Save,
    pub message: String,
}

impl Conflict {
    pub(super) fn key(self, command: Option<Command>) -> Reply {
        match command {
            Some(Command::Reload) => Reply::Resolve { save: self.save, resolution: Resolution::Reload },
            Some(Command::Overwrite) => Reply::Resolve { save: self.save, resolution: Resolution::Overwrite },
            Some(Command::Cancel) => Reply::Close,
            _ => Reply::Keep(Popup::Conflict(self)),
        }
    }

    /// Draws the message and the three choices.
    pub fn render(&self, frame: &mut Frame, area: Rect, theme: Theme, keys: &Keymap) {
        let rect = super::centered(area, 66, 9);
        let inner = super::frame_for(frame, rect, "Changed by someone else", theme);
        let [text, footer] = Layout::vertical([Constraint::Fill(1), Constraint::Length(2)]).areas(inner);
        frame.render_widget(Paragraph::new(self.message.as_str()).wrap(Wrap { trim: true }), text);
        frame.render_widget(
            Paragraph::new(vec![
                Line::from(vec![
                    Span::styled(keys.keys_of(Context::Conflict, Command::Reload, 1), theme.key()),
                    Span::raw(" reload their version   "),
                    Span::styled(keys.keys_of(Context::Conflict, Command::Overwrite, 1), theme.key()),
                    Span::raw(" overwrite with my fields"),
                ]),
                Line::from(vec![
                    Span::styled(keys.keys_of(Context::Conflict, Command::Cancel, 1), theme.key()),
                    Span::raw(" cancel (keep my form)"),
                ]),
            ]),
            footer,
        );
    }
}
