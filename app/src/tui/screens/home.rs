//! Home: each department's dashboard — the key numbers, the pipeline
//! (signed against unsigned amounts, what is still due), events per week,
//! and the salespeople's totals.

use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, Paragraph, Wrap};

use crate::domain::Department;
use crate::error::Failure;
use crate::services::dashboard::Dashboard;
use crate::services::dashboard::WEEK_MS;
use crate::services::records::money;
use crate::tui::model::SessionInfo;
use crate::tui::shared::Shared;
use crate::tui::theme::Theme;

/// The dashboard's data as it stands.
#[derive(Clone, Debug, Default)]
pub struct HomeState {
    pub dashboard: Option<Dashboard>,
    /// Waiting for this request.
    pub waiting: Option<u64>,
    pub error: Option<String>,
}

impl HomeState {
    /// The figures of request `request` arrived (or could not be read);
    /// an answer to an older request is dropped.
    pub fn loaded(&mut self, request: u64, result: Result<Dashboard, Failure>, sh: &mut Shared) {
        if self.waiting != Some(request) {
            return;
        }
        self.waiting = None;
        match result {
            Ok(dashboard) => {
                self.dashboard = Some(dashboard);
                self.error = None;
                sh.answered();
            }
            Err(failure) => {
                self.error = Some(failure.message.clone());
                sh.failed(failure);
            }
        }
    }
}

/// A short amount: 12.3k, 4.5M.
fn short(cents: i64) -> String {
    let units = cents as f64 / 100.0;
    if units.abs() >= 1_000_000.0 {
        format!("{:.1}M", units / 1_000_000.0)
    } else if units.abs() >= 1_000.0 {
        format!("{:.1}k", units / 1_000.0)
    } else {
        format!("{units:.0}")
    }
}

/// Draws the home screen.
pub fn render(frame: &mut Frame, area: Rect, home: &HomeState, me: &SessionInfo, theme: Theme, spinner: &str) {
    let Some(dashboard) = &home.dashboard else {
        let text = match &home.error {
            Some(error) => vec![
                Line::from(Span::styled("The dashboard could not be loaded:", theme.error())),
                Line::from(error.as_str()),
                Line::from(Span::styled("Ctrl-r tries again.", theme.dim())),
            ],
            None => vec![Line::from(Span::styled(format!("{spinner} Loading the dashboard…"), theme.dim()))],
        };
        frame.render_widget(
            Paragraph::new(text).wrap(Wrap { trim: true }).block(Block::bordered().title(" Home ")),
            area,
        );
        return;
    };
    let [numbers, charts] = Layout::vertical([Constraint::Length(6), Constraint::Fill(1)]).areas(area);
    render_numbers(frame, numbers, dashboard, me, theme);
    let direction = if charts.width >= 100 { Direction::Horizontal } else { Direction::Vertical };
    let [weeks, pipeline] =
        Layout::default().direction(direction).constraints([Constraint::Fill(1), Constraint::Fill(1)]).areas(charts);
    render_weeks(frame, weeks, dashboard, me, theme);
    render_pipeline(frame, pipeline, dashboard, theme);
}

fn figure(label: &str, value: String, theme: Theme) -> Line<'static> {
    Line::from(vec![Span::styled(format!("{label:<26}"), theme.dim()), Span::styled(value, theme.title())])
}

