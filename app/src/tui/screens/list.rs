//! A record list: one page of rows sized to the terminal, selection and
//! marks, quick filters, live search, sort, and keyset paging.  `navigate`
//! and friends change state and say which page to load; they never load.
//! The keys of the search box and the rows copied by `y` are here too.

use std::collections::BTreeSet;

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, TableState, Wrap};
use ratatui_textarea::TextArea;

use crate::domain::Department;
use crate::services::paging::PageRequest;
use crate::tui::keymap::{Command, Context, Keymap};
use crate::tui::lists::{DisplayRow, Filter, ListKind, ListPage, ListQuery, Scope};
use crate::tui::theme::Theme;
use crate::tui::widgets::detail;

/// How the list's data stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Loading {
    /// Nothing asked yet.
    Idle,
    /// Waiting for request `.0`.
    Waiting(u64),
    /// The last page arrived.
    Done,
}

/// What a key in the search box came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SearchKey {
    /// Nothing to load.
    Stay,
    /// The search changed: load the first page again.
    Reload,
    /// The box closed to move in the results.
    Move(Command),
}

/// One list on screen.
#[derive(Clone, Debug)]
pub struct ListView {
    pub kind: ListKind,
    pub scope: Option<Scope>,
    pub rows: Vec<DisplayRow>,
    pub selected: usize,
    pub marked: BTreeSet<i64>,
    pub filters: BTreeSet<Filter>,
    pub search: String,
    /// The search box while it has focus.
    pub search_input: Option<TextArea<'static>>,
    /// Index into `kind.columns()` of the sort column.
    pub sort: usize,
    pub descending: bool,
    /// The page on screen (as asked).
    pub page: PageRequest,
    pub next: Option<String>,
    pub prev: Option<String>,
    pub loading: Loading,
    /// Why the last load failed.
    pub error: Option<String>,
    /// Select the last row when the page arrives (paging up).
    select_last: bool,
    /// Keep this row selected when the page arrives (refresh).
    keep: Option<i64>,
}

impl ListView {
    /// A list as a department first sees it.
    pub fn new(kind: ListKind, scope: Option<Scope>, department: Department) -> ListView {
        let (sort, descending) = kind.default_sort();
        ListView {
            kind,
            filters: if scope.is_some() { BTreeSet::new() } else { kind.starting_filters(department) },
            scope,
            rows: Vec::new(),
            selected: 0,
            marked: BTreeSet::new(),
            search: String::new(),
            search_input: None,
            sort,
            descending,
            page: PageRequest::first(1),
            next: None,
            prev: None,
            loading: Loading::Idle,
            error: None,
            select_last: false,
            keep: None,
        }
    }

    /// The query for `page`.
    pub fn query(&self, page: PageRequest) -> ListQuery {
        let sort = self.kind.columns().get(self.sort).and_then(|column| column.sort).unwrap_or("id");
        ListQuery {
            kind: self.kind,
            scope: self.scope.clone(),
            filters: self.filters.clone(),
            search: self.search.clone(),
            sort,
            descending: self.descending,
            page,
        }
    }

    /// The page to load to show the list again from its start.
    pub fn first(&mut self, limit: u64) -> PageRequest {
        self.selected = 0;
        self.select_last = false;
        self.keep = None;
        PageRequest::first(limit)
    }

    /// The same page again, with `limit` rows, keeping the selected row.
    pub fn again(&mut self, limit: u64) -> PageRequest {
        self.keep = self.selected_row().map(|row| row.id);
        PageRequest { limit, ..self.page.clone() }
    }

    /// Notes that request `request` for `page` is on its way.
    pub fn waiting(&mut self, request: u64, page: PageRequest) {
        self.page = page;
        self.loading = Loading::Waiting(request);
    }

    /// Whether a result for `request` is the one this list waits for.
    pub fn waits_for(&self, request: u64) -> bool {
        self.loading == Loading::Waiting(request)
    }

    /// Takes a page that arrived.
    pub fn loaded(&mut self, page: ListPage) {
        self.rows = page.rows;
        self.next = page.next;
        self.prev = page.prev;
        self.loading = Loading::Done;
        self.error = None;
        let kept = self.keep.take().and_then(|id| self.rows.iter().position(|row| row.id == id));
        self.selected = match kept {
            Some(index) => index,
            None if self.select_last => self.rows.len().saturating_sub(1),
            None => self.selected.min(self.rows.len().saturating_sub(1)),
        };
        self.select_last = false;
    }

