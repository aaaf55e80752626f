//! The employee picker: a department's active employees with their load,
//! for assigning support to events or giving a client to a salesperson.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState, Paragraph, Wrap};

use super::{Popup, Reply};
use crate::error::Failure;
use crate::services::dashboard::Load;
use crate::tui::keymap::{Command, Context, Keymap};
use crate::tui::theme::Theme;

/// What a picked employee is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pick {
    /// The support contact of these events.
    Assign { ids: Vec<i64> },
    /// The new sales contact of a client.
    Reassign { client_id: i64, version: i64 },
}

/// One item of a picker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    pub id: i64,
    pub label: String,
    pub detail: String,
}

/// A picker: loading, then a list to choose from (or why it is not).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Picker {
    pub title: String,
    pub items: Vec<Choice>,
    pub selected: usize,
    pub purpose: Pick,
    /// The request its employees are loaded by, until they arrive.
    pub waiting: Option<u64>,
    pub error: Option<String>,
}

impl Picker {
    /// A picker titled `title`, waiting for request `request`.
    pub fn new(title: &str, purpose: Pick, request: u64) -> Picker {
        Picker { title: title.to_owned(), items: Vec::new(), selected: 0, purpose, waiting: Some(request), error: None }
    }

    /// The employees arrived (or could not be read); `false` when the
    /// answer was for another request.
    pub fn loaded(&mut self, request: u64, result: &Result<Vec<Load>, Failure>) -> bool {
        if self.waiting != Some(request) {
            return false;
        }
        self.waiting = None;
        match result {
            Ok(loads) => {
                let unit = if matches!(self.purpose, Pick::Assign { .. }) { "upcoming events" } else { "clients" };
                self.items = loads
                    .iter()
                    .map(|load| Choice {
                        id: load.employee_id,
                        label: crate::text::sanitize(&format!("{} {}", load.first_name, load.last_name)),
                        detail: format!("{} {unit}", load.load),
                    })
                    .collect();
                self.selected = 0;
            }
            Err(failure) => self.error = Some(failure.message.clone()),
        }
        true
    }

    pub(super) fn key(mut self, command: Option<Command>) -> Reply {
        match command {
            Some(Command::Cancel) => Reply::Close,
            Some(Command::Choose) if self.waiting.is_none() && self.error.is_none() => {
                match self.items.get(self.selected).cloned() {
                    Some(choice) => Reply::Chose { purpose: self.purpose, choice },
                    None => Reply::Close,
                }
            }
            Some(Command::Up) => {
                self.selected = self.selected.saturating_sub(1);
                Reply::Keep(Popup::Picker(self))
            }
            Some(Command::Down) => {
                if self.selected + 1 < self.items.len() {
                    self.selected += 1;
                }
                Reply::Keep(Popup::Picker(self))
            }
            _ => Reply::Keep(Popup::Picker(self)),
        }
    }

    /// Draws the list, or loading, or why there is nothing to choose.
    pub fn render(&self, frame: &mut Frame, area: Rect, theme: Theme, spinner: &str, keys: &Keymap) {
        let rect = super::centered(area, 60, (self.items.len() as u16 + 4).clamp(6, 20));
        let inner = super::frame_for(frame, rect, &self.title, theme);
        if let Some(error) = &self.error {
            frame.render_widget(
                Paragraph::new(Span::styled(error.as_str(), theme.error())).wrap(Wrap { trim: true }),
                inner,
            );
        } else if self.waiting.is_some() {
            frame.render_widget(Paragraph::new(Span::styled(format!("{spinner} Loading…"), theme.dim())), inner);
        } else if self.items.is_empty() {
            frame.render_widget(Paragraph::new(Span::styled("Nobody to choose from.", theme.dim())), inner);
        } else {
            let [list_area, hint] = Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(inner);
            let list = List::new(self.items.iter().map(|item| {
                ListItem::new(Line::from(vec![
                    Span::raw(format!("{:<28}", item.label)),
                    Span::styled(item.detail.clone(), theme.dim()),
                ]))
            }))
            .highlight_style(theme.selected());
            let mut state = ListState::default().with_selected(Some(self.selected));
            frame.render_stateful_widget(list, list_area, &mut state);
            let hints = format!(
                "{}: choose · {}: cancel",
                keys.keys_of(Context::Popup, Command::Choose, 1),
                keys.keys_of(Context::Popup, Command::Cancel, 1)
            );
            frame.render_widget(Paragraph::new(Span::styled(hints, theme.dim())), hint);
        }
    }
}