fn render_numbers(frame: &mut Frame, area: Rect, dashboard: &Dashboard, me: &SessionInfo, theme: Theme) {
    let all = &dashboard.pipeline;
    let upcoming: u64 = dashboard.weeks.iter().sum();
    let mut left = Vec::new();
    let mut right = Vec::new();
    match me.department {
        Department::Sales => {
            let mine = dashboard.mine.clone().unwrap_or_default();
            left.push(figure("My clients", dashboard.my_clients.unwrap_or(0).to_string(), theme));
            left.push(figure("My unsigned contracts", mine.unsigned.to_string(), theme));
            left.push(figure("My unpaid contracts", mine.unpaid.to_string(), theme));
            left.push(figure("Still due to me", money(mine.outstanding_cents), theme));
            right.push(figure("My signed total", money(mine.signed_cents), theme));
            right.push(figure("My unsigned total", money(mine.unsigned_cents), theme));
        }
        Department::Support => {
            left.push(figure("My events, next 8 weeks", upcoming.to_string(), theme));
            left.push(figure("This week", dashboard.weeks.first().copied().unwrap_or(0).to_string(), theme));
            right.push(figure("Upcoming without support", dashboard.without_support.to_string(), theme));
        }
        Department::Management => {
            left.push(figure("Events without support", dashboard.without_support.to_string(), theme));
            left.push(figure("Unsigned contracts", all.unsigned.to_string(), theme));
            left.push(figure("Contracts not fully paid", all.unpaid.to_string(), theme));
            left.push(figure("Events, next 8 weeks", upcoming.to_string(), theme));
        }
    }
    right.push(figure("Pipeline signed", money(all.signed_cents), theme));
    right.push(figure("Pipeline unsigned", money(all.unsigned_cents), theme));
    right.push(figure("Outstanding balance", money(all.outstanding_cents), theme));
    let block = Block::bordered().title(Span::styled(format!(" Home — {} ", me.department), theme.title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [a, b] = Layout::horizontal([Constraint::Fill(1), Constraint::Fill(1)]).areas(inner);
    frame.render_widget(Paragraph::new(left), a);
    frame.render_widget(Paragraph::new(right), b);
}

fn render_weeks(frame: &mut Frame, area: Rect, dashboard: &Dashboard, me: &SessionInfo, theme: Theme) {
    let title = if me.department == Department::Support { " My events per week " } else { " Events per week " };
    let bars: Vec<Bar> = dashboard
        .weeks
        .iter()
        .enumerate()
        .map(|(index, count)| {
            // Weeks start on UTC days (the running totals'); the label is
            // the local date at noon UTC of that day, which is the same
            // calendar date in every zone from UTC-12 to UTC+11.
            let noon = dashboard.weeks_from + WEEK_MS * index as i64 + 12 * 3_600_000;
            let label = chrono::DateTime::from_timestamp_millis(noon)
                .map(|at| at.with_timezone(&chrono::Local).format("%d/%m").to_string())
                .unwrap_or_default();
            Bar::default().value(*count).label(Line::from(label)).style(theme.series_a())
        })
        .collect();
    let width = ((area.width.saturating_sub(2)) / dashboard.weeks.len().max(1) as u16).saturating_sub(1).clamp(1, 7);
    let chart = BarChart::default()
        .block(Block::bordered().title(Span::styled(title, theme.title())))
        .data(BarGroup::default().bars(&bars))
        .bar_width(width)
        .bar_gap(1);
    frame.render_widget(chart, area);
}

fn render_pipeline(frame: &mut Frame, area: Rect, dashboard: &Dashboard, theme: Theme) {
    let block = Block::bordered().title(Line::from(vec![
        Span::styled(" Pipeline by salesperson: ", theme.title()),
        Span::styled("signed", theme.series_a()),
        Span::styled(" / ", theme.title()),
        Span::styled("unsigned ", theme.series_b()),
    ]));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if dashboard.sales.is_empty() {
        frame.render_widget(Paragraph::new(Span::styled("No contracts yet.", theme.dim())), inner);
        return;
    }
    // One line per salesperson: name, a signed bar, an unsigned bar, the
    // amounts; bars scaled to the largest total.
    let largest =
        dashboard.sales.iter().map(|total| total.signed_cents + total.unsigned_cents).max().unwrap_or(1).max(1);
    let name_width = 12usize;
    let figures_width = 16usize;
    let bar_room = (inner.width as usize).saturating_sub(name_width + figures_width + 2).max(1);
    let lines: Vec<Line> = dashboard
        .sales
        .iter()
        .take(inner.height as usize)
        .map(|total| {
            let name = crate::text::truncate(&crate::text::sanitize(&total.last_name), name_width - 1);
            let scale = |cents: i64| ((cents.max(0) as u128 * bar_room as u128) / largest as u128) as usize;
            let signed = scale(total.signed_cents);
            let unsigned = scale(total.unsigned_cents).min(bar_room.saturating_sub(signed));
            let pad = bar_room.saturating_sub(signed + unsigned);
            Line::from(vec![
                Span::raw(format!("{name:<name_width$}")),
                Span::styled("█".repeat(signed), theme.series_a()),
                Span::styled("▒".repeat(unsigned), theme.series_b()),
                Span::raw(" ".repeat(pad + 1)),
                Span::styled(
                    format!("{:>7} / {:<7}", short(total.signed_cents), short(total.unsigned_cents)),
                    theme.dim(),
                ),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
