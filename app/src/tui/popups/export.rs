//! The export gauge: what goes where, rows written of how many, and Esc to
//! cancel (the partial file is removed).

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Gauge, Paragraph};

use super::{Popup, Reply};
use crate::text::grouped;
use crate::tui::keymap::{Command, Context, Keymap};
use crate::tui::lists::ListQuery;
use crate::tui::theme::Theme;

/// An export running: what and where, rows written so far, of how many
/// (once counted).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exporting {
    pub request: u64,
    pub what: String,
    pub query: ListQuery,
    pub path: std::path::PathBuf,
    pub rows: u64,
    pub total: Option<u64>,
    pub cancelling: bool,
}

impl Exporting {
    /// The gauge of export `request` of `query` to `path`, nothing written.
    pub fn new(request: u64, query: ListQuery, path: std::path::PathBuf) -> Exporting {
        let what = query.kind.title().to_owned();
        Exporting { request, what, query, path, rows: 0, total: None, cancelling: false }
    }

    pub(super) fn key(mut self, command: Option<Command>, key: &KeyEvent) -> Reply {
        let cancel = key.code == KeyCode::Esc || command == Some(Command::Cancel);
        if cancel && !self.cancelling {
            self.cancelling = true;
            return Reply::CancelExport { request: self.request, popup: Popup::Exporting(self) };
        }
        Reply::Keep(Popup::Exporting(self))
    }

    /// Draws the destination, the count and the gauge.
    pub fn render(&self, frame: &mut Frame, area: Rect, theme: Theme, spinner: &str, keys: &Keymap) {
        let path = crate::text::sanitize(&self.path.display().to_string());
        let rect = super::centered(area, 70, 8);
        let inner = super::frame_for(frame, rect, &format!("Exporting {}", self.what), theme);
        let [to, _, status, gauge, _, footer] = Layout::vertical([Constraint::Length(1); 6]).areas(inner);
        let written = match self.total {
            Some(total) => format!("{} of {} rows written", grouped(self.rows), grouped(total)),
            None => format!("{} rows written", grouped(self.rows)),
        };
        let status_line =
            if self.cancelling { format!("{spinner} Cancelling… {written}") } else { format!("{spinner} {written}") };
        frame.render_widget(Paragraph::new(format!("to {path}")), to);
        frame.render_widget(Paragraph::new(Span::styled(status_line, theme.title())), status);
        // Others may add rows while the pages are read: never past full.
        let ratio = match self.total {
            Some(0) => 1.0,
            Some(total) => (self.rows as f64 / total as f64).min(1.0),
            None => 0.0,
        };
        if self.total.is_some() {
            frame.render_widget(Gauge::default().ratio(ratio).gauge_style(theme.title()).use_unicode(true), gauge);
        }
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled(keys.keys_of(Context::Popup, Command::Cancel, 1), theme.key()),
                Span::raw(": cancel (the partial file is removed)"),
            ])),
            footer,
        );
    }
}
