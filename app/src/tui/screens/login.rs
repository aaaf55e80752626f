//! The screens before the main tabs: login, the first manager's bootstrap
//! on an empty database, and the forced password change.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::tui::theme::Theme;
use crate::tui::widgets::form::{self, Field, Form};

/// Which of the three it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gate {
    /// Email and password.
    Login,
    /// The first employee, a manager, on an empty database.
    Bootstrap,
    /// A new password before anything else.
    ChangePassword,
}

/// A gate screen's state.
#[derive(Clone, Debug)]
pub struct GateScreen {
    pub gate: Gate,
    pub form: Form,
    /// Information above the form (demo logins, what happened).
    pub notice: Option<String>,
}

impl GateScreen {
    /// The login screen, email prefilled.
    pub fn login(email: &str) -> GateScreen {
        let mut form = Form::new(
            "Log in",
            vec![
                Field::text("email", "Email", "you@epic-events.test", email),
                Field::secret("password", "Password", ""),
            ],
        );
        if !email.is_empty() {
            form.focus = 1;
        }
        GateScreen { gate: Gate::Login, form, notice: None }
    }

    /// The first-run screen.
    pub fn bootstrap() -> GateScreen {
        let form = Form::new(
            "Create the first manager",
            vec![
                Field::text("first name", "First name", "", ""),
                Field::text("last name", "Last name", "", ""),
                Field::text("email", "Email", "you@epic-events.test", ""),
                Field::text("phone", "Phone", "(optional)", ""),
                Field::secret("password", "Password", "8 to 128 characters"),
                Field::secret("confirm", "Again", "the same password"),
            ],
        );
        GateScreen {
            gate: Gate::Bootstrap,
            form,
            notice: Some(
                "Nobody has an account in this database yet. Create the first manager (MANAGEMENT), \
                 or press F2 to load the demo company and log in with a demo login."
                    .to_owned(),
            ),
        }
    }

    /// The forced password change.
    pub fn change_password() -> GateScreen {
        let form = Form::new(
            "Choose a new password",
            vec![
                Field::secret("current", "Current password", "the one you logged in with"),
                Field::secret("new", "New password", "8 to 128 characters"),
                Field::secret("confirm", "Again", "the same new password"),
            ],
        );
        GateScreen {
            gate: Gate::ChangePassword,
            form,
            notice: Some("Your account needs a new password before you go on.".to_owned()),
        }
    }

    /// The keys shown under the form; `profiles` is how many databases
    /// are configured.
    pub fn footer(&self, profiles: usize) -> String {
        match self.gate {
            Gate::Login if profiles >= 2 => {
                format!("Enter: next / log in · F2: next database ({profiles} configured) · Ctrl-c: quit")
            }
            Gate::Login => "Enter: next / log in · Tab: next field · Ctrl-c: quit".to_owned(),
            Gate::Bootstrap => "Ctrl-s: create · Tab: next field · F2: load the demo company · Ctrl-c: quit".to_owned(),
            Gate::ChangePassword => "Ctrl-s or Enter on the last field: change · Ctrl-c: quit".to_owned(),
        }
    }
}

/// Draws a gate screen centred, with the product name and the database.
pub fn render(frame: &mut Frame, area: Rect, screen: &GateScreen, database: &str, profiles: usize, theme: Theme) {
    let width = area.width.min(76);
    let notice_lines = screen.notice.as_ref().map_or(0, |notice| (notice.len() as u16 / width.max(1)) + 2);
    let height = (screen.form.height() + 3 + notice_lines).min(area.height);
    let [_, column, _] =
        Layout::horizontal([Constraint::Fill(1), Constraint::Length(width), Constraint::Fill(1)]).areas(area);
    let [_, body, _] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(height), Constraint::Fill(1)]).areas(column);
    let [head, notice, form_area] =
        Layout::vertical([Constraint::Length(2), Constraint::Length(notice_lines), Constraint::Fill(1)]).areas(body);
    frame.render_widget(
        Paragraph::new(vec![
            Line::from(Span::styled("Epic Events CRM", theme.title())),
            Line::from(Span::styled(format!("Database: {database}"), theme.dim())),
        ]),
        head,
    );
    if let Some(text) = &screen.notice {
        frame.render_widget(Paragraph::new(text.as_str()).wrap(Wrap { trim: true }).style(theme.warn()), notice);
    }
    form::render(frame, form_area, &screen.form, theme, &screen.footer(profiles));
}