    /// Takes a failed load.
    pub fn failed(&mut self, message: String) {
        self.loading = Loading::Done;
        self.error = Some(message);
        self.select_last = false;
        self.keep = None;
    }

    /// The selected row.
    pub fn selected_row(&self) -> Option<&DisplayRow> {
        self.rows.get(self.selected)
    }

    /// The marked rows' ids, or the selected row's when none is marked.
    pub fn chosen(&self) -> Vec<i64> {
        if self.marked.is_empty() {
            self.selected_row().map(|row| vec![row.id]).unwrap_or_default()
        } else {
            self.marked.iter().copied().collect()
        }
    }

    /// Moves the selection; returns a page to load when it leaves this one.
    pub fn navigate(&mut self, command: Command, limit: u64) -> Option<PageRequest> {
        let last = self.rows.len().saturating_sub(1);
        match command {
            Command::Down if self.selected < last => self.selected += 1,
            Command::Down => {
                if let Some(next) = &self.next {
                    self.selected = 0;
                    return Some(PageRequest::after(limit, next.clone()));
                }
            }
            Command::Up if self.selected > 0 => self.selected -= 1,
            Command::Up => {
                if let Some(prev) = &self.prev {
                    self.select_last = true;
                    return Some(PageRequest::before(limit, prev.clone()));
                }
            }
            Command::PageDown => match &self.next {
                Some(next) => {
                    self.selected = 0;
                    return Some(PageRequest::after(limit, next.clone()));
                }
                None => self.selected = last,
            },
            Command::PageUp => match &self.prev {
                Some(prev) => {
                    self.selected = 0;
                    return Some(PageRequest::before(limit, prev.clone()));
                }
                None => self.selected = 0,
            },
            Command::Top => {
                self.selected = 0;
                if self.prev.is_some() {
                    return Some(PageRequest::first(limit));
                }
            }
            Command::Bottom => {
                if self.next.is_some() {
                    self.select_last = true;
                    return Some(PageRequest::last(limit));
                }
                self.selected = last;
            }
            _ => {}
        }
        None
    }

    /// Turns a quick filter on or off; false when this list has no such filter.
    pub fn toggle(&mut self, filter: Filter) -> bool {
        if !self.kind.filters().contains(&filter) {
            return false;
        }
        if !self.filters.remove(&filter) {
            self.filters.insert(filter);
        }
        self.marked.clear();
        true
    }

    /// Sorts by the next sortable column.
    pub fn sort_next(&mut self) {
        let sortable = self.kind.sortable();
        let at = sortable.iter().position(|index| *index == self.sort);
        self.sort = match at {
            Some(at) => sortable[(at + 1) % sortable.len()],
            None => sortable.first().copied().unwrap_or(0),
        };
        self.descending = false;
    }

    /// Handles a key in the search box: live search, Enter keeps it, Esc
    /// clears it, ↑/↓ leave the box and move in the results.
    pub fn search_key(&mut self, command: Option<Command>, key: &KeyEvent) -> SearchKey {
        let Some(input) = self.search_input.as_mut() else { return SearchKey::Stay };
        match command {
            Some(Command::Choose) => self.search_input = None,
            Some(Command::Cancel) => {
                self.search_input = None;
                if !self.search.is_empty() {
                    self.search.clear();
                    self.marked.clear();
                    return SearchKey::Reload;
                }
            }
            Some(command @ (Command::Up | Command::Down)) => {
                self.search_input = None;
                return SearchKey::Move(command);
            }
            _ => {
                input.input(*key);
                // Live: every keystroke asks again; older answers are dropped.
                return self.searched();
            }
        }
        SearchKey::Stay
    }

    /// Pasted text in the search box: its first line.
    pub fn paste_search(&mut self, text: &str) -> SearchKey {
        let Some(input) = self.search_input.as_mut() else { return SearchKey::Stay };
        input.insert_str(text.lines().next().unwrap_or_default());
        self.searched()
    }

