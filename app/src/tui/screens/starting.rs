//! The first screen: the database being opened, or why it could not be
//! (retried when it may come back; q quits).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::tui::theme::Theme;

/// Draws the opening message, or `error` and whether a retry is coming.
pub fn render(frame: &mut Frame, area: Rect, error: Option<&str>, retrying: bool, theme: Theme, spinner: &str) {
    let text = match error {
        Some(error) => vec![
            Line::from(Span::styled("The database could not be opened:", theme.error())),
            Line::from(error),
            Line::from(Span::styled(if retrying { "Retrying… (q quits)" } else { "q quits." }, theme.dim())),
        ],
        None => vec![Line::from(format!("{spinner} Opening the database…"))],
    };
    frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
}
