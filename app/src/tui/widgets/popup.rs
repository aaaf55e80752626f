//! Popups over the screen: help, the `:` command line, confirmations
//! (defaulting to No), the employee picker, the version-conflict dialog,
//! messages and record details.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Gauge, List, ListItem, ListState, Paragraph, Wrap};
use ratatui_textarea::TextArea;

use crate::text::grouped;
use crate::tui::effect::Save;
use crate::tui::lists::DisplayRow;
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
    Export { query: crate::tui::lists::ListQuery, path: std::path::PathBuf },
}

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

/// One line of the help.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HelpLine {
    pub section: &'static str,
    pub keys: String,
    pub what: String,
}

/// A popup.
#[derive(Clone, Debug)]
pub enum Popup {
    Help {
        lines: Vec<HelpLine>,
    },
    CommandLine {
        input: Box<TextArea<'static>>,
        error: Option<String>,
    },
    Confirm {
        question: String,
        action: Confirmed,
        yes: bool,
    },
    Picker {
        title: String,
        items: Vec<Choice>,
        selected: usize,
        purpose: Pick,
        waiting: Option<u64>,
        error: Option<String>,
    },
    Conflict {
        save: Save,
        message: String,
    },
    Message {
        title: String,
        lines: Vec<String>,
    },
    Detail(Box<DisplayRow>),
    /// An export running: what and where, rows written so far, of how
    /// many (once counted).
    Exporting {
        request: u64,
        what: String,
        query: crate::tui::lists::ListQuery,
        path: std::path::PathBuf,
        rows: u64,
        total: Option<u64>,
        cancelling: bool,
    },
}

/// A `width`×`height` rectangle centred in `area` (clipped to it).
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect { x: area.x + (area.width - width) / 2, y: area.y + (area.height - height) / 2, width, height }
}