    fn searched(&mut self) -> SearchKey {
        let typed = self.search_input.as_ref().and_then(|input| input.lines().first().cloned()).unwrap_or_default();
        if typed == self.search {
            return SearchKey::Stay;
        }
        self.search = typed;
        // Marks are for rows on screen: a new search starts afresh.
        self.marked.clear();
        SearchKey::Reload
    }

    /// The marked rows on this page, or the selected one, as tab-separated
    /// lines under a header; with how many rows, and how many marked rows
    /// are on other pages (not copied).  `None` when the list is empty.
    pub fn yank(&self) -> Option<(String, usize, usize)> {
        let marked: Vec<&DisplayRow> = self.rows.iter().filter(|row| self.marked.contains(&row.id)).collect();
        let rows: Vec<&DisplayRow> =
            if marked.is_empty() { self.rows.get(self.selected).into_iter().collect() } else { marked };
        if rows.is_empty() {
            return None;
        }
        let elsewhere = self.marked.len().saturating_sub(rows.len());
        let fields = crate::tui::lists::csv_fields(self.kind);
        let cell = |value: &serde_json::Value| {
            let text = match value {
                serde_json::Value::Null => String::new(),
                serde_json::Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            // One line per row, one cell per tab: both become spaces inside.
            text.replace(['\t', '\n', '\r'], " ")
        };
        let mut text = fields.join("\t");
        for row in &rows {
            let record = row.record.json();
            text.push('\n');
            text.push_str(&fields.iter().map(|field| cell(&record[*field])).collect::<Vec<_>>().join("\t"));
        }
        text.push('\n');
        Some((text, rows.len(), elsewhere))
    }

    /// Marks or unmarks the selected row and moves down.
    pub fn mark(&mut self) {
        if let Some(id) = self.selected_row().map(|row| row.id) {
            if !self.marked.remove(&id) {
                self.marked.insert(id);
            }
            if self.selected + 1 < self.rows.len() {
                self.selected += 1;
            }
        }
    }

    /// Replaces a row that was saved, when it is on this page.
    pub fn replace(&mut self, row: &DisplayRow) {
        if let Some(slot) = self.rows.iter_mut().find(|old| old.id == row.id && old.kind() == row.kind()) {
            *slot = row.clone();
        }
    }

    /// The title: what is shown, filtered how, sorted how.
    pub fn title(&self) -> String {
        let mut title = self.kind.title().to_owned();
        if let Some(scope) = &self.scope {
            title.push(' ');
            title.push_str(&scope.describe());
        }
        let filters: Vec<&str> = self.filters.iter().map(|filter| filter.label()).collect();
        if !filters.is_empty() {
            title.push_str(&format!(" · {}", filters.join(", ")));
        }
        if !self.search.is_empty() {
            title.push_str(&format!(" · /{}", crate::text::sanitize(&self.search)));
        }
        if let Some(column) = self.kind.columns().get(self.sort) {
            title.push_str(&format!(
                " · by {} {}",
                column.title.to_lowercase(),
                if self.descending { "↓" } else { "↑" }
            ));
        }
        if !self.marked.is_empty() {
            title.push_str(&format!(" · {} marked", self.marked.len()));
        }
        title
    }
}

/// Which columns fit `width`: all when they fit, else key columns first.
fn fitting(kind: ListKind, width: u16) -> Vec<usize> {
    let columns = kind.columns();
    let need = |indexes: &[usize]| indexes.iter().map(|index| columns[*index].min + 1).sum::<u16>() + 2;
    let mut shown: Vec<usize> = (0..columns.len()).collect();
    // Drop optional columns from the right until the rest fit.
    while need(&shown) > width {
        match shown.iter().rposition(|index| !columns[*index].key) {
            Some(at) => {
                shown.remove(at);
            }
            None => break,
        }
    }
    shown
}

/// Draws the list in `area`, with a detail pane on wide terminals.
/// Draws the list (and the side pane on wide terminals); returns where its
/// rows are, for the mouse, when it shows any.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    view: &ListView,
    theme: Theme,
    spinner: &str,
    keys: &Keymap,
) -> Option<Rect> {
    let (table_area, detail_area) = if area.width >= 120 {
        let [table, detail] = Layout::horizontal([Constraint::Fill(3), Constraint::Length(44)]).areas(area);
        (table, Some(detail))
    } else {
        (area, None)
    };
    let status = match (&view.loading, &view.error) {
        (Loading::Waiting(_), _) => format!(" {spinner} loading "),
        (_, Some(_)) => " failed ".to_owned(),
        _ => String::new(),
    };
    let mut title = vec![Span::styled(format!(" {} ", view.title()), theme.title())];
    if !status.is_empty() {
        title.push(Span::styled(status, theme.warn()));
    }
    let block = Block::bordered().title(Line::from(title));
    let inner = block.inner(table_area);
    frame.render_widget(block, table_area);
    let mut body = inner;
    if let Some(input) = &view.search_input {
        let [line, rest] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(inner);
        let [label, field] = Layout::horizontal([Constraint::Length(2), Constraint::Fill(1)]).areas(line);
        frame.render_widget(Paragraph::new(Span::styled("/", theme.key())), label);
        frame.render_widget(input, field);
        body = rest;
    }
    if let Some(error) = &view.error {
        frame.render_widget(
            Paragraph::new(vec![
                Line::from(Span::styled(
                    format!("Could not load {}:", view.kind.title().to_lowercase()),
                    theme.error(),
                )),
                Line::from(error.as_str()),
                Line::from(Span::styled(
                    format!("{} tries again.", keys.keys_of(Context::Global, Command::Refresh, 1)),
                    theme.dim(),
                )),
            ])
            .wrap(Wrap { trim: true }),
            body,
        );
    } else if view.rows.is_empty() && view.loading != Loading::Done {
        frame.render_widget(Paragraph::new(Span::styled(format!("{spinner} Loading…"), theme.dim())), body);
    } else if view.rows.is_empty() {
        let hint = if view.filters.is_empty() && view.search.is_empty() {
            format!("No {} yet.", view.kind.title().to_lowercase())
        } else {
            format!("No {} match: change the filters or the search.", view.kind.title().to_lowercase())
        };
        frame.render_widget(Paragraph::new(Span::styled(hint, theme.dim())), body);
    }
    let mut rows = None;
    if view.error.is_none() && !view.rows.is_empty() {
        render_table(frame, body, view, theme);
        // The rows start under the header line.
        rows = Some(Rect { y: body.y + 1, height: body.height.saturating_sub(1), ..body });
    }
    if let Some(detail_area) = detail_area {
        detail::render(frame, detail_area, view.selected_row(), theme);
    }
    rows
}

