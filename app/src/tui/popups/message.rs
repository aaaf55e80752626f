//! Messages (a one-time password, say) and a record's details: shown until
//! Enter, Esc or q.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::{Popup, Reply};
use crate::tui::lists::DisplayRow;
use crate::tui::theme::Theme;
use crate::tui::widgets::detail;

/// A titled message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub title: String,
    pub lines: Vec<String>,
}

/// Enter, Esc and q close `popup`; other keys leave it open.
pub(super) fn close_or_keep(key: &KeyEvent, popup: Popup) -> Reply {
    if matches!(key.code, KeyCode::Enter | KeyCode::Esc | KeyCode::Char('q')) {
        Reply::Close
    } else {
        Reply::Keep(popup)
    }
}

impl Message {
    /// Draws the message with its closing hint.
    pub fn render(&self, frame: &mut Frame, area: Rect, theme: Theme) {
        let height = (self.lines.len() as u16 + 4).min(area.height);
        let rect = super::centered(area, 70, height);
        let inner = super::frame_for(frame, rect, &self.title, theme);
        let mut text: Vec<Line> = self.lines.iter().map(|line| Line::from(line.as_str())).collect();
        text.push(Line::from(Span::styled("Enter or Esc: close", theme.dim())));
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), inner);
    }
}

/// Draws a record's details over `area`.
pub fn render_detail(frame: &mut Frame, area: Rect, row: &DisplayRow, theme: Theme) {
    let rect = super::centered(area, 72, (row.detail.len() as u16 + 4).max(8));
    frame.render_widget(Clear, rect);
    detail::render(frame, rect, Some(row), theme);
}
