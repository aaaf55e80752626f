//! The top bar (tabs, who is logged in, the notification badge) and the
//! status line (spinner, last message, key hints).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::theme::Theme;

/// Spinner frames, one per tick while work is pending.
pub const SPINNER: [&str; 8] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧"];

/// The tab labels for a terminal `width` wide: full titles on wide
/// terminals, short ones (and tighter spacing) at 80 columns.
pub fn tab_labels(tabs: &[(&'static str, &'static str)], width: u16) -> Vec<String> {
    let wide = width >= 120;
    tabs.iter()
        .enumerate()
        .map(
            |(index, (title, short))| {
                if wide { format!(" {}:{title} ", index + 1) } else { format!(" {}:{short}", index + 1) }
            },
        )
        .collect()
}

/// Draws the tab bar: numbered tabs, the active one highlighted, and on
/// the right who is logged in; returns where each label is (for clicks).
pub fn render_tabs(
    frame: &mut Frame,
    area: Rect,
    labels: &[String],
    active: usize,
    who: &str,
    theme: Theme,
) -> Vec<Rect> {
    let used: u16 = labels.iter().map(|label| crate::text::columns(label) as u16).sum();
    let right_width = area.width.saturating_sub(used + 1);
    let [left_area, right_area] =
        Layout::horizontal([Constraint::Length(used + 1), Constraint::Length(right_width)]).areas(area);
    let spans: Vec<Span> = labels
        .iter()
        .enumerate()
        .map(|(index, label)| {
            Span::styled(
                label.clone(),
                if index == active { theme.selected().patch(theme.title()) } else { theme.dim() },
            )
        })
        .collect();
    frame.render_widget(Paragraph::new(Line::from(spans)), left_area);
    let who = crate::text::truncate(who, right_width as usize);
    frame.render_widget(Paragraph::new(Line::from(Span::raw(who))).right_aligned(), right_area);
    let mut x = area.x;
    labels
        .iter()
        .map(|label| {
            let width = crate::text::columns(label) as u16;
            x += width;
            Rect { x: x - width, y: area.y, width, height: 1 }
        })
        .collect()
}

/// How a status message reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Info,
    Success,
    Error,
}

/// Draws the status line: spinner, message (or hints), and on the right
/// the unread notifications badge.
pub fn render_status(
    frame: &mut Frame,
    area: Rect,
    spinner: Option<&str>,
    message: Option<(&str, Tone)>,
    hints: &[(String, String)],
    unread: u64,
    theme: Theme,
) {
    let badge = if unread > 0 { format!(" ✉ {unread} unread ") } else { String::new() };
    let [area, badge_area] =
        Layout::horizontal([Constraint::Fill(1), Constraint::Length(crate::text::columns(&badge) as u16)]).areas(area);
    if !badge.is_empty() {
        frame.render_widget(Paragraph::new(Span::styled(badge, theme.warn().patch(theme.selected()))), badge_area);
    }
    let mut spans = Vec::new();
    if let Some(frame_text) = spinner {
        spans.push(Span::styled(format!("{frame_text} "), theme.warn()));
    }
    match message {
        Some((text, tone)) => {
            let style = match tone {
                Tone::Info => ratatui::style::Style::new(),
                Tone::Success => theme.ok(),
                Tone::Error => theme.error(),
            };
            spans.push(Span::styled(text.to_owned(), style));
        }
        None => {
            for (keys, what) in hints {
                spans.push(Span::styled(keys.clone(), theme.key()));
                spans.push(Span::styled(format!(" {what}  "), theme.dim()));
            }
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