fn render_table(frame: &mut Frame, area: Rect, view: &ListView, theme: Theme) {
    let columns = view.kind.columns();
    let shown = fitting(view.kind, area.width);
    let header = Row::new(shown.iter().map(|index| {
        let column = &columns[*index];
        let arrow = if *index == view.sort { if view.descending { "↓" } else { "↑" } } else { "" };
        Cell::from(format!("{}{arrow}", column.title))
    }))
    .style(theme.header());
    let rows = view.rows.iter().map(|row| {
        let cells = shown.iter().map(|index| Cell::from(row.cells.get(*index).cloned().unwrap_or_default()));
        let style = if view.marked.contains(&row.id) { theme.marked() } else { ratatui::style::Style::new() };
        Row::new(cells).style(style)
    });
    let widths: Vec<Constraint> = shown
        .iter()
        .map(|index| {
            let column = &columns[*index];
            if column.grow == 0 { Constraint::Length(column.min) } else { Constraint::Fill(column.grow) }
        })
        .collect();
    let table = Table::new(rows, widths)
        .header(header)
        .column_spacing(1)
        .row_highlight_style(theme.selected())
        .highlight_symbol(if view.marked.is_empty() { "" } else { "▸" });
    let mut state = TableState::default().with_selected(Some(view.selected));
    frame.render_stateful_widget(table, area, &mut state);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_terminals_keep_key_columns() {
        let shown = fitting(ListKind::Clients, 60);
        let titles: Vec<&str> = shown.iter().map(|index| ListKind::Clients.columns()[*index].title).collect();
        assert_eq!(titles, ["ID", "Name", "Company", "Email"]);
        assert_eq!(fitting(ListKind::Clients, 200).len(), ListKind::Clients.columns().len());
    }
}
