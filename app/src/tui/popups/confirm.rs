//! Confirmations: a question, Yes and No, No chosen until the person moves.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{Popup, Reply};
use crate::tui::effect::Save;
use crate::tui::keymap::{Command, Context, Keymap};
use crate::tui::lists::ListQuery;
use crate::tui::theme::Theme;

/// What a confirmation leads to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Confirmed {
    /// Run this change.
    Save(Save),
    /// Close the open form, dropping what was typed.
    Discard,
    /// End the session.
    Logout,
    /// Export a view to a file that exists already (overwriting it).
    Export { query: ListQuery, path: std::path::PathBuf },
}

/// A question waiting for yes or no.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Confirm {
    pub question: String,
    pub action: Confirmed,
    /// Whether Yes is the chosen button (Enter takes it).
    pub yes: bool,
}

impl Confirm {
    /// Asks `question`; `action` runs on yes.
    pub fn new(question: String, action: Confirmed) -> Confirm {
        Confirm { question, action, yes: false }
    }

    pub(super) fn key(mut self, command: Option<Command>, key: &KeyEvent) -> Reply {
        match command {
            Some(Command::Yes) => Reply::Confirmed(self.action),
            Some(Command::No | Command::Cancel) => Reply::Close,
            Some(Command::Choose) if self.yes => Reply::Confirmed(self.action),
            Some(Command::Choose) => Reply::Close,
            _ => {
                if matches!(key.code, KeyCode::Left | KeyCode::Right | KeyCode::Tab | KeyCode::BackTab) {
                    self.yes = !self.yes;
                }
                Reply::Keep(Popup::Confirm(self))
            }
        }
    }

    /// Draws the question and the two buttons.
    pub fn render(&self, frame: &mut Frame, area: Rect, theme: Theme, keys: &Keymap) {
        let rect = super::centered(area, 64, 7);
        let inner = super::frame_for(frame, rect, "Confirm", theme);
        let [text, buttons] = Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(inner);
        frame.render_widget(Paragraph::new(self.question.as_str()).wrap(Wrap { trim: true }), text);
        let button = |label: &'static str, command: Command, on: bool| {
            let key = keys.keys_of(Context::Popup, command, 1);
            Span::styled(format!(" {label} ({key}) "), if on { theme.selected() } else { theme.dim() })
        };
        let yes = button("Yes", Command::Yes, self.yes);
        let no = button("No", Command::No, !self.yes);
        frame.render_widget(Paragraph::new(Line::from(vec![yes, Span::raw("   "), no])).centered(), buttons);
    }
}