fn frame_for(frame: &mut Frame, area: Rect, title: &str, theme: Theme) -> Rect {
    frame.render_widget(Clear, area);
    let block = Block::bordered().border_style(theme.focus()).title(Span::styled(format!(" {title} "), theme.title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    inner
}

/// Draws the popup over `area`.
pub fn render(frame: &mut Frame, area: Rect, popup: &Popup, theme: Theme, spinner: &str) {
    match popup {
        Popup::Help { lines } => render_help(frame, area, lines, theme),
        Popup::CommandLine { input, error } => {
            let height = if error.is_some() { 4 } else { 3 };
            let rect = Rect { x: area.x, y: area.bottom().saturating_sub(height + 1), width: area.width, height };
            let inner =
                frame_for(frame, rect, "command (:clients :contracts :events :employees :audit :home :q)", theme);
            let [line, message] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(inner);
            let [colon, field] = Layout::horizontal([Constraint::Length(1), Constraint::Fill(1)]).areas(line);
            frame.render_widget(Paragraph::new(Span::styled(":", theme.key())), colon);
            frame.render_widget(input.as_ref(), field);
            if let Some(error) = error {
                frame.render_widget(Paragraph::new(Span::styled(error.as_str(), theme.error())), message);
            }
        }
        Popup::Exporting { what, path, rows, total, cancelling, .. } => {
            let path = crate::text::sanitize(&path.display().to_string());
            let rect = centered(area, 70, 8);
            let inner = frame_for(frame, rect, &format!("Exporting {what}"), theme);
            let [to, _, status, gauge, _, keys] = Layout::vertical([Constraint::Length(1); 6]).areas(inner);
            let written = match total {
                Some(total) => format!("{} of {} rows written", grouped(*rows), grouped(*total)),
                None => format!("{} rows written", grouped(*rows)),
            };
            let status_line =
                if *cancelling { format!("{spinner} Cancelling… {written}") } else { format!("{spinner} {written}") };
            frame.render_widget(Paragraph::new(format!("to {path}")), to);
            frame.render_widget(Paragraph::new(Span::styled(status_line, theme.title())), status);
            // Others may add rows while the pages are read: never past full.
            let ratio = match total {
                Some(0) => 1.0,
                Some(total) => (*rows as f64 / *total as f64).min(1.0),
                None => 0.0,
            };
            if total.is_some() {
                frame.render_widget(Gauge::default().ratio(ratio).gauge_style(theme.title()).use_unicode(true), gauge);
            }
            frame.render_widget(
                Paragraph::new(Line::from(vec![
                    Span::styled("Esc", theme.key()),
                    Span::raw(": cancel (the partial file is removed)"),
                ])),
                keys,
            );
        }
        Popup::Confirm { question, yes, .. } => {
            let rect = centered(area, 64, 7);
            let inner = frame_for(frame, rect, "Confirm", theme);
            let [text, buttons] = Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(inner);
            frame.render_widget(Paragraph::new(question.as_str()).wrap(Wrap { trim: true }), text);
            let button = |label: &'static str, on: bool| {
                Span::styled(format!(" {label} "), if on { theme.selected() } else { theme.dim() })
            };
            frame.render_widget(
                Paragraph::new(Line::from(vec![button("Yes (y)", *yes), Span::raw("   "), button("No (n)", !*yes)]))
                    .centered(),
                buttons,
            );
        }
        Popup::Picker { title, items, selected, waiting, error, .. } => {
            let rect = centered(area, 60, (items.len() as u16 + 4).clamp(6, 20));
            let inner = frame_for(frame, rect, title, theme);
            if let Some(error) = error {
                frame.render_widget(
                    Paragraph::new(Span::styled(error.as_str(), theme.error())).wrap(Wrap { trim: true }),
                    inner,
                );
            } else if waiting.is_some() {
                frame.render_widget(Paragraph::new(Span::styled(format!("{spinner} Loading…"), theme.dim())), inner);
            } else if items.is_empty() {
                frame.render_widget(Paragraph::new(Span::styled("Nobody to choose from.", theme.dim())), inner);
            } else {
                let [list_area, hint] = Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(inner);
                let list = List::new(items.iter().map(|item| {
                    ListItem::new(Line::from(vec![
                        Span::raw(format!("{:<28}", item.label)),
                        Span::styled(item.detail.clone(), theme.dim()),
                    ]))
                }))
                .highlight_style(theme.selected());
                let mut state = ListState::default().with_selected(Some(*selected));
                frame.render_stateful_widget(list, list_area, &mut state);
                frame.render_widget(Paragraph::new(Span::styled("Enter: choose · Esc: cancel", theme.dim())), hint);
            }
        }
        Popup::Conflict { message, .. } => {
            let rect = centered(area, 66, 9);
            let inner = frame_for(frame, rect, "Changed by someone else", theme);
            let [text, keys] = Layout::vertical([Constraint::Fill(1), Constraint::Length(2)]).areas(inner);
            frame.render_widget(Paragraph::new(message.as_str()).wrap(Wrap { trim: true }), text);
            frame.render_widget(
                Paragraph::new(vec![
                    Line::from(vec![
                        Span::styled("r", theme.key()),
                        Span::raw(" reload their version   "),
                        Span::styled("o", theme.key()),
                        Span::raw(" overwrite with my fields"),
                    ]),
                    Line::from(vec![Span::styled("Esc", theme.key()), Span::raw(" cancel (keep my form)")]),
                ]),
                keys,
            );
        }
        Popup::Message { title, lines } => {
            let height = (lines.len() as u16 + 4).min(area.height);
            let rect = centered(area, 70, height);
            let inner = frame_for(frame, rect, title, theme);
            let mut text: Vec<Line> = lines.iter().map(|line| Line::from(line.as_str())).collect();
            text.push(Line::from(Span::styled("Enter or Esc: close", theme.dim())));
            frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), inner);
        }
        Popup::Detail(row) => {
            let rect = centered(area, 72, (row.detail.len() as u16 + 4).max(8));
            frame.render_widget(Clear, rect);
            crate::tui::screens::list::render_detail(frame, rect, Some(row), theme);
        }
    }
}

fn render_help(frame: &mut Frame, area: Rect, lines: &[HelpLine], theme: Theme) {
    let rect = centered(area, area.width.saturating_sub(4).min(110), area.height.saturating_sub(2));
    let inner = frame_for(frame, rect, "Keys (any key closes)", theme);
    let columns = if inner.width >= 70 { 2 } else { 1 };
    let mut text: Vec<Line> = Vec::new();
    let mut section = "";
    for line in lines {
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
