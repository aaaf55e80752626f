//! A record's details: label and value per line, as the side pane and the
//! details popup show them.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::tui::lists::DisplayRow;
use crate::tui::theme::Theme;

/// Draws a record's fields, label and value per line.
pub fn render(frame: &mut Frame, area: Rect, row: Option<&DisplayRow>, theme: Theme) {
    let block = Block::bordered().title(Span::styled(" Details ", theme.title()));
    let lines: Vec<Line> = match row {
        Some(row) => row
            .detail
            .iter()
            .map(|(label, value)| {
                Line::from(vec![Span::styled(format!("{label:<14}"), theme.dim()), Span::raw(value.clone())])
            })
            .collect(),
        None => vec![Line::from(Span::styled("Nothing selected.", theme.dim()))],
    };
    frame.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }), area);
}
