//! The `:` command line: one line of text, Enter runs it, Esc closes it.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;
use ratatui::widgets::Paragraph;
use ratatui_textarea::TextArea;

use super::{Popup, Reply};
use crate::tui::theme::Theme;

/// The command line and, after a failed command, why it failed.
#[derive(Clone, Debug)]
pub struct CommandLine {
    pub input: Box<TextArea<'static>>,
    pub error: Option<String>,
}

/// A one-line text box holding `text`, the cursor at its end.
pub fn input_with(text: &str) -> TextArea<'static> {
    let mut input = TextArea::new(vec![text.to_owned()]);
    input.move_cursor(ratatui_textarea::CursorMove::End);
    input.set_cursor_line_style(ratatui::style::Style::new());
    input
}

impl CommandLine {
    /// A command line holding `text` (empty for `:`, prefilled for export).
    pub fn with(text: &str) -> CommandLine {
        CommandLine { input: Box::new(input_with(text)), error: None }
    }

    /// What was typed, trimmed.
    pub fn text(&self) -> String {
        self.input.lines().first().map(|line| line.trim().to_owned()).unwrap_or_default()
    }

    /// Pasted text: its first line only (Enter would run the command).
    pub fn paste(&mut self, text: &str) {
        self.input.insert_str(text.lines().next().unwrap_or_default());
    }

    pub(super) fn key(mut self, key: &KeyEvent) -> Reply {
        match key.code {
            KeyCode::Esc => Reply::Close,
            KeyCode::Enter => Reply::Run(self),
            _ => {
                self.input.input(*key);
                self.error = None;
                Reply::Keep(Popup::CommandLine(self))
            }
        }
    }

    /// Draws the line at the bottom of `area`, its error under it.
    pub fn render(&self, frame: &mut Frame, area: Rect, theme: Theme) {
        let height = if self.error.is_some() { 4 } else { 3 };
        let rect = Rect { x: area.x, y: area.bottom().saturating_sub(height + 1), width: area.width, height };
        let inner =
            super::frame_for(frame, rect, "command (:clients :contracts :events :employees :audit :home :q)", theme);
        let [line, message] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(inner);
        let [colon, field] = Layout::horizontal([Constraint::Length(1), Constraint::Fill(1)]).areas(line);
        frame.render_widget(Paragraph::new(Span::styled(":", theme.key())), colon);
        frame.render_widget(self.input.as_ref(), field);
        if let Some(error) = &self.error {
            frame.render_widget(Paragraph::new(Span::styled(error.as_str(), theme.error())), message);
        }
    }
}
