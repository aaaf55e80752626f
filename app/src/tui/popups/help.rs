//! The help popup: the keys of what is on screen, generated from the key
//! map by the screen that opens it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::theme::Theme;

/// One line of the help.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HelpLine {
    pub section: &'static str,
    pub keys: String,
    pub what: String,
}

/// The help, in sections.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Help {
    pub lines: Vec<HelpLine>,
}

impl Help {
    /// Draws the help in one column, or two when the terminal is wide.
    pub fn render(&self, frame: &mut Frame, area: Rect, theme: Theme) {
        let rect = super::centered(area, area.width.saturating_sub(4).min(110), area.height.saturating_sub(2));
        let inner = super::frame_for(frame, rect, "Keys (any key closes)", theme);
        let columns = if inner.width >= 70 { 2 } else { 1 };
        let mut text: Vec<Line> = Vec::new();
        let mut section = "";
        for line in &self.lines {
            if line.section != section {
                section = line.section;
                text.push(Line::from(Span::styled(section.to_owned(), theme.header())));
            }
            text.push(Line::from(vec![
                Span::styled(format!(" {:<13}", line.keys), theme.key()),
                Span::raw(line.what.clone()),
            ]));
        }
        if columns == 2 {
            let [left, right] = Layout::horizontal([Constraint::Fill(1), Constraint::Fill(1)]).areas(inner);
            let half = text.len().div_ceil(2).max(inner.height as usize).min(text.len());
            let rest = text.split_off(half);
            frame.render_widget(Paragraph::new(text), left);
            frame.render_widget(Paragraph::new(rest), right);
        } else {
            frame.render_widget(Paragraph::new(text), inner);
        }
    }
}
