//! Messages (a one-time password, say) and a record's details: shown until
//! Enter, Esc or q.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::{Popup, Reply};
use crate::tui::keymap::{Command, Context, Keymap};
use crate::tui::lists::DisplayRow;
use crate::tui::theme::Theme;
use crate::tui::widgets::detail;

/// A titled message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub title: String,
    pub lines: Vec<String>,
}

/// Choose (Enter), cancel (Esc) and q close `popup`; other keys leave it
/// open.
pub(super) fn close_or_keep(command: Option<Command>, key: &KeyEvent, popup: Popup) -> Reply {
    let close = matches!(command, Some(Command::Choose | Command::Cancel)) || key.code == KeyCode::Char('q');
    if close { Reply::Close } else { Reply::Keep(popup) }
}

impl Message {
    /// Draws the message with its closing hint.
    pub fn render(&self, frame: &mut Frame, area: Rect, theme: Theme, keys: &Keymap) {
        let height = (self.lines.len() as u16 + 4).min(area.height);
        let rect = super::centered(area, 70, height);
        let inner = super::frame_for(frame, rect, &self.title, theme);
        let mut text: Vec<Line> = self.lines.iter().map(|line| Line::from(line.as_str())).collect();
        let close = format!(
            "{} or {}: close",
            keys.keys_of(Context::Popup, Command::Choose, 1),
            keys.keys_of(Context::Popup, Command::Cancel, 1)
        );
        text.push(Line::from(Span::styled(close, theme.dim())));
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), inner);
    }
}

/// Draws a record's details over `area`.
pub fn render_detail(frame: &mut Frame, area: Rect, row: &DisplayRow, theme: Theme) {
    let rect = super::centered(area, 72, (row.detail.len() as u16 + 4).max(8));
    frame.render_widget(Clear, rect);
    detail::render(frame, rect, Some(row), theme);
}
